// Every config file shipped under deploy/ loads with the real loader (unknown keys, types,
// durations, sizes), and the values that the deployment files around it rely on are the ones
// they expect: ports in the probes and the unit, the drain inside the stop timeouts.
#include "proxy/config/config.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

namespace {

const std::filesystem::path source_dir{GEOGATE_SOURCE_DIR};

geogate::config load(const char* relative) {
    geogate::diagnostics diag;
    auto cfg = geogate::load_config(source_dir / relative, diag);
    std::string text;
    for (const auto& d : diag)
        text += d.to_string() + "\n";
    INFO(relative << "\n" << text);
    REQUIRE(cfg.has_value());
    return std::move(*cfg);
}

} // namespace

TEST_CASE("shipped configs load with the real loader") {
    SECTION("example: the documented defaults, rules and notices next to it") {
        auto c = load("deploy/example/geogate.toml");
        REQUIRE(c.listen.admin);
        CHECK(c.listen.admin->text == "127.0.0.1:9090");
        CHECK(c.listen.admin->endpoint.port() == 9090);
        CHECK(c.notices.require_approval);
        CHECK(c.log.client_ip == geogate::client_ip_logging::truncate);
        CHECK_FALSE(c.cache.shared_cache_keys_on_variant);
        CHECK(c.limits.drain_timeout ==
              std::chrono::seconds(10)); // geogate.service TimeoutStopSec=15s
        REQUIRE(c.rule_files.size() == 1);
        CHECK(c.rule_files[0] == (source_dir / "deploy/example/rules/*.toml").string());
        CHECK(c.geoip.databases.size() == 2);
    }
    SECTION("bench: what ../shared/bench expects of the proxy under test") {
        auto c = load("deploy/bench/geogate.toml");
        REQUIRE(c.listen.http.size() == 1);
        CHECK(c.listen.http[0].text == "127.0.0.1:18090");
        CHECK(c.origin.url == "http://127.0.0.1:18080");
        CHECK(c.client_ip.header == "X-Forwarded-For");
        CHECK(c.geoip.databases == std::vector<std::string>{"/tmp/gkbench/geo.mmdb"});
        CHECK(c.log.access.empty());
    }
    SECTION("container and kubernetes: admin reachable by probes, drain inside the grace period") {
        for (const char* f : {"deploy/container/geogate.toml", "deploy/kubernetes/geogate.toml"}) {
            auto c = load(f);
            REQUIRE(c.listen.admin); // HEALTHCHECK, probes, prometheus.io/port
            CHECK(c.listen.admin->text == "0.0.0.0:9090");
            REQUIRE(c.listen.http.size() == 1);
            CHECK(c.listen.http[0].text == "0.0.0.0:8080");
            // deployment.yaml: terminationGracePeriodSeconds 20 = preStop 5 + drain + margin.
            CHECK(c.limits.drain_timeout <= std::chrono::seconds(10));
        }
    }
}
