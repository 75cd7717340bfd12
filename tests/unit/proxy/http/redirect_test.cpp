// build_redirect_location against an attacker: whatever path and query the request carries,
// the Location's authority is the mirror's, the header never carries CR, LF, NUL, spaces,
// backslashes, raw non-ASCII or a fragment, and a valid path/query is kept byte-for-byte.
#include "proxy/http/redirect.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

using namespace std::string_literals;
using geogate::build_redirect_location;

namespace {

// The authority as a browser finds it (WHATWG URL for special schemes: '\' ends it like '/';
// tabs and newlines would be stripped first, so they must not be there at all).
std::string authority_of(std::string_view url) {
    auto p = url.find("://");
    REQUIRE(p != std::string_view::npos);
    auto rest = url.substr(p + 3);
    return std::string(rest.substr(0, rest.find_first_of("/\\?#")));
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Every byte after the mirror base is a URI character that needs no escaping in a path or
// query, and every '%' starts a complete pct-encoded triplet.
void check_clean(const std::string& loc) {
    static constexpr std::string_view allowed =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%";
    for (std::size_t i = 0; i < loc.size(); ++i) {
        INFO("byte " << i << " of " << loc);
        const char c = loc[i];
        CHECK(allowed.find(c) != std::string_view::npos);
        if (c == '%') {
            REQUIRE(i + 2 < loc.size());
            CHECK(is_hex(loc[i + 1]));
            CHECK(is_hex(loc[i + 2]));
        }
    }
    CHECK(loc.find_first_of("\r\n\0 \t\\#"s) == std::string::npos);
}

struct row {
    const char* what;
    std::string path;
    std::string query;
    bool has_query;
    const char* expected; // after the mirror base
};

} // namespace

TEST_CASE("redirect: the attack table keeps the mirror's authority", "[proxy][redirect]") {
    const row table[] = {
        {"root", "/", "", false, "/"},
        {"empty path", "", "", false, "/"},
        {"path and query", "/news/a.html", "id=1&x=y", true, "/news/a.html?id=1&x=y"},
        {"empty query kept", "/x", "", true, "/x?"},
        {"protocol-relative //evil", "//evil.example/x", "", false, "//evil.example/x"},
        {"triple slash", "///evil.example", "", false, "///evil.example"},
        {"backslash /\\evil", "/\\evil.example", "", false, "/%5Cevil.example"},
        {"double backslash", "\\\\evil.example", "", false, "/%5C%5Cevil.example"},
        {"encoded //", "/%2F%2Fevil.example", "", false, "/%2F%2Fevil.example"},
        {"encoded // lower-case", "/%2f%2fevil.example", "", false, "/%2f%2fevil.example"},
        {"encoded backslash", "/%5Cevil.example", "", false, "/%5Cevil.example"},
        {"@evil without slash", "@evil.example", "", false, "/@evil.example"},
        {"/@evil", "/@evil.example", "", false, "/@evil.example"},
        {"userinfo-looking", "/:pass@evil.example", "", false, "/:pass@evil.example"},
        {"no leading slash", "evil.example/x", "", false, "/evil.example/x"},
        {"asterisk", "*", "", false, "/*"},
        {"tab", "/\tevil.example", "", false, "/%09evil.example"},
        {"tab before //", "\t//evil.example", "", false, "/%09//evil.example"},
        {"encoded CR/LF kept encoded", "/a%0d%0aSet-Cookie:x=1", "", false,
         "/a%0d%0aSet-Cookie:x=1"},
        {"raw CR/LF", "/a\r\nSet-Cookie: x=1", "", false, "/a%0D%0ASet-Cookie:%20x=1"},
        {"raw CR/LF in the query", "/a", "b\r\nLocation: //evil", true,
         "/a?b%0D%0ALocation:%20//evil"},
        {"NUL", "/a\0b"s, "", false, "/a%00b"},
        {"NUL in the query", "/", "a\0b"s, true, "/?a%00b"},
        {"space", "/a b", "c d", true, "/a%20b?c%20d"},
        {"raw non-ASCII", "/caf\xc3\xa9", "q=\xd0\xb6", true, "/caf%C3%A9?q=%D0%B6"},
        {"byte 0xFF", "/\xff", "", false, "/%FF"},
        {"DEL", "/\x7f", "", false, "/%7F"},
        {"'%' at the end", "/100%", "", false, "/100%25"},
        {"'%' and one hex digit", "/%4", "", false, "/%254"},
        {"'%' and a non-hex", "/%4g", "", false, "/%254g"},
        {"'%' and no hex", "/%zz", "", false, "/%25zz"},
        {"lone '%' in the query", "/", "a=%", true, "/?a=%25"},
        {"'%' then a valid triplet", "/%%41", "", false, "/%25%41"},
        {"query with '?' and '#'", "/p", "a=1?b=2#frag", true, "/p?a=1?b=2%23frag"},
        {"'?' and '#' in the path", "/a?b#c", "", false, "/a%3Fb%23c"},
        {"query with // and a URL", "/login", "next=//evil.example&u=https://evil.example/", true,
         "/login?next=//evil.example&u=https://evil.example/"},
        {"delimiters that need escaping", "/\"<>`{}|^[]", "", false,
         "/%22%3C%3E%60%7B%7D%7C%5E%5B%5D"},
        {"every sub-delim and ':' '@' kept", "/-._~!$&'()*+,;=:@", "-._~!$&'()*+,;=:@/?", true,
         "/-._~!$&'()*+,;=:@?-._~!$&'()*+,;=:@/?"},
        {"dot segments kept", "/../../x", "", false, "/../../x"},
    };
    const char* mirrors[] = {"https://mirror-a.example.net", "https://mirror-b.example.org/",
                             "http://m.example:8443//", "https://[2001:db8::1]:443"};
    const char* authorities[] = {"mirror-a.example.net", "mirror-b.example.org", "m.example:8443",
                                 "[2001:db8::1]:443"};
    for (std::size_t m = 0; m < std::size(mirrors); ++m) {
        std::string base = mirrors[m];
        while (base.back() == '/')
            base.pop_back();
        for (const auto& r : table) {
            INFO(r.what << " via " << mirrors[m]);
            auto loc = build_redirect_location(mirrors[m], r.path, r.query, r.has_query);
            CHECK(loc == base + r.expected);
            CHECK(authority_of(loc) == authorities[m]);
            CHECK(loc.compare(0, base.size() + 1, base + "/") == 0);
            check_clean(loc.substr(base.size()));
        }
    }
}

TEST_CASE("redirect: valid paths and queries are kept byte-for-byte", "[proxy][redirect]") {
    const char* paths[] = {
        "/",          "/a/b/c.html", "/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8",
        "/a;b=c/d,e", "/~user/",     "/x:y@z",
        "/%41%2f%2F"};
    const char* queries[] = {"", "a=1&b=2", "q=%20%2B+x", "x=/y?z", "utm_source=a&utm_medium=b"};
    for (auto p : paths)
        for (auto q : queries) {
            INFO(p << " ? " << q);
            CHECK(build_redirect_location("https://m.example", p, q, true) ==
                  std::string("https://m.example") + p + "?" + q);
            CHECK(build_redirect_location("https://m.example", p, q, false) ==
                  std::string("https://m.example") + p);
        }
}

TEST_CASE("redirect: every single byte, in path and query, stays inside the path or query",
          "[proxy][redirect]") {
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        for (std::string p :
             {std::string(1, c), "/" + std::string(1, c), "/" + std::string(2, c) + "evil",
              std::string(2, c) + "evil.example"}) {
            INFO("byte " << b << " path " << p);
            auto loc =
                build_redirect_location("https://m.example", p, std::string(1, c) + "x", true);
            CHECK(authority_of(loc) == "m.example");
            check_clean(loc.substr(std::string_view("https://m.example").size()));
        }
    }
}
