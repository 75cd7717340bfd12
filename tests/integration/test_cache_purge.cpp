// What operators see of the notice variant cache, through the real binary: POST /cache/purge
// on the admin listener, `geogate cache purge`, and the geogate_variant_cache_* families on
// /metrics. The cache is empty here (no page goes through it): every purge finds 0 entries.
#include "tests/integration/support/geo_fixture.hpp"
#include "tests/integration/support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

using namespace geogate::it;
namespace fs = std::filesystem;

namespace {

const char* const rules = R"(
[[rule]]
name = "ru-notice"
regions = ["RU"]
action = "notice"
notice = "legal"
)";

// A config that names an admin address, for `cache purge --config` (the command reads only
// listen.admin of it).
fs::path config_naming_admin(temp_dir& dir, const std::string& admin_line) {
    return dir.write("geogate.toml", "[listen]\nhttp = [\"127.0.0.1:0\"]\n" + admin_line);
}

} // namespace

TEST_CASE("POST /cache/purge answers how many entries went, as JSON; other methods 405",
          "[admin][cache]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto all = admin_post(s.admin_port(), "/cache/purge");
    CHECK(all.status == 200);
    CHECK(all.header("Content-Type") == "application/json");
    CHECK(all.body == "{\"purged\":0}\n");
    const auto some = admin_post(s.admin_port(), "/cache/purge?prefix=news.example%2Fworld%2F");
    CHECK(some.status == 200);
    CHECK(some.body == "{\"purged\":0}\n");

    const auto get = admin_get(s.admin_port(), "/cache/purge");
    CHECK(get.status == 405);
    CHECK(get.header("Allow") == "POST");

    for (const char* bad :
         {"/cache/purge?url=x", "/cache/purge?prefix=a&prefix=b", "/cache/purge?prefix=%zz",
          "/cache/purge?prefix=%2", "/cache/purge?prefix=", "/cache/purge?prefix=a%20b",
          "/cache/purge?prefix=https%3A%2F%2Fnews.example%2F"}) {
        INFO(bad);
        const auto res = admin_post(s.admin_port(), bad);
        CHECK(res.status == 400);
        CHECK(res.body.find("usage: POST /cache/purge") != std::string::npos);
    }
    CHECK(eventually([&] {
        const auto log = s.proxy->event_log();
        return log.find("\"event\":\"cache_purged\",\"prefix\":\"news.example/world/\","
                        "\"count\":\"0\"") != std::string::npos &&
               log.find("\"event\":\"cache_purged\",\"prefix\":\"\",\"count\":\"0\"") !=
                   std::string::npos;
    }));
}

TEST_CASE("/metrics has the variant cache families from the start, and the bound follows a "
          "reload",
          "[admin][cache]") {
    geo_stack s(rules, [](toml_config& c) { c.set("cache", "max_bytes", "\"3MiB\""); });
    REQUIRE(s.proxy->started());
    std::string m = admin_get(s.admin_port(), "/metrics").body;
    for (const char* family :
         {"geogate_variant_cache_hits_total", "geogate_variant_cache_misses_total",
          "geogate_variant_cache_bypasses_total", "geogate_variant_cache_revalidations_total",
          "geogate_variant_cache_stored_total", "geogate_variant_cache_evictions_total"}) {
        INFO(family);
        CHECK(m.find("# TYPE " + std::string(family) + " counter\n") != std::string::npos);
        CHECK(m.find("# HELP " + std::string(family) + " ") != std::string::npos);
    }
    for (const char* gauge : {"geogate_variant_cache_entries", "geogate_variant_cache_bytes",
                              "geogate_variant_cache_max_bytes"}) {
        INFO(gauge);
        CHECK(m.find("# TYPE " + std::string(gauge) + " gauge\n") != std::string::npos);
    }
    CHECK(metric_value(m, "geogate_variant_cache_hits_total{via=\"not_modified\"}") == 0);
    CHECK(metric_value(m, "geogate_variant_cache_hits_total{via=\"digest\"}") == 0);
    for (const char* reason :
         {"absent", "changed", "status", "no_store", "private", "set_cookie", "partial", "vary",
          "untyped", "too_large", "unrewritable", "incomplete"}) {
        INFO(reason);
        CHECK(metric_value(m, "geogate_variant_cache_misses_total{reason=\"" + std::string(reason) +
                                  "\"}") == 0);
    }
    for (const char* reason : {"off", "method", "authorization", "no_store"}) {
        INFO(reason);
        CHECK(metric_value(m, "geogate_variant_cache_bypasses_total{reason=\"" +
                                  std::string(reason) + "\"}") == 0);
    }
    CHECK(metric_value(m, "geogate_variant_cache_revalidations_total{result=\"not_modified\"}") ==
          0);
    CHECK(metric_value(m, "geogate_variant_cache_revalidations_total{result=\"modified\"}") == 0);
    CHECK(metric_value(m, "geogate_variant_cache_stored_total ") == 0);
    CHECK(metric_value(m, "geogate_variant_cache_entries ") == 0);
    CHECK(metric_value(m, "geogate_variant_cache_bytes ") == 0);
    CHECK(metric_value(m, "geogate_variant_cache_evictions_total ") == 0);
    CHECK(metric_value(m, "geogate_variant_cache_max_bytes ") == 3 * 1048576);

    const fs::path config = s.proxy->dir() / "geogate.toml";
    std::string text = read_file(config);
    text = std::regex_replace(text, std::regex("max_bytes = \"3MiB\""), "max_bytes = \"5MiB\"");
    std::ofstream(config, std::ios::trunc) << text;
    REQUIRE(admin_post(s.admin_port(), "/reload").status == 200);
    m = admin_get(s.admin_port(), "/metrics").body;
    CHECK(metric_value(m, "geogate_variant_cache_max_bytes ") == 5 * 1048576);
}

TEST_CASE("geogate cache purge reaches the admin listener by --admin or by the config's "
          "listen.admin",
          "[cli][cache]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const std::string admin = "127.0.0.1:" + std::to_string(s.admin_port());

    const auto all = run_geogate({"cache", "purge", "--admin", admin});
    CAPTURE(all.out, all.err);
    CHECK(all.exit_code == 0);
    CHECK(all.out == "purged 0 entries\n");

    // A URL as copied from a browser: the scheme goes (entries are host + path), and '?', '&',
    // '=' and '%' reach the endpoint as typed.
    const auto some = run_geogate({"cache", "purge", "--admin", admin, "--prefix",
                                   "https://news.example/world/a.html?x=1&y=%C3%A9"});
    CAPTURE(some.out, some.err);
    CHECK(some.exit_code == 0);
    CHECK(some.out == "purged 0 entries under news.example/world/a.html?x=1&y=%C3%A9\n");
    CHECK(eventually([&] {
        return s.proxy->event_log().find(
                   "\"prefix\":\"news.example/world/a.html?x=1&y=%C3%A9\",\"count\":\"0\"") !=
               std::string::npos;
    }));

    temp_dir dir("geogate-cache-cli");
    const auto named = config_naming_admin(dir, "admin = \"" + admin + "\"\n");
    const auto by_config = run_geogate(
        {"cache", "purge", "--config", named.string(), "--prefix", "news.example/world/"});
    CAPTURE(by_config.out, by_config.err);
    CHECK(by_config.exit_code == 0);
    CHECK(by_config.out == "purged 0 entries under news.example/world/\n");
    CHECK(eventually([&] {
        return occurrences(s.proxy->event_log(), "\"prefix\":\"news.example/world/\"") == 1;
    }));
}

TEST_CASE("geogate cache purge says clearly when there is no admin listener to ask",
          "[cli][cache]") {
    temp_dir dir("geogate-cache-cli");
    const auto off = config_naming_admin(dir, "");
    const auto no_admin = run_geogate({"cache", "purge", "--config", off.string()});
    CHECK(no_admin.exit_code == 1);
    CHECK(no_admin.err.find("the admin listener is off") != std::string::npos);
    CHECK(no_admin.err.find("listen.admin") != std::string::npos);

    const std::string closed = "127.0.0.1:" + std::to_string(closed_port());
    const auto down = run_geogate({"cache", "purge", "--admin", closed});
    CHECK(down.exit_code == 1);
    CHECK(down.err.find("cannot reach the admin listener at " + closed) != std::string::npos);

    const auto any_port = config_naming_admin(dir, "admin = \"127.0.0.1:0\"\n");
    const auto zero = run_geogate({"cache", "purge", "--config", any_port.string()});
    CHECK(zero.exit_code == 1);
    CHECK(zero.err.find("port 0") != std::string::npos);

    CHECK(run_geogate({"cache", "purge"}).exit_code == 2);
    CHECK(run_geogate({"cache", "purge", "--admin", "localhost"}).exit_code == 2);
    CHECK(run_geogate({"cache", "purge", "--admin", closed, "--prefix", ""}).exit_code == 2);
    CHECK(run_geogate({"cache", "flush", "--admin", closed}).exit_code == 2);
    const auto help = run_geogate({"--help"});
    CHECK(help.out.find("geogate cache purge") != std::string::npos);
}
