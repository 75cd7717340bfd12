// Issue 3 through the real proxy: who the reader is (trusted X-Forwarded-For only), which
// region the test database gives that address, the region header sent to the origin, and
// contested territories matched the way lawyers mean them.
#include "tests/integration/support/geo_fixture.hpp"

#include <catch2/catch.hpp>

using namespace geogate::it;

namespace {

// RU and occupied Crimea get the notice; the origin is told the region in X-Geo-Region.
const char* const notice_rules = R"(
[regions]
occupied-ua = ["UA-43", "UA-40"]

[[rule]]
name = "ru-notice"
regions = ["RU"]
action = "notice"
notice = "legal"

[[rule]]
name = "crimea-notice"
regions = ["@occupied-ua"]
action = "notice"
notice = "legal"
)";

} // namespace

TEST_CASE("a reader behind a trusted proxy gets the region of its X-Forwarded-For address",
          "[geo]") {
    geo_stack s(notice_rules,
                [](toml_config& c) { c.set_string("client_ip", "region_header", "X-Geo-Region"); });
    REQUIRE(s.proxy->started());
    const auto ru = round_trip(s.port(), reader_get("/echo", reader::ru_moscow));
    REQUIRE(ru.status == 200);
    CHECK(parse_echo(ru.body).header("X-Geo-Region").rfind("RU", 0) == 0);
    const auto us = round_trip(s.port(), reader_get("/echo", reader::us));
    CHECK(parse_echo(us.body).header("X-Geo-Region").rfind("US", 0) == 0);
    // The page itself: RU gets the notice, US does not.
    const auto ru_page = round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow));
    CHECK(notice_attribute(ru_page.body, "data-geogate-notice") == "legal");
    const auto us_page = round_trip(s.port(), reader_get("/fixture/index.html", reader::us));
    CHECK(us_page.body == fixture_content("index.html"));
}

TEST_CASE("X-Forwarded-For from an untrusted peer is ignored", "[geo]") {
    geo_stack s(notice_rules,
                [](toml_config& c) { c.set_string("client_ip", "region_header", "X-Geo-Region"); });
    REQUIRE(s.proxy->started());
    // 127.0.0.2 is not in trusted_proxies (127.0.0.1/32): its claim to be in Moscow is a spoof.
    raw_client c(s.port(), "127.0.0.2");
    REQUIRE(c.connected());
    c.send(reader_get("/fixture/index.html", reader::ru_moscow));
    const auto page = c.read_response();
    REQUIRE(page.status == 200);
    CHECK(notice_wrapper_tag(page.body).empty());
    CHECK(page.body == fixture_content("index.html"));
    c.send(reader_get("/echo", reader::ru_moscow));
    const auto echo = parse_echo(c.read_response().body);
    CHECK(echo.header("X-Geo-Region") == "unknown");
    // Its header is not forwarded as it came: the last hop is the real peer.
    CHECK(echo.header("X-Forwarded-For").find("127.0.0.2") != std::string::npos);
}

TEST_CASE("with no trusted proxy, X-Forwarded-For never picks the region", "[geo]") {
    geo_stack s(notice_rules, [](toml_config& c) {
        c.set("client_ip", "trusted_proxies", "[]");
        c.set_string("client_ip", "region_header", "X-Geo-Region");
    });
    REQUIRE(s.proxy->started());
    const auto page = round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow));
    REQUIRE(page.status == 200);
    CHECK(notice_wrapper_tag(page.body).empty());
    const auto echo = parse_echo(round_trip(s.port(), reader_get("/echo", reader::ru_moscow)).body);
    CHECK(echo.header("X-Geo-Region") == "unknown");
}

TEST_CASE("the region header reaches the origin with geogate's value, never the client's",
          "[geo]") {
    geo_stack s(notice_rules,
                [](toml_config& c) { c.set_string("client_ip", "region_header", "X-Geo-Region"); });
    REQUIRE(s.proxy->started());
    const auto res = round_trip(
        s.port(), reader_get("/echo", reader::us, "X-Geo-Region: RU\r\nx-geo-region: UA-43\r\n"));
    REQUIRE(res.status == 200);
    const auto echo = parse_echo(res.body);
    CHECK(echo.count("X-Geo-Region") == 1);
    CHECK(echo.header("X-Geo-Region").rfind("US", 0) == 0);
}

TEST_CASE("without region_header, a client's region header is passed as any header", "[geo]") {
    geo_stack s(notice_rules);
    REQUIRE(s.proxy->started());
    const auto echo = parse_echo(
        round_trip(s.port(), reader_get("/echo", reader::us, "X-Geo-Region: XX\r\n")).body);
    CHECK(echo.header("X-Geo-Region") == "XX");
}

TEST_CASE("a flat-schema record RU + \"Crimea\" matches a rule for UA-43", "[geo]") {
    geo_stack s(R"(
[[rule]]
name = "crimea-only"
regions = ["UA-43"]
action = "notice"
notice = "legal"
)",
                [](toml_config& c) { c.set_string("client_ip", "region_header", "X-Geo-Region"); });
    REQUIRE(s.proxy->started());
    const auto crimea = round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_crimea));
    REQUIRE(crimea.status == 200);
    CHECK(notice_attribute(crimea.body, "data-geogate-notice") == "legal");
    CHECK(parse_echo(round_trip(s.port(), reader_get("/echo", reader::ru_crimea)).body)
              .header("X-Geo-Region")
              .find("UA-43") != std::string::npos);
    // Moscow is RU but not UA-43: no notice from this rule.
    const auto moscow = round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow));
    CHECK(notice_wrapper_tag(moscow.body).empty());
}
