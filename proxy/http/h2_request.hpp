#pragma once
// An HTTP/2 request head as nghttp2 decodes it, field by field, turned into the HTTP/1.1
// request the exchange reads and the origin gets (RFC 9113 8.2, 8.3). Pure: no socket, no
// session, so the fuzzer drives it through nghttp2 (tests/fuzz/proxy/fuzz_h2_request.cpp).
// Everything HTTP/2 forbids is a stream error here, before anything can reach the origin:
// the HTTP/2-to-HTTP/1.1 step is where request smuggling hides.
#include "proxy/http/net.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace geogate {

struct h2_head_limits {
    std::size_t max_header_bytes;  // RFC 7541 sizes (name + value + 32): 431 above
    std::size_t max_header_fields; // regular fields: 431 above
};

class h2_request {
public:
    enum class field_verdict { ok, stream_error, connection_error };
    /// One field of the head (call trailers_begin() first for a trailer section: ignored).
    field_verdict add_field(std::string_view name, std::string_view value,
                            const h2_head_limits& limits);
    void trailers_begin() noexcept { in_trailers_ = true; }
    /// The head is complete: 0 when request() is ready for the exchange, else the status to
    /// answer (400, 405, 431), or -1 for a stream error (malformed: nothing may go on).
    int finish();

    const http::request_header<>& request() const noexcept { return req_; }
    std::optional<std::uint64_t> declared_length() const noexcept { return declared_length_; }
    /// The reader sent Expect: 100-continue (not forwarded: the codec answers it).
    bool expect_continue() const noexcept { return expect_continue_; }

private:
    http::request_header<> req_;
    std::vector<std::pair<std::string, std::string>> fields_; // regular fields, in order
    std::string method_, scheme_, authority_, path_, cookie_;
    std::size_t head_bytes_ = 0;
    std::size_t head_fields_ = 0;
    bool head_too_large_ = false;
    bool pseudo_done_ = false; // a regular field was seen
    bool in_trailers_ = false;
    bool expect_continue_ = false;
    std::optional<std::uint64_t> declared_length_;
};

/// Fields HTTP/2 forbids in either direction (RFC 9113 8.2.2), lower-case.
bool h2_connection_specific(std::string_view name) noexcept;

} // namespace geogate
