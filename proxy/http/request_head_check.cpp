#include "proxy/http/request_head_check.hpp"

#include "common/http_text.hpp"

#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace geogate {
namespace {

// #token (RFC 9110 5.6.1): tokens separated by commas and OWS; empty elements are tolerated.
bool is_token_list(std::string_view v) noexcept {
    while (true) {
        auto comma = v.find(',');
        auto element = trim_ows(v.substr(0, comma));
        if (!element.empty() && !is_token(element))
            return false;
        if (comma == std::string_view::npos)
            return true;
        v.remove_prefix(comma + 1);
    }
}

constexpr request_head_verdict bad(unsigned status, std::string_view why) noexcept {
    return {status, why};
}

// The byte-at-a-time scans below run over every request head, so they look at eight bytes at
// a time (SWAR) and only fall back to single bytes where a word holds a candidate.
constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t highs = 0x8080808080808080ULL;

std::uint64_t load8(const char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

// Nonzero exactly when some byte of `w` is below `n` (n <= 128).
constexpr std::uint64_t bytes_below(std::uint64_t w, unsigned n) noexcept {
    return (w - ones * n) & ~w & highs;
}

// Nonzero exactly when some byte of `w` is above `n` (n < 128).
constexpr std::uint64_t bytes_above(std::uint64_t w, unsigned n) noexcept {
    return ((w + ones * (127 - n)) | w) & highs;
}

// Nonzero exactly when some byte of `w` is `c`.
constexpr std::uint64_t maybe_equal(std::uint64_t w, unsigned char c) noexcept {
    return bytes_below(w ^ (ones * c), 1);
}

// A value byte that is a control character other than HTAB, or DEL (RFC 9110 5.5).
bool is_value_control(unsigned char c) noexcept {
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

bool has_control_byte(std::string_view v) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= v.size(); i += 8) {
        const auto w = load8(v.data() + i);
        if ((bytes_below(w, 0x20) | maybe_equal(w, 0x7f)) == 0)
            continue;
        for (std::size_t k = i; k < i + 8; ++k) // a candidate: HTAB, or a real one
            if (is_value_control(static_cast<unsigned char>(v[k])))
                return true;
    }
    for (; i < v.size(); ++i)
        if (is_value_control(static_cast<unsigned char>(v[i])))
            return true;
    return false;
}

// Every byte is visible ASCII (0x21-0x7E): what a request-target may hold.
bool all_visible(std::string_view v) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= v.size(); i += 8) {
        const auto w = load8(v.data() + i);
        if ((bytes_below(w, 0x21) | bytes_above(w, 0x7e)) != 0)
            return false;
    }
    for (; i < v.size(); ++i)
        if (static_cast<unsigned char>(v[i]) <= 0x20 || static_cast<unsigned char>(v[i]) >= 0x7f)
            return false;
    return true;
}

// The first LF not preceded by CR ("bare LF") or CR not followed by LF ("bare CR"), in the
// order they occur; ok when every line ends with CRLF. One memchr per line and kind of byte.
request_head_verdict first_bare_line_end(std::string_view head) noexcept {
    const char* const begin = head.data();
    const char* const end = begin + head.size();
    const char* p = begin;
    while (p < end) {
        const auto* lf = static_cast<const char*>(std::memchr(p, '\n', end - p));
        const char* line_end = lf ? lf : end;
        // Any CR before the line's last byte (the one right before its LF) is bare, and it
        // comes before this LF. Without an LF, every CR left is bare.
        const char* cr_limit = lf && lf > p ? lf - 1 : line_end;
        if (std::memchr(p, '\r', cr_limit - p))
            return bad(400, "bare CR");
        if (!lf)
            return {};
        if (lf == begin || lf[-1] != '\r')
            return bad(400, "bare LF");
        p = lf + 1;
    }
    return {};
}

// reg-name characters (RFC 3986 3.2.2: unreserved / pct-encoded / sub-delims), and those of
// an IP literal between the brackets (hex digits, ':' and '.').
constexpr auto reg_name_char = alnum_and("-._~%!$&'()*+,;=");
constexpr std::array<bool, 256> ip_literal_char = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c)
        t[c] = true;
    for (int c = 'a'; c <= 'f'; ++c)
        t[c] = true;
    for (int c = 'A'; c <= 'F'; ++c)
        t[c] = true;
    t[':'] = t['.'] = true;
    return t;
}();

request_head_verdict check_target(std::string_view method, std::string_view target) noexcept {
    if (target.empty())
        return bad(400, "empty request-target");
    if (!all_visible(target))
        return bad(400, "invalid character in request-target");
    if (target.front() == '/')
        return {};
    if (target == "*")
        return method == "OPTIONS" ? request_head_verdict{}
                                   : bad(400, "asterisk-form outside OPTIONS");
    // absolute-form: a reverse proxy must accept it (RFC 9112 3.2.2); only http(s) schemes.
    auto scheme_end = target.find("://");
    if (scheme_end != std::string_view::npos) {
        auto scheme = target.substr(0, scheme_end);
        if (iequals(scheme, "http") || iequals(scheme, "https")) {
            auto rest = target.substr(scheme_end + 3);
            auto authority = rest.substr(0, rest.find_first_of("/?#"));
            if (authority.find('@') != std::string_view::npos)
                return bad(400, "userinfo in absolute-form target");
            if (!valid_host_value(authority))
                return bad(400, "invalid authority in absolute-form target");
            return {};
        }
    }
    return bad(400, "unsupported request-target form");
}

} // namespace

bool valid_host_value(std::string_view host) noexcept {
    if (host.empty() || host.size() > 255)
        return false;
    std::string_view port;
    if (host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string_view::npos || close < 3)
            return false;
        for (char c : host.substr(1, close - 1))
            if (!ip_literal_char[static_cast<unsigned char>(c)])
                return false;
        auto rest = host.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return false;
            port = rest.substr(1);
            if (port.empty())
                return false;
        }
    } else {
        auto colon = host.rfind(':');
        auto name = host;
        if (colon != std::string_view::npos) {
            name = host.substr(0, colon);
            port = host.substr(colon + 1);
            if (port.empty())
                return false;
        }
        if (name.empty())
            return false;
        for (unsigned char c : name)
            if (!reg_name_char[c])
                return false;
    }
    if (port.size() > 5)
        return false;
    for (char c : port)
        if (c < '0' || c > '9')
            return false;
    return true;
}

request_head_verdict check_request_head(std::string_view head,
                                        const request_head_limits& limits) noexcept {
    // Line endings first: every LF must follow a CR and every CR must precede an LF.
    if (auto bare = first_bare_line_end(head); !bare.ok())
        return bare;
    auto line_end = head.find("\r\n");
    if (line_end == std::string_view::npos)
        return bad(400, "no request line");
    if (line_end > limits.max_request_line)
        return bad(414, "request line too long");
    auto line = head.substr(0, line_end);

    // request-line = method SP request-target SP HTTP-version
    auto sp1 = line.find(' ');
    auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
        line.find(' ', sp2 + 1) != std::string_view::npos)
        return bad(400, "malformed request line");
    auto method = line.substr(0, sp1);
    auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    auto version = line.substr(sp2 + 1);
    if (!is_token(method))
        return bad(400, "invalid method");
    bool http10 = false;
    if (version == "HTTP/1.0")
        http10 = true;
    else if (version != "HTTP/1.1") {
        bool shaped = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                      std::isdigit(static_cast<unsigned char>(version[5])) && version[6] == '.' &&
                      std::isdigit(static_cast<unsigned char>(version[7]));
        return shaped ? bad(505, "unsupported HTTP version") : bad(400, "malformed HTTP version");
    }
    if (method == "CONNECT" || method == "TRACE")
        return bad(405, "method not allowed");
    if (auto v = check_target(method, target); !v.ok())
        return v;

    int host_count = 0;
    int length_count = 0;
    int te_count = 0;
    std::size_t field_count = 0;
    std::string_view host;
    std::size_t pos = line_end + 2;
    while (pos < head.size()) {
        auto end = head.find("\r\n", pos);
        if (end == std::string_view::npos)
            return bad(400, "unterminated header field");
        auto field = head.substr(pos, end - pos);
        pos = end + 2;
        if (field.empty())
            break; // the empty line ending the head
        // Thousands of tiny fields fit under max_header_bytes but cost the origin (and every
        // hop-by-hop scan here) per field: a count limit, like Envoy's.
        if (++field_count > limits.max_header_fields)
            return bad(431, "too many header fields");
        if (field.front() == ' ' || field.front() == '\t')
            return bad(400, "obs-fold");
        auto colon = field.find(':');
        if (colon == std::string_view::npos)
            return bad(400, "header field without colon");
        auto name = field.substr(0, colon);
        if (!is_token(name))
            return bad(400, "invalid header field name"); // also catches "Name :"
        auto value = field.substr(colon + 1);
        if (has_control_byte(value))
            return bad(400, "control character in header value");
        value = trim_ows(value);
        if (iequals(name, "host")) {
            ++host_count;
            host = value;
        } else if (iequals(name, "content-length")) {
            if (++length_count > 1)
                return bad(400, "duplicate Content-Length");
            if (value.empty() || value.size() > 18)
                return bad(400, "invalid Content-Length");
            for (char c : value)
                if (c < '0' || c > '9')
                    return bad(400, "invalid Content-Length");
        } else if (iequals(name, "connection") || iequals(name, "proxy-connection")) {
            // Connection options name header fields to remove (RFC 9110 7.6.1): tokens only,
            // as Beast also insists.
            if (!is_token_list(value))
                return bad(400, "invalid Connection");
        } else if (iequals(name, "transfer-encoding")) {
            if (++te_count > 1)
                return bad(400, "duplicate Transfer-Encoding");
            if (!iequals(value, "chunked"))
                return bad(400, "Transfer-Encoding other than chunked");
        }
    }
    if (te_count && length_count)
        return bad(400, "Content-Length with Transfer-Encoding");
    if (te_count && http10)
        return bad(400, "Transfer-Encoding in HTTP/1.0");
    if (host_count > 1)
        return bad(400, "duplicate Host");
    if (host_count == 0 && !http10)
        return bad(400, "missing Host");
    if (host_count == 1 && !valid_host_value(host))
        return bad(400, "invalid Host");
    return {};
}

} // namespace geogate
