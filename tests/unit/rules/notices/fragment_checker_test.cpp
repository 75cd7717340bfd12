#include "rules/notices/fragment_checker.hpp"

#include <catch2/catch.hpp>
#include <string>

using geogate::diagnostics;
using geogate::notices::check_fragment;

namespace {
struct outcome {
    bool ok;
    std::string first_message;
    unsigned line = 0, column = 0;
};
outcome check(std::string_view text) {
    diagnostics d;
    bool ok = check_fragment(text, "ru.html", d);
    if (d.empty())
        return {ok, ""};
    return {ok, d.front().message, d.front().where.line, d.front().where.column};
}
} // namespace

TEST_CASE("Fragments legal teams write are accepted", "[notices][fragment]") {
    const char* good[] = {
        "<p>Plain text.</p>",
        "Just text, no markup at all.",
        "<p><strong>Внимание.</strong> Текст &laquo;в кавычках&raquo; &amp; &#1078; &#x416;.</p>",
        "<h2>Title</h2>\n<p>Body with a <a href=\"https://example.org/law\" rel=\"noopener\" "
        "target=\"_blank\">link</a>.</p>",
        "<ul><li>one</li>\n  <li><em>two</em></li></ul><ol start=\"3\"><li>three</li></ol>",
        "<P CLASS='x'>Upper-case tags</P>",
        "<p>line<br>break<br/>again<br /></p>",
        "<div><p>in a div</p><small>small print</small> <abbr title=\"Russian Federation\">RF"
        "</abbr></div>",
        "<p>Tom & Jerry</p>", // a bare & before white space is text in HTML
        "\xEF\xBB\xBF<p>with a byte order mark</p>",
        "<p dir=\"rtl\" lang=\"he\">\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D</p><p><span "
        "dir=LTR>BBC</span></p>",
    };
    for (const char* text : good) {
        INFO(text);
        auto r = check(text);
        CHECK(r.first_message == "");
        CHECK(r.ok);
    }
}

TEST_CASE("Fragments that could run, load or break something are rejected, with the place",
          "[notices][fragment]") {
    struct row {
        const char* text;
        const char* message_part;
        unsigned line, column;
    };
    const row rows[] = {
        {"<p>x</p><script>alert(1)</script>", "<script> is not allowed", 1, 9},
        {"<style>p{color:red}</style><p>x</p>", "<style> is not allowed", 1, 1},
        {"<p style=\"color:red\">x</p>", "style attribute", 1, 4},
        {"<p onclick=\"x()\">x</p>", "event handler", 1, 4},
        {"<p>x</p>\n<img src=\"https://t.example/p.gif\">", "<img> is not allowed", 2, 1},
        {"<iframe src=\"https://x\"></iframe>", "<iframe> is not allowed", 1, 1},
        {"<link rel=stylesheet href=https://x>", "<link> is not allowed", 1, 1},
        {"<p srcset=\"x 1x\">x</p>", "srcset", 1, 4},
        {"<a href=\"javascript:alert(1)\">x</a>", "https://", 1, 9},
        {"<a href=\"http://example.org\">x</a>", "https://", 1, 9},
        {"<a href=\"//example.org\">x</a>", "https://", 1, 9},
        {"<a href=\"data:text/html,x\">x</a>", "https://", 1, 9},
        {"<p>x</p><!-- note -->", "comments", 1, 9},
        {"<p>unclosed", "never closed", 1, 12},
        {"<p><strong>x</p></strong>", "</p> where </strong>", 1, 13},
        {"<p>x</p></p>", "closes nothing", 1, 9},
        {"<p><p>nested paragraphs</p></p>", "inside <p>", 1, 4},
        {"<strong><p>x</p></strong>", "inside <strong>", 1, 9},
        {"<li>x</li>", "outside <ul>", 1, 1},
        {"<ul><p>x</p></ul>", "wrap it in <li>", 1, 5},
        {"<a href=\"https://a\"><a href=\"https://b\">x</a></a>", "link inside a link", 1, 21},
        {"<span/>x", "not an empty element", 1, 1},
        {"<p>1 < 2</p>", "write &lt;", 1, 6},
        {"<p>AT&T;x &copy</p>", "malformed character reference", 1, 11},
        {"<p>x\x01</p>", "control character", 1, 5},
        {"<p>\xC0\xAF</p>", "invalid UTF-8", 1, 4},
        {"<p>\xED\xA0\x80</p>", "invalid UTF-8", 1, 4}, // a UTF-16 surrogate
        {"   \n  ", "no visible text", 1, 1},
        {"<p id=\"x\">x</p>", "attribute id is not allowed", 1, 4},
        {"<p dir=\"auto\">x</p>", "dir must be \"ltr\" or \"rtl\"", 1, 8},
        {"<p><span dir=\"\">x</span></p>", "dir must be", 1, 14},
        {"<p class=\"a\" class=\"b\">x</p>", "twice", 1, 14},
        {"<p>x</p><h1>Big</h1>", "use h2-h4", 1, 9},
        {"<p>x</p><form action=\"https://x\"></form>", "<form> is not allowed", 1, 9},
        {"<p>Привет</p><svg></svg>", "<svg> is not allowed", 1, 14}, // columns in characters
    };
    for (const auto& r : rows) {
        INFO(r.text);
        auto got = check(r.text);
        CHECK_FALSE(got.ok);
        CHECK_THAT(got.first_message, Catch::Contains(r.message_part));
        CHECK(got.line == r.line);
        CHECK(got.column == r.column);
    }
}

TEST_CASE("Fragment size is bounded", "[notices][fragment]") {
    std::string big = "<p>" + std::string(geogate::notices::max_fragment_bytes, 'x') + "</p>";
    auto r = check(big);
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.first_message, Catch::Contains("at most 16384"));

    std::string deep;
    for (int i = 0; i < 40; ++i)
        deep += "<span>";
    deep += "x";
    for (int i = 0; i < 40; ++i)
        deep += "</span>";
    CHECK_THAT(check(deep).first_message, Catch::Contains("32 deep"));
}

TEST_CASE("Fragment checker reports at most 20 problems and never reads out of bounds",
          "[notices][fragment]") {
    diagnostics d;
    std::string junk;
    for (int i = 0; i < 200; ++i)
        junk += "<script>";
    CHECK_FALSE(check_fragment(junk, "x.html", d));
    CHECK(d.size() <= 20);
    // Truncated inputs at every length of a tricky fragment: no crash, no hang (ASan checks).
    const std::string tricky = "<p class='a' title=\"b\">x &amp; &#1078; <a href=\"https://e\">y"
                               "</a><br/></p><ul><li>z</li></ul>";
    for (std::size_t n = 0; n <= tricky.size(); ++n) {
        diagnostics e;
        bool ok = check_fragment(tricky.substr(0, n), "x.html", e);
        CHECK(ok == e.empty());
    }
}
