// h2_request: an HTTP/2 head, field by field, to the HTTP/1.1 request the origin gets; what
// HTTP/2 forbids is refused before anything could be forwarded (RFC 9113 8.2, 8.3).
#include "proxy/http/h2_request.hpp"

#include <catch2/catch.hpp>
#include <initializer_list>
#include <string>
#include <utility>

using namespace geogate;

namespace {

constexpr h2_head_limits limits{4096, 10};

using field = std::pair<std::string, std::string>;

std::initializer_list<field> get_fields = {
    {":method", "GET"}, {":scheme", "https"}, {":authority", "site.test"}, {":path", "/news?id=1"}};

// Feeds the fields; the first refusal, else finish()'s answer (0 = forwardable).
int run(h2_request& r, std::initializer_list<field> fields,
        std::initializer_list<field> more = {}) {
    for (auto list : {fields, more})
        for (const auto& [n, v] : list)
            switch (r.add_field(n, v, limits)) {
            case h2_request::field_verdict::ok:
                break;
            case h2_request::field_verdict::stream_error:
                return -1;
            case h2_request::field_verdict::connection_error:
                return -2;
            }
    return r.finish();
}

} // namespace

TEST_CASE("h2_request: a GET becomes the HTTP/1.1 request the exchange forwards") {
    h2_request r;
    REQUIRE(run(r, get_fields, {{"cookie", "a=1"}, {"accept", "text/html"}, {"cookie", "b=2"}}) ==
            0);
    const auto& req = r.request();
    CHECK(req.method() == http::verb::get);
    CHECK(req.target() == "/news?id=1");
    CHECK(req.version() == 20);
    CHECK(req[http::field::host] == "site.test");
    CHECK(req[http::field::cookie] == "a=1; b=2"); // RFC 9113 8.2.3
    CHECK(req.count(http::field::cookie) == 1);
    CHECK(req[http::field::accept] == "text/html");
    CHECK_FALSE(r.declared_length());
}

TEST_CASE("h2_request: Host agrees with :authority or the request is malformed") {
    h2_request same;
    CHECK(run(same, get_fields, {{"host", "SITE.test"}}) == 0);
    h2_request other;
    CHECK(run(other, get_fields, {{"host", "evil.test"}}) == -1);
    h2_request only_host;
    CHECK(run(only_host,
              {{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {"host", "site.test"}}) ==
          0);
    CHECK(only_host.request()[http::field::host] == "site.test");
    h2_request neither;
    CHECK(run(neither, {{":method", "GET"}, {":scheme", "https"}, {":path", "/"}}) == 400);
    h2_request userinfo;
    CHECK(run(userinfo, {{":method", "GET"},
                         {":scheme", "https"},
                         {":authority", "user@site.test"},
                         {":path", "/"}}) == -1);
}

TEST_CASE("h2_request: what would split or smuggle an HTTP/1.1 request is a stream error") {
    for (auto [name, value] : std::initializer_list<field>{{"connection", "close"},
                                                           {"transfer-encoding", "chunked"},
                                                           {"upgrade", "websocket"},
                                                           {"keep-alive", "1"},
                                                           {"proxy-connection", "x"},
                                                           {"te", "gzip"}}) {
        CAPTURE(name);
        h2_request r;
        CHECK(run(r, get_fields, {{name, value}}) == -1);
    }
    h2_request te_trailers;
    CHECK(run(te_trailers, get_fields, {{"te", "trailers"}}) == 0);
    for (const char* path : {"news", "/a b", "/a\tb", "/a\x7f"}) {
        CAPTURE(path);
        h2_request r;
        CHECK(run(r, {{":method", "GET"},
                      {":scheme", "https"},
                      {":authority", "site.test"},
                      {":path", path}}) == -1);
    }
    h2_request bad_method;
    CHECK(run(bad_method, {{":method", "GET /x HTTP/1.1\r\n"},
                           {":scheme", "https"},
                           {":authority", "site.test"},
                           {":path", "/"}}) == -1);
    h2_request two_lengths;
    CHECK(run(two_lengths, get_fields, {{"content-length", "5"}, {"content-length", "6"}}) == -1);
    h2_request bad_length;
    CHECK(run(bad_length, get_fields, {{"content-length", "5x"}}) == -1);
    h2_request late_pseudo;
    CHECK(run(late_pseudo, get_fields, {{"accept", "*/*"}, {":path", "/again"}}) == -1);
    h2_request repeated;
    CHECK(run(repeated, get_fields, {{":method", "POST"}}) == -1);
}

TEST_CASE("h2_request: limits give 431, a head far past them ends the connection") {
    h2_request many;
    std::initializer_list<field> eleven = {{"a", "1"}, {"b", "1"}, {"c", "1"}, {"d", "1"},
                                           {"e", "1"}, {"f", "1"}, {"g", "1"}, {"h", "1"},
                                           {"i", "1"}, {"j", "1"}, {"k", "1"}};
    CHECK(run(many, get_fields, eleven) == 431);
    h2_request large;
    const std::string big(5000, 'x');
    CHECK(run(large, get_fields, {{"x-big", big}}) == 431);
    h2_request bomb; // decoded size past four times the limit: an HPACK bomb
    CHECK(run(bomb, get_fields, {{"x-1", big}, {"x-2", big}, {"x-3", big}, {"x-4", big}}) == -2);
}

TEST_CASE("h2_request: CONNECT is 405, Expect is answered not forwarded, trailers dropped") {
    h2_request connect;
    CHECK(run(connect, {{":method", "CONNECT"}, {":authority", "site.test:443"}}) == 405);
    h2_request expect;
    REQUIRE(run(expect, get_fields, {{"expect", "100-continue"}, {"content-length", "3"}}) == 0);
    CHECK(expect.expect_continue());
    CHECK(expect.request().count(http::field::expect) == 0);
    CHECK(expect.declared_length() == std::optional<std::uint64_t>(3));
    h2_request trailers;
    for (const auto& [n, v] : get_fields)
        REQUIRE(trailers.add_field(n, v, limits) == h2_request::field_verdict::ok);
    trailers.trailers_begin();
    CHECK(trailers.add_field("connection", "close", limits) == h2_request::field_verdict::ok);
    CHECK(trailers.finish() == 0);
}
