// check_request_head as a table: raw request heads and the status geogate answers them with
// (0 = the head is forwarded). RFC 9112 sections 2-7 and RFC 9110 7.6.1; every refusal here is
// a request that Beast's lenient parser would otherwise let through to the origin.
#include "proxy/http/net.hpp"
#include "proxy/http/request_head_check.hpp"
#include "proxy/http/request_head_read.hpp"
#include "tests/unit/proxy/http/request_head_compare.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

using namespace std::string_literals;
using geogate::check_request_head;
using geogate::request_head_limits;

namespace {

struct row {
    const char* what;
    std::string head;
    unsigned status;
};

// "LINE" + fields, each terminated by CRLF, plus the empty line.
std::string head(std::string_view line, std::initializer_list<std::string_view> fields = {}) {
    std::string s(line);
    s += "\r\n";
    for (auto f : fields) {
        s += f;
        s += "\r\n";
    }
    s += "\r\n";
    return s;
}

std::string h11(std::string_view line, std::initializer_list<std::string_view> fields = {}) {
    std::string s(line);
    s += "\r\nHost: a.example\r\n";
    for (auto f : fields) {
        s += f;
        s += "\r\n";
    }
    s += "\r\n";
    return s;
}

void run(const row* first, const row* last, const request_head_limits& limits = {}) {
    for (auto r = first; r != last; ++r) {
        INFO(r->what << "\n  head: " << std::string_view(r->head));
        auto v = check_request_head(r->head, limits);
        CHECK(v.status == r->status);
        CHECK(v.ok() == (r->status == 0));
        if (!v.ok()) {
            CHECK(!v.reason.empty());
            continue;
        }
        // What geogate accepts, Beast (which then parses it for real) reads without error.
        geogate::http::request_parser<geogate::http::empty_body> p;
        p.header_limit(64 * 1024);
        p.body_limit(boost::none); // the session applies its own limit (413), not the check
        p.eager(false);
        geogate::beast::error_code ec;
        auto n = p.put(geogate::net::buffer(r->head), ec);
        CHECK_FALSE(ec);
        CHECK(p.is_header_done());
        CHECK(n == r->head.size());
        // And geogate's own reading of a head without a body is Beast's, to the byte.
        geogate::http::request<geogate::http::empty_body> own;
        const bool declares_body = p.get().count(geogate::http::field::content_length) ||
                                   p.get().count(geogate::http::field::transfer_encoding);
        CHECK(geogate::read_bodyless_request_head(r->head, own) == !declares_body);
        if (!declares_body) {
            CHECK(geogate::test::request_head_difference(own, p.get()).empty());
            CHECK(own.keep_alive() == p.get().keep_alive());
            CHECK(geogate::connection_lists_upgrade(own) == p.upgrade());
        }
    }
}

} // namespace

TEST_CASE("request head: line endings, obs-fold and field syntax (RFC 9112 2.2, 5)",
          "[proxy][head]") {
    const row table[] = {
        {"plain HTTP/1.1 GET", h11("GET / HTTP/1.1"), 0},
        {"bare LF after the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400},
        {"bare LF after a field", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400},
        {"bare LF as the empty line", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400},
        {"bare CR inside a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400},
        {"bare CR ending a field", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\r\n\r\n", 400},
        {"bare CR at the end", "GET / HTTP/1.1\r\nHost: a\r\n\r", 400},
        {"obs-fold with SP", h11("GET / HTTP/1.1", {"X-A: one", " two"}), 400},
        {"obs-fold with HTAB", h11("GET / HTTP/1.1", {"X-A: one", "\ttwo"}), 400},
        {"whitespace between request line and first field", head("GET / HTTP/1.1", {" Host: a"}),
         400},
        {"space before colon", head("GET / HTTP/1.1", {"Host : a.example"}), 400},
        {"tab before colon", head("GET / HTTP/1.1", {"Host\t: a.example"}), 400},
        {"space before colon, other field", h11("GET / HTTP/1.1", {"Content-Length : 0"}), 400},
        {"no colon", h11("GET / HTTP/1.1", {"X-No-Colon"}), 400},
        {"empty field name", h11("GET / HTTP/1.1", {": value"}), 400},
        {"'(' in a name", h11("GET / HTTP/1.1", {"X(a): b"}), 400},
        {"'\"' in a name", h11("GET / HTTP/1.1", {"X\"a: b"}), 400},
        {"'@' in a name", h11("GET / HTTP/1.1", {"X@a: b"}), 400},
        {"'/' in a name", h11("GET / HTTP/1.1", {"X/a: b"}), 400},
        {"space inside a name", h11("GET / HTTP/1.1", {"X A: b"}), 400},
        {"non-ASCII in a name", h11("GET / HTTP/1.1", {"X\xc3\xa9: b"}), 400},
        {"NUL in a name", h11("GET / HTTP/1.1", {"X\0A: b"s}), 400},
        {"every tchar in a name", h11("GET / HTTP/1.1", {"X-!#$%&'*+.^_`|~09az: v"}), 0},
        {"empty value", h11("GET / HTTP/1.1", {"X-Empty:"}), 0},
        {"value without OWS", h11("GET / HTTP/1.1", {"X-A:b"}), 0},
        {"HTAB inside a value", h11("GET / HTTP/1.1", {"X-A: a\tb"}), 0},
        {"obs-text in a value", h11("GET / HTTP/1.1", {"X-A: caf\xc3\xa9"}), 0},
        {"NUL in a value", h11("GET / HTTP/1.1", {"X-A: a\0b"s}), 400},
        {"SOH in a value",
         h11("GET / HTTP/1.1", {"X-A: a\x01"
                                "b"}),
         400},
        {"ESC in a value", h11("GET / HTTP/1.1", {"X-A: \x1b[31m"}), 400},
        {"DEL in a value", h11("GET / HTTP/1.1", {"X-A: a\x7f"}), 400},
        {"VT in a value", h11("GET / HTTP/1.1", {"X-A: a\x0b"}), 400},
        {"Connection: token list", h11("GET / HTTP/1.1", {"Connection: keep-alive, Upgrade"}), 0},
        {"Connection: empty list elements", h11("GET / HTTP/1.1", {"Connection: , close,,"}), 0},
        {"Connection: not a token", h11("GET / HTTP/1.1", {"Connection: x-a: b"}), 400},
        {"Connection: quoted", h11("GET / HTTP/1.1", {"Connection: \"close\""}), 400},
        {"Connection: space inside an option", h11("GET / HTTP/1.1", {"Connection: keep alive"}),
         400},
        {"Proxy-Connection: not a token", h11("GET / HTTP/1.1", {"Proxy-Connection: a/b"}), 400},
        {"no empty line after the last field", "GET / HTTP/1.1\r\nHost: a", 400},
        {"empty input", "", 400},
        {"only an empty line", "\r\n", 400},
        {"leading empty line before the request line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
         400},
    };
    run(std::begin(table), std::end(table));
}

TEST_CASE("request head: request line and target forms (RFC 9112 3)", "[proxy][head]") {
    const row table[] = {
        {"origin-form with query", h11("GET /a/b?c=d&e HTTP/1.1"), 0},
        {"origin-form with percent-encoding", h11("GET /%2F%2e%2E/x HTTP/1.1"), 0},
        {"POST", h11("POST /upload HTTP/1.1", {"Content-Length: 3"}), 0},
        {"unknown but valid method token", h11("PURGE / HTTP/1.1"), 0},
        {"lower-case method is a different token", h11("get / HTTP/1.1"), 0},
        {"invalid method character", h11("GE(T / HTTP/1.1"), 400},
        {"empty method", h11(" / HTTP/1.1"), 400},
        {"non-ASCII method", h11("G\xc3\x89T / HTTP/1.1"), 400},
        {"two spaces after the method", h11("GET  / HTTP/1.1"), 400},
        {"space inside the target", h11("GET /a b HTTP/1.1"), 400},
        {"trailing space after the version", h11("GET / HTTP/1.1 "), 400},
        {"tab as separator", h11("GET\t/ HTTP/1.1"), 400},
        {"HTTP/0.9 request line", head("GET /"), 400},
        {"tab in the target", h11("GET /a\tb HTTP/1.1"), 400},
        {"control character in the target", h11("GET /a\x01 HTTP/1.1"), 400},
        {"DEL in the target", h11("GET /a\x7f HTTP/1.1"), 400},
        {"raw non-ASCII in the target", h11("GET /caf\xc3\xa9 HTTP/1.1"), 400},
        {"NUL in the target", h11("GET /a\0b HTTP/1.1"s), 400},
        {"relative path", h11("GET a/b HTTP/1.1"), 400},
        {"absolute-form http", h11("GET http://a.example/x?y HTTP/1.1"), 0},
        {"absolute-form https with port", h11("GET https://a.example:8443/x HTTP/1.1"), 0},
        {"absolute-form, scheme in upper case", h11("GET HTTP://A.EXAMPLE/ HTTP/1.1"), 0},
        {"absolute-form without a path", h11("GET http://a.example HTTP/1.1"), 0},
        {"absolute-form with a query and no path", h11("GET http://a.example?q HTTP/1.1"), 0},
        {"absolute-form IPv6 literal", h11("GET http://[2001:db8::1]:8080/ HTTP/1.1"), 0},
        {"absolute-form with userinfo", h11("GET http://user@a.example/ HTTP/1.1"), 400},
        {"absolute-form with user:password", h11("GET https://u:p@a.example/ HTTP/1.1"), 400},
        {"absolute-form, userinfo hiding the real host",
         h11("GET http://a.example@evil.example/ HTTP/1.1"), 400},
        {"absolute-form with an empty authority", h11("GET http:///x HTTP/1.1"), 400},
        {"absolute-form with a bad port", h11("GET http://a.example:x/ HTTP/1.1"), 400},
        {"absolute-form, other scheme", h11("GET ftp://a.example/ HTTP/1.1"), 400},
        {"absolute-form, scheme without //", h11("GET http:a.example/ HTTP/1.1"), 400},
        {"asterisk-form for OPTIONS", h11("OPTIONS * HTTP/1.1"), 0},
        {"asterisk-form for GET", h11("GET * HTTP/1.1"), 400},
        {"asterisk-form for HEAD", h11("HEAD * HTTP/1.1"), 400},
        {"OPTIONS on a path", h11("OPTIONS /x HTTP/1.1"), 0},
        {"authority-form outside CONNECT", h11("GET a.example:443 HTTP/1.1"), 400},
        {"authority-form with CONNECT", h11("CONNECT a.example:443 HTTP/1.1"), 405},
        {"CONNECT with origin-form", h11("CONNECT / HTTP/1.1"), 405},
        {"TRACE", h11("TRACE / HTTP/1.1"), 405},
        {"TRACE in HTTP/1.0", head("TRACE / HTTP/1.0"), 405},
    };
    run(std::begin(table), std::end(table));
}

TEST_CASE("request head: HTTP version (RFC 9112 2.3, RFC 9110 15.6.6)", "[proxy][head]") {
    const row table[] = {
        {"HTTP/1.1", h11("GET / HTTP/1.1"), 0},
        {"HTTP/1.0 without Host", head("GET / HTTP/1.0"), 0},
        {"HTTP/1.0 with Host", head("GET / HTTP/1.0", {"Host: a.example"}), 0},
        {"HTTP/2.0", h11("GET / HTTP/2.0"), 505},
        {"HTTP/3.0", h11("GET / HTTP/3.0"), 505},
        {"HTTP/0.9 spelled out", h11("GET / HTTP/0.9"), 505},
        {"HTTP/1.2 (refused, not downgraded)", h11("GET / HTTP/1.2"), 505},
        {"HTTP/2 without minor", h11("GET / HTTP/2"), 400},
        {"lower-case name", h11("GET / http/1.1"), 400},
        {"two-digit minor", h11("GET / HTTP/1.10"), 400},
        {"no dot", h11("GET / HTTP/11"), 400},
        {"letters", h11("GET / HTTP/a.b"), 400},
        {"trailing garbage", h11("GET / HTTP/1.1x"), 400},
        {"another protocol", h11("GET / FTP/1.1"), 400},
        {"empty version", h11("GET / "), 400},
        {"garbage", h11("GET / \xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8"), 400},
    };
    run(std::begin(table), std::end(table));
}

TEST_CASE("request head: request line length gives 414 (RFC 9112 3)", "[proxy][head]") {
    request_head_limits limits;
    limits.max_request_line = 64;
    const std::string prefix = "GET /";
    const std::string suffix = " HTTP/1.1";
    auto line_of = [&](std::size_t n) {
        return prefix + std::string(n - prefix.size() - suffix.size(), 'a') + suffix;
    };
    const row table[] = {
        {"exactly the limit", h11(line_of(64)), 0},
        {"one byte over", h11(line_of(65)), 414},
        {"far over", h11(line_of(4000)), 414},
        {"over the limit and malformed: the length decides first", h11(line_of(200) + " x"), 414},
    };
    run(std::begin(table), std::end(table), limits);

    // The default limit is 8 KiB.
    CHECK(check_request_head(h11(line_of(8 * 1024)), {}).status == 0);
    CHECK(check_request_head(h11(line_of(8 * 1024 + 1)), {}).status == 414);
}

TEST_CASE("request head: Host (RFC 9112 3.2, RFC 9110 7.2)", "[proxy][head]") {
    const row table[] = {
        {"missing in HTTP/1.1", head("GET / HTTP/1.1"), 400},
        {"missing in HTTP/1.1, absolute-form", head("GET http://a.example/ HTTP/1.1"), 400},
        {"duplicate, equal", head("GET / HTTP/1.1", {"Host: a.example", "Host: a.example"}), 400},
        {"duplicate, different", head("GET / HTTP/1.1", {"Host: a.example", "Host: evil.example"}),
         400},
        {"duplicate, different case of the name", head("GET / HTTP/1.1", {"host: a", "HOST: a"}),
         400},
        {"duplicate in HTTP/1.0", head("GET / HTTP/1.0", {"Host: a", "Host: b"}), 400},
        {"lower-case name", head("GET / HTTP/1.1", {"host: a.example"}), 0},
        {"with port", head("GET / HTTP/1.1", {"Host: a.example:8080"}), 0},
        {"OWS around the value", head("GET / HTTP/1.1", {"Host: \t a.example \t"}), 0},
        {"IPv4", head("GET / HTTP/1.1", {"Host: 192.0.2.1:80"}), 0},
        {"IPv6 literal", head("GET / HTTP/1.1", {"Host: [2001:db8::1]"}), 0},
        {"IPv6 literal with port", head("GET / HTTP/1.1", {"Host: [::1]:8443"}), 0},
        {"IPv6 with embedded IPv4", head("GET / HTTP/1.1", {"Host: [::ffff:192.0.2.1]"}), 0},
        {"IPv6 without brackets", head("GET / HTTP/1.1", {"Host: 2001:db8::1"}), 400},
        {"IPv6 unclosed", head("GET / HTTP/1.1", {"Host: [::1"}), 400},
        {"IPv6 empty brackets", head("GET / HTTP/1.1", {"Host: []"}), 400},
        {"IPv6 with a zone/garbage", head("GET / HTTP/1.1", {"Host: [::1%eth0]"}), 400},
        {"IPv6 with text after ]", head("GET / HTTP/1.1", {"Host: [::1]x"}), 400},
        {"IPv6 with an empty port", head("GET / HTTP/1.1", {"Host: [::1]:"}), 400},
        {"empty value", head("GET / HTTP/1.1", {"Host:"}), 400},
        {"empty port", head("GET / HTTP/1.1", {"Host: a.example:"}), 400},
        {"port with letters", head("GET / HTTP/1.1", {"Host: a.example:80a"}), 400},
        {"port with sign", head("GET / HTTP/1.1", {"Host: a.example:+80"}), 400},
        {"port of six digits", head("GET / HTTP/1.1", {"Host: a.example:123456"}), 400},
        {"two ports", head("GET / HTTP/1.1", {"Host: a.example:80:80"}), 400},
        {"only a port", head("GET / HTTP/1.1", {"Host: :80"}), 400},
        {"userinfo", head("GET / HTTP/1.1", {"Host: user@a.example"}), 400},
        {"path", head("GET / HTTP/1.1", {"Host: a.example/x"}), 400},
        {"space inside", head("GET / HTTP/1.1", {"Host: a.example b.example"}), 400},
        {"backslash", head("GET / HTTP/1.1", {"Host: a.example\\evil"}), 400},
        {"non-ASCII", head("GET / HTTP/1.1", {"Host: \xc3\xa9.example"}), 400},
        {"bad Host in HTTP/1.0 is refused too", head("GET / HTTP/1.0", {"Host: a/b"}), 400},
    };
    run(std::begin(table), std::end(table));

    CHECK(geogate::valid_host_value("a.example"));
    CHECK(geogate::valid_host_value("localhost:1"));
    CHECK(geogate::valid_host_value("[::]"));
    CHECK_FALSE(geogate::valid_host_value(std::string(256, 'a')));
}

TEST_CASE("request head: Content-Length (RFC 9112 6.3, RFC 9110 8.6)", "[proxy][head]") {
    const row table[] = {
        {"zero", h11("POST / HTTP/1.1", {"Content-Length: 0"}), 0},
        {"a number", h11("POST / HTTP/1.1", {"Content-Length: 42"}), 0},
        {"OWS around", h11("POST / HTTP/1.1", {"Content-Length:  42 "}), 0},
        {"leading zeros", h11("POST / HTTP/1.1", {"Content-Length: 007"}), 0},
        {"18 digits", h11("POST / HTTP/1.1", {"Content-Length: 999999999999999999"}), 0},
        {"19 digits", h11("POST / HTTP/1.1", {"Content-Length: 1000000000000000000"}), 400},
        {"overflows 64 bits", h11("POST / HTTP/1.1", {"Content-Length: 18446744073709551617"}),
         400},
        {"duplicate, equal", h11("POST / HTTP/1.1", {"Content-Length: 5", "Content-Length: 5"}),
         400},
        {"duplicate, different", h11("POST / HTTP/1.1", {"Content-Length: 5", "Content-Length: 6"}),
         400},
        {"list of equal values", h11("POST / HTTP/1.1", {"Content-Length: 5, 5"}), 400},
        {"plus sign", h11("POST / HTTP/1.1", {"Content-Length: +5"}), 400},
        {"minus sign", h11("POST / HTTP/1.1", {"Content-Length: -1"}), 400},
        {"hex", h11("POST / HTTP/1.1", {"Content-Length: 0x10"}), 400},
        {"exponent", h11("POST / HTTP/1.1", {"Content-Length: 1e3"}), 400},
        {"decimal point", h11("POST / HTTP/1.1", {"Content-Length: 1.0"}), 400},
        {"space inside", h11("POST / HTTP/1.1", {"Content-Length: 1 0"}), 400},
        {"empty", h11("POST / HTTP/1.1", {"Content-Length:"}), 400},
        {"non-ASCII digit", h11("POST / HTTP/1.1", {"Content-Length: \xd9\xa1"}), 400},
        {"lower-case name, duplicate",
         h11("POST / HTTP/1.1", {"content-length: 1", "CONTENT-LENGTH: 1"}), 400},
    };
    run(std::begin(table), std::end(table));
}

TEST_CASE("request head: Transfer-Encoding (RFC 9112 6.1, 6.3)", "[proxy][head]") {
    const row table[] = {
        {"chunked", h11("POST / HTTP/1.1", {"Transfer-Encoding: chunked"}), 0},
        {"Chunked, case-insensitive", h11("POST / HTTP/1.1", {"Transfer-Encoding: Chunked"}), 0},
        {"chunked with OWS", h11("POST / HTTP/1.1", {"Transfer-Encoding:  chunked\t"}), 0},
        {"gzip, chunked", h11("POST / HTTP/1.1", {"Transfer-Encoding: gzip, chunked"}), 400},
        {"chunked, gzip", h11("POST / HTTP/1.1", {"Transfer-Encoding: chunked, gzip"}), 400},
        {"chunked, chunked", h11("POST / HTTP/1.1", {"Transfer-Encoding: chunked, chunked"}), 400},
        {"duplicate field lines",
         h11("POST / HTTP/1.1", {"Transfer-Encoding: chunked", "Transfer-Encoding: chunked"}), 400},
        {"duplicate field lines, gzip first",
         h11("POST / HTTP/1.1", {"Transfer-Encoding: gzip", "Transfer-Encoding: chunked"}), 400},
        {"identity", h11("POST / HTTP/1.1", {"Transfer-Encoding: identity"}), 400},
        {"empty", h11("POST / HTTP/1.1", {"Transfer-Encoding:"}), 400},
        {"chunked with a parameter", h11("POST / HTTP/1.1", {"Transfer-Encoding: chunked;q=1"}),
         400},
        {"xchunked", h11("POST / HTTP/1.1", {"Transfer-Encoding: xchunked"}), 400},
        {"TE + CL", h11("POST / HTTP/1.1", {"Transfer-Encoding: chunked", "Content-Length: 5"}),
         400},
        {"CL + TE", h11("POST / HTTP/1.1", {"Content-Length: 5", "Transfer-Encoding: chunked"}),
         400},
        {"TE + CL: 0", h11("POST / HTTP/1.1", {"Content-Length: 0", "Transfer-Encoding: chunked"}),
         400},
        {"TE in HTTP/1.0", head("POST / HTTP/1.0", {"Transfer-Encoding: chunked"}), 400},
        {"TE in HTTP/1.0 with Host",
         head("POST / HTTP/1.0", {"Host: a", "Transfer-Encoding: chunked"}), 400},
        {"the TE request field (not Transfer-Encoding) is fine",
         h11("GET / HTTP/1.1", {"TE: trailers"}), 0},
    };
    run(std::begin(table), std::end(table));
}

TEST_CASE("request head: more than max_header_fields fields give 431", "[proxy][head]") {
    auto with_fields = [](int n) {
        std::string s = "GET / HTTP/1.1\r\nHost: a\r\n";
        for (int i = 1; i < n; ++i)
            s += "X-" + std::to_string(i) + ": v\r\n";
        return s + "\r\n";
    };
    request_head_limits limits; // 100 by default
    CHECK(check_request_head(with_fields(100), limits).status == 0);
    CHECK(check_request_head(with_fields(101), limits).status == 431);
    CHECK(check_request_head(with_fields(2000), limits).status == 431);
    limits.max_header_fields = 5;
    CHECK(check_request_head(with_fields(5), limits).status == 0);
    CHECK(check_request_head(with_fields(6), limits).status == 431);
}

// A stray CR or LF is caught wherever it sits (request line, name, value, the empty line),
// and the first one in the head is the one named in the event log.
TEST_CASE("request head: a stray CR or LF at any offset is refused and named", "[proxy][head]") {
    const std::string valid =
        "GET /a/b?c=d HTTP/1.1\r\nHost: news.example\r\nX-Long: 0123456789abcdefghij\r\n\r\n";
    request_head_limits limits;
    REQUIRE(check_request_head(valid, limits).ok());
    for (char stray : {'\r', '\n'})
        for (std::size_t at = 0; at <= valid.size(); ++at) {
            std::string h = valid;
            h.insert(at, 1, stray);
            // The rule, one byte at a time: the first CR without an LF after it, or LF
            // without a CR before it.
            std::string_view expected;
            for (std::size_t k = 0; k < h.size() && expected.empty(); ++k) {
                if (h[k] == '\r' && (k + 1 == h.size() || h[k + 1] != '\n'))
                    expected = "bare CR";
                else if (h[k] == '\n' && (k == 0 || h[k - 1] != '\r'))
                    expected = "bare LF";
            }
            INFO("stray " << (stray == '\r' ? "CR" : "LF") << " at " << at);
            REQUIRE_FALSE(expected.empty()); // one byte more always leaves a stray
            auto verdict = check_request_head(h, limits);
            CHECK(verdict.status == 400);
            CHECK(verdict.reason == expected);
        }
}

// read_bodyless_request_head against Beast's parser on heads the tables above do not hold:
// what a browser sends, repeated and oddly spaced fields, HTTP/1.0, unknown methods.
TEST_CASE("request head: geogate reads a head without a body as Beast does", "[proxy][head]") {
    const std::string heads[] = {
        "GET /news/a.html?x=1 HTTP/1.1\r\nHost: news.example\r\nUser-Agent: Mozilla/5.0 (X11)\r\n"
        "Accept: text/html,application/xhtml+xml;q=0.9\r\nAccept-Encoding: gzip, br\r\n"
        "Accept-Language: ru-RU,ru;q=0.9\r\nCookie: a=1\r\nCookie: b=2\r\n"
        "X-Forwarded-For: 10.0.0.1\r\nx-forwarded-for: 10.0.0.2\r\n\r\n",
        "GET / HTTP/1.1\r\nHost:a.example\r\nX-Spaced: \t  v  a  l \t \r\nX-Empty:\r\n"
        "X-Only-Space:   \r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nProxy-Connection: keep-alive, UPGRADE\r\n\r\n",
        "PURGE /cache HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET http://news.example/a?b HTTP/1.1\r\nHost: news.example\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "GET / HTTP/1.1\r\nHOST: a\r\nX-Cafe: caf\xc3\xa9\r\n\r\n",
    };
    for (const auto& h : heads) {
        INFO(h);
        REQUIRE(check_request_head(h, {}).ok());
        geogate::http::request_parser<geogate::http::empty_body> p;
        geogate::beast::error_code ec;
        p.put(geogate::net::buffer(h), ec);
        REQUIRE_FALSE(ec);
        geogate::http::request<geogate::http::empty_body> own;
        REQUIRE(geogate::read_bodyless_request_head(h, own));
        CHECK(geogate::test::request_head_difference(own, p.get()) == "");
        CHECK(own.keep_alive() == p.get().keep_alive());
        CHECK(geogate::connection_lists_upgrade(own) == p.upgrade());
    }
    // A head that declares a body is left to Beast's parser, which frames the body.
    for (std::string h : {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n",
                          "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                          "GET / HTTP/1.1\r\nHost: a\r\ncontent-length: 0\r\n\r\n"}) {
        INFO(h);
        REQUIRE(check_request_head(h, {}).ok());
        geogate::http::request<geogate::http::empty_body> own;
        CHECK_FALSE(geogate::read_bodyless_request_head(h, own));
    }
}
