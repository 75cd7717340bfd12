// Keep-alive and pipelining towards readers, and reuse of idle upstream connections.
#include "tests/integration/support/stack.hpp"
#include "tests/origin/pattern.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace geogate::it;

TEST_CASE("one client connection carries several requests in turn") {
    stack s;
    REQUIRE(s.proxy.started());
    raw_client c(s.proxy.port());
    REQUIRE(c.connected());
    for (int i = 0; i < 5; ++i) {
        CAPTURE(i);
        REQUIRE(c.send(get_request("/echo?turn=" + std::to_string(i))));
        const auto res = c.read_response();
        REQUIRE(res.complete);
        CHECK_FALSE(res.closed);
        CHECK(parse_echo(res.body).request_line ==
              "GET /echo?turn=" + std::to_string(i) + " HTTP/1.1");
    }
}

TEST_CASE("pipelined requests in one write get their responses in order") {
    stack s;
    REQUIRE(s.proxy.started());
    raw_client c(s.proxy.port());
    REQUIRE(c.connected());
    REQUIRE(c.send(get_request("/echo?p=1") + get_request("/fixture/style.css") +
                   get_request("/status/404") + get_request("/chunked?n=3&size=100") +
                   "POST /upload HTTP/1.1\r\nHost: site.test\r\nContent-Length: 3\r\n\r\nabc" +
                   get_request("/echo?p=6")));
    const auto r1 = c.read_response();
    const auto r2 = c.read_response();
    const auto r3 = c.read_response();
    const auto r4 = c.read_response();
    const auto r5 = c.read_response();
    const auto r6 = c.read_response();
    CHECK(parse_echo(r1.body).request_line == "GET /echo?p=1 HTTP/1.1");
    CHECK(r2.body == fixture_content("style.css"));
    CHECK(r3.status == 404);
    CHECK(r4.body == geogate::test::pattern_bytes(0, 300));
    CHECK(r5.body.rfind("length 3\n", 0) == 0);
    CHECK(parse_echo(r6.body).request_line == "GET /echo?p=6 HTTP/1.1");
    CHECK_FALSE(r6.closed);
}

TEST_CASE("idle upstream connections are reused across clients") {
    stack s;
    REQUIRE(s.proxy.started());
    std::set<unsigned> upstream_ids;
    for (int i = 0; i < 10; ++i) {
        // A fresh client each time, from two different addresses.
        raw_client c(s.proxy.port(), i % 2 == 0 ? "127.0.0.1" : "127.0.0.2");
        REQUIRE(c.connected());
        c.send(get_request("/echo?reuse=" + std::to_string(i)));
        const auto res = c.read_response();
        REQUIRE(res.complete);
        upstream_ids.insert(parse_echo(res.body).connection);
    }
    // Strictly sequential requests: a pool needs one connection; allow a few for races
    // between returning a connection to the pool and the next request.
    CHECK(upstream_ids.size() <= 3);
}

TEST_CASE("Connection: close and HTTP/1.0 end the client connection after the response") {
    stack s;
    REQUIRE(s.proxy.started());
    for (const std::string& req :
         {get_request("/echo?close", "Connection: close\r\n"),
          std::string("GET /echo?http10 HTTP/1.0\r\nHost: site.test\r\n\r\n")}) {
        CAPTURE(req);
        raw_client c(s.proxy.port());
        c.send(req);
        const auto res = c.read_response();
        CHECK(res.status == 200);
        CHECK(res.complete);
        CHECK(c.wait_closed(milliseconds(2000)));
    }
}
