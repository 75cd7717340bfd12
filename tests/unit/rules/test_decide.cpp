// decide(): first match wins, regions / sets / tokens / exceptions, hosts, paths, methods,
// user agents, the redirect loop guard and mirror choice. The index must agree with a scan.
#include "rules/decide.hpp"
#include "rules/rule_loader.hpp"

#include <catch2/catch.hpp>
#include <random>

using namespace geogate;
using namespace geogate::rules;

namespace {

rule_set load(const std::string& text) {
    diagnostics d;
    auto rs = load_rule_texts({{"t.toml", text}}, {}, d);
    INFO(text);
    for (auto& x : d)
        INFO(x.to_string());
    REQUIRE(rs);
    return std::move(*rs);
}

geoip::location at(std::string country, std::vector<std::string> subs = {}) {
    geoip::location l;
    l.has_address = true;
    l.found = !country.empty() || !subs.empty();
    l.country = std::move(country);
    for (auto& s : subs)
        l.add_subdivision(s);
    return l;
}

geoip::location nowhere() {
    return geoip::location{};
}

const char* name_of(const decision& d) {
    return d.matched ? d.matched->name.c_str() : "-";
}

} // namespace

TEST_CASE("decide: regions, sets, subdivisions, tokens and exceptions, first match wins") {
    auto rs = load(R"(
[regions]
occupied = ["UA-43", "UA-40"]
[[rule]]
name = "tor-block"
regions = ["tor"]
action = "block"
notice = "n"
[[rule]]
name = "ru-notice"
regions = ["RU", "@occupied"]
except_regions = ["RU-MOW"]
action = "notice"
notice = "n"
[[rule]]
name = "ua"
regions = ["UA"]
action = "pass"
[[rule]]
name = "mirrors"
regions = ["IR", "CN"]
action = "redirect"
mirrors = ["https://m1.example.net", "https://m2.example.org"]
[[rule]]
name = "unknown"
regions = ["unknown"]
action = "pass"
)");
    auto tor = at("DE");
    tor.anonymizer.tor = true;
    auto moscow = at("RU", {"RU-MOW"});
    auto sevastopol_ru = at("RU", {"UA-40"});

    struct row {
        const char* what;
        geoip::location where;
        const char* rule;
        action act;
    };
    const row rows[] = {
        {"country listed", at("RU"), "ru-notice", action::notice},
        {"subdivision via set, any country", at("RU", {"UA-43"}), "ru-notice", action::notice},
        {"subdivision via set, recorded as UA", at("UA", {"UA-40"}), "ru-notice", action::notice},
        {"except_regions wins over regions", moscow, "-", action::pass},
        {"country code also matches its subdivisions", at("XX", {"UA-12"}), "ua", action::pass},
        {"tor token, earlier rule first", tor, "tor-block", action::block},
        {"redirect", at("IR"), "mirrors", action::redirect},
        {"no match is pass", at("FR"), "-", action::pass},
        {"unknown token: no address", nowhere(), "unknown", action::pass},
        {"unknown token: no record", at(""), "unknown", action::pass},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        request_view req{"GET", "news.example.com", "/a", "Mozilla", 42};
        auto d = decide(req, r.where, rs);
        CHECK(std::string(name_of(d)) == r.rule);
        CHECK(d.act == r.act);
    }
    (void)sevastopol_ru;
}

TEST_CASE("decide: hosts, paths, methods and user agents") {
    auto rs = load(R"(
[[rule]]
name = "r"
regions = ["*"]
hosts = ["example.com", "*.news.example"]
paths = ["/news", "/static/"]
except_paths = ["/news/free"]
methods = ["GET", "HEAD"]
user_agents = ["mozilla"]
except_user_agents = ["bot"]
action = "block"
notice = "n"
)");
    struct row {
        const char* method;
        const char* host;
        const char* path;
        const char* ua;
        bool blocked;
    };
    const row rows[] = {
        {"GET", "example.com", "/news", "Mozilla/5.0", true},
        {"GET", "example.com.", "/news", "Mozilla/5.0", true}, // trailing dot
        {"GET", "example.com", "/news/a/b", "Mozilla/5.0", true},
        {"GET", "example.com", "/newsletter", "Mozilla/5.0", false}, // segment-aware
        {"GET", "example.com", "/%6Eews/x", "Mozilla/5.0", true},    // %XX decoded
        {"GET", "example.com", "/static/app.js", "Mozilla/5.0", true},
        {"GET", "example.com", "/static", "Mozilla/5.0", false}, // "/static/" is a plain prefix
        {"GET", "example.com", "/news/free", "Mozilla/5.0", false},
        {"GET", "example.com", "/news/free/x", "Mozilla/5.0", false},
        {"GET", "example.com", "/news/freedom", "Mozilla/5.0", true},
        {"GET", "a.news.example", "/news", "Mozilla/5.0", true},
        {"GET", "a.b.news.example", "/news", "Mozilla/5.0", true},
        {"GET", "news.example", "/news", "Mozilla/5.0", false}, // wildcard: subdomains only
        {"GET", "www.example.com", "/news", "Mozilla/5.0", false},
        {"POST", "example.com", "/news", "Mozilla/5.0", false},
        {"HEAD", "example.com", "/news", "MOZILLA", true},
        {"GET", "example.com", "/news", "curl/8", false},
        {"GET", "example.com", "/news", "Mozilla Googlebot", false},
    };
    for (const auto& r : rows) {
        INFO(r.method << " " << r.host << r.path << " UA " << r.ua);
        request_view req{r.method, r.host, r.path, r.ua, 1};
        CHECK((decide(req, at("DE"), rs).act == action::block) == r.blocked);
    }
}

TEST_CASE("decide: redirect loop guard, down mirrors and a stable mirror choice") {
    auto rs = load(R"(
[[rule]]
name = "to-mirrors"
regions = ["IR"]
action = "redirect"
mirrors = ["https://a.mirror.net", "https://b.mirror.net", {url = "https://c.mirror.net", down = true}]
[[rule]]
name = "all-down"
regions = ["CN"]
action = "redirect"
mirrors = [{url = "https://d.mirror.net", down = true}]
[[rule]]
name = "fallback"
regions = ["*"]
action = "pass"
)");
    request_view req{"GET", "news.example", "/x", "", 0};
    std::size_t hits_a = 0;
    for (std::uint64_t key = 0; key < 200; ++key) {
        req.client_key = key;
        auto d = decide(req, at("IR"), rs);
        REQUIRE(d.act == action::redirect);
        REQUIRE(d.target);
        CHECK(d.target->host != "c.mirror.net");             // down: never chosen
        CHECK(decide(req, at("IR"), rs).target == d.target); // stable per client
        hits_a += d.target->host == "a.mirror.net";
    }
    CHECK(hits_a > 50); // both live mirrors get a share
    CHECK(hits_a < 150);

    SECTION("request on a mirror's own host: no redirect (no loop)") {
        for (const char* host : {"a.mirror.net", "c.mirror.net"}) {
            request_view on_mirror{"GET", host, "/x", "", 7};
            auto d = decide(on_mirror, at("IR"), rs);
            CHECK(d.act == action::pass);
            CHECK(std::string(name_of(d)) == "fallback");
        }
    }
    SECTION("every mirror down: the rule falls through") {
        auto d = decide(req, at("CN"), rs);
        CHECK(std::string(name_of(d)) == "fallback");
    }
    SECTION("may_depend_on_region: a non-pass rule that could match makes the response private") {
        CHECK(may_depend_on_region(req, rs));
        rules::rule_set only_pass;
        CHECK_FALSE(may_depend_on_region(req, only_pass));
    }
}

TEST_CASE("decide: the trace says why each rule did not match, up to the match") {
    auto rs = load(R"(
[[rule]]
name = "one"
regions = ["FR"]
action = "pass"
[[rule]]
name = "two"
regions = ["*"]
paths = ["/only"]
action = "pass"
[[rule]]
name = "three"
regions = ["DE"]
action = "block"
notice = "n"
[[rule]]
name = "four"
regions = ["*"]
action = "pass"
)");
    std::vector<rule_trace> trace;
    request_view req{"GET", "h", "/x", "", 0};
    auto d = decide(req, at("DE"), rs, &trace);
    CHECK(std::string(name_of(d)) == "three");
    REQUIRE(trace.size() == 3);
    CHECK(trace[0].reason == "region not in the rule's regions");
    CHECK(trace[1].reason == "path not under the rule's paths");
    CHECK(trace[2].matched);
}

TEST_CASE("decide: the region index gives the same answer as a full scan") {
    std::mt19937 rng(12345);
    const char* countries[] = {"RU", "UA", "DE", "FR", "IR", "CN", "BY", "KZ"};
    const char* subs[] = {"UA-43", "UA-40", "RU-MOW", "DE-BE", "BY-HM"};
    const char* tokens[] = {"unknown", "anonymous", "vpn", "tor", "hosting", "proxy", "*"};
    std::string text;
    for (int i = 0; i < 300; ++i) {
        text += "[[rule]]\nname = \"r" + std::to_string(i) + "\"\nregions = [";
        int kind = static_cast<int>(rng() % 10);
        if (kind < 6)
            text += std::string("\"") + countries[rng() % 8] + "\"";
        else if (kind < 9)
            text += std::string("\"") + subs[rng() % 5] + "\"";
        else
            text += std::string("\"") + tokens[rng() % 7] + "\"";
        text += "]\n";
        if (rng() % 3 == 0)
            text += std::string("except_regions = [\"") + subs[rng() % 5] + "\"]\n";
        if (rng() % 2 == 0)
            text += "paths = [\"/p" + std::to_string(rng() % 4) + "\"]\n";
        text += "action = \"pass\"\n";
    }
    auto indexed = load(text);
    rule_set scan = indexed;
    scan.index = {};
    REQUIRE(indexed.index.built);
    for (int i = 0; i < 2000; ++i) {
        geoip::location l = at(rng() % 5 ? countries[rng() % 8] : "");
        for (unsigned s = rng() % 3; s > 0; --s)
            l.add_subdivision(subs[rng() % 5]);
        l.anonymizer.tor = rng() % 7 == 0;
        l.anonymizer.vpn = rng() % 7 == 0;
        l.has_address = rng() % 9 != 0;
        std::string path = "/p" + std::to_string(rng() % 5);
        request_view req{"GET", "h", path, "", 0};
        auto a = decide(req, l, indexed);
        auto b = decide(req, l, scan);
        REQUIRE((a.matched ? a.matched->name : "-") == (b.matched ? b.matched->name : "-"));
    }
}
