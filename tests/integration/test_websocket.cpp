// WebSocket upgrades are tunnelled to the origin: handshake through, then bytes both ways.
#include "tests/integration/support/geo_fixture.hpp"
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

// Issue 14, item 2: an upgrade to anything but WebSocket must not open a blind tunnel past the
// notice. The test origin answers 101 Upgrade: h2c to any request carrying `Upgrade: h2c` (and
// to /switch always), then serves an un-noticed page on the raw connection.
namespace {

const char* const notice_rules = R"(
[[rule]]
name = "ru-notice"
regions = ["RU"]
action = "notice"
notice = "legal"
)";

const char* const h2c_upgrade = "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                                "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n";

} // namespace

TEST_CASE("Upgrade: h2c is stripped: the reader gets the page with the notice, and the next "
          "request on the connection is still geogate's",
          "[upgrade][notice]") {
    geo_stack s(notice_rules);
    REQUIRE(s.proxy->started());
    raw_client c(s.port());
    REQUIRE(c.connected());
    REQUIRE(c.send(reader_get("/fixture/index.html", reader::ru_moscow, h2c_upgrade)));
    auto res = c.read_response();
    CHECK(res.status == 200);
    CHECK_FALSE(res.has("Upgrade"));
    CHECK(occurrences(res.body, "data-geogate-notice=") == 1);
    CHECK(res.body.find("tunnelled page") == std::string::npos);
    REQUIRE_FALSE(res.closed);
    // The connection still speaks HTTP/1.1 with geogate, not a tunnel to the origin.
    REQUIRE(c.send(reader_get("/fixture/index.html", reader::ru_moscow)));
    res = c.read_response();
    CHECK(res.status == 200);
    CHECK(occurrences(res.body, "data-geogate-notice=") == 1);
    CHECK(res.body.find("tunnelled page") == std::string::npos);
    // What the origin saw: no Upgrade, no HTTP2-Settings named in Connection.
    res = round_trip(s.port(), reader_get("/echo", reader::ru_moscow, h2c_upgrade));
    CHECK(res.status == 200);
    CHECK(res.body.find("header Upgrade") == std::string::npos);
    CHECK(res.body.find("header HTTP2-Settings") == std::string::npos);
}

TEST_CASE("a 101 the client did not validly ask for is answered 502, never relayed",
          "[upgrade][notice]") {
    geo_stack s(notice_rules);
    REQUIRE(s.proxy->started());
    const std::string websocket = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                  "Sec-WebSocket-Version: 13\r\n";
    struct attempt {
        const char* what;
        std::string extra;
    };
    for (const auto& a : {attempt{"no upgrade at all", ""}, attempt{"h2c upgrade", h2c_upgrade},
                          attempt{"valid WebSocket handshake, origin switches to h2c", websocket},
                          attempt{"WebSocket without a version",
                                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"}}) {
        CAPTURE(a.what);
        raw_client c(s.port());
        REQUIRE(c.send(reader_get("/switch", reader::ru_moscow, a.extra)));
        const auto res = c.read_response();
        CHECK(res.status == 502);
        CHECK(res.body.find("tunnelled page") == std::string::npos);
        CHECK(c.wait_closed(milliseconds(5000)));
    }
}

TEST_CASE("only a valid WebSocket handshake reaches the origin as an upgrade", "[upgrade]") {
    stack s;
    REQUIRE(s.proxy.started());
    struct attempt {
        const char* what;
        std::string request;
    };
    const std::string key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    const std::string v13 = "Sec-WebSocket-Version: 13\r\n";
    const std::string up = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    for (const auto& a : {
             attempt{"version 8",
                     get_request("/websocket", up + key + "Sec-WebSocket-Version: 8\r\n")},
             attempt{"no key", get_request("/websocket", up + v13)},
             attempt{"key not 16 bytes",
                     get_request("/websocket", up + "Sec-WebSocket-Key: abc\r\n" + v13)},
             attempt{"Connection without upgrade",
                     get_request("/websocket",
                                 "Upgrade: websocket\r\nConnection: keep-alive\r\n" + key + v13)},
             attempt{"POST",
                     "POST /websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n" + up +
                         key + v13 + "\r\n"},
             attempt{"HTTP/1.0",
                     "GET /websocket HTTP/1.0\r\nHost: 127.0.0.1\r\n" + up + key + v13 + "\r\n"},
         }) {
        CAPTURE(a.what);
        raw_client c(s.proxy.port());
        REQUIRE(c.send(a.request));
        const auto res = c.read_response();
        CHECK(res.status == 400); // the origin saw a plain request and refused it
        CHECK_FALSE(res.has("Upgrade"));
    }
    // The same handshake, valid: tunnelled.
    raw_client c(s.proxy.port());
    REQUIRE(c.send(get_request("/websocket",
                               "Upgrade: websocket, h2c\r\nConnection: Upgrade\r\n" + key + v13)));
    CHECK(c.read_response().status == 101);
}
