#include "tests/browser/page_server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <brotli/encode.h>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

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
    if (ext == ".png")
        return "image/png";
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

bool iequal_prefix(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i])
            return false;
    return true;
}

// The Accept-Encoding value of a request head, lowercased ("" when absent).
std::string accept_encoding(const std::string& head) {
    for (std::size_t at = head.find("\r\n"); at != std::string::npos;) {
        const std::size_t line = at + 2, end = head.find("\r\n", line);
        if (end == std::string::npos)
            break;
        const std::string_view l(head.data() + line, end - line);
        if (iequal_prefix(l, "accept-encoding:")) {
            std::string v(l.substr(16));
            for (auto& c : v)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return v;
        }
        at = end;
    }
    return {};
}

// Whether `coding` is a token of an Accept-Encoding value (q-values ignored: the tests' peers
// list what they take, without q=0).
bool lists(const std::string& accept, std::string_view coding) {
    for (std::size_t at = 0; at <= accept.size();) {
        const std::size_t comma = std::min(accept.find(',', at), accept.size());
        std::string_view token(accept.data() + at, comma - at);
        token = token.substr(0, token.find(';'));
        while (!token.empty() && token.front() == ' ')
            token.remove_prefix(1);
        while (!token.empty() && token.back() == ' ')
            token.remove_suffix(1);
        if (token == coding)
            return true;
        at = comma + 1;
    }
    return false;
}

std::string gzip(const std::string& in) {
    z_stream z{};
    if (::deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return {};
    std::string out(::deflateBound(&z, static_cast<uLong>(in.size())) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const bool ok = ::deflate(&z, Z_FINISH) == Z_STREAM_END;
    out.resize(z.total_out);
    ::deflateEnd(&z);
    return ok ? out : std::string();
}

std::string brotli(const std::string& in) {
    std::string out(::BrotliEncoderMaxCompressedSize(in.size()) + 64, '\0');
    std::size_t size = out.size();
    if (!::BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT,
                                 in.size(), reinterpret_cast<const std::uint8_t*>(in.data()), &size,
                                 reinterpret_cast<std::uint8_t*>(out.data())))
        return {};
    out.resize(size);
    return out;
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
    routes_[path] = entry{file, std::move(headers), {}};
}

void page_server::route_compressed(const std::string& path, const std::string& file,
                                   header_list headers, const std::string& coding) {
    std::lock_guard lock(mutex_);
    routes_[path] = entry{file, std::move(headers), coding};
}

std::string page_server::coding_sent(const std::string& path) const {
    std::lock_guard lock(mutex_);
    const auto it = coding_sent_.find(path);
    return it == coding_sent_.end() ? std::string() : it->second;
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
    const std::string path = target.substr(0, target.find('?'));
    entry e;
    {
        std::lock_guard lock(mutex_);
        received_.push_back(target);
        const auto it = routes_.find(path);
        e = it != routes_.end() ? it->second : entry{path.substr(1), {}, {}};
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
    std::string coding = status == 200 ? e.coding : std::string();
    if (coding == "negotiate") {
        const std::string accept = accept_encoding(head);
        coding = lists(accept, "br") ? "br" : lists(accept, "gzip") ? "gzip" : "";
        out += "Vary: Accept-Encoding\r\n";
    }
    if (!coding.empty()) {
        body = coding == "br" ? brotli(body) : gzip(body);
        out += "Content-Encoding: " + coding + "\r\n";
    }
    {
        std::lock_guard lock(mutex_);
        coding_sent_[path] = coding;
    }
    out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (method != "HEAD")
        out += body;
    write_all(fd, out);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
}

} // namespace geogate::browser
