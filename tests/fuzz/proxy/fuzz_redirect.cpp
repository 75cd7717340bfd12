// build_redirect_location on arbitrary path and query bytes: the Location's authority is always
// the mirror's, the value holds only URI characters with complete %XX triplets (no CR, LF, NUL,
// space, backslash, '#', non-ASCII), and a valid path/query is kept byte-for-byte.
// Input: byte 0 = flags (bit 0: has_query, bits 1-2: mirror), byte 1 = share of the rest that
// is the path; the remainder is the path followed by the query.
#include "proxy/http/redirect.hpp"
#include "tests/fuzz/invariant.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view mirrors[] = {"https://mirror-a.example.net",
                                        "https://mirror-b.example.org/", "http://m.example:8443//",
                                        "https://[2001:db8::1]"};
constexpr std::string_view authorities[] = {"mirror-a.example.net", "mirror-b.example.org",
                                            "m.example:8443", "[2001:db8::1]"};

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool uri_char(char c, bool query) {
    static constexpr std::string_view safe =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/";
    return safe.find(c) != std::string_view::npos || (query && c == '?');
}

// Only URI characters and complete percent-encoded triplets.
bool valid_part(std::string_view s, bool query) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                return false;
            i += 2;
        } else if (!uri_char(s[i], query)) {
            return false;
        }
    }
    return true;
}

[[noreturn]] void fail(const char* what, std::string_view loc) {
    geogate::fuzz::invariant_broken(what, "Location", loc);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    const bool has_query = data[0] & 1;
    const std::size_t m = (data[0] >> 1) & 3;
    const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
    const std::size_t path_len = rest.size() * data[1] / 255;
    const auto path = rest.substr(0, path_len);
    const auto query = rest.substr(path_len);

    const auto loc = geogate::build_redirect_location(mirrors[m], path, query, has_query);

    std::string_view base = mirrors[m];
    while (base.back() == '/')
        base.remove_suffix(1);
    if (loc.compare(0, base.size(), base) != 0 || loc.size() <= base.size() ||
        loc[base.size()] != '/')
        fail("does not start with the mirror and '/'", loc);
    // The authority as a browser reads it ('\' ends it too for http(s)).
    const auto after = std::string_view(loc).substr(loc.find("://") + 3);
    if (after.substr(0, after.find_first_of("/\\?#")) != authorities[m])
        fail("authority is not the mirror's", loc);

    const auto tail = std::string_view(loc).substr(base.size());
    const auto q = tail.find('?');
    if (!valid_part(tail.substr(0, q), false))
        fail("path part not clean", loc);
    if (q != std::string_view::npos && !valid_part(tail.substr(q + 1), true))
        fail("query part not clean", loc);
    if ((q != std::string_view::npos) != has_query)
        fail("query presence changed", loc);

    if (!path.empty() && path.front() == '/' && valid_part(path, false) &&
        tail.substr(0, q) != path)
        fail("valid path not kept byte-for-byte", loc);
    if (has_query && valid_part(query, true) && tail.substr(q + 1) != query)
        fail("valid query not kept byte-for-byte", loc);
    return 0;
}
