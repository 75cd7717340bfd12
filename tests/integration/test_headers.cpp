// Header handling both ways: hop-by-hop removal, X-Forwarded-*, Via and Host.
#include "tests/integration/support/stack.hpp"

#include <catch2/catch.hpp>

using namespace geogate::it;

namespace {

std::string last_list_item(const std::string& v) {
    const auto comma = v.rfind(',');
    std::string item = comma == std::string::npos ? v : v.substr(comma + 1);
    item.erase(0, item.find_first_not_of(' '));
    return item;
}

std::string lower(std::string s) {
    for (char& ch : s)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

} // namespace

TEST_CASE("hop-by-hop and Connection-named request headers do not reach the origin") {
    stack s;
    REQUIRE(s.proxy.started());
    const auto res =
        round_trip(s.proxy.port(), get_request("/echo", "Connection: keep-alive, X-Secret-Hop\r\n"
                                                        "Keep-Alive: timeout=5\r\n"
                                                        "X-Secret-Hop: do-not-forward\r\n"
                                                        "Proxy-Connection: keep-alive\r\n"
                                                        "TE: trailers\r\n"
                                                        "X-End-To-End: kept\r\n"));
    REQUIRE(res.status == 200);
    const auto echo = parse_echo(res.body);
    CHECK_FALSE(echo.has("X-Secret-Hop"));
    CHECK_FALSE(echo.has("Keep-Alive"));
    CHECK_FALSE(echo.has("Proxy-Connection"));
    CHECK_FALSE(echo.has("TE"));
    CHECK(lower(echo.header("Connection")).find("x-secret-hop") == std::string::npos);
    CHECK(echo.header("X-End-To-End") == "kept");
}

TEST_CASE("hop-by-hop and Connection-named response headers do not reach the client") {
    stack s;
    REQUIRE(s.proxy.started());
    const auto res = round_trip(s.proxy.port(),
                                get_request("/headers?set=Connection:X-Private-Hop"
                                            "&set=X-Private-Hop:secret&set=Keep-Alive:timeout%3D9"
                                            "&set=Proxy-Connection:keep-alive&set=X-Kept:yes"));
    REQUIRE(res.status == 200);
    CHECK_FALSE(res.has("X-Private-Hop"));
    CHECK_FALSE(res.has("Keep-Alive"));
    CHECK_FALSE(res.has("Proxy-Connection"));
    CHECK(lower(res.header("Connection")).find("x-private-hop") == std::string::npos);
    CHECK(res.header("X-Kept") == "yes");
}

TEST_CASE("X-Forwarded-For names the reader's address as the last hop") {
    stack s;
    REQUIRE(s.proxy.started());
    struct row {
        std::string from;
        std::string incoming; // X-Forwarded-For sent by the client, "" = none
    };
    for (const row& r :
         {row{"127.0.0.1", ""}, row{"127.0.0.2", ""}, row{"127.0.0.3", "203.0.113.9"}}) {
        CAPTURE(r.from, r.incoming);
        raw_client c(s.proxy.port(), r.from);
        REQUIRE(c.connected());
        c.send(get_request("/echo",
                           r.incoming.empty() ? "" : "X-Forwarded-For: " + r.incoming + "\r\n"));
        const auto echo = parse_echo(c.read_response().body);
        CHECK(echo.count("X-Forwarded-For") == 1);
        CHECK(last_list_item(echo.header("X-Forwarded-For")) == r.from);
    }
}

TEST_CASE("X-Forwarded-Proto, X-Forwarded-Host and Via are set on forwarded requests") {
    stack s;
    REQUIRE(s.proxy.started());
    const auto plain =
        parse_echo(round_trip(s.proxy.port(), get_request("/echo", "", "news.test:8080")).body);
    CHECK(plain.header("X-Forwarded-Proto") == "http");
    CHECK(plain.header("X-Forwarded-Host") == "news.test:8080");
    CHECK(plain.count("Via") == 1);
    CHECK(plain.header("Via").rfind("1.1 ", 0) == 0);

    const auto chained = parse_echo(
        round_trip(s.proxy.port(), get_request("/echo", "Via: 1.0 upstream-cache\r\n")).body);
    const std::string via = chained.header("Via");
    CHECK(via.rfind("1.0 upstream-cache", 0) == 0);
    CHECK(last_list_item(via).rfind("1.1 ", 0) == 0);
    CHECK(chained.count("Via") == 1);
}

TEST_CASE("Host is forwarded as received by default") {
    stack s;
    REQUIRE(s.proxy.started());
    const auto echo =
        parse_echo(round_trip(s.proxy.port(), get_request("/echo", "", "www.news.test")).body);
    CHECK(echo.count("Host") == 1);
    CHECK(echo.header("Host") == "www.news.test");
}

TEST_CASE("Host is rewritten to the origin's when preserve_host is off") {
    test_origin origin;
    REQUIRE(origin.started());
    toml_config c = default_config(origin.url());
    c.set("origin", "preserve_host", "false");
    geogate_process proxy(c);
    REQUIRE(proxy.started());
    const auto echo =
        parse_echo(round_trip(proxy.port(), get_request("/echo", "", "www.news.test")).body);
    CHECK(echo.count("Host") == 1);
    CHECK(echo.header("Host") == "127.0.0.1:" + std::to_string(origin.port()));
    CHECK(echo.header("X-Forwarded-Host") == "www.news.test");
}

TEST_CASE("look-alike header names with '_' never reach the origin unless configured",
          "[headers]") {
    const std::string lookalikes = "X_Forwarded_For: 10.66.66.66\r\n"
                                   "Transfer_Encoding: chunked\r\n"
                                   "Content_Length: 1000\r\n"
                                   "X-Normal: kept\r\n";
    {
        stack s;
        REQUIRE(s.proxy.started());
        const auto res = round_trip(s.proxy.port(), get_request("/echo", lookalikes));
        REQUIRE(res.status == 200);
        const auto echo = parse_echo(res.body);
        CHECK_FALSE(echo.has("X_Forwarded_For"));
        CHECK_FALSE(echo.has("Transfer_Encoding"));
        CHECK_FALSE(echo.has("Content_Length"));
        CHECK(res.body.find("10.66.66.66") == std::string::npos);
        CHECK(echo.header("X-Normal") == "kept");
    }
    {
        stack s([](toml_config& c) { c.set("origin", "forward_underscore_headers", "true"); });
        REQUIRE(s.proxy.started());
        const auto res = round_trip(s.proxy.port(), get_request("/echo", lookalikes));
        REQUIRE(res.status == 200);
        CHECK(parse_echo(res.body).header("X_Forwarded_For") == "10.66.66.66");
    }
}
