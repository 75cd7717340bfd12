#include "tests/integration/support/dead_origin.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace geogate::it {
namespace {

sockaddr_in loopback(unsigned short port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    return addr;
}

// Starts a non-blocking connect; the socket, or -1.
int start_connect(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    auto addr = loopback(port);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Whether a connect started by start_connect completes within `timeout`.
bool connect_completes(int fd, milliseconds timeout) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
        return false;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    return err == 0;
}

} // namespace

dead_origin::dead_origin(kind k) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    auto addr = loopback(0);
    socklen_t len = sizeof addr;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, k == kind::black_hole ? 0 : 128) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return;
    port_ = ntohs(addr.sin_port);
    if (k == kind::silent) {
        ready_ = true;
        return;
    }
    // Backlog 0 still queues one connection: that one fills the queue for good.
    const int filler = start_connect(port_);
    if (filler < 0)
        return;
    held_.push_back(filler);
    if (!connect_completes(filler, milliseconds(2000)))
        return;
    const int probe = start_connect(port_);
    ready_ = probe >= 0 && !connect_completes(probe, milliseconds(300));
    if (probe >= 0)
        ::close(probe);
}

dead_origin::~dead_origin() {
    for (int fd : held_)
        ::close(fd);
    if (listener_ >= 0)
        ::close(listener_);
}

std::pair<std::size_t, std::size_t> dead_origin::peers_closed(milliseconds timeout) {
    std::vector<int> taken;
    for (int fd; (fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;)
        taken.push_back(fd);
    held_.insert(held_.end(), taken.begin(), taken.end());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t closed = 0;
    for (int fd : taken) {
        for (;;) {
            const auto left = std::chrono::duration_cast<milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count()))) != 1)
                break; // still open at the deadline
            char buf[4096];
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n > 0)
                continue; // the request the proxy sent: never answered
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            ++closed; // EOF or reset
            break;
        }
    }
    return {taken.size(), closed};
}

} // namespace geogate::it
