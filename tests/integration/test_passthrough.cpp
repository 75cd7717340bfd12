// Pass-through: what the origin sends is what the reader gets, byte for byte, and large bodies
// stream both ways without sitting in the proxy's memory.
#include "tests/integration/support/proc_stats.hpp"
#include "tests/integration/support/stack.hpp"
#include "tests/origin/digest.hpp"
#include "tests/origin/pattern.hpp"

#include <catch2/catch.hpp>

using namespace geogate::it;
using geogate::test::pattern_bytes;

namespace {

constexpr std::uint64_t big = 192ull << 20;       // bytes moved through the proxy
constexpr std::int64_t max_growth_kib = 64 << 10; // far below `big`: proves streaming

std::string pattern_sha256(std::uint64_t size) {
    geogate::test::sha256 h;
    for (std::uint64_t off = 0; off < size; off += 1 << 20)
        h.update(pattern_bytes(
            off, static_cast<std::size_t>(std::min<std::uint64_t>(1 << 20, size - off))));
    return h.hex();
}

} // namespace

TEST_CASE("pass-through serves every fixture byte-identical with its content type") {
    stack s;
    REQUIRE(s.origin.started());
    REQUIRE(s.proxy.started());
    for (const auto& f : fixtures()) {
        CAPTURE(f.name);
        const auto direct = round_trip(s.origin.port(), get_request("/fixture/" + f.name));
        const auto res = round_trip(s.proxy.port(), get_request("/fixture/" + f.name));
        REQUIRE(res.complete);
        CHECK(res.status == 200);
        CHECK(res.body == f.content);
        CHECK(res.header("Content-Type") == direct.header("Content-Type"));
    }
}

TEST_CASE("pass-through keeps compressed bodies, statuses and HEAD untouched") {
    stack s;
    REQUIRE(s.proxy.started());
    for (const std::string path : {"/gzip/index.html", "/br/index.html"}) {
        CAPTURE(path);
        const auto direct = round_trip(s.origin.port(), get_request(path));
        const auto res = round_trip(s.proxy.port(), get_request(path));
        CHECK(res.status == 200);
        CHECK(res.header("Content-Encoding") == direct.header("Content-Encoding"));
        CHECK(res.body == direct.body);
    }
    for (int code : {201, 204, 304, 404, 500, 503}) {
        CAPTURE(code);
        const auto res = round_trip(s.proxy.port(), get_request("/status/" + std::to_string(code)));
        CHECK(res.complete);
        CHECK(res.status == code);
    }
    const auto head =
        round_trip(s.proxy.port(), "HEAD /fixture/index.html HTTP/1.1\r\nHost: site.test\r\n\r\n",
                   milliseconds(5000), true);
    CHECK(head.status == 200);
    CHECK(head.header("Content-Length") == std::to_string(fixture_content("index.html").size()));
}

TEST_CASE("pass-through relays a chunked origin response intact") {
    stack s;
    REQUIRE(s.proxy.started());
    const auto res = round_trip(s.proxy.port(), get_request("/chunked?n=64&size=5000"));
    REQUIRE(res.complete);
    CHECK(res.status == 200);
    CHECK(res.body == pattern_bytes(0, 64 * 5000));
}

TEST_CASE("a huge download streams through without the proxy holding it") {
    stack s;
    REQUIRE(s.proxy.started());
    // Warm up so the baseline includes the proxy's buffers and pool.
    REQUIRE(round_trip(s.proxy.port(), get_request("/huge?bytes=1000000")).complete);
    const auto before = peak_rss_kib(s.proxy.process().pid());
    REQUIRE(before > 0);
    raw_client c(s.proxy.port());
    REQUIRE(c.connected());
    c.send(get_request("/huge?bytes=" + std::to_string(big)));
    geogate::test::sha256 h;
    const auto res = c.read_response(milliseconds(60000), false,
                                     [&](std::string_view piece) { h.update(piece); });
    REQUIRE(res.complete);
    CHECK(res.body_bytes == big);
    CHECK(h.hex() == pattern_sha256(big));
    const auto after = peak_rss_kib(s.proxy.process().pid());
    REQUIRE(after > 0);
    CHECK(after - before < max_growth_kib);
}

TEST_CASE("a huge upload streams to the origin without the proxy holding it") {
    stack s([](toml_config& c) { c.set("limits", "max_body_bytes", "1073741824"); });
    REQUIRE(s.proxy.started());
    REQUIRE(round_trip(s.proxy.port(), get_request("/echo")).complete);
    const auto before = peak_rss_kib(s.proxy.process().pid());
    REQUIRE(before > 0);
    raw_client c(s.proxy.port());
    REQUIRE(c.connected());
    REQUIRE(c.send("PUT /upload HTTP/1.1\r\nHost: site.test\r\nContent-Type: "
                   "application/octet-stream\r\nContent-Length: " +
                   std::to_string(big) + "\r\n\r\n"));
    bool sent = true;
    for (std::uint64_t off = 0; sent && off < big; off += 1 << 20)
        sent = c.send(pattern_bytes(off, 1 << 20));
    REQUIRE(sent);
    const auto res = c.read_response(milliseconds(60000));
    CHECK(res.status == 200);
    CHECK(res.body == "length " + std::to_string(big) + "\nsha256 " + pattern_sha256(big) + "\n");
    const auto after = peak_rss_kib(s.proxy.process().pid());
    REQUIRE(after > 0);
    CHECK(after - before < max_growth_kib);
}

TEST_CASE("a chunked upload reaches the origin with the same bytes") {
    stack s;
    REQUIRE(s.proxy.started());
    std::string req =
        "POST /upload HTTP/1.1\r\nHost: site.test\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string all;
    for (int k = 0; k < 20; ++k) {
        const std::string piece = pattern_bytes(all.size(), 1000 + k);
        all += piece;
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        req += size + piece + "\r\n";
    }
    req += "0\r\n\r\n";
    const auto res = round_trip(s.proxy.port(), req);
    CHECK(res.status == 200);
    CHECK(res.body == "length " + std::to_string(all.size()) + "\nsha256 " +
                          geogate::test::sha256_hex(all) + "\n");
}
