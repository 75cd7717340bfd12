#include "tests/integration/support/raw_client.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace geogate::it {
namespace {

using clock_type = std::chrono::steady_clock;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

int remaining_ms(clock_type::time_point deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock_type::now());
    return static_cast<int>(std::max<long long>(0, left.count()));
}

} // namespace

std::string http_response::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name))
            return v;
    return {};
}

std::size_t http_response::count(std::string_view name) const {
    return static_cast<std::size_t>(std::count_if(
        headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); }));
}

raw_client::raw_client(unsigned short port, std::string local_address, milliseconds timeout,
                       int receive_buffer) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        connect_errno_ = errno;
        return;
    }
    if (receive_buffer > 0) // before connect: the window scale is fixed by the handshake
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    if (!local_address.empty()) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, local_address.c_str(), &local.sin_addr);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            connect_errno_ = errno;
            ::close(fd);
            return;
        }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
        } else {
            errno = ETIMEDOUT;
        }
    }
    if (rc != 0) {
        connect_errno_ = errno;
        ::close(fd);
        return;
    }
    ::fcntl(fd, F_SETFL, flags);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd_ = fd;
}

raw_client::~raw_client() {
    if (fd_ >= 0)
        ::close(fd_);
}

raw_client::raw_client(raw_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), connect_errno_(other.connect_errno_),
      buf_(std::move(other.buf_)) {}

bool raw_client::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

void raw_client::shutdown_write() noexcept {
    ::shutdown(fd_, SHUT_WR);
}

raw_client::fill_result raw_client::fill(clock_type::time_point deadline) {
    if (fd_ < 0)
        return fill_result::eof;
    for (;;) {
        pollfd p{fd_, POLLIN, 0};
        const int r = ::poll(&p, 1, remaining_ms(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return fill_result::timeout;
        char tmp[65536];
        const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n > 0) {
            buf_.append(tmp, static_cast<std::size_t>(n));
            return fill_result::data;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return fill_result::eof; // 0 = FIN, <0 = reset or error: the connection is over
    }
}

bool raw_client::read_line(std::string& line, clock_type::time_point deadline, http_response& res) {
    for (;;) {
        const auto pos = buf_.find("\r\n");
        if (pos != std::string::npos) {
            line.assign(buf_, 0, pos);
            buf_.erase(0, pos + 2);
            return true;
        }
        const auto r = fill(deadline);
        if (r == fill_result::eof)
            res.closed = true;
        if (r == fill_result::timeout)
            res.timed_out = true;
        if (r != fill_result::data)
            return false;
    }
}

http_response raw_client::read_response(milliseconds timeout, bool head, const body_sink& sink) {
    const auto deadline = clock_type::now() + timeout;
    http_response res;
    const auto deliver = [&](std::string_view piece) {
        res.body_bytes += piece.size();
        if (sink)
            sink(piece);
        else
            res.body.append(piece);
    };
    for (;;) { // header block; 1xx other than 101 are skipped
        res = http_response{};
        std::string line;
        if (!read_line(line, deadline, res))
            return res;
        res.raw_head = line + "\r\n";
        const auto sp1 = line.find(' ');
        if (sp1 == std::string::npos)
            return res;
        res.version = line.substr(0, sp1);
        try {
            res.status = std::stoi(line.substr(sp1 + 1, 3));
        } catch (...) {
            return res;
        }
        res.reason = line.size() > sp1 + 5 ? line.substr(sp1 + 5) : "";
        for (;;) {
            if (!read_line(line, deadline, res))
                return res;
            res.raw_head += line + "\r\n";
            if (line.empty())
                break;
            const auto colon = line.find(':');
            std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
            const auto b = value.find_first_not_of(" \t");
            const auto e = value.find_last_not_of(" \t");
            value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
            res.headers.emplace_back(line.substr(0, colon), value);
        }
        if (res.status >= 200 || res.status == 101)
            break;
    }
    if (head || res.status == 101 || res.status == 204 || res.status == 304) {
        res.complete = true;
        return res;
    }
    const std::string te = lower(res.header("Transfer-Encoding"));
    if (te.size() >= 7 && te.compare(te.size() - 7, 7, "chunked") == 0) {
        std::string line;
        for (;;) {
            if (!read_line(line, deadline, res))
                return res;
            std::uint64_t size = 0;
            std::size_t used = 0;
            try {
                size = std::stoull(line, &used, 16);
            } catch (...) {
                return res;
            }
            if (size == 0)
                break;
            while (size > 0) {
                if (buf_.empty()) {
                    const auto r = fill(deadline);
                    res.closed = r == fill_result::eof;
                    res.timed_out = r == fill_result::timeout;
                    if (r != fill_result::data)
                        return res;
                }
                const auto take =
                    static_cast<std::size_t>(std::min<std::uint64_t>(size, buf_.size()));
                deliver(std::string_view(buf_).substr(0, take));
                buf_.erase(0, take);
                size -= take;
            }
            if (!read_line(line, deadline, res) || !line.empty())
                return res;
        }
        do { // trailers
            if (!read_line(line, deadline, res))
                return res;
        } while (!line.empty());
        res.complete = true;
        return res;
    }
    const std::string cl = res.header("Content-Length");
    if (!cl.empty()) {
        std::uint64_t left = 0;
        try {
            left = std::stoull(cl);
        } catch (...) {
            return res;
        }
        while (left > 0) {
            if (buf_.empty()) {
                const auto r = fill(deadline);
                res.closed = r == fill_result::eof;
                res.timed_out = r == fill_result::timeout;
                if (r != fill_result::data)
                    return res;
            }
            const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf_.size()));
            deliver(std::string_view(buf_).substr(0, take));
            buf_.erase(0, take);
            left -= take;
        }
        res.complete = true;
        return res;
    }
    for (;;) { // close-delimited
        if (!buf_.empty()) {
            deliver(buf_);
            buf_.clear();
        }
        const auto r = fill(deadline);
        if (r == fill_result::timeout) {
            res.timed_out = true;
            return res;
        }
        if (r == fill_result::eof) {
            res.closed = true;
            res.complete = true;
            return res;
        }
    }
}

std::string raw_client::read_bytes(std::size_t min_bytes, milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    while (buf_.size() < min_bytes && fill(deadline) == fill_result::data) {
    }
    std::string out;
    out.swap(buf_);
    return out;
}

std::string raw_client::read_at_most(std::size_t max_bytes, milliseconds timeout) {
    if (buf_.empty() && fd_ >= 0) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
            std::string piece(max_bytes, '\0');
            const ssize_t n = ::recv(fd_, piece.data(), piece.size(), 0);
            piece.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
            return piece;
        }
        return {};
    }
    const std::size_t take = std::min(max_bytes, buf_.size());
    std::string out = buf_.substr(0, take);
    buf_.erase(0, take);
    return out;
}

unsigned short raw_client::local_port() const noexcept {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return 0;
    return ntohs(addr.sin_port);
}

bool raw_client::wait_closed(milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
        buf_.clear();
        const auto r = fill(deadline);
        if (r == fill_result::eof)
            return true;
        if (r == fill_result::timeout)
            return false;
    }
}

http_response round_trip(unsigned short port, std::string_view request, milliseconds timeout,
                         bool head) {
    raw_client c(port);
    if (!c.connected())
        return {};
    c.send(request);
    return c.read_response(timeout, head);
}

std::string get_request(std::string_view target, std::string_view extra, std::string_view host) {
    std::string out = "GET ";
    out.append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
    out.append(extra).append("\r\n");
    return out;
}

} // namespace geogate::it
