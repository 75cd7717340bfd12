// Browser tests: a reader in Russia (this machine's loopback is RU in the test database) opens
// a news page through geogate in headless Chromium. The page has a strict
// Content-Security-Policy (no inline style unless by hash or nonce), in its header, in a
// <meta http-equiv="Content-Security-Policy"> tag, or both. The tests check what the
// reader actually gets: the notice rendered with its own style (not blocked by the policy, not
// overridden by the page's CSS), with a real box inside the viewport, on top, its text readable
// in the reader's language, no CSP violation reported, the page's own styles intact, and the
// same in the pixels of a screenshot, which is kept in the build dir as a test artefact.
#include "tests/browser/reader_view.hpp"
#include "tests/integration/support/geo_fixture.hpp"

#include <catch2/catch.hpp>

namespace gb = geogate::browser;
namespace it = geogate::it;
using namespace geogate::browser;

TEST_CASE("a reader in Russia sees the notice on a page whose CSP allows no inline style",
          "[browser][csp]") {
    require_chromium();
    reader_stack s;
    s.pages.route("/news/strict", "article.html", {{"Content-Security-Policy", strict_csp}});
    check_notice_visible(s, "/news/strict", "notice-strict-csp-hash.png", "", "rgb(32, 32, 32)");
}

TEST_CASE("a reader in Russia sees the notice on a page whose CSP allows inline style by nonce",
          "[browser][csp]") {
    require_chromium();
    reader_stack s;
    s.pages.route("/news/nonce", "article-nonce.html", {{"Content-Security-Policy", nonce_csp}});
    check_notice_visible(s, "/news/nonce", "notice-strict-csp-nonce.png", page_nonce,
                         "rgb(27, 58, 92)");
}

TEST_CASE("a reader in Russia sees the notice on a page whose CSP has only default-src 'self'",
          "[browser][csp]") {
    require_chromium();
    reader_stack s;
    s.pages.route("/news/default", "article.html", {{"Content-Security-Policy", default_only_csp}});
    check_notice_visible(s, "/news/default", "notice-default-src-only.png", "", "rgb(32, 32, 32)");
}

TEST_CASE("a reader in Russia sees the notice on a page whose CSP is only in a <meta> tag",
          "[browser][csp][meta]") {
    require_chromium();
    reader_stack s;
    // no Content-Security-Policy header at all: the policy (written with &#39; references) is
    // in <meta http-equiv="Content-Security-Policy"> in <head>
    s.pages.route("/news/meta", "article-meta-csp.html", {});
    check_notice_visible(s, "/news/meta", "notice-meta-csp-hash.png", "", "rgb(32, 32, 32)", true);
}

TEST_CASE("a reader in Russia sees the notice on a page with a nonce in its CSP header and a "
          "stricter policy in a <meta> tag",
          "[browser][csp][meta]") {
    require_chromium();
    reader_stack s;
    // Our <style> reuses the header's nonce; the meta policy does not list it: it gets the hash.
    s.pages.route("/news/meta-nonce", "article-meta-csp.html",
                  {{"Content-Security-Policy", nonce_csp}});
    check_notice_visible(s, "/news/meta-nonce", "notice-meta-csp-header-nonce.png", page_nonce,
                         "rgb(32, 32, 32)", true);
}

// Pages whose own layout fights the notice. Each of these failed with the notice's first
// style (inherited direction, static position, no z-index): the direction was the page's, and
// the page's header, grid or overlays covered the notice or moved it out of the first screen.

TEST_CASE("on a right-to-left page the Russian notice still reads left to right",
          "[browser][layout][rtl]") {
    require_chromium();
    reader_stack s;
    // <html dir="rtl">, and text-align: right on body, p and div
    s.pages.route("/news/rtl", "article-rtl.html", {{"Content-Security-Policy", strict_csp}});
    check_notice_visible(s, "/news/rtl", "notice-rtl-page.png", "", "rgb(32, 32, 32)");
}

TEST_CASE("a header fixed over the top of the page does not cover the notice",
          "[browser][layout]") {
    require_chromium();
    reader_stack s;
    // position: fixed; top: 0; z-index: 1000, 104px tall, and a 40px body margin
    s.pages.route("/news/fixed-header", "article-fixed-header.html",
                  {{"Content-Security-Policy", strict_csp}});
    check_notice_visible(s, "/news/fixed-header", "notice-fixed-header.png", "", "rgb(32, 32, 32)");
}

TEST_CASE("a sticky header in a page laid out by a grid on <body> leaves the notice at the top",
          "[browser][layout]") {
    require_chromium();
    reader_stack s;
    // body { display: grid; grid-template-areas: ... } with a sticky header in its own area
    s.pages.route("/news/sticky-grid", "article-sticky-grid.html",
                  {{"Content-Security-Policy", strict_csp}});
    check_notice_visible(s, "/news/sticky-grid", "notice-sticky-grid.png", "", "rgb(32, 32, 32)");
}

TEST_CASE("elements a page lays over its top do not cover the notice", "[browser][layout]") {
    require_chromium();
    reader_stack s;
    // body::before with z-index 2147483647, an absolutely positioned block at the end of the
    // document with z-index 99999, a fixed banner with z-index 2147483647 inside an app root
    // that is a stacking context
    s.pages.route("/news/overlays", "article-overlays.html",
                  {{"Content-Security-Policy", strict_csp}});
    check_notice_visible(s, "/news/overlays", "notice-overlays.png", "", "rgb(32, 32, 32)");
}

TEST_CASE("a page's !important rules neither hide nor move nor restyle the notice",
          "[browser][layout]") {
    require_chromium();
    reader_stack s;
    // body > div:first-child { display: none !important }, !important colour, size, visibility,
    // direction, opacity and position rules on div, p and the body's children
    s.pages.route("/news/important", "article-important.html",
                  {{"Content-Security-Policy", strict_csp}});
    check_notice_visible(s, "/news/important", "notice-important-rules.png", "", "rgb(32, 32, 32)");
}

TEST_CASE("an Arabic notice reads right to left on a left-to-right page",
          "[browser][layout][rtl]") {
    require_chromium();
    // A notice like the example one with an Arabic text (a test text, not an approved one).
    const std::string ar =
        "<p><strong>إشعار قانوني.</strong> ناشر هذا الموقع مصنّف في الاتحاد الروسي «منظمة غير "
        "مرغوب فيها».</p>\n<p>إذا كنت في روسيا أو في منطقة من أوكرانيا تسيطر عليها روسيا، فإن "
        "نشر محتوى هذا الموقع أو التعليق عليه قد يؤدي إلى غرامة أو ملاحقة جنائية بموجب القانون "
        "الروسي. أما القراءة وحدها فليست مخالفة.</p>\n";
    reader_stack s(it::notice_files("undesirable-organization",
                                    {{"ru", "<p>Правовое уведомление.</p>\n"}, {"ar", ar}}));
    // text-align: left everywhere on an ordinary left-to-right page
    s.pages.route("/news/ltr", "article-ltr-aligned.html",
                  {{"Content-Security-Policy", strict_csp}});
    check_notice_visible(s, "/news/ltr", "notice-arabic-on-ltr-page.png", "", "rgb(32, 32, 32)",
                         false, {"ar", "ar", "rtl", {"إشعار قانوني.", "«منظمة غير مرغوب فيها»"}});
}

// The checks above can fail: the same probe, on pages served without geogate, sees no notice
// at all, and sees a notice-like element whose inline style the policy blocked (transparent
// background, a violation event, a console message).
namespace {

// A control page at `path` with a notice-like element whose inline style its policy forbids.
void check_inline_style_blocked(const gb::page_server& pages, const std::string& path) {
    const auto blocked = gb::run_chromium(pages.url() + path, {"--dump-dom"}, "ru");
    INFO("chromium log:\n" << blocked.err);
    REQUIRE(blocked.exit_code == 0);
    const auto b = parse_probe(blocked.out);
    REQUIRE(b.found);
    INFO("probe: " << boost::json::serialize(b.data));
    CHECK(b.num({"notices"}) == 1);
    CHECK(b.str({"style", "background-color"}) == "rgba(0, 0, 0, 0)");
    CHECK(b.str({"violations"}) != "[]");
    CHECK(logged_csp_violation(blocked.err));
}

} // namespace

TEST_CASE("the browser probe sees a missing notice and a style blocked by CSP",
          "[browser][control]") {
    require_chromium();
    gb::page_server pages{GEOGATE_BROWSER_FIXTURES};
    REQUIRE(pages.started());
    pages.route("/news/strict", "article.html", {{"Content-Security-Policy", strict_csp}});
    pages.route("/blocked", "inline-style-blocked.html", {{"Content-Security-Policy", strict_csp}});

    const auto plain = gb::run_chromium(pages.url() + "/news/strict", {"--dump-dom"}, "ru");
    INFO("chromium log:\n" << plain.err);
    REQUIRE(plain.exit_code == 0);
    const auto p = parse_probe(plain.out);
    REQUIRE(p.found);
    CHECK(p.num({"notices"}) == 0);
    CHECK(p.str({"masthead", "background-color"}) == "rgb(32, 32, 32)");

    check_inline_style_blocked(pages, "/blocked");
}

// A policy delivered only in a meta tag is enforced by this browser: the same probe, on a page
// served without geogate and without any CSP header, sees its notice-like inline style blocked.
TEST_CASE("the browser probe sees a style blocked by a policy in a <meta> tag",
          "[browser][control][meta]") {
    require_chromium();
    gb::page_server pages{GEOGATE_BROWSER_FIXTURES};
    REQUIRE(pages.started());
    pages.route("/blocked-meta", "inline-style-blocked-meta.html", {});
    check_inline_style_blocked(pages, "/blocked-meta");
}
