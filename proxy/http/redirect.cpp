#include "proxy/http/redirect.hpp"

#include "common/http_text.hpp"

#include <array>

namespace geogate {
namespace {

// pchar = unreserved / pct-encoded / sub-delims / ":" / "@"  (RFC 3986 3.3); '/' separates.
constexpr auto path_safe = alnum_and("-._~!$&'()*+,;=:@/");

bool is_hex(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void append_encoded(std::string& out, std::string_view s, bool query) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        bool keep = path_safe[c] || (query && c == '?');
        if (c == '%')
            keep = i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2]);
        if (keep) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
}

} // namespace

std::string build_redirect_location(std::string_view mirror_base, std::string_view path,
                                    std::string_view query, bool has_query) {
    std::string out;
    out.reserve(mirror_base.size() + path.size() + query.size() + 8);
    while (!mirror_base.empty() && mirror_base.back() == '/')
        mirror_base.remove_suffix(1);
    out += mirror_base;
    if (path.empty() || path.front() != '/')
        out += '/';
    append_encoded(out, path, false);
    if (has_query) {
        out += '?';
        append_encoded(out, query, true);
    }
    return out;
}

} // namespace geogate
