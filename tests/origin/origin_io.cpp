#include "tests/origin/origin_io.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <sys/socket.h>

namespace geogate::test {

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string percent_decode(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size() &&
            std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else if (in[i] == '+') {
            out += ' ';
        } else {
            out += in[i];
        }
    }
    return out;
}

std::string origin_request::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name))
            return v;
    return {};
}

bool origin_request::has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return iequals(h.first, name); });
}

std::vector<std::string> origin_request::query_all(std::string_view key) const {
    std::vector<std::string> out;
    std::string_view q = query;
    while (!q.empty()) {
        const auto amp = q.find('&');
        const std::string_view part = q.substr(0, amp);
        const auto eq = part.find('=');
        if (percent_decode(part.substr(0, eq)) == key)
            out.push_back(eq == std::string_view::npos ? "" : percent_decode(part.substr(eq + 1)));
        if (amp == std::string_view::npos)
            break;
        q.remove_prefix(amp + 1);
    }
    return out;
}

std::string origin_request::query_value(std::string_view key, std::string_view fallback) const {
    auto all = query_all(key);
    return all.empty() ? std::string(fallback) : all.front();
}

bool origin_request::keep_alive() const {
    const std::string c = header("Connection");
    std::string lower;
    for (char ch : c)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower.find("close") != std::string::npos)
        return false;
    if (version == "HTTP/1.0")
        return lower.find("keep-alive") != std::string::npos;
    return true;
}

bool origin_io::fill() {
    char tmp[65536];
    for (;;) {
        const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n > 0) {
            buf_.append(tmp, static_cast<std::size_t>(n));
            return true;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return false;
    }
}

bool origin_io::read_line(std::string& line) {
    for (;;) {
        const auto pos = buf_.find('\n');
        if (pos != std::string::npos) {
            line.assign(buf_, 0, pos);
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            buf_.erase(0, pos + 1);
            return true;
        }
        if (buf_.size() > 1 << 20 || !fill())
            return false;
    }
}

bool origin_io::read_request(origin_request& req) {
    req = origin_request{};
    std::string line;
    do { // tolerate empty lines between pipelined requests (RFC 9112 2.2)
        if (!read_line(line))
            return false;
    } while (line.empty());
    req.request_line = line;
    const auto sp1 = line.find(' ');
    const auto sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1)
        return false;
    req.method = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    req.version = line.substr(sp2 + 1);
    const auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
    for (;;) {
        if (!read_line(line))
            return false;
        if (line.empty())
            return true;
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            return false;
        std::string value = line.substr(colon + 1);
        const auto b = value.find_first_not_of(" \t");
        const auto e = value.find_last_not_of(" \t");
        value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
        req.headers.emplace_back(line.substr(0, colon), value);
    }
}

bool origin_io::read_exact(std::uint64_t n, const std::function<void(std::string_view)>& sink) {
    while (n > 0) {
        if (buf_.empty() && !fill())
            return false;
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, buf_.size()));
        sink(std::string_view(buf_).substr(0, take));
        buf_.erase(0, take);
        n -= take;
    }
    return true;
}

bool origin_io::read_body(const origin_request& req,
                          const std::function<void(std::string_view)>& sink) {
    const std::string te = req.header("Transfer-Encoding");
    if (!te.empty()) {
        std::string line;
        for (;;) {
            if (!read_line(line))
                return false;
            std::size_t used = 0;
            std::uint64_t size = 0;
            try {
                size = std::stoull(line, &used, 16);
            } catch (...) {
                return false;
            }
            if (used == 0)
                return false;
            if (size == 0)
                break;
            if (!read_exact(size, sink) || !read_line(line) || !line.empty())
                return false;
        }
        do { // trailers
            if (!read_line(line))
                return false;
        } while (!line.empty());
        return true;
    }
    const std::string cl = req.header("Content-Length");
    if (cl.empty())
        return true;
    try {
        return read_exact(std::stoull(cl), sink);
    } catch (...) {
        return false;
    }
}

bool origin_io::write_all(std::string_view bytes) {
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

bool origin_io::read_some(std::string& out) {
    if (buf_.empty() && !fill())
        return false;
    out.swap(buf_);
    buf_.clear();
    return true;
}

} // namespace geogate::test
