// Issue 6 (block) through the real proxy: 451 with the rule's notice as the page.
#include "tests/integration/support/geo_fixture.hpp"

#include <catch2/catch.hpp>

using namespace geogate::it;

namespace {

const char* const rules = R"(
[[rule]]
name = "block-ua"
regions = ["UA"]
action = "block"
notice = "legal"
blocked_by = "https://authority.example/decision-1"

[[rule]]
name = "block-us"
regions = ["US"]
action = "block"
notice = "legal"
)";

} // namespace

TEST_CASE("a block answers 451 with the notice page in the reader's language", "[block]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto res = round_trip(s.port(), reader_get("/fixture/index.html", reader::ua_kyiv,
                                                     "Accept-Language: uk, en;q=0.5\r\n"));
    CHECK(res.status == 451);
    CHECK(res.header("Content-Type").find("text/html") != std::string::npos);
    CHECK(res.body.find(legal_uk) != std::string::npos);
    CHECK(res.body.find("data-geogate-notice=\"legal\"") != std::string::npos);
    CHECK(res.body.find("lang=\"uk\"") != std::string::npos);
    CHECK(res.body.find("data-geogate-version=\"") != std::string::npos);
    CHECK(res.header("Link") == "<https://authority.example/decision-1>; rel=\"blocked-by\"");
    const std::string csp = res.header("Content-Security-Policy");
    CHECK(csp.find("default-src 'none'") != std::string::npos);
    CHECK(csp.find("unsafe-inline") == std::string::npos);
    CHECK(res.header("Cache-Control").find("private") != std::string::npos);
    if (res.has("Content-Length"))
        CHECK(res.header("Content-Length") == std::to_string(res.body.size()));

    const auto en =
        round_trip(s.port(), reader_get("/", reader::ua_kyiv, "Accept-Language: en\r\n"));
    CHECK(en.status == 451);
    CHECK(en.body.find(legal_en) != std::string::npos);
    // No blocked_by in the rule: no Link.
    const auto us = round_trip(s.port(), reader_get("/", reader::us));
    CHECK(us.status == 451);
    CHECK_FALSE(us.has("Link"));
    CHECK(us.body.find(legal_ru) != std::string::npos); // the notice's default language

    CHECK(s.origin.received().empty());
    // A reader the rules do not block reaches the origin.
    CHECK(round_trip(s.port(), reader_get("/echo", reader::ru_moscow)).status == 200);
}
