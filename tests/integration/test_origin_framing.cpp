// Origin misbehaviour: bad response framing becomes a 502; an origin dying mid-body leaves the
// reader with a visibly incomplete response, never a complete-looking one.
#include "tests/integration/support/stack.hpp"

#include <catch2/catch.hpp>

using namespace geogate::it;

TEST_CASE("an origin response with bad framing becomes a 502") {
    stack s;
    REQUIRE(s.proxy.started());
    for (const std::string kind : {"cl-te", "two-cl", "garbage-status", "negative-length", "bad-cl",
                                   "nul-header", "bare-lf", "empty"}) {
        CAPTURE(kind);
        const auto res = round_trip(s.proxy.port(), get_request("/bad/" + kind));
        CHECK(res.status == 502);
        CHECK(res.complete);
        CHECK(res.body.find("hello") == std::string::npos);
    }
    // The proxy is still serving afterwards.
    CHECK(round_trip(s.proxy.port(), get_request("/echo")).status == 200);
}

TEST_CASE("bad chunk syntax from the origin is a 502 or a visibly broken response") {
    stack s;
    REQUIRE(s.proxy.started());
    const auto res = round_trip(s.proxy.port(), get_request("/bad/bad-chunk"));
    // The header may already be on its way when the bad chunk arrives; then only closing
    // the connection before a final chunk tells the reader.
    const bool bad_gateway = res.status == 502 && res.complete;
    const bool visibly_cut = res.status == 200 && !res.complete && res.closed;
    CHECK((bad_gateway || visibly_cut));
    CHECK(res.body.find("hello") == std::string::npos);
}

TEST_CASE("an origin closing or resetting mid-body leaves the reader an incomplete response") {
    stack s;
    REQUIRE(s.proxy.started());
    for (const std::string path :
         {"/close-mid-body?bytes=200000", "/reset-mid-body?bytes=200000"}) {
        CAPTURE(path);
        const auto res = round_trip(s.proxy.port(), get_request(path), milliseconds(5000));
        if (res.status == 502) // nothing of the body had been sent yet: also honest
            continue;
        CHECK(res.status == 200);
        CHECK_FALSE(res.complete);
        CHECK(res.closed);
        CHECK_FALSE(res.timed_out);
        CHECK(res.body_bytes < 200000);
    }
    CHECK(round_trip(s.proxy.port(), get_request("/echo")).status == 200);
}
