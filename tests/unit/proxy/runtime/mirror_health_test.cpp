// The pure parts of the mirror health checks: hysteresis, what counts as a healthy status, which
// mirrors are probed, and the store requests read.
#include "proxy/runtime/mirror_health.hpp"
#include "rules/rule_loader.hpp"

#include <catch2/catch.hpp>

using namespace geogate;
using change = mirror_health_tracker::change;

TEST_CASE("mirror health: unhealthy after N consecutive failures, healthy after M successes") {
    mirror_health_tracker t;
    CHECK(t.healthy()); // healthy until proven otherwise
    // Failures interrupted by a success start over.
    CHECK(t.record(false, 3, 2) == change::none);
    CHECK(t.record(false, 3, 2) == change::none);
    CHECK(t.record(true, 3, 2) == change::none);
    CHECK(t.consecutive_failures() == 0);
    CHECK(t.record(false, 3, 2) == change::none);
    CHECK(t.record(false, 3, 2) == change::none);
    CHECK(t.healthy());
    CHECK(t.record(false, 3, 2) == change::became_unhealthy);
    CHECK_FALSE(t.healthy());
    CHECK(t.consecutive_failures() == 3);
    // Reported once; more failures change nothing.
    CHECK(t.record(false, 3, 2) == change::none);
    // One success is not enough, and a failure in between starts over.
    CHECK(t.record(true, 3, 2) == change::none);
    CHECK(t.record(false, 3, 2) == change::none);
    CHECK(t.record(true, 3, 2) == change::none);
    CHECK_FALSE(t.healthy());
    CHECK(t.record(true, 3, 2) == change::became_healthy);
    CHECK(t.healthy());
    CHECK(t.consecutive_successes() == 2);
    CHECK(t.record(true, 3, 2) == change::none);
}

TEST_CASE("mirror health: thresholds of 1 flip at once, 0 is treated as 1") {
    mirror_health_tracker t;
    CHECK(t.record(false, 1, 1) == change::became_unhealthy);
    CHECK(t.record(true, 1, 1) == change::became_healthy);
    CHECK(t.record(false, 0, 0) == change::became_unhealthy);
    CHECK(t.record(true, 0, 0) == change::became_healthy);
}

TEST_CASE("mirror health: a status is healthy within expect_status, bounds included") {
    mirror_health_config cfg; // 200..399
    CHECK(judge_status(200, cfg).ok());
    CHECK(judge_status(301, cfg).ok());
    CHECK(judge_status(399, cfg).ok());
    CHECK_FALSE(judge_status(199, cfg).ok());
    CHECK_FALSE(judge_status(404, cfg).ok());
    auto bad = judge_status(503, cfg);
    CHECK(bad.result == "bad_status");
    CHECK(bad.detail == "status 503, expected 200..399");
    cfg.expect_status_min = cfg.expect_status_max = 204;
    CHECK(judge_status(204, cfg).ok());
    CHECK_FALSE(judge_status(200, cfg).ok());
}

TEST_CASE("mirror health: every mirror in use is probed once, a mirror down everywhere is not") {
    geogate::diagnostics d;
    auto rs = rules::load_rule_texts({{"t.toml", R"(
[[rule]]
name = "one"
regions = ["IR"]
action = "redirect"
mirrors = ["https://b.example", "https://a.example:8443", {url = "https://gone.example", down = true},
           {url = "https://c.example", down = true}]
[[rule]]
name = "two"
regions = ["CN"]
action = "redirect"
mirrors = ["https://b.example", "https://c.example"]
)"}},
                                     {}, d);
    REQUIRE(rs);
    CHECK(mirrors_to_probe(*rs) == std::vector<std::string>{"https://a.example:8443",
                                                            "https://b.example",
                                                            "https://c.example"});
    CHECK(mirrors_to_probe(rules::rule_set{}).empty());
}

TEST_CASE("mirror health: the store hands out the last set, or nothing when all are healthy") {
    mirror_health_store store;
    CHECK(store.current() == nullptr);
    auto set = std::make_shared<const rules::unhealthy_mirrors>(
        std::vector<std::string>{"https://a.example"});
    store.replace(set);
    REQUIRE(store.current());
    CHECK(store.current()->contains("https://a.example"));
    store.replace(std::make_shared<const rules::unhealthy_mirrors>());
    CHECK(store.current() == nullptr); // an empty set reads as none
    store.replace(set);
    store.replace(nullptr);
    CHECK(store.current() == nullptr);
}
