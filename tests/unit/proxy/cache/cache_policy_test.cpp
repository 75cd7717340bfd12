// cache_policy: which notice requests use the variant cache, and which origin responses may be
// stored, each refusal with its reason (the label of the variant cache metrics).
#include "proxy/cache/cache_policy.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

using namespace geogate;

namespace {

using fields = std::vector<std::pair<std::string, std::string>>;

http::request_header<> request(http::verb method, const fields& f = {}) {
    http::request_header<> req;
    req.method(method);
    req.target("/world/a.html");
    req.version(11);
    req.set(http::field::host, "news.example");
    for (const auto& [name, value] : f)
        req.insert(name, value);
    return req;
}

http::response_header<> response(unsigned status, const fields& f = {}) {
    http::response_header<> res;
    res.result(status);
    res.version(11);
    res.set(http::field::content_type, "text/html; charset=utf-8");
    for (const auto& [name, value] : f)
        res.insert(name, value);
    return res;
}

} // namespace

TEST_CASE("cache_policy: GET and HEAD use the cache; other requests bypass it, with a reason") {
    CHECK(cache_bypass_reason(request(http::verb::get)).empty());
    CHECK(cache_bypass_reason(request(http::verb::head)).empty()); // answered, never stored
    CHECK(cache_bypass_reason(request(http::verb::get, {{"Cache-Control", "no-cache"}})).empty());
    CHECK(cache_bypass_reason(request(http::verb::get, {{"Cache-Control", "max-age=0"}})).empty());
    CHECK(cache_bypass_reason(request(http::verb::get, {{"Cookie", "a=1"}})).empty());
    struct row {
        const char* what;
        http::request_header<> req;
        std::string_view reason;
    };
    const row rows[] = {
        {"POST", request(http::verb::post), "method"},
        {"PUT", request(http::verb::put), "method"},
        {"OPTIONS", request(http::verb::options), "method"},
        {"Authorization", request(http::verb::get, {{"Authorization", "Basic eDp5"}}),
         "authorization"},
        {"authorization in lower case", request(http::verb::get, {{"authorization", "Bearer t"}}),
         "authorization"},
        {"no-store", request(http::verb::get, {{"Cache-Control", "no-store"}}), "no_store"},
        {"NO-STORE among others",
         request(http::verb::get, {{"Cache-Control", "max-age=0, NO-STORE"}}), "no_store"},
        {"no-store on a second line",
         request(http::verb::get, {{"Cache-Control", "no-cache"}, {"cache-control", "no-store"}}),
         "no_store"},
        {"malformed Cache-Control", request(http::verb::get, {{"Cache-Control", "max-age=\"1"}}),
         "no_store"},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        CHECK(cache_bypass_reason(r.req) == r.reason);
    }
}

TEST_CASE("cache_policy: what may be stored, and why not") {
    struct row {
        const char* what;
        http::response_header<> res;
        std::string_view reason; // "" = storable
    };
    const row rows[] = {
        {"plain 200", response(200), ""},
        {"Vary: Accept-Encoding", response(200, {{"Vary", "Accept-Encoding"}}), ""},
        {"Vary in odd case, twice", response(200, {{"vary", "accept-encoding , ACCEPT-ENCODING"}}),
         ""},
        {"no-cache (reused only after revalidation, as every entry)",
         response(200, {{"Cache-Control", "no-cache"}}), ""},
        {"public, max-age", response(200, {{"Cache-Control", "public, max-age=600"}}), ""},
        {"must-revalidate, s-maxage on two lines",
         response(200, {{"Cache-Control", "must-revalidate"}, {"Cache-Control", "s-maxage=60"}}),
         ""},
        {"ETag and Last-Modified",
         response(200, {{"ETag", "\"v1\""}, {"Last-Modified", "Tue, 01 Jul 2025 10:00:00 GMT"}}),
         ""},
        {"404", response(404), "status"},
        {"206", response(206, {{"Content-Range", "bytes 0-9/100"}}), "status"},
        {"301", response(301), "status"},
        {"no-store", response(200, {{"Cache-Control", "no-store"}}), "no_store"},
        {"No-Store in odd case", response(200, {{"cache-control", "max-age=60, No-Store"}}),
         "no_store"},
        {"no-store on the second Cache-Control line",
         response(200, {{"Cache-Control", "public"}, {"Cache-Control", "no-store"}}), "no_store"},
        {"malformed Cache-Control", response(200, {{"Cache-Control", "max-age=\"60"}}), "no_store"},
        {"private", response(200, {{"Cache-Control", "private, max-age=60"}}), "private"},
        {"qualified private", response(200, {{"Cache-Control", "private=\"Set-Cookie\""}}),
         "private"},
        {"PRIVATE", response(200, {{"Cache-Control", "PRIVATE"}}), "private"},
        {"Set-Cookie", response(200, {{"Set-Cookie", "session=1; Path=/"}}), "set_cookie"},
        {"Content-Range on a 200", response(200, {{"Content-Range", "bytes 0-9/100"}}), "partial"},
        {"Vary: *", response(200, {{"Vary", "*"}}), "vary"},
        {"Vary: Cookie", response(200, {{"Vary", "Accept-Encoding, Cookie"}}), "vary"},
        {"Vary: User-Agent on a second line",
         response(200, {{"Vary", "Accept-Encoding"}, {"Vary", "User-Agent"}}), "vary"},
        {"Vary: Accept-Language", response(200, {{"Vary", "Accept-Language"}}), "vary"},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        CHECK(not_storable_reason(r.res) == r.reason);
    }
}
