// One <meta http-equiv="Content-Security-Policy"> tag: how its attributes are read (as the
// HTML tokenizer reads them), how character references in its content are resolved, and what
// the rewritten tag looks like.
#include "proxy/html/meta_csp.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

using namespace geogate::html;

namespace {
constexpr std::string_view H = "'sha256-AbC='";
}

TEST_CASE("attribute values decode as in the browser, or not at all") {
    struct row {
        const char* raw;
        std::optional<std::string> decoded;
    };
    const row table[] = {
        {"style-src 'self'", "style-src 'self'"},
        {"&#39;self&#x27; &#X27;", "'self' '"},
        {"&#39", "'"},                        // ';' is optional for numbers
        {"&#;x &#x; &#xg", "&#;x &#x; &#xg"}, // no digits: text
        {"&quot;&QUOT;&amp;&AMP;&lt;&gt;&apos;", "\"\"&&<>'"},
        {"&semi;&comma;&colon;&sol;&Tab;&NewLine;&fjlig;", ";,:/\t\nfj"},
        {"a &amp b", "a & b"}, // legacy name without ';'
        {"&amp", "&"},
        {"&ampx &amp=1 &lt9", "&ampx &amp=1 &lt9"}, // followed by alnum or '=': text
        {"&foo &x", "&foo &x"},                     // no reference: text
        {"& &; &#", "& &; &#"},
        {"a\r\nb\rc", "a\nb\nc"}, // input stream preprocessing
        {"&nbsp;", std::nullopt}, // non-ASCII
        {"&nbsp", std::nullopt},
        {"&copy x", std::nullopt},
        {"&ampfoo;", std::nullopt}, // name + ';' outside the ASCII set
        {"&#x410;", std::nullopt},
        {"&#128;", std::nullopt}, // C1: windows-1252 table
        {"&#0;", std::nullopt},
        {"&#99999999999;", std::nullopt},
    };
    for (const auto& t : table) {
        INFO(t.raw);
        CHECK(decode_attribute_value(t.raw) == t.decoded);
    }
    CHECK(decode_attribute_value(std::string_view("a\0b", 3)) == std::nullopt);
}

TEST_CASE("escaping for a double-quoted attribute round-trips through the decoder") {
    const std::string v = "a&b\"c'd<e>\r\n&amp;";
    CHECK(escape_attribute_value(v) == "a&amp;b&quot;c'd<e>&#13;\n&amp;amp;");
    CHECK(decode_attribute_value(escape_attribute_value(v)) == v);
}

TEST_CASE("attributes are found the way the tokenizer splits them") {
    const std::string_view tag = "<meta a=1 B = \"x y\" c='>' d e/f=g =h i=\"j\"k=l content>";
    CHECK(raw_attribute(tag, "a") == std::optional<std::string_view>("1"));
    CHECK(raw_attribute(tag, "b") == std::optional<std::string_view>("x y"));
    CHECK(raw_attribute(tag, "c") == std::optional<std::string_view>(">"));
    CHECK(raw_attribute(tag, "d") == std::optional<std::string_view>(""));
    CHECK(raw_attribute(tag, "e") == std::optional<std::string_view>(""));
    CHECK(raw_attribute(tag, "f") == std::optional<std::string_view>("g"));
    CHECK(raw_attribute(tag, "=h") == std::optional<std::string_view>(""));
    CHECK(raw_attribute(tag, "i") == std::optional<std::string_view>("j"));
    CHECK(raw_attribute(tag, "k") == std::optional<std::string_view>("l"));
    CHECK(raw_attribute(tag, "content") == std::optional<std::string_view>(""));
    CHECK(raw_attribute(tag, "x") == std::nullopt);
    CHECK(raw_attribute("<meta/content=a/>", "content") == std::optional<std::string_view>("a/"));
}

TEST_CASE("rewrite: only the content value changes, double-quoted and escaped") {
    std::string out;
    CHECK(rewrite_meta_csp("<meta http-equiv=content-security-policy content='style-src \"x\"'>", H,
                           "", out) == meta_csp_result::amended);
    CHECK(out == "<meta http-equiv=content-security-policy content=\"style-src &quot;x&quot; "
                 "'sha256-AbC='\">");
    CHECK(rewrite_meta_csp("<meta content=\"default-src 'none'\" data-a=\"1\"\nhttp-equiv="
                           "\"Content-Security-Policy\" />",
                           H, "", out) == meta_csp_result::amended);
    CHECK(out == "<meta content=\"default-src 'none'; style-src 'sha256-AbC='\" data-a=\"1\"\n"
                 "http-equiv=\"Content-Security-Policy\" />");
    CHECK(
        rewrite_meta_csp("<meta http-equiv=content-security-policy-report-only content=\"style-src "
                         "'self'\">",
                         H, "", out) == meta_csp_result::not_csp);
    CHECK(rewrite_meta_csp("<meta charset=utf-8>", H, "", out) == meta_csp_result::not_csp);
    CHECK(rewrite_meta_csp("<meta http-equiv=content-security-policy content=\"style-src "
                           "'nonce-n'\">",
                           H, "n", out) == meta_csp_result::unchanged);
    CHECK(rewrite_meta_csp("<meta http-equiv=content-security-policy content=\"style-src "
                           "'nonce-n'\">",
                           H, "m", out) == meta_csp_result::amended);
    CHECK(
        rewrite_meta_csp("<meta http-equiv=content-security-policy content=\"style-src &hellip;\">",
                         H, "", out) == meta_csp_result::undecodable);
}

TEST_CASE("the http-equiv prefilter never misses a tag that has the attribute") {
    CHECK(may_be_http_equiv("<meta HTTP-EQUIV=x>"));
    CHECK(may_be_http_equiv("<meta http-Equiv>"));
    CHECK_FALSE(may_be_http_equiv("<meta charset=utf-8>"));
    CHECK_FALSE(may_be_http_equiv("<meta name=equiv content=a-b>"));
    CHECK_FALSE(may_be_http_equiv("<meta x-equi>"));
}
