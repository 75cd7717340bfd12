// The injector against a table of pages: "@@" marks where the fragment must land; every page is
// also fed split at every byte offset, in 1-byte chunks and in 3 pieces, and must give the same.
#include "proxy/html/injector.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using geogate::html::injector;
using geogate::html::position;

namespace {

constexpr std::string_view frag = "@@";

// Meta CSP amendment: off unless `hash` is set.
struct meta_cfg {
    std::string hash;
    std::string nonce;
    std::size_t max_tag = geogate::html::default_max_meta_tag;
};

struct run_result {
    std::string text;
    bool fallback = false;
    std::size_t max_held_seen = 0;
    geogate::html::meta_csp_counts meta;
};

run_result run(std::string_view page, const std::vector<std::size_t>& cuts, position where,
               std::size_t max_held = 64 * 1024, const meta_cfg& meta = {}) {
    injector inj{std::string(frag), where, max_held};
    if (!meta.hash.empty())
        inj.amend_meta_csp(meta.hash, meta.nonce, meta.max_tag);
    run_result r;
    std::vector<std::string_view> out;
    std::size_t from = 0;
    auto take = [&] {
        for (auto v : out)
            r.text.append(v);
        out.clear();
    };
    for (std::size_t cut : cuts) {
        inj.feed(page.substr(from, cut - from), out);
        take();
        r.max_held_seen = std::max(r.max_held_seen, inj.held());
        from = cut;
    }
    inj.feed(page.substr(from), out);
    // The views of the last feed() are read only after finish(), which must leave them valid:
    // the proxy sends the last piece of a page and its end in one write.
    inj.finish(out);
    take();
    REQUIRE(inj.inserted());
    r.fallback = inj.used_fallback();
    r.meta = inj.meta_csp();
    return r;
}

std::string strip(std::string_view marked) {
    std::string s(marked);
    auto at = s.find(frag);
    REQUIRE(at != std::string::npos);
    s.erase(at, frag.size());
    return s;
}

void check_all_splits(std::string_view marked, position where, bool fallback,
                      std::size_t max_held = 64 * 1024) {
    const std::string page = strip(marked);
    INFO("page: " << page);
    const auto whole = run(page, {}, where, max_held);
    CHECK(whole.text == marked);
    CHECK(whole.fallback == fallback);
    for (std::size_t k = 0; k <= page.size(); ++k) {
        INFO("split at " << k);
        REQUIRE(run(page, {k}, where, max_held).text == whole.text);
    }
    std::vector<std::size_t> ones;
    for (std::size_t k = 1; k < page.size(); ++k)
        ones.push_back(k);
    const auto bytewise = run(page, ones, where, max_held);
    CHECK(bytewise.text == whole.text);
    CHECK(bytewise.max_held_seen <= std::max<std::size_t>(max_held, 64));
    for (std::size_t a = 0; a <= page.size(); a += 3)
        for (std::size_t b = a; b <= page.size(); b += 5)
            REQUIRE(run(page, {a, b}, where, max_held).text == whole.text);
}

} // namespace

TEST_CASE("body_start: the notice lands right after the first real <body> tag") {
    const char* pages[] = {
        "<html><head><title>x</title></head><body>@@<p>hi</p></body></html>",
        "<!DOCTYPE html>\n<BODY class=a>@@x",
        "<Body\n data-x=1>@@",
        "<body/>@@x",
        "<html><head><!-- <body> --></head><body>@@",
        "<!--><body>@@",
        "<!---><body>@@",
        "<!-- a -- b --!><body>@@",
        "<!x <body -><body>@@",
        "<?x <body ?><body>@@",
        "<head><script>var s='<body>';</script></head><body>@@",
        "<script><!--<script>x</script><body>--></script><body>@@",
        "<script><!--</script><body>@@",
        "<SCRIPT>x</Script ><body>@@",
        "<style>a{content:'<body>'}</style><body>@@",
        "<style>a{}</styles></style ><body>@@",
        "<title><body></title><body>@@",
        "<meta content=\"<body>\"><body>@@",
        "<meta content='a>b <body>'><body>@@",
        "<meta a = \"x>\" b='>'/><body>@@",
        "<meta a=x\"y><body>@@",
        "<body data-x=\">\">@@",
        "<head><template><body>x</template></head><body>@@",
        "<head><noscript><body></noscript></head><body>@@",
        "<head><noframes><body></noframes></head><body>@@",
        "\xEF\xBB\xBF<!doctype html><body>@@",
        "<body\n>@@",
        "<bOdY>@@<body>",
    };
    for (const char* p : pages)
        check_all_splits(p, position::body_start, false);
}

TEST_CASE("body_start without a body tag: the notice opens the implicit body") {
    const char* pages[] = {
        "<!DOCTYPE html><html><head><title>t</title></head>\n@@<div>x</div>",
        "<!doctype html>@@Hello",
        "<head><meta charset=utf-8></head> \n@@&nbsp;",
        "@@<bodyx><body>",
        "<html><head></head>@@</html>",
        "<head></head>@@</body>",
        "<head></head>@@< body>",
        "<head><link rel=x></head><!-- c --> @@<abcdefghijklmnop>",
        "<head><title>t</title></head>@@",
        "@@",
        "<frameset><frame src=a></frameset>@@",
    };
    for (const char* p : pages)
        check_all_splits(p, position::body_start, true);
}

TEST_CASE("body_end: the notice lands right before the last real </body>") {
    const char* pages[] = {
        "<body>x@@</body></html>",
        "<body>x</body>y@@</body>\n",
        "<body>x@@</body><!-- </body> -->",
        "<body><script>'</body>'</script>@@</BODY >",
        "<body><textarea></body></textarea>@@</body>",
        "<body><xmp></body></xmp><iframe></body></iframe><noembed></body></noembed>@@</body>",
        "<body><svg><![CDATA[</body>]]></svg>@@</body>",
        "<body><!--></body><!--x-->@@</body>",
        "<body>@@</body foo=\">\">",
        "<body>@@</body/>",
        "<body><template></body></template>@@</body>",
    };
    for (const char* p : pages)
        check_all_splits(p, position::body_end, false);
}

TEST_CASE("body_end without a real </body>: appended at the end of the document") {
    const char* pages[] = {
        "<body>x@@",        "<body><plaintext></body>@@",    "<body><bodyx></bodyx>@@",
        "<body></bodyy>@@", "<body><![CDATA[x]]></body >@@",
    };
    // "<![CDATA[" outside SVG/MathML is a bogus comment ending at the first '>': the last page
    // has no real </body>... except it does: check it explicitly below.
    for (int i = 0; i < 4; ++i)
        check_all_splits(pages[i], position::body_end, true);
    check_all_splits("<body><![CDATA[x]]>@@</body >", position::body_end, false);
}

TEST_CASE("a document that ends inside a comment, script, raw text, tag or template: what ends "
          "it goes before the appended notice, so the browser renders it") {
    struct row {
        const char* page;
        const char* closer;
    };
    const row rows[] = {
        {"<body>x<!-- cache: hit", "-->"},
        {"<body>x<!--", "-->"},
        {"<body>x<!-- a --", "-->"},
        {"<body>x<!-- a --!", "-->"},
        {"<body>x<!", "-->"},
        {"<body>x<?php", ">"},
        {"<body>x<script>var a = 1;", "\n--></script>"},
        {"<body>x<script><!-- a", "\n--></script>"},
        {"<body>x<script><!--<script>a", "\n--></script>"},
        {"<body>x<script>a</scr", "\n--></script>"},
        {"<body>x<style>a{", "</style>"},
        {"<body>x<textarea>a", "</textarea>"},
        {"<body>x<TITLE>a", "</title>"},
        {"<body>x<a href=\"/x", "\">"},
        {"<body>x<a href='/x", "'>"},
        {"<body>x<a href=/x", ">"},
        {"<body>x<div class=a ", ">"},
        {"<body>x</di", ">"},
        {"<body>x</", ">"},
        {"<body>x<svg><![CDATA[a", "]]>"},
        {"<body>x<template><template>a", "</template></template>"},
        {"<body>x<template><!-- a", "--></template>"},
        {"<body>x<", ""},
        {"<body>x", ""},
    };
    for (const auto& r : rows) {
        CAPTURE(r.page);
        const std::string page = r.page;
        const std::string expected = page + r.closer + std::string(frag);
        for (std::size_t k = 0; k <= page.size(); ++k) {
            CAPTURE(k);
            const auto got = run(page, {k}, position::body_end);
            CHECK(got.text == expected);
            CHECK(got.fallback);
        }
    }
    // body_start on a page that never opens a body: the same.
    CHECK(run("<!-- unterminated <body>", {}, position::body_start).text ==
          "<!-- unterminated <body>-->" + std::string(frag));
}

TEST_CASE("body_end holds at most max_held bytes after a </body> candidate") {
    const std::string tail(100, 'x');
    // past the bound the first candidate is committed; a later </body> no longer moves it
    check_all_splits("<body>a@@</body>" + tail + "</body>", position::body_end, false, 64);
    // within the bound the last one wins
    check_all_splits("<body>a</body>" + tail + "@@</body>", position::body_end, false, 256);
}

TEST_CASE("after the insertion chunks pass through as the same view, no copy") {
    injector inj{"<div>n</div>", position::body_start};
    std::vector<std::string_view> out;
    inj.feed("<html><body>", out);
    REQUIRE(out.size() == 2);
    out.clear();
    const std::string rest = "<p>lots of text</p>";
    inj.feed(rest, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].data() == rest.data());
    CHECK(out[0].size() == rest.size());
}

TEST_CASE("the benchmark article gets the notice right after its <body ...> tag") {
    std::string dir = std::string(GEOGATE_BINARY_DIR) + "/tests/unit/proxy/html/content";
    std::string cmd =
        "perl " GEOGATE_SHARED_DIR "/bench/origin/make-content.pl " + dir + " > /dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::FILE* f = std::fopen((dir + "/article.html").c_str(), "rb");
    REQUIRE(f);
    std::string page;
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
        page.append(buf, n);
    std::fclose(f);
    const auto body = page.find("<body class=\"article-page");
    REQUIRE(body != std::string::npos);
    std::string expected = page;
    expected.insert(page.find('>', body) + 1, frag);
    for (std::size_t chunk : {1u, 7u, 1460u, 16384u}) {
        std::vector<std::size_t> cuts;
        for (std::size_t k = chunk; k < page.size(); k += chunk)
            cuts.push_back(k);
        CHECK(run(page, cuts, position::body_start).text == expected);
    }
    std::string expected_end = page;
    expected_end.insert(page.rfind("</body>"), frag);
    CHECK(run(page, {}, position::body_end).text == expected_end);
}

// ---- <meta http-equiv="Content-Security-Policy"> ------------------------------------------

namespace {

constexpr std::string_view H = "'sha256-AbC='";
const std::string csp_meta = "<meta http-equiv=\"Content-Security-Policy\" content=\"";
const std::string amended_self = "style-src 'self' 'sha256-AbC='";

bool same(const geogate::html::meta_csp_counts& a, const geogate::html::meta_csp_counts& b) {
    return a.amended == b.amended && a.unchanged == b.unchanged && a.undecodable == b.undecodable &&
           a.too_long == b.too_long;
}

// `in` becomes `out` ("@@": the fragment) whatever the split, meta CSP amendment on.
geogate::html::meta_csp_counts check_meta_splits(std::string_view in, std::string_view out,
                                                 position where, meta_cfg meta = {},
                                                 std::size_t max_held = 64 * 1024) {
    if (meta.hash.empty())
        meta.hash = std::string(H);
    INFO("page: " << in);
    const auto whole = run(in, {}, where, max_held, meta);
    CHECK(whole.text == out);
    for (std::size_t k = 0; k <= in.size(); ++k) {
        INFO("split at " << k);
        const auto r = run(in, {k}, where, max_held, meta);
        REQUIRE(r.text == whole.text);
        REQUIRE(same(r.meta, whole.meta));
    }
    std::vector<std::size_t> ones;
    for (std::size_t k = 1; k < in.size(); ++k)
        ones.push_back(k);
    const auto bytewise = run(in, ones, where, max_held, meta);
    CHECK(bytewise.text == whole.text);
    CHECK(same(bytewise.meta, whole.meta));
    CHECK(bytewise.max_held_seen <= std::max<std::size_t>(max_held, 64));
    for (std::size_t a = 0; a <= in.size(); a += 7)
        for (std::size_t b = a; b <= in.size(); b += 11)
            REQUIRE(run(in, {a, b}, where, max_held, meta).text == whole.text);
    return whole.meta;
}

} // namespace

TEST_CASE("meta CSP before the body: its policy gains the hash, whatever the split") {
    struct row {
        std::string in, out;
    };
    const row table[] = {
        // double quotes, the tag alone changed
        {"<html><head>" + csp_meta + "style-src 'self'\"><title>t</title></head><body>x",
         "<html><head>" + csp_meta + amended_self + "\"><title>t</title></head><body>@@x"},
        // default-src only: a style-src with the same sources is added
        {"<head>" + csp_meta + "default-src 'self'\"></head><body>",
         "<head>" + csp_meta +
             "default-src 'self'; style-src 'self' 'sha256-AbC='\"></head><body>@@"},
        // names and value in any case, single quotes, references, attributes in any order
        {"<META CONTENT='style-src &#39;self&#39;' Http-Equiv='CONTENT-security-POLICY'><body>",
         "<META CONTENT=\"" + amended_self + "\" Http-Equiv='CONTENT-security-POLICY'><body>@@"},
        {"<meta content=\"style-src &apos;self&#x27;\" http-equiv=content-security-policy /><body>",
         "<meta content=\"" + amended_self + "\" http-equiv=content-security-policy /><body>@@"},
        // unquoted: the value ends at whitespace
        {"<meta http-equiv=Content-Security-Policy content=style-src data-x=1><body>",
         "<meta http-equiv=Content-Security-Policy content=\"style-src 'sha256-AbC='\" "
         "data-x=1><body>@@"},
        // re-escaped for the attribute: '&' and '"' of the decoded policy
        {"<meta http-equiv=\"Content-Security-Policy\" content='img-src "
         "https://a/?x=1&amp;y=\"2\"; "
         "style-src &quot;q&quot;'><body>",
         "<meta http-equiv=\"Content-Security-Policy\" content=\"img-src "
         "https://a/?x=1&amp;y=&quot;2&quot;; style-src &quot;q&quot; 'sha256-AbC='\"><body>@@"},
        // a reference in http-equiv, '>' inside the value, whitespace around '='
        {"<meta http-equiv = \"Content-Security-Polic&#121;\" content = \"style-src 'self' "
         "https://x/>\" ><body>",
         "<meta http-equiv = \"Content-Security-Polic&#121;\" content = \"style-src 'self' "
         "https://x/> 'sha256-AbC='\" ><body>@@"},
        // the first of duplicate attributes is the one the browser keeps
        {"<meta http-equiv=content-security-policy content=\"style-src 'self'\" "
         "content=\"x\"><body>",
         "<meta http-equiv=content-security-policy content=\"" + amended_self +
             "\" content=\"x\"><body>@@"},
        // no whitespace between attributes
        {"<meta http-equiv=\"content-security-policy\"content=\"style-src 'self'\"><body>",
         "<meta http-equiv=\"content-security-policy\"content=\"" + amended_self + "\"><body>@@"},
        // no body tag: the implicit body still follows the head
        {"<head>" + csp_meta + "style-src 'self'\"></head>Hello",
         "<head>" + csp_meta + amended_self + "\"></head>@@Hello"},
    };
    for (const auto& t : table) {
        const auto counts = check_meta_splits(t.in, t.out, position::body_start);
        CHECK(counts.amended == 1);
        // body_end (no </body> here: the fragment goes at the end) amends the same way
        std::string end_out = t.out;
        end_out.erase(end_out.find("@@"), 2);
        CHECK(check_meta_splits(t.in, end_out + "@@", position::body_end).amended == 1);
    }
}

TEST_CASE("several meta CSP tags: each is enforced, each is amended") {
    const std::string in = "<head>" + csp_meta + "style-src 'self'\">" + csp_meta +
                           "default-src 'none'; img-src *\">" + csp_meta +
                           "script-src 'self'\"></head><body>";
    const std::string out = "<head>" + csp_meta + amended_self + "\">" + csp_meta +
                            "default-src 'none'; img-src *; style-src 'sha256-AbC='\">" + csp_meta +
                            "script-src 'self'\"></head><body>@@";
    const auto counts = check_meta_splits(in, out, position::body_start);
    CHECK(counts.amended == 2);
    CHECK(counts.unchanged == 1);
    const auto end = check_meta_splits(
        in + "x</body>", out.substr(0, out.size() - 2) + "x@@</body>", position::body_end);
    CHECK(end.amended == 2);
}

TEST_CASE("meta CSP that is not enforced, not a tag, or not before the notice is untouched") {
    const char* pages[] = {
        // report-only is ignored by browsers in a meta tag
        "<meta http-equiv=\"Content-Security-Policy-Report-Only\" content=\"style-src "
        "'self'\"><body>@@",
        // not a tag: comment, script, noscript (scripting on), template, title, attribute
        "<!-- <meta http-equiv=\"Content-Security-Policy\" content=\"style-src 'self'\"> "
        "--><body>@@",
        "<script>document.write('<meta http-equiv=\"Content-Security-Policy\" "
        "content=\"style-src \\'self\\'\">')</script><body>@@",
        "<head><noscript><meta http-equiv=\"Content-Security-Policy\" content=\"style-src "
        "'self'\"></noscript></head><body>@@",
        "<head><template><meta http-equiv=\"Content-Security-Policy\" content=\"style-src "
        "'self'\"></template></head><body>@@",
        "<title><meta http-equiv=\"Content-Security-Policy\" content=\"style-src "
        "'self'\"></title><body>@@",
        "<link title='<meta http-equiv=\"Content-Security-Policy\" content=\"style-src "
        "x\">'><body>@@",
        // after the insertion point: in the body, where browsers ignore it
        "<body>@@<meta http-equiv=\"Content-Security-Policy\" content=\"style-src 'self'\">",
        // not quite the pragma: trailing space, a different name, no content
        "<meta http-equiv=\"Content-Security-Policy \" content=\"style-src 'self'\"><body>@@",
        "<meta name=\"Content-Security-Policy\" content=\"style-src 'self'\"><body>@@",
        "<meta http-equiv=\"Content-Security-Policy\"><body>@@",
        "<meta content=\"style-src 'self'\" http-equiv=content-security-policy/><body>@@",
        "<meta http-equiv=\"Content-Security-Policy&nbsp;\" content=\"style-src x\"><body>@@",
        "<meta xhttp-equiv=\"Content-Security-Policy\" content=\"style-src 'self'\"><body>@@",
        // an end tag
        "</meta http-equiv=\"Content-Security-Policy\" content=\"style-src 'self'\"><body>@@",
    };
    for (const char* p : pages) {
        const std::string out = p;
        std::string in = out;
        in.erase(in.find("@@"), 2);
        const auto counts = check_meta_splits(in, out, position::body_start);
        CHECK(counts.amended == 0);
    }
    // body_end: a meta after a </body> candidate is outside <head>
    const std::string in = "<body>a</body>" + csp_meta + "style-src 'self'\"></body>";
    check_meta_splits(in, "<body>a</body>" + csp_meta + "style-src 'self'\">@@</body>",
                      position::body_end);
}

TEST_CASE("meta CSP whose policy already allows our style is left as is") {
    meta_cfg nonce;
    nonce.nonce = "r4nd0m";
    const char* kept[] = {
        "style-src 'self' 'unsafe-inline'", "script-src 'self'; img-src *", "",
        "style-src 'self' 'nonce-r4nd0m'",  "default-src 'nonce-r4nd0m'",
    };
    for (const char* policy : kept) {
        const std::string in = csp_meta + policy + "\"><body>";
        const auto c = check_meta_splits(in, in + "@@", position::body_start, nonce);
        CHECK(c.amended == 0);
        CHECK(c.unchanged == 1);
    }
    // the header's nonce on our <style> is not this policy's: the hash is added
    const std::string in = csp_meta + "style-src 'nonce-other'\"><body>";
    const auto c =
        check_meta_splits(in, csp_meta + "style-src 'nonce-other' 'sha256-AbC='\"><body>@@",
                          position::body_start, nonce);
    CHECK(c.amended == 1);
}

TEST_CASE("meta CSP with a reference not resolved exactly is left untouched and counted") {
    for (const char* policy : {"style-src 'self' &nbsp;", "style-src &#x410; 'self'",
                               "style-src &copy 'self'", "style-src &#0; 'self'"}) {
        const std::string in = csp_meta + policy + "\"><body>";
        const auto c = check_meta_splits(in, in + "@@", position::body_start);
        CHECK(c.undecodable == 1);
        CHECK(c.amended == 0);
    }
}

TEST_CASE("a <meta> tag longer than the bound passes untouched, counted; within it, amended") {
    meta_cfg small;
    small.max_tag = 80;
    const std::string fits = csp_meta + "style-src 'self'\">"; // 60 bytes
    const std::string pad(80 - fits.size(), ' ');
    // exactly 80 bytes from '<' to '>': amended
    const std::string at_bound = csp_meta + "style-src 'self'\"" + pad + ">";
    REQUIRE(at_bound.size() == 80);
    auto c =
        check_meta_splits(at_bound + "<body>", csp_meta + amended_self + "\"" + pad + "><body>@@",
                          position::body_start, small, 96);
    CHECK(c.amended == 1);
    // 81 bytes: untouched, counted; the bytes held stay within the bound
    const std::string over = csp_meta + "style-src 'self'\"" + pad + " >";
    c = check_meta_splits(over + "<body>", over + "<body>@@", position::body_start, small, 96);
    CHECK(c.amended == 0);
    CHECK(c.too_long == 1);
    c = check_meta_splits("<meta name=x content=\"" + std::string(200, 'y') + "\"><body>",
                          "<meta name=x content=\"" + std::string(200, 'y') + "\"><body>@@",
                          position::body_start, small, 96);
    CHECK(c.too_long == 1);
}

TEST_CASE("meta CSP amendment is off unless asked for") {
    const std::string in = csp_meta + "style-src 'self'\"><body>";
    const auto r = run(in, {}, position::body_start);
    CHECK(r.text == in + "@@");
    CHECK(r.meta.amended == 0);
}
