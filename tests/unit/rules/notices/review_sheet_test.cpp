#include "rules/notices/notice_catalog.hpp"
#include "rules/notices/review_sheet.hpp"
#include "temp_notices_dir.hpp"

#include <catch2/catch.hpp>
#include <sstream>

using namespace geogate;
using namespace geogate::notices;
using geogate::notices::test::temp_notices_dir;

namespace {

rules::rule_set example_rules() {
    rules::rule_set rs;
    rules::rule r;
    r.name = "undesirable-org-notice";
    r.file = "rules/10-undesirable-org.toml";
    r.where = {10, 1};
    r.regions.countries = {"RU"};
    r.regions.subdivisions = {"UA-09", "UA-14", "UA-23", "UA-40", "UA-43", "UA-65"};
    r.paths = {"/"};
    r.act = rules::action::notice;
    r.notice = "undesirable-organization";
    rs.rules.push_back(r);

    rules::rule u = r;
    u.name = "unknown-readers-notice";
    u.regions = {};
    u.regions.tokens = {rules::region_token::unknown};
    u.hosts = {"news.example.com"};
    u.paths = {"/news/", "/video/"};
    u.except_paths = {"/news/sport/"};
    rs.rules.push_back(u);
    return rs;
}

std::string sheet(const temp_notices_dir& dir, const rules::rule_set& rs) {
    diagnostics d;
    auto catalog = notice_catalog::load(dir.path(), true, d);
    REQUIRE(catalog);
    std::ostringstream out;
    write_review_sheet(*catalog, rs, catalog->approvals(), out);
    return out.str();
}

std::size_t count(const std::string& s, std::string_view what) {
    std::size_t n = 0;
    for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
        ++n;
    return n;
}

} // namespace

TEST_CASE("The review sheet shows each text as readers see it, its status and where it is shown",
          "[notices][review]") {
    temp_notices_dir dir;
    dir.write_sample_notice();
    dir.write_sample_notice("draft-notice");
    diagnostics d;
    REQUIRE(approve(dir.path(), "undesirable-organization", std::nullopt, "Jane Roe, Legal",
                    "2026-03-01T09:30:00Z", d));
    // uk changed since approval; the draft was never approved.
    dir.write("undesirable-organization/uk.html",
              "<p><strong>Повідомлення.</strong> Новий текст.</p>\n");
    std::string html = sheet(dir, example_rules());

    // Self-contained: one document, no scripts, no external resources.
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(count(html, "<script") == 0);
    CHECK(count(html, "src=") == 0);
    CHECK(count(html, "<link") == 0);
    CHECK(count(html, "http://") == 0);

    // Every text rendered with the real wrapper (and its style) exactly once.
    diagnostics e;
    auto catalog = notice_catalog::load(dir.path(), true, e);
    for (const auto& n : catalog->notices())
        for (const auto& t : n.texts)
            CHECK(count(html, t.fragment_utf8) == 1);
    // Beside its escaped source.
    CHECK(html.find("&lt;p&gt;&lt;strong&gt;Уведомление.&lt;/strong&gt; Текст.&lt;/p&gt;") !=
          std::string::npos);

    // Status in words.
    CHECK(count(html, "Approved by Jane Roe, Legal on 1 March 2026, 09:30 UTC") == 2);
    CHECK(count(html, "Changed since approved by Jane Roe, Legal on 1 March 2026") == 1);
    CHECK(count(html, "Not approved") == 3);
    CHECK(html.find("Not served until approved") != std::string::npos);

    // Word-level diff against the approved copy.
    CHECK(html.find("<del>Текст</del><ins>Новий текст</ins>.") != std::string::npos);

    // Where: regions by name, hosts, paths, rules, by action.
    CHECK(html.find("Russia (RU)") != std::string::npos);
    CHECK(html.find("Autonomous Republic of Crimea, Ukraine (UA-43)") != std::string::npos);
    CHECK(html.find("Sevastopol, Ukraine (UA-40)") != std::string::npos);
    CHECK(html.find("Kherson Oblast, Ukraine (UA-65)") != std::string::npos);
    CHECK(html.find("readers whose location is unknown") != std::string::npos);
    CHECK(html.find("<code>undesirable-org-notice</code> in rules/10-undesirable-org.toml:10") !=
          std::string::npos);
    CHECK(html.find("every site behind this proxy") != std::string::npos);
    CHECK(html.find("<code>news.example.com</code>") != std::string::npos);
    CHECK(html.find("pages under <code>/news/</code>, <code>/video/</code>") != std::string::npos);
    CHECK(html.find("Except pages under</dt><dd><code>/news/sport/</code>") != std::string::npos);
    CHECK(count(html, "Added to every matching page, at the top of the page") == 2);
    CHECK(html.find("No rule uses this notice") != std::string::npos); // the draft
}

TEST_CASE("The review sheet is deterministic and escapes what people typed", "[notices][review]") {
    temp_notices_dir dir;
    dir.write("n/notice.toml",
              "title = \"<b>T</b> & co\"\ndescription = \"a \\\"quoted\\\" <why>\"\n"
              "default_language = \"en\"\nlanguages = [\"en\"]\n");
    dir.write("n/en.html", "<p>x</p>");
    rules::rule_set rs;
    std::string a = sheet(dir, rs), b = sheet(dir, rs);
    CHECK(a == b);
    CHECK(a.find("&lt;b&gt;T&lt;/b&gt; &amp; co") != std::string::npos);
    CHECK(a.find("a &quot;quoted&quot; &lt;why&gt;") != std::string::npos);
    CHECK(a.find("<b>T</b>") == std::string::npos);
}

TEST_CASE("Human times and language names", "[notices][review]") {
    CHECK(human_time("2026-11-28T15:30:00Z") == "28 November 2026, 15:30 UTC");
    CHECK(human_time("garbage") == "garbage");
    CHECK(language_name("uk") == "Ukrainian");
    CHECK(language_name("pt-br") == "pt-br");
    CHECK(language_name("xx") == "xx");
}

TEST_CASE("The example notices in deploy/ load, are approved and render", "[notices][example]") {
    diagnostics d;
    auto catalog =
        notice_catalog::load(std::string(GEOGATE_SOURCE_DIR) + "/deploy/example/notices", true, d);
    REQUIRE(catalog);
    CHECK_FALSE(has_errors(d));
    const notice* n = catalog->find("undesirable-organization");
    REQUIRE(n);
    for (std::string_view lang : {"en", "ru", "uk"}) {
        const notice_text* t = n->text(lang);
        REQUIRE(t);
        INFO(t->file);
        CHECK(t->approved);
        const approval* a = catalog->approvals().latest(n->id, lang);
        REQUIRE(a);
        auto copy = catalog->approvals().approved_text(*a);
        CHECK(copy == t->source);
    }
    CHECK(n->choose("uk-UA,uk;q=0.9,ru;q=0.8")->language == "uk");
    CHECK(n->choose("de")->language == "ru");
    const notice* block = catalog->find("unavailable-in-region");
    REQUIRE(block);
    for (const auto& t : block->texts)
        CHECK(t.approved);
}
