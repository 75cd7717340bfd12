// decide() with the mirrors that health checks find failing: skipped exactly like mirrors marked
// down in the rules (only their readers move, each to its next mirror in rendezvous order), a
// rule whose mirrors are all down or unhealthy falls through, and explain shows the set.
#include "rules/decide.hpp"
#include "rules/explain_report.hpp"
#include "rules/rule_loader.hpp"
#include "rules/unhealthy_mirrors.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>

using namespace geogate;
using namespace geogate::rules;

namespace {

rule_set load(const std::string& text) {
    diagnostics d;
    auto rs = load_rule_texts({{"t.toml", text}}, {}, d);
    for (auto& x : d)
        INFO(x.to_string());
    REQUIRE(rs);
    return std::move(*rs);
}

geoip::location at(std::string country) {
    geoip::location l;
    l.has_address = true;
    l.found = true;
    l.country = std::move(country);
    return l;
}

const char* const three_mirrors = R"(
[[rule]]
name = "to-mirrors"
regions = ["IR"]
action = "redirect"
mirrors = ["https://a.mirror.net", "https://b.mirror.net", "https://c.mirror.net",
           {url = "https://d.mirror.net", down = true}]
[[rule]]
name = "one-mirror"
regions = ["CN"]
action = "redirect"
mirrors = ["https://a.mirror.net"]
[[rule]]
name = "fallback"
regions = ["*"]
action = "pass"
)";

std::string target_of(const decision& d) {
    return d.target ? d.target->base : std::string("-");
}

} // namespace

TEST_CASE("unhealthy_mirrors: a sorted, distinct set of mirror bases") {
    unhealthy_mirrors none;
    CHECK(none.empty());
    CHECK_FALSE(none.contains("https://a.mirror.net"));
    unhealthy_mirrors set({"https://b.mirror.net", "https://a.mirror.net", "https://b.mirror.net"});
    CHECK_FALSE(set.empty());
    CHECK(set.bases() == std::vector<std::string>{"https://a.mirror.net", "https://b.mirror.net"});
    CHECK(set.contains("https://a.mirror.net"));
    CHECK(set.contains("https://b.mirror.net"));
    CHECK_FALSE(set.contains("https://a.mirror.net:8443")); // another mirror
    CHECK_FALSE(set.contains("https://c.mirror.net"));
    mirror m;
    m.base = "https://b.mirror.net";
    CHECK(set.contains(m));
}

TEST_CASE("decide: an unhealthy mirror is skipped, and only its readers move") {
    auto rs = load(three_mirrors);
    const unhealthy_mirrors a_failing({"https://a.mirror.net"});
    std::size_t moved = 0, kept = 0;
    for (std::uint64_t key = 0; key < 300; ++key) {
        CAPTURE(key);
        request_view req{"GET", "news.example", "/x", "", key};
        auto before = decide(req, at("IR"), rs);
        auto during = decide(req, at("IR"), rs, &a_failing);
        REQUIRE(before.act == action::redirect);
        REQUIRE(during.act == action::redirect);
        REQUIRE(during.target);
        CHECK(during.target->base != "https://a.mirror.net");
        CHECK(during.target->base != "https://d.mirror.net"); // still down
        if (before.target->base == "https://a.mirror.net")
            ++moved;
        else {
            CHECK(target_of(during) == target_of(before)); // readers of b and c stay put
            ++kept;
        }
        // The same reader, the same answer (stable while the state holds).
        CHECK(decide(req, at("IR"), rs, &a_failing).target == during.target);
        // When a recovers, exactly the readers it had come back.
        const unhealthy_mirrors recovered;
        CHECK(decide(req, at("IR"), rs, &recovered).target == before.target);
        const unhealthy_mirrors* none = nullptr;
        CHECK(decide(req, at("IR"), rs, none).target == before.target);
    }
    CHECK(moved > 50); // a had its share of readers...
    CHECK(kept > 150); // ...and the others kept theirs
}

TEST_CASE("decide: unhealthy is the same as marked down in the rules") {
    auto rs = load(three_mirrors);
    auto marked = load(three_mirrors);
    for (auto& r : marked.rules)
        for (auto& m : r.mirrors)
            if (m.base == "https://b.mirror.net")
                m.down = true;
    const unhealthy_mirrors b_failing({"https://b.mirror.net"});
    for (std::uint64_t key = 0; key < 300; ++key) {
        CAPTURE(key);
        request_view req{"GET", "news.example", "/x", "", key * 0x9e3779b97f4a7c15ull};
        CHECK(target_of(decide(req, at("IR"), rs, &b_failing)) ==
              target_of(decide(req, at("IR"), marked)));
    }
}

TEST_CASE("decide: a rule whose mirrors are all down or unhealthy falls through") {
    auto rs = load(three_mirrors);
    request_view req{"GET", "news.example", "/x", "", 42};
    const unhealthy_mirrors all(
        {"https://a.mirror.net", "https://b.mirror.net", "https://c.mirror.net"});
    auto d = decide(req, at("IR"), rs, &all);
    CHECK(d.act == action::pass);
    REQUIRE(d.matched);
    CHECK(d.matched->name == "fallback");
    CHECK(d.target == nullptr);

    const unhealthy_mirrors only_a({"https://a.mirror.net"});
    auto cn = decide(req, at("CN"), rs, &only_a);
    REQUIRE(cn.matched);
    CHECK(cn.matched->name == "fallback");

    SECTION("the trace says why, for the indexed and the scanning path alike") {
        std::vector<rule_trace> trace;
        auto traced = decide(req, at("IR"), rs, &all, &trace);
        CHECK(traced.matched == d.matched);
        REQUIRE(trace.size() == 3);
        CHECK(trace[0].reason == "every mirror of the rule is down or failing health checks");
        CHECK(trace[1].reason == "region not in the rule's regions");
        CHECK(trace[2].matched);
        auto scan = rs;
        scan.index = {};
        CHECK(decide(req, at("IR"), scan, &all).matched->name == "fallback");
    }
    SECTION("the loop guard still wins over health") {
        request_view on_mirror{"GET", "b.mirror.net", "/x", "", 42};
        std::vector<rule_trace> trace;
        decide(on_mirror, at("IR"), rs, &all, &trace);
        REQUIRE_FALSE(trace.empty());
        CHECK(trace[0].reason == "request host is one of the rule's mirrors (loop guard)");
    }
    SECTION("mirrors of other rules or unknown to the rules change nothing") {
        const unhealthy_mirrors elsewhere({"https://elsewhere.example", "https://d.mirror.net"});
        for (std::uint64_t key = 0; key < 50; ++key) {
            request_view r{"GET", "news.example", "/x", "", key};
            CHECK(decide(r, at("IR"), rs, &elsewhere).target == decide(r, at("IR"), rs).target);
        }
    }
}

TEST_CASE("explain shows the unhealthy mirrors it decided with") {
    auto rs = load(three_mirrors);
    explain_input in;
    in.url = "/x";
    in.where = at("IR");
    const unhealthy_mirrors all(
        {"https://a.mirror.net", "https://b.mirror.net", "https://c.mirror.net"});
    in.unhealthy_mirrors = all.bases();
    request_view req{"GET", "news.example", "/x", "", 1};
    in.result = decide(req, in.where, rs, &all, &in.trace);
    const auto text = explain_text(in);
    CHECK(text.find("unhealthy mirrors (skipped like down ones): https://a.mirror.net "
                    "https://b.mirror.net https://c.mirror.net\n") != std::string::npos);
    CHECK(text.find("every mirror of the rule is down or failing health checks") !=
          std::string::npos);
    auto json = boost::json::parse(explain_json(in)).as_object();
    CHECK(json.at("unhealthy_mirrors").as_array().size() == 3);
    CHECK(json.at("unhealthy_mirrors").as_array()[0].as_string() == "https://a.mirror.net");
    CHECK(json.at("decision").at("action").as_string() == "pass");

    explain_input healthy;
    healthy.url = "/x";
    CHECK(explain_text(healthy).find("unhealthy") == std::string::npos);
    CHECK(boost::json::parse(explain_json(healthy)).at("unhealthy_mirrors").as_array().empty());
}
