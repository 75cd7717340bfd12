// The commands ops and legal run, on the shipped example (deploy/example) with a test
// database: check, explain --json, lookup --json, notices approve and notices review.
#include "tests/integration/support/geo_fixture.hpp"
#include "tests/integration/support/temp_dir.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

using namespace geogate::it;
namespace fs = std::filesystem;

namespace {

// A copy of deploy/example whose [geoip] databases is the flat test database.
struct example_copy {
    temp_dir dir{"geogate-example"};
    fs::path config;
    example_copy() {
        const fs::path src = fs::path(GEOGATE_SOURCE_DIR) / "deploy/example";
        fs::copy(src, dir.path(), fs::copy_options::recursive);
        config = dir.path() / "geogate.toml";
        std::string text = read_file(config);
        const std::regex databases("\\ndatabases = \\[[^\\]]*\\]");
        text = std::regex_replace(text, databases,
                                  "\ndatabases = [\"" + test_db("geogate-city-flat.mmdb").string() +
                                      "\"]");
        dir.write("geogate.toml", text);
    }
};

boost::json::object parse_object(const std::string& text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object())
        return {};
    return v.as_object();
}

} // namespace

TEST_CASE("check: exit 0 on the example, 1 with file:line:column on broken rules", "[cli]") {
    example_copy ex;
    const auto ok = run_geogate({"check", "--config", ex.config.string()});
    CAPTURE(ok.out, ok.err);
    CHECK(ok.exit_code == 0);

    ex.dir.write("rules/50-broken.toml", "[[rule]]\nname = \"broken\"\nregions = [\"Russia\"]\n"
                                         "action = \"pass\"\n");
    const auto bad = run_geogate({"check", "--config", ex.config.string()});
    CAPTURE(bad.out, bad.err);
    CHECK(bad.exit_code == 1);
    CHECK(std::regex_search(bad.out + bad.err, std::regex("50-broken\\.toml:3:[0-9]+")));

    ex.dir.write("rules/50-broken.toml", "[[rule]\nname = \"broken\"\n");
    const auto toml = run_geogate({"check", "--config", ex.config.string()});
    CHECK(toml.exit_code == 1);
    CHECK(std::regex_search(toml.out + toml.err, std::regex("50-broken\\.toml:1:[0-9]+")));
}

TEST_CASE("check works when geogate is started with stdin closed", "[cli]") {
    // The rule files are parsed by a child that execs geogate again through a descriptor of
    // its binary. With stdin closed that descriptor would be 0, which the child's own stdin
    // (the file's text) replaces before the exec: every config would then fail to load.
    example_copy ex;
    const auto res = run_command({"/bin/sh", "-c", "exec \"$0\" check --config \"$1\" <&-",
                                  geogate_binary(), ex.config.string()},
                                 std::chrono::milliseconds(30000));
    CAPTURE(res.out, res.err);
    CHECK(res.exit_code == 0);
}

TEST_CASE("explain --json shows the client, region, rule trace and decision", "[cli]") {
    example_copy ex;
    const auto res =
        run_geogate({"explain", "--config", ex.config.string(), "--ip", "127.0.0.1", "--header",
                     std::string("X-Forwarded-For: ") + reader::ru_crimea, "--header",
                     "Accept-Language: uk", "--url", "/news/1?x=2", "--json"});
    CAPTURE(res.out, res.err);
    REQUIRE(res.exit_code == 0);
    const auto o = parse_object(res.out);
    REQUIRE_FALSE(o.empty());
    CHECK(o.at("client").as_object().at("address").as_string() == reader::ru_crimea);
    CHECK(o.at("client").as_object().at("source").as_string() == "X-Forwarded-For");
    const auto& subs = o.at("region").as_object().at("subdivisions").as_array();
    CHECK(std::any_of(subs.begin(), subs.end(),
                      [](const auto& v) { return v.as_string() == "UA-43"; }));
    const auto& trace = o.at("rules").as_array();
    REQUIRE_FALSE(trace.empty());
    CHECK(trace.front().as_object().at("name").as_string() == "undesirable-org-notice");
    CHECK(trace.front().as_object().at("matched").as_bool());
    CHECK(std::string(trace.front().as_object().at("at").as_string())
              .find("10-undesirable-org.toml:") != std::string::npos);
    const auto& d = o.at("decision").as_object();
    CHECK(d.at("action").as_string() == "notice");
    CHECK(d.at("rule").as_string() == "undesirable-org-notice");
    CHECK(d.at("notice").as_string() == "undesirable-organization");
    CHECK(d.at("language").as_string() == "uk");
    CHECK(d.at("version").is_string());

    const auto us = run_geogate(
        {"explain", "--config", ex.config.string(), "--ip", reader::us, "--url", "/", "--json"});
    REQUIRE(us.exit_code == 0);
    const auto u = parse_object(us.out);
    CHECK(u.at("decision").as_object().at("action").as_string() == "pass");
    CHECK(u.at("decision").as_object().at("rule").is_null());
}

TEST_CASE("lookup --db --json gives each address's region and the database", "[cli]") {
    const auto res = run_geogate({"lookup", "--db", test_db("geogate-city-flat.mmdb").string(),
                                  "--json", reader::ru_crimea, reader::us, "not-an-ip"});
    CAPTURE(res.out, res.err);
    std::vector<boost::json::object> rows;
    std::istringstream in(res.out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            rows.push_back(parse_object(line));
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].at("ip").as_string() == reader::ru_crimea);
    CHECK(rows[0].at("country").as_string() == "RU");
    const auto& regions = rows[0].at("regions").as_array();
    CHECK(std::any_of(regions.begin(), regions.end(),
                      [](const auto& v) { return v.as_string() == "UA-43"; }));
    CHECK(rows[0].at("databases").as_array().at(0).as_object().at("build_epoch").as_int64() ==
          1700000000);
    CHECK(rows[1].at("country").as_string() == "US");
    CHECK(rows[2].at("address").as_bool() == false);
    // A bad argument is an error, although the good ones were answered.
    CHECK(res.exit_code == 1);
    CHECK(res.err.find("not IP addresses") != std::string::npos);
}

TEST_CASE("lookup of good addresses only exits 0", "[cli]") {
    const auto res = run_geogate(
        {"lookup", "--db", test_db("geogate-city-flat.mmdb").string(), reader::ru_crimea});
    CAPTURE(res.out, res.err);
    CHECK(res.exit_code == 0);
    CHECK(res.out.find("RU") != std::string::npos);
}

TEST_CASE("notices approve makes an edited text pass check again", "[cli]") {
    example_copy ex;
    const fs::path text = ex.dir.path() / "notices/undesirable-organization/en.html";
    ex.dir.write("notices/undesirable-organization/en.html",
                 read_file(text) + "<p>A sentence legal has not seen yet.</p>\n");
    const auto before = run_geogate({"check", "--config", ex.config.string()});
    CHECK(before.exit_code == 1);
    CHECK((before.out + before.err).find("en.html") != std::string::npos);

    const auto approve =
        run_geogate({"notices", "approve", "--config", ex.config.string(), "--notice",
                     "undesirable-organization", "--lang", "en", "--by", "Test Lawyer"});
    CAPTURE(approve.out, approve.err);
    CHECK(approve.exit_code == 0);
    CHECK(read_file(ex.dir.path() / "notices/approvals.lock").find("Test Lawyer") !=
          std::string::npos);
    const auto after = run_geogate({"check", "--config", ex.config.string()});
    CAPTURE(after.out, after.err);
    CHECK(after.exit_code == 0);
}

TEST_CASE("notices review --out writes a sheet naming each notice and where it is shown", "[cli]") {
    example_copy ex;
    const fs::path out = ex.dir.path() / "review.html";
    const auto res =
        run_geogate({"notices", "review", "--config", ex.config.string(), "--out", out.string()});
    CAPTURE(res.out, res.err);
    REQUIRE(res.exit_code == 0);
    const std::string sheet = read_file(out);
    REQUIRE_FALSE(sheet.empty());
    CHECK(sheet.find("<html") != std::string::npos);
    CHECK(sheet.find("undesirable-organization") != std::string::npos);
    CHECK(sheet.find("Russia") != std::string::npos);
    CHECK(sheet.find("Crimea") != std::string::npos);
    CHECK(sheet.find("undesirable-org-notice") != std::string::npos); // the rule that shows it
    CHECK(sheet.find("Maria Example") != std::string::npos);          // who approved it
}
