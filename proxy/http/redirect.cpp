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

// What is kept byte-for-byte: a path's bytes, and a query's ('?' too). '%' is decided apart.
constexpr auto query_safe = alnum_and("-._~!$&'()*+,;=:@/?");

bool kept(std::string_view s, std::size_t i, const std::array<bool, 256>& safe) noexcept {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '%')
        return i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2]);
    return safe[c];
}

void append_encoded(std::string& out, std::string_view s, bool query) {
    static constexpr char hex[] = "0123456789ABCDEF";
    const auto& safe = query ? query_safe : path_safe;
    std::size_t i = 0;
    while (i < s.size()) {
        // Runs of kept bytes (usually all of them) go in one append.
        std::size_t run = i;
        while (run < s.size() && kept(s, run, safe))
            ++run;
        out.append(s.data() + i, run - i);
        if (run == s.size())
            break;
        const auto c = static_cast<unsigned char>(s[run]);
        const char escape[3] = {'%', hex[c >> 4], hex[c & 15]};
        out.append(escape, 3);
        i = run + 1;
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
