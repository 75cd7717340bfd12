// Cache-Control parsing (RFC 9111 5.2) and the policy for region-dependent responses.
#include "proxy/http/cache_control.hpp"

#include <catch2/catch.hpp>

using namespace geogate;

namespace {

std::string reparse(std::vector<std::string_view> lines) {
    auto d = parse_cache_control(lines);
    return d ? to_string(*d) : std::string("<malformed>");
}

} // namespace

TEST_CASE("cache-control: directives parse with their exact values") {
    struct row {
        std::vector<std::string_view> lines;
        std::string expected;
    };
    for (const row& r : std::vector<row>{
             {{"public, max-age=60"}, "public, max-age=60"},
             {{"max-age=60, no-store"}, "max-age=60, no-store"},
             {{"no-cache, max-age=0, must-revalidate"}, "no-cache, max-age=0, must-revalidate"},
             {{"s-maxage=300, max-age=0"}, "s-maxage=300, max-age=0"},
             {{"private=\"Set-Cookie, X-A\", max-age=5"}, "private=\"Set-Cookie, X-A\", max-age=5"},
             {{"no-cache=\"a\\\"b,c\""}, "no-cache=\"a\\\"b,c\""},
             {{"max-age=\"60\""}, "max-age=\"60\""},
             {{" ,, max-age=1 ,\t, no-store , "}, "max-age=1, no-store"},
             {{"MAX-AGE=7"}, "MAX-AGE=7"},
             {{"max-age=60", "no-store", ""}, "max-age=60, no-store"},
             {{""}, ""},
             {{}, ""},
             {{"ext=\"\""}, "ext=\"\""},
         }) {
        CAPTURE(r.lines);
        CHECK(reparse(r.lines) == r.expected);
    }
}

TEST_CASE("cache-control: malformed fields are refused whole") {
    for (std::string_view bad :
         {"max-age=", "max-age =60", "max-age= 60", "=60", "no-store; max-age=1", "max-age=6 0",
          "private=\"unterminated", "a=\"bad\\", "a=\"x\"y", "no store", "a=\"\x01\"", "@"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_cache_control({bad}).has_value());
    }
    // One bad line spoils the whole header: its directives cannot be known.
    CHECK_FALSE(parse_cache_control({"max-age=60", "no-store;"}).has_value());
}

TEST_CASE("cache-control: region-dependent responses are private, revalidated, never weakened") {
    struct row {
        std::vector<std::string_view> lines;
        std::string expected;
    };
    for (const row& r : std::vector<row>{
             {{"public, max-age=60"}, "private, no-cache, max-age=60"},
             {{"max-age=60, no-store"}, "private, no-cache, max-age=60, no-store"},
             {{"no-cache, max-age=0, must-revalidate"},
              "private, no-cache, max-age=0, must-revalidate"},
             {{"s-maxage=300, max-age=0"}, "private, no-cache, max-age=0"},
             {{"public, proxy-revalidate, S-MAXAGE=\"9\", max-age=1"},
              "private, no-cache, max-age=1"},
             {{"private=\"Set-Cookie\", no-cache=\"X-A\", max-age=9"},
              "private, no-cache, private=\"Set-Cookie\", no-cache=\"X-A\", max-age=9"},
             {{"Private", "No-Cache, immutable"}, "private, no-cache, immutable"},
             {{"stale-while-revalidate=30, ext=\"a, b\""},
              "private, no-cache, stale-while-revalidate=30, ext=\"a, b\""},
             // No Cache-Control at all: no heuristic freshness either.
             {{}, "private, no-cache"},
             // Malformed: the strictest answer.
             {{"max-age=60, no-store;"}, "private, no-store"},
         }) {
        CAPTURE(r.lines);
        CHECK(region_private_cache_control(r.lines) == r.expected);
    }
}

TEST_CASE("cache-control: with a variant-keyed cache the browser still revalidates") {
    CHECK(browser_revalidating_cache_control({"public, max-age=60, s-maxage=600"}) ==
          "no-cache, public, max-age=60, s-maxage=600");
    CHECK(browser_revalidating_cache_control({"no-cache, no-store"}) == "no-cache, no-store");
    CHECK(browser_revalidating_cache_control({}) == "no-cache");
    CHECK(browser_revalidating_cache_control({"max-age=1 2"}) == "private, no-store");
}
