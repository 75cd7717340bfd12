// geogate_test_origin [--listen 127.0.0.1:0] [--root DIR]
// Prints exactly one line "listening 127.0.0.1:PORT" on stdout, then serves until SIGTERM/SIGINT
// or, when stdin is a pipe, until stdin closes. Endpoints: see origin_server.hpp.
#include "tests/origin/origin_server.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) {
    stop_requested = 1;
}

} // namespace

int main(int argc, char** argv) {
    std::string listen = "127.0.0.1:0";
    geogate::test::origin_state state;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--listen")
            listen = argv[i + 1];
        else if (arg == "--root")
            state.root = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: %s [--listen ADDR:PORT] [--root DIR]\n", argv[0]);
            return 2;
        }
    }
    const auto colon = listen.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(listen.substr(colon + 1))));
    if (colon == std::string::npos ||
        ::inet_pton(AF_INET, listen.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
        std::fprintf(stderr, "bad --listen address %s\n", listen.c_str());
        return 2;
    }
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(lfd, 512) != 0) {
        std::fprintf(stderr, "cannot listen on %s: %s\n", listen.c_str(), std::strerror(errno));
        return 1;
    }
    socklen_t len = sizeof addr;
    ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
    char host[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
    std::printf("listening %s:%u\n", host, static_cast<unsigned>(ntohs(addr.sin_port)));
    std::fflush(stdout);

    struct sigaction sa {};
    sa.sa_handler = on_signal; // no SA_RESTART: poll() returns EINTR
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    struct stat st {};
    const bool watch_stdin = ::fstat(0, &st) == 0 && S_ISFIFO(st.st_mode);
    while (!stop_requested) {
        pollfd fds[2] = {{lfd, POLLIN, 0}, {0, POLLIN, 0}};
        if (::poll(fds, watch_stdin ? 2 : 1, 500) <= 0)
            continue;
        if (watch_stdin && (fds[1].revents & (POLLIN | POLLHUP))) {
            char c;
            if (::read(0, &c, 1) <= 0)
                break;
        }
        if (fds[0].revents & POLLIN) {
            const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            const std::uint64_t id = ++state.connections;
            std::thread([fd, id, &state] {
                geogate::test::serve_connection(fd, id, state);
            }).detach();
        }
    }
    // Detached connection threads may still run: leave without destructors racing them.
    std::fflush(stdout);
    std::_Exit(0);
}
