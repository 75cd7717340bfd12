// The test origin itself, spoken to directly: integration tests rely on every endpoint doing
// exactly what origin_server.hpp promises, so each promise is checked here.
#include "tests/integration/support/raw_client.hpp"
#include "tests/integration/support/test_origin.hpp"
#include "tests/origin/digest.hpp"
#include "tests/origin/pattern.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

using namespace geogate::it;
using geogate::test::pattern_bytes;
using geogate::test::sha256_hex;

TEST_CASE("origin serves fixtures byte for byte with a content type by extension") {
    test_origin origin;
    REQUIRE(origin.started());
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"index.html", "text/html; charset=utf-8"},
        {"page-1251.html", "text/html; charset=windows-1251"},
        {"style.css", "text/css"},
        {"app.js", "application/javascript"},
        {"image.bin", "application/octet-stream"},
        {"empty.txt", "text/plain; charset=utf-8"}};
    for (const auto& [name, type] : cases) {
        for (const std::string prefix : {"/fixture/", "/"}) {
            CAPTURE(name, prefix);
            const auto res = round_trip(origin.port(), get_request(prefix + name));
            REQUIRE(res.complete);
            CHECK(res.status == 200);
            CHECK(res.header("Content-Type") == type);
            CHECK(res.body == fixture_content(name));
        }
    }
    const auto root = round_trip(origin.port(), get_request("/"));
    CHECK(root.body == fixture_content("index.html"));
    CHECK(round_trip(origin.port(), get_request("/fixture/missing.html")).status == 404);
    CHECK(round_trip(origin.port(), get_request("/fixture/../x")).status == 404);
}

TEST_CASE("origin echo reports the request line, headers in order and the body digest") {
    test_origin origin;
    REQUIRE(origin.started());
    const auto res = round_trip(origin.port(), "POST /echo?q=1 HTTP/1.1\r\nHost: a.test\r\n"
                                               "X-One: 1\r\nx-two:  two  \r\nContent-Length: 5\r\n"
                                               "\r\nhello");
    REQUIRE(res.complete);
    const auto echo = parse_echo(res.body);
    CHECK(echo.connection == 1);
    CHECK(echo.request_line == "POST /echo?q=1 HTTP/1.1");
    REQUIRE(echo.headers.size() == 4);
    CHECK(echo.headers[1] == std::pair<std::string, std::string>{"X-One", "1"});
    CHECK(echo.header("X-TWO") == "two");
    CHECK(echo.body_length == 5);
    CHECK(echo.body_sha256 == sha256_hex("hello"));
}

TEST_CASE("origin keeps connections alive and answers pipelined requests in order") {
    test_origin origin;
    REQUIRE(origin.started());
    raw_client c(origin.port());
    REQUIRE(c.connected());
    c.send(get_request("/echo?a") + get_request("/status/404") + get_request("/echo?b"));
    const auto a = c.read_response();
    const auto s = c.read_response();
    const auto b = c.read_response();
    CHECK(parse_echo(a.body).request_line == "GET /echo?a HTTP/1.1");
    CHECK(s.status == 404);
    CHECK(parse_echo(b.body).request_line == "GET /echo?b HTTP/1.1");
    CHECK(parse_echo(a.body).connection == parse_echo(b.body).connection);
    c.send(get_request("/echo", "Connection: close\r\n"));
    CHECK(c.read_response().header("Connection") == "close");
    CHECK(c.wait_closed(milliseconds(2000)));
    CHECK(origin.connections() == 2); // ours, plus the one asking
}

TEST_CASE("origin generates chunked and huge pattern bodies") {
    test_origin origin;
    REQUIRE(origin.started());
    const auto chunked = round_trip(origin.port(), get_request("/chunked?n=5&size=1000"));
    REQUIRE(chunked.complete);
    CHECK(chunked.header("Transfer-Encoding") == "chunked");
    CHECK(chunked.body == pattern_bytes(0, 5000));

    const auto huge = round_trip(origin.port(), get_request("/huge?bytes=3000001"));
    REQUIRE(huge.complete);
    CHECK(huge.header("Content-Length") == "3000001");
    CHECK(huge.body == pattern_bytes(0, 3000001));

    const auto head = round_trip(origin.port(), "HEAD /huge?bytes=10 HTTP/1.1\r\nHost: a\r\n\r\n",
                                 milliseconds(3000), true);
    CHECK(head.header("Content-Length") == "10");
    CHECK(head.body.empty());
}

TEST_CASE("origin upload consumes Content-Length and chunked bodies") {
    test_origin origin;
    REQUIRE(origin.started());
    const std::string body = pattern_bytes(7, 1 << 20);
    raw_client c(origin.port());
    c.send("PUT /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
    const auto res = c.read_response();
    CHECK(res.body == "length 1048576\nsha256 " + sha256_hex(body) + "\n");
    c.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
           "Expect: 100-continue\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: 1\r\n\r\n");
    CHECK(c.read_response().body == "length 5\nsha256 " + sha256_hex("abcde") + "\n");
}

TEST_CASE("origin status, headers and encodings endpoints") {
    test_origin origin;
    REQUIRE(origin.started());
    for (int code : {200, 204, 304, 404, 500, 503}) {
        CAPTURE(code);
        const auto res = round_trip(origin.port(), get_request("/status/" + std::to_string(code)));
        CHECK(res.complete);
        CHECK(res.status == code);
    }
    const auto h = round_trip(origin.port(),
                              get_request("/headers?set=ETag:%22v1%22&set=Cache-Control:no-store"
                                          "&set=Content-Type:text/html;%20charset=utf-8"));
    CHECK(h.header("ETag") == "\"v1\"");
    CHECK(h.header("Cache-Control") == "no-store");
    CHECK(h.header("Content-Type") == "text/html; charset=utf-8");

    const auto gz = round_trip(origin.port(), get_request("/gzip/index.html"));
    CHECK(gz.header("Content-Encoding") == "gzip");
    CHECK(geogate::test::gzip_decompress(gz.body) == fixture_content("index.html"));
    const auto br = round_trip(origin.port(), get_request("/br/index.html"));
    CHECK(br.header("Content-Encoding") == "br");
    CHECK(geogate::test::brotli_decompress(br.body) == fixture_content("index.html"));
}

TEST_CASE("origin misbehaves on purpose") {
    test_origin origin;
    REQUIRE(origin.started());
    SECTION("slow header arrives late") {
        raw_client c(origin.port());
        c.send(get_request("/slow-header?ms=400"));
        CHECK(c.read_response(milliseconds(50)).timed_out);
    }
    SECTION("slow body stops after the first half") {
        raw_client c(origin.port());
        c.send(get_request("/slow-body?ms=400"));
        const auto res = c.read_response(milliseconds(200));
        CHECK(res.status == 200);
        CHECK(res.body == "hello");
        CHECK_FALSE(res.complete);
    }
    SECTION("reset and close mid body leave an incomplete response") {
        for (const std::string path :
             {"/reset-mid-body?bytes=2000", "/close-mid-body?bytes=2000"}) {
            CAPTURE(path);
            const auto res = round_trip(origin.port(), get_request(path));
            CHECK(res.status == 200);
            CHECK(res.closed);
            CHECK_FALSE(res.complete);
            CHECK(res.body == pattern_bytes(0, 1000));
        }
    }
    SECTION("bad framing kinds are sent raw, then the connection closes") {
        const std::vector<std::pair<std::string, std::string>> kinds = {
            {"cl-te", "Transfer-Encoding: chunked"}, {"two-cl", "Content-Length: 6"},
            {"garbage-status", "HTPT/1.1 abc"},      {"negative-length", "Content-Length: -5"},
            {"bad-cl", "Content-Length: 5x"},        {"bad-chunk", "zz\r\n"},
            {"nul-header", std::string("a\0b", 3)},  {"bare-lf", "200 OK\nContent-Length"},
            {"obs-fold", "X-Folded: a\r\n b"}};
        for (const auto& [kind, marker] : kinds) {
            CAPTURE(kind);
            raw_client c(origin.port());
            c.send(get_request("/bad/" + kind));
            const std::string bytes = c.read_bytes(1 << 20, milliseconds(2000));
            CHECK(bytes.find(marker) != std::string::npos);
        }
        raw_client c(origin.port());
        c.send(get_request("/bad/empty"));
        CHECK(c.read_bytes(1, milliseconds(2000)).empty());
    }
}

TEST_CASE("origin accepts a WebSocket upgrade and echoes bytes") {
    test_origin origin;
    REQUIRE(origin.started());
    raw_client c(origin.port());
    c.send(get_request("/websocket", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                     "Sec-WebSocket-Version: 13\r\n"));
    const auto res = c.read_response();
    CHECK(res.status == 101);
    CHECK(res.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    c.send("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"); // RFC 6455 masked "Hello"
    CHECK(c.read_bytes(11, milliseconds(2000)) == "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
}

TEST_CASE("origin lists the targets it received, excluding its own introspection") {
    test_origin origin;
    REQUIRE(origin.started());
    round_trip(origin.port(), get_request("/echo?first"));
    round_trip(origin.port(), get_request("/status/200?second"));
    CHECK(origin.received() == std::vector<std::string>{"/echo?first", "/status/200?second"});
    CHECK(origin.received_contains("second"));
    CHECK_FALSE(origin.received_contains("third"));
}

TEST_CASE("origin tells whole request bodies from cut ones") {
    test_origin origin;
    REQUIRE(origin.started());
    REQUIRE(round_trip(origin.port(), "POST /upload?whole HTTP/1.1\r\nHost: a\r\n"
                                      "Content-Length: 5\r\n\r\nhello")
                .status == 200);
    {
        raw_client c(origin.port());
        c.send("POST /upload?cut HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhel");
    } // closed after 3 of 10 bytes
    {
        raw_client c(origin.port());
        c.send("POST /upload?cut-chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
               "\r\n3\r\nabc\r\n");
    } // closed before the last chunk
    REQUIRE(round_trip(origin.port(), get_request("/echo?no-body")).status == 200);
    std::vector<std::string> bodies;
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
    while ((bodies = origin.bodies()).size() < 3 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(milliseconds(20));
    std::sort(bodies.begin(), bodies.end());
    CHECK(bodies == std::vector<std::string>{"/upload?cut incomplete 3",
                                             "/upload?cut-chunked incomplete 3",
                                             "/upload?whole complete 5"});
}

TEST_CASE("origin serves a page a test changes, conditionally, and counts what it sent") {
    test_origin origin;
    REQUIRE(origin.started());
    const auto get = [&](const std::string& extra = "", const std::string& method = "GET") {
        return round_trip(origin.port(),
                          method + " /mutable/p HTTP/1.1\r\nHost: a\r\n" + extra + "\r\n",
                          milliseconds(5000), method == "HEAD");
    };
    CHECK(get().status == 404);
    REQUIRE(origin.set_page("p", "body=first%20text&etag=%22e1%22&cc=max-age%3D60&vary=Accept"));
    const auto full = get();
    REQUIRE(full.status == 200);
    CHECK(full.header("Content-Type") == "text/html; charset=utf-8");
    CHECK(full.header("ETag") == "\"e1\"");
    CHECK(full.header("Cache-Control") == "max-age=60");
    CHECK(full.header("Vary") == "Accept");
    CHECK(full.body.find("<body>") != std::string::npos);
    CHECK(full.body.find("ORIGIN-CONTENT-7f3a") != std::string::npos);
    CHECK(full.body.find("first text") != std::string::npos);

    // If-None-Match compares weakly, a list and * included; it wins over If-Modified-Since.
    for (const char* inm : {"\"e1\"", "W/\"e1\"", "\"x\", W/\"e1\"", "*"}) {
        CAPTURE(inm);
        const auto nm = get(std::string("If-None-Match: ") + inm + "\r\n");
        CHECK(nm.status == 304);
        CHECK(nm.body.empty());
        CHECK(nm.header("ETag") == "\"e1\"");
        CHECK(nm.header("Cache-Control") == "max-age=60");
    }
    CHECK(get("If-None-Match: \"e2\"\r\n").status == 200);
    CHECK(get("If-None-Match: \"e2\"\r\nIf-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n")
              .status == 200);
    CHECK(get("", "HEAD").status == 200);
    auto counts = origin.served("p");
    CHECK(counts.full == 3);
    CHECK(counts.not_modified == 4);
    CHECK(counts.head == 1);

    // Replaced: new content, weak ETag, Last-Modified; the counters go on.
    REQUIRE(origin.set_page("p", "body=second&etag=W%2F%22e2%22&lm=Sat%2C%2001%20Jan%202000%20"
                                 "00%3A00%3A00%20GMT&sc=a%3Db&pad=1000&type=text%2Fplain"));
    const auto second = get("If-None-Match: \"e1\"\r\n");
    REQUIRE(second.status == 200);
    CHECK(second.body.find("second") != std::string::npos);
    CHECK(second.body.size() > 1000);
    CHECK(second.header("ETag") == "W/\"e2\"");
    CHECK(second.header("Set-Cookie") == "a=b");
    CHECK(second.header("Content-Type") == "text/plain");
    CHECK(get("If-None-Match: \"e2\"\r\n").status == 304);
    // If-Modified-Since alone: not modified unless the page is later than the date.
    CHECK(get("If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n").status == 304);
    CHECK(get("If-Modified-Since: Sun, 02 Jan 2000 00:00:00 GMT\r\n").status == 304);
    CHECK(get("If-Modified-Since: Fri, 31 Dec 1999 00:00:00 GMT\r\n").status == 200);
    counts = origin.served("p");
    CHECK(counts.full == 5);
    CHECK(counts.not_modified == 7);
    CHECK(counts.if_modified_since == "Fri, 31 Dec 1999 00:00:00 GMT");
    CHECK(counts.if_none_match.empty());
    // No validators: never a 304; type=none: no Content-Type.
    REQUIRE(origin.set_page("p", "type=none"));
    const auto bare =
        get("If-None-Match: *\r\nIf-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n");
    CHECK(bare.status == 200);
    CHECK_FALSE(bare.has("Content-Type"));
    CHECK_FALSE(bare.has("ETag"));
    CHECK(origin.received() == std::vector<std::string>(15, "/mutable/p"));
}
