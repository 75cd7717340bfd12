#include "proxy/http/h2_request.hpp"

#include "common/http_text.hpp"

#include <algorithm>
#include <charconv>

namespace geogate {
namespace {

// RFC 7541 4.1: a field's size in the header list is its name, its value and 32.
constexpr std::size_t field_overhead = 32;

// A decoded head larger than this many times limits.max_header_bytes ends the connection: the
// 431 already stands, and an HPACK bomb (small frames referring to large table entries over and
// over) would otherwise make geogate decode without end.
constexpr std::size_t head_bomb_factor = 4;

// A request-target byte as the HTTP/1.1 request line to the origin may carry it: visible ASCII.
// A space or control character in :path would split that line (request smuggling).
bool visible_ascii(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// :authority = host [ ":" port ], no userinfo (RFC 9113 8.3.1): what goes out as Host.
bool plausible_authority(std::string_view a) noexcept {
    return !a.empty() && visible_ascii(a) && a.find_first_of("/?#@\\") == std::string_view::npos;
}

} // namespace

// nghttp2 refuses these in requests too: this is the second check.
bool h2_connection_specific(std::string_view name) noexcept {
    for (std::string_view f :
         {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"})
        if (name == f)
            return true;
    return false;
}

h2_request::field_verdict h2_request::add_field(std::string_view name, std::string_view value,
                                                const h2_head_limits& limits) {
    if (in_trailers_)
        return field_verdict::ok; // trailers are not forwarded (docs/request-flow.md)
    head_bytes_ += name.size() + value.size() + field_overhead;
    if (head_bytes_ > head_bomb_factor * limits.max_header_bytes)
        return field_verdict::connection_error;
    if (head_bytes_ > limits.max_header_bytes)
        head_too_large_ = true;
    if (head_too_large_)
        return field_verdict::ok; // counted, not kept: answered 431 at the end of the head
    if (!name.empty() && name.front() == ':') {
        if (pseudo_done_)
            return field_verdict::stream_error; // RFC 9113 8.3: pseudo-fields come first
        std::string* slot = name == ":method"      ? &method_
                            : name == ":scheme"    ? &scheme_
                            : name == ":authority" ? &authority_
                            : name == ":path"      ? &path_
                                                   : nullptr;
        if (!slot || !slot->empty())
            return field_verdict::stream_error; // unknown or repeated
        *slot = value;
        return field_verdict::ok;
    }
    pseudo_done_ = true;
    if (++head_fields_ > limits.max_header_fields) {
        head_too_large_ = true;
        return field_verdict::ok;
    }
    if (h2_connection_specific(name) || (name == "te" && value != "trailers"))
        return field_verdict::stream_error;
    if (name == "cookie") {
        // RFC 9113 8.2.3: cookie crumbs are joined with "; " for HTTP/1.1.
        if (!cookie_.empty())
            cookie_ += "; ";
        cookie_ += value;
        return field_verdict::ok;
    }
    if (name == "content-length") {
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc{} || end != value.data() + value.size() ||
            (declared_length_ && *declared_length_ != n))
            return field_verdict::stream_error;
        declared_length_ = n;
    }
    if (name == "expect") {
        expect_continue_ = iequals(value, "100-continue");
        return field_verdict::ok; // answered here (100), never forwarded
    }
    fields_.emplace_back(name, value);
    return field_verdict::ok;
}

int h2_request::finish() {
    if (head_too_large_)
        return 431;
    if (method_ == "CONNECT")
        return 405; // geogate is no forward proxy; WebSocket over HTTP/2 (RFC 8441) is not offered
    if (method_.empty() || scheme_.empty() || path_.empty() || !is_token(method_))
        return -1;
    const bool asterisk = path_ == "*" && method_ == "OPTIONS";
    if ((!asterisk && path_.front() != '/') || !visible_ascii(path_))
        return -1;
    if (!authority_.empty() && !plausible_authority(authority_))
        return -1;
    std::string_view host;
    for (const auto& [n, v] : fields_)
        if (n == "host") {
            if (!host.empty())
                return -1; // two Host fields
            host = v;
        }
    if (!authority_.empty() && !host.empty() && !iequals(authority_, host))
        return -1; // RFC 9113 8.3.1: a Host naming another entity makes the request malformed
    if (authority_.empty() && host.empty())
        return 400;
    req_.method_string(method_);
    req_.target(path_);
    req_.version(20);
    req_.set(http::field::host, authority_.empty() ? host : std::string_view(authority_));
    for (const auto& [n, v] : fields_)
        if (n != "host")
            req_.insert(n, v);
    if (!cookie_.empty())
        req_.insert(http::field::cookie, cookie_);
    if (declared_length_)
        req_.set(http::field::content_length, std::to_string(*declared_length_));
    fields_.clear();
    fields_.shrink_to_fit();
    return 0;
}

} // namespace geogate
