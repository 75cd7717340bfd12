// What crosses geogate, header by header: the head sent to the origin and the head sent back to
// the reader. Both are parsed again here (by Beast, as the peer would) before any assertion.
#include "proxy/http/header_policy.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace geogate;

namespace {

http::request_header<> parse_request(std::string_view raw) {
    http::request_parser<http::empty_body> p;
    p.eager(false);
    beast::error_code ec;
    p.put(net::buffer(raw.data(), raw.size()), ec);
    INFO(raw);
    REQUIRE(!ec);
    REQUIRE(p.is_header_done());
    return p.release().base();
}

http::response_header<> parse_response(std::string_view raw) {
    http::response_parser<http::empty_body> p;
    p.eager(false);
    p.skip(true); // heads only: no body follows in these tests
    beast::error_code ec;
    p.put(net::buffer(raw.data(), raw.size()), ec);
    INFO(raw);
    REQUIRE(!ec);
    REQUIRE(p.is_header_done());
    return p.release().base();
}

// All values of a field, in order.
std::vector<std::string> values(const http::fields& f, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& x : f)
        if (beast::iequals(x.name_string(), name))
            out.emplace_back(x.value());
    return out;
}

std::string one(const http::fields& f, std::string_view name) {
    auto v = values(f, name);
    INFO("field " << name);
    REQUIRE(v.size() == 1);
    return v.front();
}

bool has(const http::fields& f, std::string_view name) {
    return !values(f, name).empty();
}

upstream_request_plan base_plan() {
    upstream_request_plan p;
    p.target = "/x";
    p.client_ip = "203.0.113.9";
    p.proto = "https";
    p.host = "origin.internal";
    return p;
}

// Builds the upstream head and parses it back as the origin would.
http::request_header<> upstream(std::string_view raw, const upstream_request_plan& plan) {
    auto req = parse_request(raw);
    auto out = build_upstream_request_head(req, plan);
    INFO(out);
    REQUIRE(out.size() >= 4);
    CHECK(out.substr(out.size() - 4) == "\r\n\r\n");
    return parse_request(out);
}

http::response_header<> downstream(std::string_view raw, const client_response_plan& plan) {
    auto res = parse_response(raw);
    auto out = build_client_response_head(res, plan);
    INFO(out);
    CHECK(out.rfind("HTTP/1.1 ", 0) == 0);
    return parse_response(out);
}

} // namespace

TEST_CASE("upstream head: request line, Host preserved or rewritten", "[proxy][headers]") {
    auto plan = base_plan();
    plan.target = "/base/x?q=1";
    auto up =
        upstream("POST /x?q=1 HTTP/1.0\r\nHost: site.example\r\nContent-Length: 3\r\n\r\n", plan);
    CHECK(up.method() == http::verb::post);
    CHECK(up.target() == "/base/x?q=1");
    CHECK(up.version() == 11);
    CHECK(one(up, "Host") == "origin.internal");
    CHECK(one(up, "X-Forwarded-Host") == "site.example");
    CHECK(one(up, "Content-Length") == "3");

    plan.host = "site.example"; // preserve_host: the caller passes the client's Host
    up = upstream("GET /x HTTP/1.1\r\nHost: site.example\r\n\r\n", plan);
    CHECK(one(up, "Host") == "site.example");
}

TEST_CASE("upstream head: hop-by-hop and Connection-named fields go (RFC 9110 7.6.1)",
          "[proxy][headers]") {
    auto up = upstream("GET /x HTTP/1.1\r\n"
                       "Host: site.example\r\n"
                       "Connection: keep-alive, X-Secret\r\n"
                       "Connection: x-other\r\n"
                       "Keep-Alive: timeout=5\r\n"
                       "Proxy-Connection: keep-alive\r\n"
                       "TE: trailers\r\n"
                       "Trailer: X-T\r\n"
                       "Upgrade: websocket\r\n"
                       "Proxy-Authorization: Basic c2VjcmV0\r\n"
                       "x-secret: 1\r\n"
                       "X-Other: 2\r\n"
                       "X-Kept: 3\r\n"
                       "Expect: 100-continue\r\n"
                       "\r\n",
                       base_plan());
    for (auto name :
         {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade",
          "Proxy-Authorization", "X-Secret", "X-Other", "Expect", "Transfer-Encoding"}) {
        INFO(name);
        CHECK_FALSE(has(up, name));
    }
    CHECK(one(up, "X-Kept") == "3");
}

TEST_CASE("upstream head: a Connection header cannot strip framing, Host or geogate's fields",
          "[proxy][headers]") {
    auto plan = base_plan();
    plan.region_header = "X-Geogate-Region";
    plan.region_value = "RU";
    auto up =
        upstream("POST /x HTTP/1.1\r\nHost: site.example\r\n"
                 "Connection: content-length, host, x-forwarded-for, via, x-geogate-region\r\n"
                 "Content-Length: 5\r\n\r\n",
                 plan);
    CHECK(one(up, "Content-Length") == "5");
    CHECK(one(up, "Host") == "origin.internal");
    CHECK(one(up, "X-Forwarded-For") == "203.0.113.9");
    CHECK(one(up, "Via") == "1.1 geogate");
    CHECK(one(up, "X-Geogate-Region") == "RU");
    CHECK_FALSE(has(up, "Connection"));
}

TEST_CASE("upstream head: forwarding fields from untrusted peers are replaced",
          "[proxy][headers]") {
    auto plan = base_plan();
    plan.client_ip_header = "CF-Connecting-IP";
    const char* raw = "GET /x HTTP/1.1\r\nHost: site.example\r\n"
                      "X-Forwarded-For: 1.1.1.1\r\n"
                      "X-Forwarded-For: 2.2.2.2\r\n"
                      "X-Forwarded-Proto: http\r\n"
                      "X-Forwarded-Host: evil.example\r\n"
                      "Forwarded: for=1.1.1.1\r\n"
                      "CF-Connecting-IP: 1.1.1.1\r\n"
                      "\r\n";
    auto up = upstream(raw, plan);
    CHECK(one(up, "X-Forwarded-For") == "203.0.113.9");
    CHECK(one(up, "X-Forwarded-Proto") == "https");
    CHECK(one(up, "X-Forwarded-Host") == "site.example");
    CHECK_FALSE(has(up, "Forwarded"));
    CHECK_FALSE(has(up, "CF-Connecting-IP"));

    SECTION("trusted peer: X-Forwarded-For appended, the others kept") {
        plan.peer_trusted = true;
        up = upstream(raw, plan);
        CHECK(one(up, "X-Forwarded-For") == "1.1.1.1, 2.2.2.2, 203.0.113.9");
        CHECK(one(up, "X-Forwarded-Proto") == "http");
        CHECK(one(up, "X-Forwarded-Host") == "evil.example");
        CHECK(one(up, "Forwarded") == "for=1.1.1.1");
        CHECK(one(up, "CF-Connecting-IP") == "1.1.1.1");
    }
    SECTION("no forwarding fields at all") {
        up = upstream("GET /x HTTP/1.1\r\nHost: site.example\r\n\r\n", plan);
        CHECK(one(up, "X-Forwarded-For") == "203.0.113.9");
        CHECK(one(up, "X-Forwarded-Proto") == "https");
        CHECK(one(up, "X-Forwarded-Host") == "site.example");
    }
}

TEST_CASE("upstream head: Via is appended", "[proxy][headers]") {
    auto up = upstream("GET /x HTTP/1.1\r\nHost: a\r\nVia: 1.1 cdn-a\r\nVia: 1.0 cdn-b\r\n\r\n",
                       base_plan());
    CHECK(one(up, "Via") == "1.1 cdn-a, 1.0 cdn-b, 1.1 geogate");
    up = upstream("GET /x HTTP/1.0\r\n\r\n", base_plan());
    CHECK(one(up, "Via") == "1.0 geogate");
}

TEST_CASE("upstream head: the region header is geogate's, never the client's", "[proxy][headers]") {
    auto plan = base_plan();
    plan.region_header = "X-Geogate-Region";
    plan.region_value = "UA-43";
    auto up = upstream(
        "GET /x HTTP/1.1\r\nHost: a\r\nx-geogate-region: US\r\nX-GEOGATE-REGION: DE\r\n\r\n", plan);
    CHECK(one(up, "X-Geogate-Region") == "UA-43");

    plan.region_header = "";
    up = upstream("GET /x HTTP/1.1\r\nHost: a\r\n\r\n", plan);
    CHECK_FALSE(has(up, "X-Geogate-Region"));
}

TEST_CASE("upstream head: X-Geogate-Preview is never forwarded", "[proxy][headers]") {
    for (bool trusted : {false, true}) {
        auto plan = base_plan();
        plan.peer_trusted = trusted;
        auto up = upstream("GET /x HTTP/1.1\r\nHost: a\r\nX-Geogate-Preview: token\r\n"
                           "x-geogate-preview: token2\r\n\r\n",
                           plan);
        CHECK_FALSE(has(up, "X-Geogate-Preview"));
    }
}

TEST_CASE("upstream head: Upgrade only for upgrades", "[proxy][headers]") {
    const char* raw =
        "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    auto plan = base_plan();
    auto up = upstream(raw, plan);
    CHECK_FALSE(has(up, "Upgrade"));
    CHECK_FALSE(has(up, "Connection"));
    CHECK(one(up, "Sec-WebSocket-Key") == "dGhlIHNhbXBsZSBub25jZQ==");

    plan.upgrade = true;
    up = upstream(raw, plan);
    CHECK(one(up, "Upgrade") == "websocket");
    CHECK(one(up, "Connection") == "upgrade");
}

TEST_CASE("upstream head: body framing is Content-Length or chunked, never both",
          "[proxy][headers]") {
    auto plan = base_plan();
    auto up = upstream("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", plan);
    CHECK(one(up, "Content-Length") == "12");
    CHECK_FALSE(has(up, "Transfer-Encoding"));

    up = upstream("GET /x HTTP/1.1\r\nHost: a\r\n\r\n", plan);
    CHECK_FALSE(has(up, "Content-Length"));
    CHECK_FALSE(has(up, "Transfer-Encoding"));

    plan.chunked_body = true;
    up = upstream("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", plan);
    CHECK(one(up, "Transfer-Encoding") == "chunked");
    CHECK_FALSE(has(up, "Content-Length"));
}

TEST_CASE("upstream head: whole_representation drops Range and validators", "[proxy][headers]") {
    const char* raw = "GET /x HTTP/1.1\r\nHost: a\r\nRange: bytes=0-99\r\nIf-Range: \"e\"\r\n"
                      "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n"
                      "If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n"
                      "If-None-Match: \"a-ggv1\", \"b\"\r\nAccept-Encoding: gzip, br, zstd\r\n\r\n";
    auto plan = base_plan();
    auto up = upstream(raw, plan);
    for (auto name : {"Range", "If-Range", "If-Modified-Since", "If-Unmodified-Since",
                      "If-None-Match", "Accept-Encoding"}) {
        INFO(name);
        CHECK(has(up, name));
    }

    plan.whole_representation = true;
    plan.if_none_match = std::string("\"a\"");
    plan.accept_encoding = std::string("br");
    up = upstream(raw, plan);
    for (auto name : {"Range", "If-Range", "If-Modified-Since", "If-Unmodified-Since"}) {
        INFO(name);
        CHECK_FALSE(has(up, name));
    }
    CHECK(one(up, "If-None-Match") == "\"a\"");
    CHECK(one(up, "Accept-Encoding") == "br");

    plan.if_none_match = std::string();
    up = upstream(raw, plan);
    CHECK_FALSE(has(up, "If-None-Match"));
}

TEST_CASE("client head: hop-by-hop and Connection-named fields go, Via appended",
          "[proxy][headers]") {
    client_response_plan plan;
    plan.framing = body_framing::content_length;
    plan.content_length = 10;
    auto down = downstream("HTTP/1.1 200 OK\r\n"
                           "Connection: keep-alive, X-Internal\r\n"
                           "Keep-Alive: timeout=5\r\n"
                           "Proxy-Authenticate: Basic\r\n"
                           "Trailer: X-T\r\n"
                           "Upgrade: h2c\r\n"
                           "X-Internal: secret\r\n"
                           "Transfer-Encoding: chunked\r\n"
                           "Via: 1.1 origin-cache\r\n"
                           "Content-Type: text/html\r\n"
                           "Set-Cookie: a=1\r\n"
                           "Set-Cookie: b=2\r\n"
                           "\r\n",
                           plan);
    CHECK(down.result_int() == 200);
    for (auto name : {"Connection", "Keep-Alive", "Proxy-Authenticate", "Trailer", "Upgrade",
                      "X-Internal", "Transfer-Encoding"}) {
        INFO(name);
        CHECK_FALSE(has(down, name));
    }
    CHECK(one(down, "Via") == "1.1 origin-cache, 1.1 geogate");
    CHECK(one(down, "Content-Type") == "text/html");
    CHECK(values(down, "Set-Cookie") == std::vector<std::string>{"a=1", "b=2"});
    CHECK(one(down, "Content-Length") == "10");
}

TEST_CASE("client head: an origin's Connection cannot strip the fields a browser renders by",
          "[proxy][headers]") {
    // Connection naming Content-Type would leave the browser to sniff a body geogate decided
    // on as text/plain; Content-Disposition would turn a download into a page.
    client_response_plan plan;
    plan.framing = body_framing::content_length;
    plan.content_length = 10;
    auto down = downstream("HTTP/1.1 200 OK\r\n"
                           "Connection: content-type, Content-Disposition, content-encoding, "
                           "x-content-type-options, content-security-policy, cache-control, "
                           "etag, vary, x-internal\r\n"
                           "Content-Type: text/plain\r\n"
                           "Content-Disposition: attachment\r\n"
                           "Content-Encoding: gzip\r\n"
                           "X-Content-Type-Options: nosniff\r\n"
                           "Content-Security-Policy: default-src 'self'\r\n"
                           "Cache-Control: no-store\r\n"
                           "ETag: \"a\"\r\n"
                           "Vary: Accept-Encoding\r\n"
                           "X-Internal: secret\r\n"
                           "\r\n",
                           plan);
    CHECK(one(down, "Content-Type") == "text/plain");
    CHECK(one(down, "Content-Disposition") == "attachment");
    CHECK(one(down, "Content-Encoding") == "gzip");
    CHECK(one(down, "X-Content-Type-Options") == "nosniff");
    CHECK(one(down, "Content-Security-Policy") == "default-src 'self'");
    CHECK(one(down, "Cache-Control") == "no-store");
    CHECK(one(down, "ETag") == "\"a\"");
    CHECK(one(down, "Vary") == "Accept-Encoding");
    CHECK_FALSE(has(down, "X-Internal")); // a real connection option still goes
}

TEST_CASE("client head: framing is the plan's, not the origin's", "[proxy][headers]") {
    const char* raw = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n";
    client_response_plan plan;

    plan.framing = body_framing::content_length;
    plan.content_length = 1234;
    auto down = downstream(raw, plan);
    CHECK(one(down, "Content-Length") == "1234");
    CHECK_FALSE(has(down, "Transfer-Encoding"));

    plan.framing = body_framing::chunked;
    down = downstream(raw, plan);
    CHECK(one(down, "Transfer-Encoding") == "chunked");
    CHECK_FALSE(has(down, "Content-Length"));

    plan.framing = body_framing::close_delimited;
    plan.close = true;
    down = downstream(raw, plan);
    CHECK_FALSE(has(down, "Transfer-Encoding"));
    CHECK_FALSE(has(down, "Content-Length"));
    CHECK(one(down, "Connection") == "close");

    plan.framing = body_framing::none;
    plan.close = false;
    down =
        downstream("HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\nContent-Length: 5\r\n\r\n", plan);
    CHECK(down.result_int() == 304);
    CHECK_FALSE(has(down, "Content-Length"));
    CHECK_FALSE(has(down, "Connection"));
    CHECK(one(down, "ETag") == "\"e\"");
}

TEST_CASE("client head: Upgrade kept only for 101", "[proxy][headers]") {
    const char* raw =
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    client_response_plan plan;
    plan.keep_upgrade = true;
    auto down = downstream(raw, plan);
    CHECK(down.result_int() == 101);
    CHECK(one(down, "Upgrade") == "websocket");
    CHECK(one(down, "Connection") == "upgrade");
    CHECK(one(down, "Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

    plan.keep_upgrade = false;
    down = downstream(raw, plan);
    CHECK_FALSE(has(down, "Upgrade"));
    CHECK_FALSE(has(down, "Connection"));
}

TEST_CASE("client head: drop and add lists, status line", "[proxy][headers]") {
    client_response_plan plan;
    plan.drop = {"etag", "accept-ranges"};
    plan.add = {{"Cache-Control", "private"}, {"X-Geogate-Notice", "undesirable-org v1"}};
    auto down = downstream("HTTP/1.1 200 Fine\r\nETag: \"e\"\r\nAccept-Ranges: bytes\r\n"
                           "Cache-Control: public\r\n\r\n",
                           plan);
    CHECK(down.reason() == "Fine");
    CHECK_FALSE(has(down, "ETag"));
    CHECK_FALSE(has(down, "Accept-Ranges"));
    CHECK(values(down, "Cache-Control") == std::vector<std::string>{"public", "private"});
    CHECK(one(down, "X-Geogate-Notice") == "undesirable-org v1");

    // An HTTP/1.0 origin: the reader still gets HTTP/1.1, Via says 1.0.
    down = downstream("HTTP/1.0 404 Not Found\r\n\r\n", client_response_plan{});
    CHECK(down.version() == 11);
    CHECK(down.result_int() == 404);
    CHECK(one(down, "Via") == "1.0 geogate");
}

TEST_CASE("hop_by_hop_set", "[proxy][headers]") {
    auto req = parse_request("GET / HTTP/1.1\r\nConnection: X-A, x-b\r\nConnection: close\r\n\r\n");
    hop_by_hop_set hop(req);
    for (auto n :
         {"x-a", "x-b", "close", "connection", "keep-alive", "proxy-connection", "te", "trailer",
          "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate"}) {
        INFO(n);
        CHECK(hop.contains(n));
    }
    CHECK_FALSE(hop.contains("host"));
    CHECK_FALSE(hop.contains("content-length"));
    // End-to-end fields named in Connection are not obeyed.
    auto res = parse_request("GET / HTTP/1.1\r\nConnection: Content-Type, host, x-c\r\n\r\n");
    hop_by_hop_set named(res);
    CHECK(named.contains("x-c"));
    CHECK_FALSE(named.contains("content-type"));
    CHECK_FALSE(named.contains("host"));
    CHECK(to_lower("X-AbC-1") == "x-abc-1");
    CHECK(geogate::iequals("Content-Length", "content-LENGTH"));
    CHECK_FALSE(geogate::iequals("Content-Length", "content-lengths"));
}

TEST_CASE("upstream head: an upgrade sends exactly Upgrade: websocket", "[proxy][headers]") {
    auto plan = base_plan();
    plan.upgrade = true;
    auto up = upstream("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                       "Upgrade: h2c, websocket\r\nHTTP2-Settings: AAMAAABk\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\n\r\n",
                       plan);
    CHECK(one(up, "Upgrade") == "websocket");
    CHECK(one(up, "Connection") == "upgrade");
    CHECK_FALSE(has(up, "HTTP2-Settings"));
}

TEST_CASE("is_websocket_upgrade: RFC 6455 4.1 handshakes only", "[proxy][headers]") {
    const std::string ok_fields = "Host: a\r\nConnection: keep-alive, Upgrade\r\n"
                                  "Upgrade: websocket\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                  "Sec-WebSocket-Version: 13\r\n";
    auto check = [](const std::string& raw) { return is_websocket_upgrade(parse_request(raw)); };
    CHECK(check("GET /ws HTTP/1.1\r\n" + ok_fields + "\r\n"));
    CHECK(
        check("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: WebSocket\r\n"
              "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    struct bad {
        const char* what;
        std::string raw;
    };
    for (const auto& b : {
             bad{"h2c", "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                        "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n\r\n"},
             bad{"tls", "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
                        "Upgrade: TLS/1.2\r\n\r\n"},
             bad{"POST", "POST /ws HTTP/1.1\r\n" + ok_fields + "Content-Length: 0\r\n\r\n"},
             bad{"HTTP/1.0", "GET /ws HTTP/1.0\r\n" + ok_fields + "\r\n"},
             bad{"no Connection: upgrade",
                 "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: "
                 "13\r\n\r\n"},
             bad{"version 8",
                 "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"},
             bad{"two versions",
                 "GET /ws HTTP/1.1\r\n" + ok_fields + "Sec-WebSocket-Version: 13\r\n\r\n"},
             bad{"no key", "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
                           "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"},
             bad{"short key", "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
                              "Upgrade: websocket\r\nSec-WebSocket-Key: abcd\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n"},
             bad{"key with a bad byte", "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
                                        "Upgrade: websocket\r\n"
                                        "Sec-WebSocket-Key: dGhlIHNhbXBsZS-ub25jZQ==\r\n"
                                        "Sec-WebSocket-Version: 13\r\n\r\n"},
         }) {
        CAPTURE(b.what);
        CHECK_FALSE(check(b.raw));
    }
}

TEST_CASE("is_websocket_switch: a 101 naming websocket", "[proxy][headers]") {
    CHECK(is_websocket_switch(parse_response("HTTP/1.1 101 Switching Protocols\r\n"
                                             "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n")));
    CHECK_FALSE(is_websocket_switch(parse_response("HTTP/1.1 101 Switching Protocols\r\n"
                                                   "Upgrade: h2c\r\nConnection: Upgrade\r\n\r\n")));
    CHECK_FALSE(is_websocket_switch(parse_response("HTTP/1.1 101 Switching Protocols\r\n\r\n")));
}

TEST_CASE("upstream head: field names with '_' are dropped unless kept", "[proxy][headers]") {
    const char* raw = "POST /x HTTP/1.1\r\nHost: a\r\nX_Forwarded_For: 10.9.9.9\r\n"
                      "Transfer_Encoding: chunked\r\nContent_Length: 99\r\nX-Kept: 1\r\n"
                      "x_custom: 2\r\nContent-Length: 3\r\n\r\n";
    auto plan = base_plan();
    for (bool trusted : {false, true}) {
        plan.peer_trusted = trusted;
        auto up = upstream(raw, plan);
        for (auto name : {"X_Forwarded_For", "Transfer_Encoding", "Content_Length", "x_custom"}) {
            INFO(name);
            CHECK_FALSE(has(up, name));
        }
        CHECK(one(up, "X-Kept") == "1");
        CHECK(one(up, "Content-Length") == "3");
        CHECK(one(up, "X-Forwarded-For") == "203.0.113.9");
    }
    plan.keep_underscore_names = true;
    auto up = upstream(raw, plan);
    CHECK(one(up, "X_Forwarded_For") == "10.9.9.9");
    CHECK(one(up, "x_custom") == "2");

    // A configured client address header with '_' still reaches the origin from a trusted peer.
    plan = base_plan();
    plan.peer_trusted = true;
    plan.client_ip_header = "X_Real_IP";
    up = upstream("GET /x HTTP/1.1\r\nHost: a\r\nX_Real_IP: 198.51.100.7\r\n\r\n", plan);
    CHECK(one(up, "X_Real_IP") == "198.51.100.7");
}
