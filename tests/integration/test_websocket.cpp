// WebSocket upgrades are tunnelled to the origin: handshake through, then bytes both ways.
#include "tests/integration/support/stack.hpp"

#include <catch2/catch.hpp>

using namespace geogate::it;

TEST_CASE("a WebSocket upgrade is tunnelled to the origin and bytes flow both ways") {
    stack s;
    REQUIRE(s.proxy.started());
    raw_client c(s.proxy.port());
    REQUIRE(c.connected());
    c.send(get_request("/websocket", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                     "Sec-WebSocket-Version: 13\r\n"));
    const auto res = c.read_response();
    REQUIRE(res.status == 101);
    CHECK(res.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(res.header("Upgrade") == "websocket");
    // A masked text frame "Hello" (RFC 6455 5.7); the origin echoes raw bytes.
    const std::string frame = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
    for (int i = 0; i < 3; ++i) {
        CAPTURE(i);
        REQUIRE(c.send(frame));
        CHECK(c.read_bytes(frame.size(), milliseconds(3000)) == frame);
    }
    // Larger than any single buffer: both directions keep flowing.
    const std::string bulk(300000, 'w');
    REQUIRE(c.send(bulk));
    CHECK(c.read_bytes(bulk.size(), milliseconds(10000)).size() == bulk.size());
    CHECK(s.origin.received_contains("/websocket"));
}

TEST_CASE("closing the client side of a tunnel closes the tunnel") {
    stack s;
    REQUIRE(s.proxy.started());
    raw_client c(s.proxy.port());
    c.send(get_request("/websocket", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                     "Sec-WebSocket-Version: 13\r\n"));
    REQUIRE(c.read_response().status == 101);
    c.shutdown_write();
    CHECK(c.wait_closed(milliseconds(5000)));
}
