#pragma once
// Blocking socket I/O for the test origin: one origin_io per accepted connection, with a read
// buffer kept across requests so pipelined requests are parsed in order.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace geogate::test {

struct origin_request {
    std::string method;
    std::string target; // as received
    std::string path;   // target up to '?'
    std::string query;  // after '?', without it
    std::string version;
    std::string request_line;
    std::vector<std::pair<std::string, std::string>> headers; // in order, as received

    /// First value of header `name` (case-insensitive), "" when absent.
    std::string header(std::string_view name) const;
    bool has_header(std::string_view name) const;
    /// Every value of query parameter `key`, percent-decoded.
    std::vector<std::string> query_all(std::string_view key) const;
    std::string query_value(std::string_view key, std::string_view fallback = "") const;
    /// Keep-alive by HTTP/1.1 default and the Connection header.
    bool keep_alive() const;
};

class origin_io {
public:
    explicit origin_io(int fd) noexcept : fd_(fd) {}
    int fd() const noexcept { return fd_; }

    /// Reads one request header block; false on EOF, error or a block it cannot parse.
    bool read_request(origin_request& req);
    /// Streams the request body (Content-Length or chunked) to `sink`; false on bad framing.
    bool read_body(const origin_request& req, const std::function<void(std::string_view)>& sink);
    /// Writes everything, false when the peer is gone.
    bool write_all(std::string_view bytes);
    /// Remaining buffered bytes, then raw reads: for the WebSocket echo.
    bool read_some(std::string& out);

private:
    bool fill();
    bool read_line(std::string& line);
    bool read_exact(std::uint64_t n, const std::function<void(std::string_view)>& sink);

    int fd_;
    std::string buf_;
};

std::string percent_decode(std::string_view in);
bool iequals(std::string_view a, std::string_view b) noexcept;

} // namespace geogate::test
