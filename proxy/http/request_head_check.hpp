#pragma once
// Strict RFC 9112 checks on the raw bytes of a request head, before anything is parsed or
// forwarded. PURE. Beast's parser is lenient where smuggling lives (it accepts duplicate equal
// Content-Length values, "gzip, chunked" Transfer-Encoding, obs-fold): every such request is
// refused here with a 4xx and the connection is closed.
#include <cstddef>
#include <string_view>

namespace geogate {

struct request_head_limits {
    std::size_t max_request_line = 8 * 1024;
    std::size_t max_header_fields = 100; // 431 above (Envoy's default)
};

struct request_head_verdict {
    unsigned status = 0;     // 0 = acceptable; else the 4xx/5xx to answer (then close)
    std::string_view reason; // static text for the event log, never sent to the client
    bool ok() const noexcept { return status == 0; }
};

/// `head` is the request line and header fields up to and including the empty line (CRLFCRLF).
/// Checks: request line shape and length (414), the number of header fields (431), method token,
/// request-target characters and form (origin, absolute, asterisk for OPTIONS), version (HTTP/1.0
/// or 1.1; 505 otherwise), CRLF-only line endings, no obs-fold, field-name tokens and value
/// characters, exactly one valid Host (HTTP/1.1), at most one Content-Length of digits only,
/// Transfer-Encoding exactly "chunked" and never with Content-Length or in HTTP/1.0,
/// Connection/Proxy-Connection a list of tokens, no CONNECT or TRACE (405).
request_head_verdict check_request_head(std::string_view head,
                                        const request_head_limits& limits) noexcept;

/// A Host value: reg-name / IPv4 / [IPv6] with an optional port. Pure syntax check.
bool valid_host_value(std::string_view host) noexcept;

} // namespace geogate
