// common/http_text.hpp: the shared ASCII helpers the HTML, CSP, MIME and header code use.
// Kept with the html tests because geogate_common is header-only and has no test target.
#include "common/http_text.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace geogate;

TEST_CASE("http_text: the three whitespace sets and their trims", "[http_text]") {
    // OWS (RFC 9110) is SP and HTAB only
    CHECK(trim_ows(" \t a b \t") == "a b");
    CHECK(trim_ows("\r\na\n") == "\r\na\n");
    // HTTP whitespace (Fetch) adds CR and LF, not FF
    CHECK(trim_http_ws("\r\n\t a\f \n") == "a\f");
    CHECK(!is_http_ws('\f'));
    // ASCII whitespace (HTML, CSP) adds FF
    CHECK(trim_ascii_ws("\f\r\n\t a b\f") == "a b");
    CHECK(is_ascii_ws('\f'));
    CHECK(!is_ascii_ws('\v'));
    CHECK(trim_ascii_ws("   ").empty());
    CHECK(trim_if("xxaxx", [](char c) { return c == 'x'; }) == "a");
    static_assert(trim_ows("  k ") == "k", "usable in constant expressions");
}

TEST_CASE("http_text: ASCII case folding leaves other bytes alone", "[http_text]") {
    CHECK(iequals("Content-Type", "content-TYPE"));
    CHECK(!iequals("content-type", "content-typ"));
    CHECK(!iequals("\xC3\x89", "\xC3\xA9")); // only ASCII letters fold
    CHECK(istarts_with("'SHA256-abc'", "'sha256-"));
    CHECK(istarts_with("abc", ""));
    CHECK(!istarts_with("'sha", "'sha256-"));
    CHECK(ascii_lowered("X-AbC-1 \xC3\x89") == "x-abc-1 \xC3\x89");
    CHECK(ascii_lowered("").empty());
}

TEST_CASE("http_text: tchar and token", "[http_text]") {
    for (char c : std::string("!#$%&'*+-.^_`|~azAZ09"))
        CHECK(is_tchar(c));
    for (char c : std::string("\"(),/:;<=>?@[\\]{} \t\x7f\x80"))
        CHECK(!is_tchar(c));
    CHECK(!is_tchar('\0'));
    CHECK(is_token("gzip"));
    CHECK(is_token("x-custom.1"));
    CHECK(!is_token(""));
    CHECK(!is_token("text/html"));
    CHECK(!is_token("a b"));
}
