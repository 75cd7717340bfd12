// The small pure pieces: notice ETag variants and their translation back for the origin,
// geogate's own error pages, the client key that keeps a reader on one mirror, and the open
// connection count per client address, the origin key of pooled connections.
#include "proxy/exchange/client_key.hpp"
#include "proxy/http/error_page.hpp"
#include "proxy/http/net.hpp"
#include "proxy/notice/notice_response.hpp"
#include "proxy/runtime/client_connections.hpp"
#include "proxy/runtime/upstream_pool.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using namespace geogate;

TEST_CASE("notice ETag: variant_etag", "[proxy][etag]") {
    struct row {
        const char* etag;
        const char* out;
    };
    const row table[] = {
        {"\"abc\"", "\"abc-ggv1\""},
        {"W/\"abc\"", "W/\"abc-ggv1\""},
        {"\"\"", "\"-ggv1\""},
        {"W/\"\"", "W/\"-ggv1\""},
        {"abc", ""},
        {"\"abc", ""},
        {"abc\"", ""},
        {"\"", ""},
        {"", ""},
        {"W/", ""},
        {"W/abc", ""},
        {"w/\"abc\"", ""}, // the weak indicator is case-sensitive
    };
    for (const auto& r : table) {
        INFO(r.etag);
        CHECK(variant_etag(r.etag, "v1") == r.out);
    }
}

TEST_CASE("notice ETag: origin_if_none_match keeps only this version's variants", "[proxy][etag]") {
    struct row {
        const char* inm;
        const char* out;
    };
    const row table[] = {
        {"\"abc-ggv1\"", "\"abc\""},
        {"W/\"abc-ggv1\"", "W/\"abc\""},
        {"\"abc\"", ""},      // a copy without the notice
        {"\"abc-ggv0\"", ""}, // an older notice version
        {"\"abc-ggv1x\"", ""},
        {"*", ""}, // matches any copy, one without the notice too
        {"*, \"a-ggv1\"", "\"a\""},
        {"", ""},
        {"\"a-ggv1\", \"b\", W/\"c-ggv1\"", "\"a\", W/\"c\""},
        {" \t\"a-ggv1\"\t ,\"b-ggv1\"  ", "\"a\", \"b\""},
        {",,\"a-ggv1\",,", "\"a\""},
        {"\"-ggv1\"", "\"\""},
    };
    for (const auto& r : table) {
        INFO(r.inm);
        CHECK(origin_if_none_match(r.inm, {"v1"}) == r.out);
    }
    for (auto e : {"\"abc\"", "W/\"x-y\"", "\"\"", "\"a-ggv1\""}) {
        INFO(e);
        CHECK(origin_if_none_match(variant_etag(e, "v1"), {"v1"}) == e);
    }
}

TEST_CASE("notice ETag: either tag of the request's variant is ours", "[proxy][etag]") {
    // A streamed rewrite and a stored one differ in compression level, so in tag.
    CHECK(origin_if_none_match("\"a-ggv1.0001\", \"b-ggv1.0002\", \"c-ggv1.0003\"",
                               {"v1.0001", "v1.0002"}) == "\"a\", \"b\"");
    CHECK(origin_if_none_match("\"a-ggv1.0001\"", {"v1.0002"}) == "");
    CHECK(origin_if_none_match("\"v1.0001\"", {"v1.0001"}) == ""); // no "-gg": not ours
}

// entity-tag characters include ',' (RFC 9110 8.8.3: etagc = %x21 / %x23-7E / obs-text), so a
// list cannot be split on every comma.
TEST_CASE("notice ETag: a comma inside an entity-tag", "[proxy][etag]") {
    CHECK(origin_if_none_match(variant_etag("\"a,b\"", "v1"), {"v1"}) == "\"a,b\"");
    CHECK(origin_if_none_match("\"a,b-ggv1\", \"c-ggv1\"", {"v1"}) == "\"a,b\", \"c\"");
    // never a malformed tag to the origin
    CHECK(origin_if_none_match("x-ggv1\"", {"v1"}) == "");
}

TEST_CASE("error pages: complete responses without internal detail", "[proxy][error_page]") {
    for (unsigned status :
         {400u, 403u, 404u, 405u, 408u, 413u, 414u, 431u, 451u, 500u, 502u, 503u, 504u, 505u}) {
        INFO(status);
        CHECK(reason_phrase(status) != "Unknown");
        for (bool close : {false, true}) {
            auto raw = error_response(status, close);
            http::response_parser<http::string_body> p;
            p.eager(true);
            beast::error_code ec;
            auto n = p.put(net::buffer(raw), ec);
            REQUIRE(!ec);
            REQUIRE(p.is_done());
            CHECK(n == raw.size());
            const auto& res = p.get();
            CHECK(res.result_int() == status);
            CHECK(res.reason() == reason_phrase(status));
            CHECK(res[http::field::content_type] == "text/html; charset=utf-8");
            CHECK(res[http::field::cache_control] == "no-store");
            CHECK(res.body().find(std::to_string(status)) != std::string::npos);
            CHECK(res.keep_alive() == !close);
            CHECK((res.find(http::field::allow) != res.end()) == (status == 405));

            auto head = error_response(status, close, true);
            CHECK(raw.compare(0, head.size(), head) == 0);
            CHECK(raw.size() == head.size() + res.body().size());
        }
    }
    CHECK(reason_phrase(299) == "Unknown");
}

TEST_CASE("client key: stable, spread, one key per reader", "[proxy][client_key]") {
    using boost::asio::ip::make_address;
    CHECK(client_key_of(std::nullopt) == 0);
    // FNV-1a 64 of the address bytes: the same on every instance and across restarts.
    CHECK(client_key_of(make_address("0.0.0.0")) == 0x4d25767f9dce13f5ull);
    CHECK(client_key_of(make_address("192.0.2.1")) == client_key_of(make_address("192.0.2.1")));
    CHECK(client_key_of(make_address("192.0.2.1")) != client_key_of(make_address("192.0.2.2")));
    // A dual-stack listener sees IPv4 readers as v4-mapped IPv6: still the same reader.
    CHECK(client_key_of(make_address("::ffff:192.0.2.1")) ==
          client_key_of(make_address("192.0.2.1")));
    CHECK(client_key_of(make_address("2001:db8::1")) != client_key_of(make_address("2001:db8::2")));

    std::set<std::uint64_t> keys;
    std::size_t even = 0;
    for (unsigned i = 0; i < 1000; ++i) {
        auto k = client_key_of(boost::asio::ip::address_v4(0xC0000200u + i));
        keys.insert(k);
        even += k % 2 == 0;
    }
    CHECK(keys.size() == 1000);
    CHECK(even > 400); // two mirrors: neither gets almost everyone
    CHECK(even < 600);
}

TEST_CASE("client connections: a limit per address, IPv4 and its mapped form alike",
          "[proxy][client_connections]") {
    namespace ip = boost::asio::ip;
    client_connections c;
    const auto a = ip::make_address("198.51.100.7");
    const auto a_mapped = ip::make_address("::ffff:198.51.100.7");
    const auto b = ip::make_address("2001:db8::1");
    CHECK(c.try_add(a, 2));
    CHECK(c.try_add(a_mapped, 2)); // the same client
    CHECK_FALSE(c.try_add(a, 2));
    CHECK(c.open_from(a) == 2);
    CHECK(c.try_add(b, 2)); // another address has its own count
    CHECK(c.open_from(b) == 1);
    CHECK(c.try_add(a, 0)); // 0 = no limit, still counted
    CHECK(c.open_from(a) == 3);
    c.remove(a);
    c.remove(a_mapped);
    CHECK_FALSE(c.try_add(a, 1));
    c.remove(a);
    CHECK(c.open_from(a) == 0);
    c.remove(a); // more removes than adds change nothing
    CHECK(c.try_add(a, 1));
    CHECK(c.open_from(a) == 1);
}

TEST_CASE("origin key: a pooled connection is reused only for the same scheme, host and port",
          "[proxy][pool]") {
    origin_config a;
    a.host = "origin.test";
    a.port = "8080";
    const std::string key = origin_key(a);
    CHECK(key == "http://origin.test:8080");
    CHECK(is_origin_key(key, a));
    origin_config tls = a;
    tls.tls = true;
    CHECK_FALSE(is_origin_key(key, tls));
    CHECK(is_origin_key(origin_key(tls), tls));
    origin_config other_port = a;
    other_port.port = "80";
    CHECK_FALSE(is_origin_key(key, other_port));
    origin_config longer_host = a;
    longer_host.host = "origin.test2";
    CHECK_FALSE(is_origin_key(key, longer_host));
    origin_config shifted = a; // same characters, split differently between host and port
    shifted.host = "origin.test:8";
    shifted.port = "080";
    CHECK_FALSE(is_origin_key(key, shifted));
    CHECK_FALSE(is_origin_key("", a));
}
