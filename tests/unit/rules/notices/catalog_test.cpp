#include "rules/notices/digest.hpp"
#include "rules/notices/notice_catalog.hpp"
#include "rules/notices/notice_renderer.hpp"
#include "temp_notices_dir.hpp"

#include <catch2/catch.hpp>

using namespace geogate;
using namespace geogate::notices;
using geogate::notices::test::temp_notices_dir;

namespace {
std::string messages(const diagnostics& d) {
    std::string s;
    for (const auto& x : d)
        s += x.file + ":" + std::to_string(x.where.line) + ":" + std::to_string(x.where.column) +
             ": " + x.message + "\n";
    return s;
}
} // namespace

TEST_CASE("A notice folder loads with hashed, versioned, rendered texts", "[notices][catalog]") {
    temp_notices_dir dir;
    dir.write_sample_notice();
    diagnostics d;
    auto catalog = notice_catalog::load(dir.path(), false, d);
    INFO(messages(d));
    REQUIRE(catalog);
    CHECK(catalog->ids() == std::vector<std::string_view>{"undesirable-organization"});
    const notice* n = catalog->find("undesirable-organization");
    REQUIRE(n);
    CHECK(catalog->find("nope") == nullptr);
    CHECK(n->title == "Sample");
    CHECK(n->description == "Why");
    CHECK(n->default_language == "ru");
    REQUIRE(n->texts.size() == 3);

    const notice_text* ru = n->text("ru");
    REQUIRE(ru);
    CHECK(ru->sha256 == to_hex(sha256(dir.read("undesirable-organization/ru.html"))));
    CHECK(ru->version == ru->sha256.substr(0, 12));
    CHECK_FALSE(ru->approved);

    // The wrapper carries id, version and language; the text is inside, unchanged.
    const std::string& f = ru->fragment_utf8;
    CHECK(f.rfind("<div class=\"geogate-notice\" data-geogate-notice=\"undesirable-organization\" "
                  "data-geogate-version=\"" +
                      ru->version + "\" lang=\"ru\" dir=\"ltr\" role=\"note\"><style>",
                  0) == 0);
    CHECK(f.find("<p><strong>Уведомление.</strong> Текст.</p>") != std::string::npos);
    CHECK(f.substr(f.size() - 12) == "</div></div>");

    // The ASCII variant: same markup, Cyrillic as numeric references, nothing else non-ASCII.
    const std::string& a = ru->fragment_ascii;
    CHECK(a.find("&#1059;&#1074;&#1077;&#1076;") != std::string::npos); // "Увед"
    for (char c : a)
        CHECK(static_cast<unsigned char>(c) < 0x80);

    // The CSP hash covers exactly the <style> element's content.
    std::size_t s0 = f.find("<style>") + 7, s1 = f.find("</style>");
    CHECK(ru->style_hash == csp_hash_source(std::string_view(f).substr(s0, s1 - s0)));
    CHECK(ru->style_hash.rfind("'sha256-", 0) == 0);

    // The 451 page: a document of its own in the reader's language, strict CSP for its style.
    CHECK(ru->page_451.rfind("<!DOCTYPE html>\n<html lang=\"ru\" dir=\"ltr\">", 0) == 0);
    CHECK(ru->page_451.find("<title>Sample</title>") != std::string::npos);
    CHECK(ru->page_451.find("data-geogate-version=\"" + ru->version + "\"") != std::string::npos);
    std::size_t p0 = ru->page_451.find("<style>") + 7, p1 = ru->page_451.find("</style>");
    CHECK(ru->page_451_style_hash ==
          csp_hash_source(std::string_view(ru->page_451).substr(p0, p1 - p0)));
    CHECK(ru->page_451.find("<style>", p1) == std::string::npos); // exactly one style element
    CHECK(ru->page_451_csp == "default-src 'none'; style-src " + ru->page_451_style_hash +
                                  "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
}

TEST_CASE("The wrapper states the direction of the text's language", "[notices][catalog]") {
    temp_notices_dir dir;
    dir.write("legal/notice.toml", "title = \"Legal\"\ndefault_language = \"ru\"\n"
                                   "languages = [\"ru\", \"ar\", \"he\", \"fa\", \"az-arab\"]\n");
    dir.write("legal/ru.html", "<p>Уведомление.</p>");
    dir.write("legal/ar.html", "<p>\xD8\xA5\xD8\xB4\xD8\xB9\xD8\xA7\xD8\xB1.</p>");
    dir.write("legal/he.html", "<p>\xD7\x94\xD7\x95\xD7\x93\xD7\xA2\xD7\x94.</p>");
    dir.write("legal/fa.html", "<p>\xD8\xA7\xD8\xB7\xD9\x84\xD8\xA7\xD8\xB9.</p>");
    dir.write("legal/az-arab.html", "<p>\xD8\xA7\xD8\xB7\xD9\x84\xD8\xA7\xD8\xB9.</p>");
    diagnostics d;
    auto catalog = notice_catalog::load(dir.path(), false, d);
    INFO(messages(d));
    REQUIRE(catalog);
    const notice* n = catalog->find("legal");
    REQUIRE(n);
    for (const auto& [lang, dir_value] : {std::pair{"ru", "ltr"},
                                          {"ar", "rtl"},
                                          {"he", "rtl"},
                                          {"fa", "rtl"},
                                          {"az-arab", "rtl"}}) {
        INFO(lang);
        const notice_text* t = n->text(lang);
        REQUIRE(t);
        const std::string attrs =
            "lang=\"" + std::string(lang) + "\" dir=\"" + dir_value + "\" role=\"note\">";
        CHECK(t->fragment_utf8.find(attrs) != std::string::npos);
        CHECK(t->fragment_ascii.find(attrs) != std::string::npos);
        CHECK(t->page_451.find("<html lang=\"" + std::string(lang) + "\" dir=\"" + dir_value +
                               "\">") != std::string::npos);
        // The style is one constant for every language and direction: one CSP hash.
        CHECK(t->style_hash == n->texts[0].style_hash);
    }
}

TEST_CASE("The notice's version is its approved text's: the wrapper and style take no part",
          "[notices][catalog]") {
    // Lawyers approve the bytes of <lang>.html; geogate's markup around them may change with
    // geogate (as it did for the direction and the stacking) without a new approval.
    temp_notices_dir dir;
    dir.write_sample_notice();
    diagnostics d;
    auto catalog = notice_catalog::load(dir.path(), false, d);
    REQUIRE(catalog);
    const notice_text* ru = catalog->find("undesirable-organization")->text("ru");
    REQUIRE(ru);
    CHECK(ru->version ==
          to_hex(sha256(dir.read("undesirable-organization/ru.html"))).substr(0, 12));
    const std::string& f = ru->fragment_utf8;
    CHECK(ru->version != to_hex(sha256(f)).substr(0, 12));
    CHECK(ru->version != to_hex(sha256(notice_style())).substr(0, 12));
}

TEST_CASE("The style's CSP hash is over the exact bytes served, in both fragments and the 451 "
          "page",
          "[notices][catalog]") {
    temp_notices_dir dir;
    dir.write_sample_notice();
    diagnostics d;
    auto catalog = notice_catalog::load(dir.path(), false, d);
    REQUIRE(catalog);
    for (const auto& t : catalog->find("undesirable-organization")->texts) {
        INFO(t.language);
        for (const std::string* f : {&t.fragment_utf8, &t.fragment_ascii}) {
            const auto s0 = f->find("<style>") + 7, s1 = f->find("</style>");
            REQUIRE(s1 != std::string::npos);
            CHECK(std::string_view(*f).substr(s0, s1 - s0) == notice_style());
            CHECK(t.style_hash == csp_hash_source(std::string_view(*f).substr(s0, s1 - s0)));
        }
        // the 451 page's style starts with the notice's own
        const auto p0 = t.page_451.find("<style>") + 7;
        CHECK(t.page_451.compare(p0, notice_style().size(), notice_style()) == 0);
    }
    // One line, no characters a fragment_ascii conversion would change.
    for (char c : notice_style()) {
        CHECK(c != '\n');
        CHECK(static_cast<unsigned char>(c) < 0x80);
    }
}

TEST_CASE("choose() serves the reader's language, else the default", "[notices][catalog]") {
    temp_notices_dir dir;
    dir.write_sample_notice();
    diagnostics d;
    auto catalog = notice_catalog::load(dir.path(), false, d);
    REQUIRE(catalog);
    const notice* n = catalog->find("undesirable-organization");
    CHECK(n->choose("uk-UA,uk;q=0.9")->language == "uk");
    CHECK(n->choose("en-US,en;q=0.9,ru;q=0.8")->language == "en");
    CHECK(n->choose("de-DE")->language == "ru");
    CHECK(n->choose("")->language == "ru");
}

TEST_CASE("With require_approval only approved texts are ever chosen", "[notices][catalog]") {
    temp_notices_dir dir;
    dir.write_sample_notice();
    diagnostics d;
    REQUIRE(approve(dir.path(), "undesirable-organization", std::string_view("uk"), "Jane Roe",
                    "2026-03-01T09:30:00Z", d));
    auto catalog = notice_catalog::load(dir.path(), true, d);
    INFO(messages(d));
    REQUIRE(catalog);
    const notice* n = catalog->find("undesirable-organization");
    CHECK(n->text("uk")->approved);
    CHECK_FALSE(n->text("ru")->approved);
    // en and the default ru are unapproved: every reader gets the approved uk.
    CHECK(n->choose("en")->language == "uk");
    CHECK(n->choose("")->language == "uk");

    // Without require_approval the same catalog serves everything.
    auto lax = notice_catalog::load(dir.path(), false, d);
    CHECK(lax->find("undesirable-organization")->choose("en")->language == "en");

    // Nothing approved: nothing to serve.
    temp_notices_dir empty;
    empty.write_sample_notice();
    auto none = notice_catalog::load(empty.path(), true, d);
    REQUIRE(none);
    CHECK(none->find("undesirable-organization")->choose("ru") == nullptr);
}

TEST_CASE("notice.toml problems are errors with file:line:column", "[notices][catalog]") {
    struct row {
        const char* toml;
        const char* message_part;
        unsigned line;
    };
    const row rows[] = {
        {"title = \"T\"\ndefault_language = \"ru\"\nlanguages = [\"ru\"]\ncolour = \"red\"\n",
         "colour", 4},
        {"title = \"T\"\ndefault_language = \"de\"\nlanguages = [\"ru\"]\n", "not in languages", 2},
        {"title = \"T\"\ndefault_language = \"ru\"\nlanguages = [\"ru\", \"ru\"]\n", "twice", 3},
        {"title = \"T\"\ndefault_language = \"ru\"\nlanguages = [\"r u\"]\n", "language tag", 3},
        {"title = 5\ndefault_language = \"ru\"\nlanguages = [\"ru\"]\n", "title", 1},
        {"default_language = \"ru\"\nlanguages = [\"ru\"]\n", "missing key 'title'", 0},
        {"title = \"T\"\ndefault_language = \"ru\"\nlanguages = [\"ru\"\n", "", 3}, // syntax
    };
    for (const auto& r : rows) {
        INFO(r.toml);
        temp_notices_dir dir;
        dir.write("n/notice.toml", r.toml);
        dir.write("n/ru.html", "<p>x</p>");
        diagnostics d;
        CHECK(notice_catalog::load(dir.path(), false, d) == nullptr);
        REQUIRE(has_errors(d));
        INFO(messages(d));
        CHECK_THAT(messages(d), Catch::Contains(r.message_part));
        CHECK_THAT(d.front().file, Catch::EndsWith("n/notice.toml"));
        if (r.line)
            CHECK(d.front().where.line == r.line);
    }
}

TEST_CASE("Missing, invalid or unlisted texts are reported", "[notices][catalog]") {
    temp_notices_dir dir;
    dir.write("n/notice.toml", "title = \"T\"\ndefault_language = \"ru\"\nlanguages = [\"ru\", "
                               "\"en\"]\n");
    dir.write("n/ru.html", "<p>ok</p>");
    diagnostics d;
    CHECK(notice_catalog::load(dir.path(), false, d) == nullptr);
    CHECK_THAT(messages(d), Catch::Contains("missing text for language 'en'"));

    dir.write("n/en.html", "<p onclick=\"x\">bad</p>");
    d.clear();
    CHECK(notice_catalog::load(dir.path(), false, d) == nullptr);
    CHECK_THAT(messages(d), Catch::Contains("n/en.html:1:4: event handler"));

    dir.write("n/en.html", "<p>fine</p>");
    dir.write("n/de.html", "<p>forgotten</p>");
    d.clear();
    auto catalog = notice_catalog::load(dir.path(), false, d);
    CHECK(catalog); // an unlisted text is a warning, not an error
    CHECK_FALSE(has_errors(d));
    CHECK_THAT(messages(d), Catch::Contains("de.html' is not listed"));

    dir.write("Bad Name/notice.toml", "");
    d.clear();
    CHECK(notice_catalog::load(dir.path(), false, d) == nullptr);
    CHECK_THAT(messages(d), Catch::Contains("folder names are ids"));

    d.clear();
    CHECK(notice_catalog::load(dir.path() / "absent", false, d) == nullptr);
    CHECK_THAT(messages(d), Catch::Contains("not found"));
}

TEST_CASE("Notice ids are safe in file names, attributes and logs", "[notices][catalog]") {
    CHECK(is_notice_id("undesirable-organization"));
    CHECK(is_notice_id("a1.b_c-d"));
    CHECK_FALSE(is_notice_id(""));
    CHECK_FALSE(is_notice_id("-x"));
    CHECK_FALSE(is_notice_id("X"));
    CHECK_FALSE(is_notice_id("a\"b"));
    CHECK_FALSE(is_notice_id(std::string(65, 'a')));
}
