// Browser tests: a reader in Russia (this machine's loopback is RU in the test database) opens
// a news page through geogate in headless Chromium. The page has a strict
// Content-Security-Policy (no inline style unless by hash or nonce), in its header, in a
// <meta http-equiv="Content-Security-Policy"> tag, or both. The tests check what the
// reader actually gets: the notice rendered with its own style (not blocked by the policy, not
// overridden by the page's CSS), with a real box inside the viewport, on top, its text readable
// in the reader's language, no CSP violation reported, the page's own styles intact, and the
// same in the pixels of a screenshot, which is kept in the build dir as a test artefact.
#include "tests/browser/chromium_run.hpp"
#include "tests/browser/page_server.hpp"
#include "tests/integration/support/geo_fixture.hpp"
#include "tests/integration/support/geogate_process.hpp"
#include "tests/integration/support/raw_client.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace gb = geogate::browser;
namespace it = geogate::it;

namespace {

// Without chromium the tests report SKIPPED to ctest (SKIP_RETURN_CODE 77).
void require_chromium() {
    if (gb::chromium_exe().empty()) {
        std::fprintf(stderr,
                     "chromium not found (configured: \"%s\", $GEOGATE_CHROMIUM: \"%s\"): "
                     "skipped; deploy/install-deps.sh browser\n",
                     GEOGATE_CHROMIUM_EXE,
                     std::getenv("GEOGATE_CHROMIUM") ? std::getenv("GEOGATE_CHROMIUM") : "");
        std::exit(77);
    }
}

const std::string strict_csp = "default-src 'self'; style-src 'self'; script-src 'self'; "
                               "img-src 'self'; base-uri 'none'; frame-ancestors 'none'";
const std::string page_nonce = "pageN0nce4Browser7est";
const std::string nonce_csp = "default-src 'self'; style-src 'self' 'nonce-" + page_nonce +
                              "'; script-src 'self'; base-uri 'none'";
const std::string default_only_csp = "default-src 'self'";

const std::string notice_rule = "[[rule]]\n"
                                "name = \"browser-notice\"\n"
                                "regions = [\"RU\"]\n"
                                "paths = [\"/\"]\n"
                                "action = \"notice\"\n"
                                "notice = \"undesirable-organization\"\n"
                                "position = \"body-start\"\n";

// The fixture origin, and geogate in front of it deciding by the peer address alone (no
// trusted proxies), with the shipped, approved example notices, or with `notices` (files under
// notices/, approval not required) when a test brings its own.
struct reader_stack {
    gb::page_server pages{GEOGATE_BROWSER_FIXTURES};
    std::unique_ptr<it::geogate_process> proxy;

    explicit reader_stack(it::file_list notices = {}) {
        auto c = it::default_config(pages.url());
        c.set("client_ip", "trusted_proxies", "[]");
        c.set("geoip", "databases", "[\"" + std::string(GEOGATE_BROWSER_DB) + "\"]");
        c.set("rules", "files", "[\"rules/*.toml\"]");
        c.set_string("notices", "dir", notices.empty() ? GEOGATE_BROWSER_NOTICES : "notices");
        c.set("notices", "require_approval", notices.empty() ? "true" : "false");
        c.set_string("origin", "response_timeout", "10s");
        c.set_string("limits", "keepalive_timeout", "20s");
        notices.emplace_back("rules/10-browser.toml", notice_rule);
        proxy = std::make_unique<it::geogate_process>(c, notices);
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(proxy->port()) + path;
    }
};

// What probe.js measured, parsed from the DOM that chromium --dump-dom printed.
struct probe_report {
    bool found = false;
    boost::json::object data;

    std::string str(std::initializer_list<const char*> path) const {
        const boost::json::value* v = nullptr;
        const boost::json::object* o = &data;
        for (const char* key : path) {
            v = o ? o->if_contains(key) : nullptr;
            if (!v)
                return {};
            o = v->if_object();
        }
        if (v->is_string())
            return std::string(v->as_string());
        return boost::json::serialize(*v);
    }
    double num(std::initializer_list<const char*> path) const {
        const std::string s = str(path);
        return s.empty() ? -1 : std::strtod(s.c_str(), nullptr);
    }
};

probe_report parse_probe(const std::string& dom) {
    probe_report r;
    const std::string open = "<pre id=\"geogate-probe\" hidden=\"\">";
    const auto at = dom.find(open);
    if (at == std::string::npos)
        return r;
    const auto end = dom.find("</pre>", at);
    if (end == std::string::npos)
        return r;
    boost::system::error_code ec;
    auto v = boost::json::parse(
        gb::percent_decode(dom.substr(at + open.size(), end - at - open.size())), ec);
    if (ec || !v.is_object())
        return r;
    r.data = std::move(v.as_object());
    r.found = true;
    return r;
}

bool logged_csp_violation(const std::string& chromium_log) {
    return chromium_log.find("Content Security Policy") != std::string::npos;
}

std::filesystem::path artifact(const std::string& name) {
    std::filesystem::create_directories(GEOGATE_BROWSER_ARTIFACT_DIR);
    return std::filesystem::path(GEOGATE_BROWSER_ARTIFACT_DIR) / name;
}

// Pixels within the box whose colour is dark enough to be the notice's text (#2b2100) rather
// than its background (#fff7e0): glyphs actually drawn.
std::size_t dark_pixels(const gb::png_image& img, int x0, int y0, int w, int h) {
    std::size_t n = 0;
    for (int y = std::max(0, y0); y < std::min<int>(y0 + h, int(img.height)); ++y)
        for (int x = std::max(0, x0); x < std::min<int>(x0 + w, int(img.width)); ++x) {
            const auto p = img.at(unsigned(x), unsigned(y));
            n += (p.r + p.g + p.b) < 3 * 110;
        }
    return n;
}

// Who reads, and what they must see: the browser's languages, the notice text's language
// and direction, and phrases of it that must be rendered.
struct reader {
    std::string accept_language;
    std::string lang;
    std::string dir;
    std::vector<std::string> phrases;
};

// A reader in Russia who reads Russian: the example notice's Russian text.
reader russian_reader() {
    return {"ru-RU,ru",
            "ru",
            "ltr",
            {"Правовое уведомление.", "«нежелательной организацией»", "уголовное преследование"}};
}

// The reader's view of one page through geogate: the notice rendered and visible under the
// page's policy. `expected_nonce` is the page's nonce when the notice's style must reuse it.
// `meta_policy`: the page (also) delivers a policy in <meta http-equiv=
// "Content-Security-Policy">, which must now name our hash.
void check_notice_visible(reader_stack& s, const std::string& path, const std::string& shot,
                          const std::string& expected_nonce, const std::string& masthead_bg,
                          bool meta_policy = false, const reader& r = russian_reader()) {
    REQUIRE(s.pages.started());
    REQUIRE(s.proxy->started());
    INFO("geogate events:\n" << s.proxy->event_log());

    // The policy geogate sends: still no 'unsafe-inline', and it names our hash unless the
    // page's nonce is reused.
    const auto res = it::round_trip(s.proxy->port(),
                                    it::get_request(path, "Accept-Language: " + r.accept_language +
                                                              "\r\nConnection: close\r\n"));
    REQUIRE(res.status == 200);
    const std::string csp = res.header("Content-Security-Policy");
    INFO("Content-Security-Policy sent to the reader: " << csp);
    CHECK(csp.find("'unsafe-inline'") == std::string::npos);
    if (expected_nonce.empty() && !meta_policy)
        CHECK(csp.find("'sha256-") != std::string::npos);
    REQUIRE(res.body.find("data-geogate-notice=\"undesirable-organization\"") != std::string::npos);
    if (meta_policy) {
        const auto m = res.body.find("http-equiv=\"Content-Security-Policy\"");
        REQUIRE(m != std::string::npos);
        const auto open = res.body.rfind('<', m);
        const std::string tag = res.body.substr(open, res.body.find('>', m) + 1 - open);
        INFO("meta policy sent to the reader: " << tag);
        CHECK(tag.find("'sha256-") != std::string::npos);
        CHECK(tag.find("unsafe-inline") == std::string::npos);
        CHECK(res.body.find("data-geogate-notice=") > m); // the policy comes before the notice
    }

    // What the browser built and computed.
    const auto dom = gb::run_chromium(s.url(path), {"--dump-dom"}, r.accept_language);
    INFO("chromium log:\n" << dom.err);
    REQUIRE(dom.exit_code == 0);
    const auto p = parse_probe(dom.out);
    INFO("DOM:\n" << dom.out.substr(0, 4000));
    REQUIRE(p.found);
    INFO("probe: " << boost::json::serialize(p.data));

    CHECK(p.num({"notices"}) == 1);
    CHECK(p.str({"id"}) == "undesirable-organization");
    CHECK(p.str({"lang"}) == r.lang);
    CHECK(p.str({"version"}).size() >= 8);
    CHECK(p.str({"first_in_body"}) == "true"); // position body-start
    CHECK(p.str({"style_nonce"}) == expected_nonce);

    // The policy blocked nothing: neither our style nor anything of the page's.
    CHECK(p.str({"violations"}) == "[]");
    CHECK_FALSE(logged_csp_violation(dom.err));

    // The notice's own style applied (blocked, the background would be transparent) and won
    // over the page's broad `div { color: #777; font-size: 11px }`.
    CHECK(p.str({"style", "display"}) == "block");
    CHECK(p.str({"style", "visibility"}) == "visible");
    CHECK(p.str({"style", "opacity"}) == "1");
    CHECK(p.str({"style", "background-color"}) == "rgb(255, 247, 224)");
    CHECK(p.str({"style", "border-bottom-width"}) == "3px");
    CHECK(p.str({"text_style", "color"}) == "rgb(43, 33, 0)");
    CHECK(p.str({"text_style", "font-size"}) == "16px");
    // The page's own styles still apply (its stylesheet, and its nonce'd inline style).
    CHECK(p.str({"masthead", "background-color"}) == masthead_bg);

    // A real box, wholly inside the first screen, not covered by anything at its centre.
    const double x = p.num({"box", "x"}), y = p.num({"box", "y"});
    const double w = p.num({"box", "width"}), h = p.num({"box", "height"});
    const double vw = p.num({"viewport", "width"}), vh = p.num({"viewport", "height"});
    CHECK(x >= 0);
    CHECK(y >= 0);
    CHECK(w >= vw * 0.9);
    CHECK(h >= 60); // two paragraphs of 16px text with padding
    CHECK(x + w <= vw);
    CHECK(y + h <= vh);
    CHECK(p.str({"on_top"}) == "true");

    // On top along the notice's top edge and across its first line of text, wherever the page
    // puts its own fixed, sticky or absolutely positioned elements (covered lists what is on
    // top instead).
    INFO("points not on the notice: " << p.str({"first_line", "covered"}));
    CHECK(p.str({"first_line", "covered"}) == "[]");
    CHECK(p.str({"first_line", "points"}) ==
          "[true,true,true,true,true,true,true,true,true,true,true,"
          "true,true,true,true,true,true,true,true,true,true,true]");
    CHECK(p.num({"first_line", "line_top"}) >= y);
    CHECK(p.num({"first_line", "line_bottom"}) <= y + h);

    // The text reads in its own language's direction whatever the page's: the wrapper says so
    // itself, the page's CSS cannot change it, the first line starts at the start edge of the
    // text column (left for ltr, right for rtl) and the final full stop comes after the last
    // word in reading order (right of it for ltr, left for rtl), not at the other end.
    const bool ltr = r.dir == "ltr";
    CHECK(p.str({"dir"}) == r.dir);
    CHECK(p.str({"direction", "notice", "direction"}) == r.dir);
    CHECK(p.str({"direction", "notice", "unicode-bidi"}) == "isolate");
    CHECK(p.str({"direction", "text", "direction"}) == r.dir);
    CHECK(p.str({"direction", "first_p", "direction"}) == r.dir);
    CHECK(p.str({"direction", "first_p", "text-align"}) == "start");
    CHECK(std::abs(p.num({"first_line", ltr ? "first_char_left" : "first_char_right"})) < 2);
    CHECK(p.str({"first_line", "final_char"}) == ".");
    CHECK(p.str({"first_line", "final_char_right_of_letter"}) == (ltr ? "true" : "false"));

    // Its rendered text (innerText: what is laid out, not merely in the bytes).
    const std::string text = p.str({"text"});
    for (const auto& phrase : r.phrases) {
        INFO("phrase: " << phrase);
        CHECK(text.find(phrase) != std::string::npos);
    }

    // The screenshot: the notice's colours and drawn glyphs at the place the probe measured.
    const auto png_path = artifact(shot);
    std::filesystem::remove(png_path);
    const auto ss =
        gb::run_chromium(s.url(path), {"--screenshot=" + png_path.string()}, r.accept_language);
    INFO("screenshot chromium log:\n" << ss.err);
    REQUIRE(ss.exit_code == 0);
    const auto img = gb::read_png(png_path);
    INFO("screenshot: " << png_path.string());
    REQUIRE(img.ok);
    CHECK(img.width == 1280);
    REQUIRE(img.height > unsigned(y + h));
    REQUIRE(x >= 0); // a notice hidden or moved off the screen fails here, not out of bounds
    REQUIRE(y >= 0);
    REQUIRE(w > 8);
    REQUIRE(h > 8);
    REQUIRE(img.width > unsigned(x + w / 2));
    const int ix = int(x), iy = int(y), iw = int(w), ih = int(h);
    CHECK(img.at(unsigned(ix + 4), unsigned(iy + 4)) == gb::rgb{255, 247, 224}); // padding
    CHECK(img.at(unsigned(ix + iw / 2), unsigned(iy + ih - 1)) ==
          gb::rgb{217, 154, 0}); // the 3px bottom border
    CHECK(dark_pixels(img, ix, iy, iw, ih) > 2000);
    // Nothing of the notice colour outside its box at the very top of the page: it is the
    // first thing on the screen, starting at its top edge.
    CHECK(img.at(unsigned(ix + 4), unsigned(iy + ih + 2)) != gb::rgb{255, 247, 224});
}

} // namespace

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
