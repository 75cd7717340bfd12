#include "rules/notices/approval_log.hpp"
#include "rules/notices/digest.hpp"
#include "rules/notices/notice_catalog.hpp"
#include "rules/notices/notice_usage.hpp"
#include "temp_notices_dir.hpp"

#include <catch2/catch.hpp>

using namespace geogate;
using namespace geogate::notices;
using geogate::notices::test::temp_notices_dir;

namespace {
rules::rule notice_rule(std::string name, std::string notice,
                        rules::action act = rules::action::notice) {
    rules::rule r;
    r.name = std::move(name);
    r.file = "rules/10-notice.toml";
    r.where = {7, 1};
    r.regions.countries = {"RU"};
    r.act = act;
    r.notice = std::move(notice);
    return r;
}
} // namespace

TEST_CASE("approve records each language with its hash, approver and time",
          "[notices][approvals]") {
    temp_notices_dir dir;
    dir.write_sample_notice();
    diagnostics d;
    REQUIRE(approve(dir.path(), "undesirable-organization", std::nullopt, "Jane Roe, Legal",
                    "2026-03-01T09:30:00Z", d));
    CHECK(d.empty());

    std::string lock = dir.read("approvals.lock");
    std::string ru_sha = to_hex(sha256(dir.read("undesirable-organization/ru.html")));
    CHECK_THAT(lock, Catch::Contains("undesirable-organization ru " + ru_sha +
                                     " 2026-03-01T09:30:00Z Jane Roe, Legal\n"));
    CHECK_THAT(lock, Catch::Contains("undesirable-organization uk "));
    CHECK_THAT(lock, Catch::Contains("undesirable-organization en "));
    // The approved copy, for diffs on the review sheet.
    CHECK(dir.read(".approved/undesirable-organization/ru-" + ru_sha + ".html") ==
          dir.read("undesirable-organization/ru.html"));

    auto catalog = notice_catalog::load(dir.path(), true, d);
    REQUIRE(catalog);
    for (const auto& t : catalog->find("undesirable-organization")->texts)
        CHECK(t.approved);

    // Approving again records nothing new and says so.
    d.clear();
    REQUIRE(approve(dir.path(), "undesirable-organization", std::string_view("ru"), "Jane Roe",
                    "2026-03-02T09:30:00Z", d));
    CHECK(dir.read("approvals.lock") == lock);
    CHECK_THAT(d.front().message, Catch::Contains("already approved"));
}

TEST_CASE("Editing a text makes it unapproved; the check names it", "[notices][approvals]") {
    temp_notices_dir dir;
    dir.write_sample_notice();
    diagnostics d;
    REQUIRE(approve(dir.path(), "undesirable-organization", std::nullopt, "Jane Roe",
                    "2026-03-01T09:30:00Z", d));
    dir.write("undesirable-organization/uk.html", "<p><strong>Повідомлення.</strong> Новий.</p>\n");

    auto catalog = notice_catalog::load(dir.path(), true, d);
    REQUIRE(catalog); // loading succeeds: see the policy in notice_catalog.hpp
    const notice* n = catalog->find("undesirable-organization");
    CHECK_FALSE(n->text("uk")->approved);
    CHECK(n->choose("uk")->language == "ru"); // the edited text is never served

    rules::rule_set rs;
    rs.rules.push_back(notice_rule("ru-notice", "undesirable-organization"));
    rs.rules.push_back(notice_rule("pass-all", "", rules::action::pass));
    auto problems = unapproved_in_use(*catalog, rs);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].severity == diagnostic::level::error);
    CHECK(problems[0].file == "rules/10-notice.toml");
    CHECK(problems[0].where.line == 7);
    CHECK_THAT(problems[0].message, Catch::Contains("uk.html"));
    CHECK_THAT(problems[0].message, Catch::Contains("changed since its approval by Jane Roe"));

    // Without require_approval the same findings are warnings.
    auto lax = notice_catalog::load(dir.path(), false, d);
    auto warnings = unapproved_in_use(*lax, rs);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].severity == diagnostic::level::warning);

    // No rule uses it: nothing to report, drafts are allowed.
    rules::rule_set unused;
    CHECK(unapproved_in_use(*catalog, unused).empty());

    // A rule naming a notice that does not exist is always an error.
    rs.rules.push_back(notice_rule("typo", "undesirable-organisation", rules::action::block));
    problems = unapproved_in_use(*lax, rs);
    REQUIRE(problems.size() == 2);
    CHECK(problems[1].severity == diagnostic::level::error);
    CHECK_THAT(problems[1].message, Catch::Contains("not in"));
}

TEST_CASE("approve refuses bad input and writes nothing", "[notices][approvals]") {
    temp_notices_dir dir;
    dir.write_sample_notice();
    struct row {
        const char* id;
        const char* lang;
        const char* by;
        const char* when;
        const char* message_part;
    };
    const row rows[] = {
        {"undesirable-organization", "ru", "", "2026-03-01T09:30:00Z", "approver"},
        {"undesirable-organization", "ru", "a\nb", "2026-03-01T09:30:00Z", "approver"},
        {"undesirable-organization", "ru", "Jane", "yesterday", "UTC"},
        {"undesirable-organization", "ru", "Jane", "2026-13-01T09:30:00Z", "UTC"},
        {"nope", "ru", "Jane", "2026-03-01T09:30:00Z", "no notice 'nope'"},
        {"undesirable-organization", "de", "Jane", "2026-03-01T09:30:00Z", "no language 'de'"},
    };
    for (const auto& r : rows) {
        INFO(r.id << " " << r.lang << " " << r.by << " " << r.when);
        diagnostics d;
        CHECK_FALSE(approve(dir.path(), r.id, std::string_view(r.lang), r.by, r.when, d));
        REQUIRE_FALSE(d.empty());
        CHECK_THAT(d.back().message, Catch::Contains(r.message_part));
    }
    CHECK_FALSE(std::filesystem::exists(dir.path() / "approvals.lock"));

    // An invalid text cannot be approved.
    dir.write("undesirable-organization/en.html", "<script>x</script>");
    diagnostics d;
    CHECK_FALSE(approve(dir.path(), "undesirable-organization", std::string_view("ru"), "Jane",
                        "2026-03-01T09:30:00Z", d));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "approvals.lock"));
}

TEST_CASE("A malformed approvals.lock fails the load with the line", "[notices][approvals]") {
    temp_notices_dir dir;
    dir.write_sample_notice();
    const std::string sha(64, 'a');
    struct row {
        std::string line;
        unsigned column;
        const char* message_part;
    };
    const row rows[] = {
        {"undesirable-organization ru", 1, "expected '<notice id>"},
        {"Bad ru " + sha + " 2026-03-01T09:30:00Z Jane", 1, "notice id"},
        {"n ru_RU " + sha + " 2026-03-01T09:30:00Z Jane", 3, "language"},
        {"n ru ABC 2026-03-01T09:30:00Z Jane", 6, "sha256"},
        {"n ru " + sha + " 2026-03-01 Jane", 71, "UTC time"},
    };
    for (const auto& r : rows) {
        INFO(r.line);
        dir.write("approvals.lock", "# comment\n\n" + r.line + "\n");
        diagnostics d;
        CHECK(notice_catalog::load(dir.path(), true, d) == nullptr);
        REQUIRE_FALSE(d.empty());
        CHECK(d.front().where.line == 3);
        CHECK(d.front().where.column == r.column);
        CHECK_THAT(d.front().message, Catch::Contains(r.message_part));
    }
}
