#pragma once
// A raw HTTP/1.1 client over TCP for integration tests: it sends exactly the bytes it is given
// and reads responses with a minimal parser (Content-Length, chunked, close-delimited), so a
// test can send malformed requests and see precisely what came back and whether the
// connection was closed. Every read has a deadline.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace geogate::it {

using std::chrono::milliseconds;

struct http_response {
    std::string version; // "HTTP/1.1"
    int status = 0;      // 0: no status line arrived
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;             // empty when a body sink was given
    std::uint64_t body_bytes = 0; // body bytes received (decoded when chunked)
    bool complete = false;        // header and the whole body, as its framing announced
    bool closed = false;          // the peer closed (EOF or reset) while this was read
    bool timed_out = false;
    std::string raw_head; // status line and headers as received

    /// First value of `name` (case-insensitive), "" when absent.
    std::string header(std::string_view name) const;
    std::size_t count(std::string_view name) const;
    bool has(std::string_view name) const { return count(name) > 0; }
};

using body_sink = std::function<void(std::string_view)>;

class raw_client {
public:
    /// Connects to 127.0.0.1:port, optionally from `local_address` (e.g. "127.0.0.2" to act
    /// as a distinct reader). connected() says whether it worked. `receive_buffer` > 0 sets
    /// SO_RCVBUF (a slow reader whose kernel buffer does not hide its slowness).
    explicit raw_client(unsigned short port, std::string local_address = {},
                        milliseconds timeout = milliseconds(3000), int receive_buffer = 0);
    ~raw_client();
    raw_client(raw_client&& other) noexcept;
    raw_client(const raw_client&) = delete;
    raw_client& operator=(const raw_client&) = delete;
    raw_client& operator=(raw_client&&) = delete;

    bool connected() const noexcept { return fd_ >= 0; }
    int connect_error() const noexcept { return connect_errno_; }

    /// Writes all bytes (blocking); false when the peer is gone.
    bool send(std::string_view bytes);
    /// Reads one response (skipping 100 Continue); `head` = it answers a HEAD request.
    /// With a sink, body bytes go there instead of into body.
    http_response read_response(milliseconds timeout = milliseconds(5000), bool head = false,
                                const body_sink& sink = {});
    /// Raw bytes: whatever arrives within `timeout`, at least `min_bytes` if possible.
    std::string read_bytes(std::size_t min_bytes, milliseconds timeout);
    /// Raw bytes, at most `max_bytes` taken from the socket (a reader that paces itself);
    /// "" when nothing arrives within `timeout` or the peer has closed.
    std::string read_at_most(std::size_t max_bytes, milliseconds timeout);
    /// The local port of this connection (what the server sees as the peer's port).
    unsigned short local_port() const noexcept;
    /// True when the peer closes (EOF or reset) within `timeout`; data arriving first is
    /// discarded. False when it is still open at the deadline.
    bool wait_closed(milliseconds timeout);
    void shutdown_write() noexcept;

private:
    enum class fill_result { data, eof, timeout };
    fill_result fill(std::chrono::steady_clock::time_point deadline);
    bool read_line(std::string& line, std::chrono::steady_clock::time_point deadline,
                   http_response& res);

    int fd_ = -1;
    int connect_errno_ = 0;
    std::string buf_;
};

/// One request on a fresh connection: send `request`, read one response.
http_response round_trip(unsigned short port, std::string_view request,
                         milliseconds timeout = milliseconds(5000), bool head = false);

/// "GET target HTTP/1.1\r\nHost: host\r\n<extra>\r\n": extra is zero or more "Name: v\r\n".
std::string get_request(std::string_view target, std::string_view extra = "",
                        std::string_view host = "site.test");

} // namespace geogate::it
