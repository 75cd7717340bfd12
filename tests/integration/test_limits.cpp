// Limits and timeouts: 414, 431, 413, the header-read deadline, keep-alive idle close,
// upstream connect failure (502), upstream response timeout (504), maximum connections.
#include "tests/integration/support/stack.hpp"

#include <catch2/catch.hpp>

using namespace geogate::it;

namespace {

void small_limits(toml_config& c) {
    c.set("limits", "max_request_line", "1024");
    c.set("limits", "max_header_bytes", "4096");
    c.set("limits", "max_body_bytes", "1000");
    c.set_string("limits", "header_timeout", "500ms");
    c.set_string("limits", "keepalive_timeout", "500ms");
    c.set_string("origin", "response_timeout", "500ms");
}

} // namespace

TEST_CASE("an over-long request line gets 414 and never reaches the origin") {
    stack s(small_limits);
    REQUIRE(s.proxy.started());
    const auto res =
        round_trip(s.proxy.port(), get_request("/echo?case=long&x=" + std::string(2000, 'a')));
    CHECK(res.status == 414);
    CHECK_FALSE(s.origin.received_contains("case=long"));
    // Just under the limit passes.
    CHECK(round_trip(s.proxy.port(), get_request("/echo?x=" + std::string(900, 'a'))).status ==
          200);
}

TEST_CASE("an over-large header block gets 431 and never reaches the origin") {
    stack s(small_limits);
    REQUIRE(s.proxy.started());
    std::string headers;
    for (int i = 0; i < 60; ++i)
        headers += "X-Filler-" + std::to_string(i) + ": " + std::string(100, 'v') + "\r\n";
    const auto res = round_trip(s.proxy.port(), get_request("/echo?case=fat", headers));
    CHECK(res.status == 431);
    CHECK_FALSE(s.origin.received_contains("case=fat"));
}

TEST_CASE("an over-large request body gets 413") {
    stack s(small_limits);
    REQUIRE(s.proxy.started());
    SECTION("announced by Content-Length: refused before the origin sees it") {
        const auto res =
            round_trip(s.proxy.port(), "POST /upload?case=cl HTTP/1.1\r\nHost: site.test\r\n"
                                       "Content-Length: 5000\r\n\r\n" +
                                           std::string(5000, 'b'));
        CHECK(res.status == 413);
        CHECK_FALSE(s.origin.received_contains("case=cl"));
    }
    SECTION("chunked past the limit: never answered as a success") {
        std::string req = "POST /upload?case=chunked HTTP/1.1\r\nHost: site.test\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 4; ++i)
            req += "258\r\n" + std::string(600, 'c') + "\r\n";
        req += "0\r\n\r\n";
        const auto res = round_trip(s.proxy.port(), req);
        CHECK((res.status == 413 || (res.status == 0 && res.closed) ||
               (res.status == 502 && res.complete)));
    }
    SECTION("at the limit passes") {
        const auto res = round_trip(s.proxy.port(), "POST /upload HTTP/1.1\r\nHost: site.test\r\n"
                                                    "Content-Length: 1000\r\n\r\n" +
                                                        std::string(1000, 'b'));
        CHECK(res.status == 200);
    }
}

TEST_CASE("a request header that never completes is cut off by the header deadline") {
    stack s(small_limits);
    REQUIRE(s.proxy.started());
    SECTION("silent after a partial header") {
        raw_client c(s.proxy.port());
        c.send("GET /echo?case=slowloris HTTP/1.1\r\nHost: site.test\r\n");
        CHECK(c.wait_closed(milliseconds(5000)));
    }
    SECTION("dripping one header line every 100ms") {
        // Each line resets no per-read timer: the deadline covers the whole header.
        raw_client c(s.proxy.port());
        c.send("GET /echo?case=drip HTTP/1.1\r\nHost: site.test\r\n");
        bool closed = false;
        for (int i = 0; i < 50 && !closed; ++i)
            closed = !c.send("X-Drip-" + std::to_string(i) + ": 1\r\n") ||
                     c.wait_closed(milliseconds(100));
        CHECK(closed);
    }
    CHECK_FALSE(s.origin.received_contains("case=slowloris"));
    CHECK_FALSE(s.origin.received_contains("case=drip"));
}

TEST_CASE("an idle keep-alive connection is closed after the keep-alive timeout") {
    stack s(small_limits);
    REQUIRE(s.proxy.started());
    raw_client c(s.proxy.port());
    c.send(get_request("/echo"));
    const auto res = c.read_response();
    REQUIRE(res.status == 200);
    CHECK_FALSE(res.closed);
    CHECK(c.wait_closed(milliseconds(5000)));
}

TEST_CASE("an origin that refuses connections gives 502") {
    toml_config c = default_config("http://127.0.0.1:" + std::to_string(closed_port()));
    geogate_process proxy(c);
    REQUIRE(proxy.started());
    const auto res = round_trip(proxy.port(), get_request("/echo"));
    CHECK(res.status == 502);
    CHECK(res.complete);
}

TEST_CASE("an origin slower than the response timeout gives 504") {
    stack s(small_limits);
    REQUIRE(s.proxy.started());
    const auto res = round_trip(s.proxy.port(), get_request("/slow-header?ms=3000"));
    CHECK(res.status == 504);
    CHECK(res.complete);
    // A slow body after a prompt header is not a response timeout.
    const auto body = round_trip(s.proxy.port(), get_request("/slow-body?ms=200"));
    CHECK(body.status == 200);
    CHECK(body.body == "helloworld");
}

TEST_CASE("connections beyond max_connections are not served while the others are open") {
    stack s([](toml_config& c) { c.set("limits", "max_connections", "2"); });
    REQUIRE(s.proxy.started());
    raw_client a(s.proxy.port());
    raw_client b(s.proxy.port());
    a.send(get_request("/echo?a"));
    b.send(get_request("/echo?b"));
    REQUIRE(a.read_response().status == 200);
    REQUIRE(b.read_response().status == 200);
    {
        raw_client third(s.proxy.port());
        if (third.connected()) {
            third.send(get_request("/echo?third"));
            const auto res = third.read_response(milliseconds(1000));
            CHECK(res.status != 200);
        }
    }
    CHECK_FALSE(s.origin.received_contains("third"));
}

TEST_CASE("more than max_header_fields header fields get 431 and never reach the origin",
          "[limits]") {
    stack s; // max_header_fields = 100 by default; 2,000 tiny fields are under 32 KiB
    REQUIRE(s.proxy.started());
    auto fields = [](int n) {
        std::string out;
        for (int i = 0; i < n; ++i)
            out += "X-F" + std::to_string(i) + ": 1\r\n";
        return out;
    };
    const auto many = round_trip(s.proxy.port(), get_request("/echo?case=many", fields(2000)));
    CHECK(many.status == 431);
    CHECK_FALSE(s.origin.received_contains("case=many"));
    // Host plus 99 more: exactly at the limit, served.
    const auto at_limit =
        round_trip(s.proxy.port(), get_request("/echo?case=at-limit", fields(99)));
    CHECK(at_limit.status == 200);
    const auto over = round_trip(s.proxy.port(), get_request("/echo?case=over", fields(100)));
    CHECK(over.status == 431);
    CHECK_FALSE(s.origin.received_contains("case=over"));

    stack raised([](toml_config& c) { c.set("limits", "max_header_fields", "3000"); });
    REQUIRE(raised.proxy.started());
    CHECK(round_trip(raised.proxy.port(), get_request("/echo?case=raised", fields(2000))).status ==
          200);
}

TEST_CASE("the default max_body_bytes is 1 MiB, refused with 413 before the body is read",
          "[limits]") {
    stack s;
    REQUIRE(s.proxy.started());
    // Only the head is sent: the answer must not wait for a body it will never read.
    raw_client c(s.proxy.port());
    REQUIRE(c.send("POST /upload?case=big HTTP/1.1\r\nHost: site.test\r\n"
                   "Content-Length: 1048577\r\n\r\n"));
    const auto res = c.read_response(milliseconds(3000));
    CHECK(res.status == 413);
    CHECK((res.closed || c.wait_closed(milliseconds(2000))));
    CHECK_FALSE(s.origin.received_contains("case=big"));
    // With Expect: 100-continue the client is told before it sends anything.
    raw_client e(s.proxy.port());
    REQUIRE(e.send("PUT /upload?case=expect HTTP/1.1\r\nHost: site.test\r\n"
                   "Content-Length: 5000000\r\nExpect: 100-continue\r\n\r\n"));
    CHECK(e.read_response(milliseconds(3000)).status == 413);
    // Exactly 1 MiB passes.
    const auto ok = round_trip(s.proxy.port(),
                               "POST /upload HTTP/1.1\r\nHost: site.test\r\n"
                               "Content-Length: 1048576\r\n\r\n" +
                                   std::string(1048576, 'b'),
                               milliseconds(10000));
    CHECK(ok.status == 200);
}
