// Rule files: every mistake an operator can make is reported with file:line:column and what
// was expected; valid files compile to the rules decide() sees.
#include "rules/rule_loader.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace geogate;
using namespace geogate::rules;

namespace {

bool notice_known(std::string_view id) {
    return id == "undesirable" || id == "blocked";
}

std::string all(const diagnostics& d) {
    std::string s;
    for (const auto& x : d)
        s += x.to_string() + "\n";
    return s;
}

const char* header = R"(
[[rule]]
name = "r"
)";

} // namespace

TEST_CASE("rule loader: the product example compiles") {
    diagnostics d;
    auto rs = load_rule_texts({{"10-example.toml", R"(
[regions]
occupied-ua = ["UA-43", "UA-40", "UA-14", "UA-09", "UA-23", "UA-65"]

[[rule]]
name    = "undesirable-org-notice"
regions = ["RU", "@occupied-ua"]
paths   = ["/"]
action  = "notice"
notice  = "undesirable"
position = "body-end"

[[rule]]
name    = "mirrors-for-blocked"
regions = ["IR", "TM", "CN"]
action  = "redirect"
mirrors = ["https://Mirror-A.example.net/", "https://mirror-b.example.org:8443"]
status  = 307

[[rule]]
name    = "unknown-readers"
regions = ["unknown"]
action  = "pass"
)"}},
                              notice_known, d);
    INFO(all(d));
    REQUIRE(rs);
    CHECK(d.empty());
    REQUIRE(rs->rules.size() == 3);
    const auto& n = rs->rules[0];
    CHECK(n.act == action::notice);
    CHECK(n.notice == "undesirable");
    CHECK(n.position == notice_position::body_end);
    CHECK(n.regions.countries == std::vector<std::string>{"RU"});
    CHECK(n.regions.subdivisions.size() == 6);
    CHECK(n.where.line == 5);
    const auto& m = rs->rules[1];
    CHECK(m.status == 307);
    REQUIRE(m.mirrors.size() == 2);
    CHECK(m.mirrors[0].base == "https://mirror-a.example.net");
    CHECK(m.mirrors[0].host == "mirror-a.example.net");
    CHECK(m.mirrors[1].base == "https://mirror-b.example.org:8443");
    CHECK(m.mirrors[1].host == "mirror-b.example.org");
    CHECK(rs->rules[2].regions.tokens == std::vector<region_token>{region_token::unknown});
}

TEST_CASE("rule loader: every error names file:line:column and what was expected") {
    struct row {
        const char* what;
        std::string body; // appended after `header` (name = "r" on line 3)
        std::uint32_t line, column;
        const char* message_part;
    };
    const row rows[] = {
        {"unknown key", "regions = [\"RU\"]\naction = \"pass\"\nregoins = [\"RU\"]\n", 6, 1,
         "unknown key 'regoins'"},
        {"wrong type", "regions = \"RU\"\naction = \"pass\"\n", 4, 11,
         "expected an array of strings for key 'regions', found string"},
        {"lower-case region", "regions = [\"RU\", \"ua\"]\naction = \"pass\"\n", 4, 18,
         "write \"UA\""},
        {"bad region shape", "regions = [\"RUS\"]\naction = \"pass\"\n", 4, 12,
         "expected an ISO 3166-1 country code"},
        {"undefined set", "regions = [\"@nope\"]\naction = \"pass\"\n", 4, 12,
         "undefined region set \"@nope\""},
        {"unknown action", "regions = [\"RU\"]\naction = \"deny\"\n", 5, 10,
         "expected action \"pass\", \"notice\", \"redirect\" or \"block\""},
        {"missing notice", "regions = [\"RU\"]\naction = \"notice\"\n", 2, 1, "needs notice = "},
        {"unknown notice", "regions = [\"RU\"]\naction = \"notice\"\nnotice = \"nope\"\n", 6, 10,
         "unknown notice 'nope'"},
        {"bad position",
         "regions = [\"RU\"]\naction = \"notice\"\nnotice = \"undesirable\"\n"
         "position = \"top\"\n",
         7, 12, "expected position \"body-start\" or \"body-end\""},
        {"field of another action", "regions = [\"RU\"]\naction = \"pass\"\nnotice = \"blocked\"\n",
         6, 1, "key 'notice' is not valid with action \"pass\""},
        {"redirect without mirrors", "regions = [\"RU\"]\naction = \"redirect\"\n", 2, 1,
         "needs mirrors"},
        {"http mirror", "regions = [\"RU\"]\naction = \"redirect\"\nmirrors = [\"http://m.net\"]\n",
         6, 12, "expected an absolute https:// mirror URL"},
        {"mirror with path",
         "regions = [\"RU\"]\naction = \"redirect\"\nmirrors = [\"https://m.net/x\"]\n", 6, 12,
         "host only"},
        {"mirror with userinfo",
         "regions = [\"RU\"]\naction = \"redirect\"\nmirrors = [\"https://u@m.net\"]\n", 6, 12,
         "host only"},
        {"mirror with space",
         "regions = [\"RU\"]\naction = \"redirect\"\nmirrors = [\"https://m.net /\"]\n", 6, 12,
         "contains a space"},
        {"mirror table unknown key",
         "regions = [\"RU\"]\naction = \"redirect\"\nmirrors = [{url = \"https://m.net\", dwn = "
         "true}]\n",
         6, 36, "unknown key 'dwn' in a mirror table"},
        {"redirect status",
         "regions = [\"RU\"]\naction = \"redirect\"\nmirrors = [\"https://m.net\"]\n"
         "status = 200\n",
         7, 10, "expected a redirect status 301, 302, 303, 307 or 308"},
        {"block status",
         "regions = [\"RU\"]\naction = \"block\"\nnotice = \"blocked\"\nstatus = 403\n", 7, 10,
         "always answers 451"},
        {"status out of range",
         "regions = [\"RU\"]\naction = \"block\"\nnotice = \"blocked\"\nstatus = 4510\n", 7, 10,
         "expected an integer from 100 to 599"},
        {"path without slash", "regions = [\"RU\"]\npaths = [\"news\"]\naction = \"pass\"\n", 5, 10,
         "expected a path prefix starting with \"/\""},
        {"lower-case method", "regions = [\"RU\"]\nmethods = [\"get\"]\naction = \"pass\"\n", 5, 12,
         "expected an upper-case HTTP method"},
        {"host with scheme", "regions = [\"RU\"]\nhosts = [\"https://x.com\"]\naction = \"pass\"\n",
         5, 10, "expected a host name"},
        {"missing regions", "action = \"pass\"\n", 2, 1, "needs regions"},
        {"empty regions", "regions = []\naction = \"pass\"\n", 4, 11, "at least one region"},
        {"duplicate name",
         "regions = [\"RU\"]\naction = \"pass\"\n[[rule]]\nname = \"r\"\n"
         "regions = [\"DE\"]\naction = \"pass\"\n",
         7, 8, "duplicate rule name 'r'; first defined at t.toml:3:8"},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        diagnostics d;
        auto rs = load_rule_texts({{"t.toml", header + r.body}}, notice_known, d);
        INFO(all(d));
        CHECK_FALSE(rs);
        bool found = false;
        for (const auto& x : d)
            if (x.severity == diagnostic::level::error && x.file == "t.toml" &&
                x.where.line == r.line && x.where.column == r.column &&
                x.message.find(r.message_part) != std::string::npos)
                found = true;
        CHECK(found);
    }
}

TEST_CASE("rule loader: TOML syntax errors carry the parser's position") {
    diagnostics d;
    auto rs = load_rule_texts({{"bad.toml", "[[rule]]\nname = \"x\"\nregions = [\"RU\"\n"}}, {}, d);
    CHECK_FALSE(rs);
    REQUIRE(d.size() == 1);
    CHECK(d[0].file == "bad.toml");
    CHECK(d[0].where.line >= 3);
    CHECK(d[0].to_string().rfind("bad.toml:", 0) == 0);
    CHECK(d[0].message.find("invalid TOML") != std::string::npos);
}

TEST_CASE("rule loader: region sets are shared across files, defined once") {
    diagnostics d;
    auto rs = load_rule_texts({{"a.toml", "[[rule]]\nname = \"a\"\nregions = [\"@later\"]\n"
                                          "action = \"pass\"\n"},
                               {"b.toml", "[regions]\nlater = [\"UA-43\", \"tor\"]\n"}},
                              {}, d);
    INFO(all(d));
    REQUIRE(rs);
    CHECK(rs->rules[0].regions.subdivisions == std::vector<std::string>{"UA-43"});
    CHECK(rs->files == std::vector<std::string>{"a.toml", "b.toml"});

    diagnostics d2;
    auto dup = load_rule_texts(
        {{"a.toml", "[regions]\nx = [\"RU\"]\n"}, {"b.toml", "[regions]\nx = [\"BY\"]\n"}}, {}, d2);
    CHECK_FALSE(dup);
    REQUIRE_FALSE(d2.empty());
    CHECK(d2[0].to_string() ==
          "b.toml:2:1: error: region set 'x' is already defined at a.toml:2:1");
}

TEST_CASE("rule loader: shadowed rules are warnings, not errors") {
    struct row {
        const char* earlier;
        const char* later;
        bool shadowed;
    };
    const row rows[] = {
        {"regions = [\"*\"]", "regions = [\"RU\"]", true},
        {"regions = [\"RU\", \"UA\"]", "regions = [\"UA-43\"]", true},
        {"regions = [\"RU\"]", "regions = [\"RU\", \"BY\"]", false},
        {"regions = [\"RU\"]\npaths = [\"/news\"]", "regions = [\"RU\"]\npaths = [\"/news/a\"]",
         true},
        {"regions = [\"RU\"]\npaths = [\"/news\"]", "regions = [\"RU\"]\npaths = [\"/newsletter\"]",
         false},
        {"regions = [\"RU\"]\npaths = [\"/news\"]", "regions = [\"RU\"]", false},
        {"regions = [\"RU\"]\nexcept_paths = [\"/x\"]", "regions = [\"RU\"]", false},
        {"regions = [\"RU\"]\nhosts = [\"*.a.com\"]", "regions = [\"RU\"]\nhosts = [\"b.a.com\"]",
         true},
        {"regions = [\"RU\"]\nhosts = [\"*.a.com\"]", "regions = [\"RU\"]\nhosts = [\"a.com\"]",
         false},
        {"regions = [\"RU\"]\nmethods = [\"GET\"]", "regions = [\"RU\"]", false},
        {"regions = [\"anonymous\"]", "regions = [\"tor\"]", true},
    };
    for (const auto& r : rows) {
        std::string text = std::string("[[rule]]\nname = \"first\"\n") + r.earlier +
                           "\naction = \"pass\"\n[[rule]]\nname = \"second\"\n" + r.later +
                           "\naction = \"pass\"\n";
        INFO(text);
        diagnostics d;
        auto rs = load_rule_texts({{"s.toml", text}}, {}, d);
        INFO(all(d));
        REQUIRE(rs);
        CHECK(rs->warnings.size() == (r.shadowed ? 1u : 0u));
        if (r.shadowed) {
            CHECK(d.at(0).severity == diagnostic::level::warning);
            CHECK(d.at(0).message.find("rule 'second' can never match: earlier rule 'first' at "
                                       "s.toml:1:1") != std::string::npos);
        }
    }
}

TEST_CASE("rule loader: files in glob order, missing files and empty patterns") {
    auto dir = std::filesystem::temp_directory_path() /
               ("geogate-rules-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto write = [&](const char* name, const std::string& text) {
        std::ofstream(dir / name) << text;
    };
    write("20-b.toml", "[[rule]]\nname = \"b\"\nregions = [\"DE\"]\naction = \"pass\"\n");
    write("10-a.toml", "[[rule]]\nname = \"a\"\nregions = [\"RU\"]\naction = \"pass\"\n");

    diagnostics d;
    auto rs = load_rules({(dir / "*.toml").string(), (dir / "10-a.toml").string()}, {}, d);
    INFO(all(d));
    REQUIRE(rs);
    REQUIRE(rs->rules.size() == 2);
    CHECK(rs->rules[0].name == "a");
    CHECK(rs->rules[1].name == "b");
    CHECK(rs->files.size() == 2); // 10-a.toml matched twice, loaded once

    diagnostics d2;
    CHECK_FALSE(load_rules({(dir / "missing.toml").string()}, {}, d2));
    REQUIRE_FALSE(d2.empty());
    CHECK(d2[0].message == "rule file does not exist");

    diagnostics d3;
    auto rs3 = load_rules({(dir / "*.toml").string(), (dir / "none-*.toml").string()}, {}, d3);
    CHECK(rs3);
    REQUIRE(d3.size() == 1);
    CHECK(d3[0].severity == diagnostic::level::warning);

    diagnostics d4;
    CHECK_FALSE(load_rules({(dir / "none-*.toml").string()}, {}, d4));
    CHECK(has_errors(d4));
    std::filesystem::remove_all(dir);
}

TEST_CASE("rule loader: parse_mirror_url") {
    struct row {
        const char* url;
        const char* base; // nullptr: rejected
    };
    const row rows[] = {
        {"https://m.example.net", "https://m.example.net"},
        {"HTTPS://M.Example.NET/", "https://m.example.net"},
        {"https://m.example.net:8443", "https://m.example.net:8443"},
        {"https://m.example.net:0", nullptr},
        {"https://m.example.net:99999", nullptr},
        {"https://m.example.net?x", nullptr},
        {"https://m.example.net#x", nullptr},
        {"https://m.example.net//evil.com", nullptr},
        {"https://evil.com\\@m.example.net", nullptr},
        {"https://m.example.net\t", nullptr},
        {"https://", nullptr},
        {"//m.example.net", nullptr},
        {"https://[::1]", nullptr},
        {"https://m..net", nullptr},
        {"https://m.ex\xc3\xa4mple.net", nullptr},
    };
    for (const auto& r : rows) {
        INFO(r.url);
        auto m = parse_mirror_url(r.url);
        if (r.base) {
            REQUIRE(m);
            CHECK(m->base == r.base);
        } else {
            CHECK_FALSE(m);
            CHECK_FALSE(m.error().empty());
        }
    }
}
