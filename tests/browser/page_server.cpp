#include "tests/browser/page_server.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

namespace geogate::browser {
namespace {

std::string content_type(const std::filesystem::path& p) {
    const std::string ext = p.extension().string();
    if (ext == ".html")
        return "text/html; charset=utf-8";
    if (ext == ".css")
        return "text/css; charset=utf-8";
    if (ext == ".js")
        return "text/javascript; charset=utf-8";
    return "application/octet-stream";
}

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

} // namespace

page_server::page_server(std::filesystem::path root) : root_(std::move(root)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return;
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

page_server::~page_server() {
    stop_ = true;
    if (acceptor_.joinable())
        acceptor_.join();
    for (auto& t : connections_) // no new ones: the acceptor has ended
        t.join();
    if (listen_fd_ >= 0)
        ::close(listen_fd_);
}

void page_server::route(const std::string& path, const std::string& file, header_list headers) {
    std::lock_guard lock(mutex_);
    routes_[path] = entry{file, std::move(headers)};
}

std::vector<std::string> page_server::received() const {
    std::lock_guard lock(mutex_);
    return received_;
}

void page_server::accept_loop() {
    while (!stop_) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0)
            continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0)
            connections_.emplace_back([this, fd] { serve(fd); });
    }
}

void page_server::serve(int fd) {
    // Read the request head, bounded in size and time (and cut short by stop_).
    std::string head;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536 && !stop_ &&
           std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0)
            continue;
        char buf[4096];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        head.append(buf, static_cast<std::size_t>(n));
    }
    const auto sp1 = head.find(' ');
    const auto sp2 = head.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
    if (head.find("\r\n\r\n") == std::string::npos || sp1 == std::string::npos ||
        sp2 == std::string::npos) {
        ::close(fd);
        return;
    }
    const std::string method = head.substr(0, sp1);
    std::string target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    entry e;
    {
        std::lock_guard lock(mutex_);
        received_.push_back(target);
        const std::string path = target.substr(0, target.find('?'));
        const auto it = routes_.find(path);
        e = it != routes_.end() ? it->second : entry{path.substr(1), {}};
    }
    std::string body;
    int status = 404;
    if (!e.file.empty() && e.file.find("..") == std::string::npos &&
        e.file.find('/') == std::string::npos) {
        std::ifstream in(root_ / e.file, std::ios::binary);
        if (in) {
            std::ostringstream ss;
            ss << in.rdbuf();
            body = ss.str();
            status = 200;
        }
    }
    std::string out = status == 200 ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n";
    out += "Content-Type: " +
           (status == 200 ? content_type(e.file) : std::string("text/plain; charset=utf-8")) +
           "\r\n";
    if (status == 200)
        for (const auto& [name, value] : e.headers)
            out += name + ": " + value + "\r\n";
    if (status != 200)
        body = "not found\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (method != "HEAD")
        out += body;
    write_all(fd, out);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
}

} // namespace geogate::browser
