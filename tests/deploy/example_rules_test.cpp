// The shipped rule sets load cleanly with the real loader and decide what docs/operations.md
// says they decide: deploy/example/rules (the product's case, with the fail-safe for unknown
// readers) and deploy/bench/rules (what ../shared/bench expects of the proxy under test).
#include "geoip/location.hpp"
#include "rules/decide.hpp"
#include "rules/rule_loader.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <string>

namespace {

namespace fs = std::filesystem;
using geogate::diagnostics;
using geogate::geoip::location;
using geogate::rules::action;
using geogate::rules::rule_set;

const fs::path source_dir{GEOGATE_SOURCE_DIR};

location in(std::string country, std::string subdivision = {}) {
    location l;
    l.has_address = true;
    l.found = true;
    l.country = std::move(country);
    if (!subdivision.empty())
        l.add_subdivision(subdivision);
    return l;
}

location nowhere() {
    return location{};
} // no usable address: region "unknown"

std::string describe(const diagnostics& d) {
    std::string out;
    for (const auto& x : d)
        out += x.to_string() + "\n";
    return out;
}

rule_set load(const fs::path& rules_dir, const fs::path& notices_dir) {
    diagnostics diag;
    auto notice_exists = [&](std::string_view id) {
        return notices_dir.empty() ||
               fs::is_regular_file(notices_dir / std::string(id) / "notice.toml");
    };
    auto set = geogate::rules::load_rules({(rules_dir / "*.toml").string()}, notice_exists, diag);
    INFO(describe(diag));
    REQUIRE(set.has_value());
    CHECK(diag.empty()); // no warnings either: no shadowed rules, no empty globs
    return std::move(*set);
}

struct expectation {
    const char* who;
    location where;
    const char* host;
    const char* path;
    action act;
    const char* rule;   // nullptr: no rule matched
    const char* target; // notice id or mirror host; nullptr when none (or any mirror)
};

void check_table(const rule_set& rules, const std::vector<expectation>& table) {
    for (const auto& e : table) {
        DYNAMIC_SECTION(e.who << " " << e.host << e.path) {
            geogate::rules::request_view req;
            req.method = "GET";
            req.host = e.host;
            req.path = e.path;
            req.client_key = 42;
            auto d = geogate::rules::decide(req, e.where, rules);
            CHECK(d.act == e.act);
            if (e.rule == nullptr) {
                CHECK(d.matched == nullptr);
                continue;
            }
            REQUIRE(d.matched != nullptr);
            CHECK(d.matched->name == e.rule);
            if (e.act == action::notice)
                CHECK(d.matched->notice == e.target);
            if (e.act == action::redirect) {
                REQUIRE(d.target != nullptr);
                if (e.target != nullptr) // nullptr: any of the rule's mirrors
                    CHECK(d.target->host == e.target);
            }
        }
    }
}

} // namespace

TEST_CASE("example rules: notice for Russia and occupied Ukraine, mirrors, fail-safe") {
    const auto rules =
        load(source_dir / "deploy/example/rules", source_dir / "deploy/example/notices");
    const char* news = "news.example.com";
    const char* notice = "undesirable-organization";
    // clang-format off
    check_table(rules, {
        {"Moscow",                 in("RU"),          news, "/",            action::notice,   "undesirable-org-notice", notice},
        {"Crimea as UA-43",        in("UA", "UA-43"), news, "/news/a.html", action::notice,   "undesirable-org-notice", notice},
        {"Crimea as RU + UA-43",   in("RU", "UA-43"), news, "/",            action::notice,   "undesirable-org-notice", notice},
        {"Sevastopol UA-40",       in("UA", "UA-40"), news, "/",            action::notice,   "undesirable-org-notice", notice},
        {"Donetsk UA-14",          in("UA", "UA-14"), news, "/",            action::notice,   "undesirable-org-notice", notice},
        {"Luhansk UA-09",          in("UA", "UA-09"), news, "/",            action::notice,   "undesirable-org-notice", notice},
        {"Zaporizhzhia UA-23",     in("UA", "UA-23"), news, "/",            action::notice,   "undesirable-org-notice", notice},
        {"Kherson UA-65",          in("UA", "UA-65"), news, "/",            action::notice,   "undesirable-org-notice", notice},
        {"Kyiv UA-30",             in("UA", "UA-30"), news, "/",            action::pass,     nullptr,                  nullptr},
        {"Iran",                   in("IR"),          news, "/",            action::redirect, "mirrors-for-blocked",    nullptr},
        {"China",                  in("CN"),          news, "/x?y",         action::redirect, "mirrors-for-blocked",    nullptr},
        {"Turkmenistan",           in("TM"),          news, "/",            action::redirect, "mirrors-for-blocked",    nullptr},
        {"China, robots.txt",      in("CN"),          news, "/robots.txt",  action::pass,     nullptr,                  nullptr},
        {"Iran, ACME challenge",   in("IR"),          news, "/.well-known/acme-challenge/t", action::pass, nullptr,     nullptr},
        {"China, robots.txt.html", in("CN"),          news, "/robots.txt.html", action::redirect, "mirrors-for-blocked", nullptr},
        {"Germany",                in("DE", "DE-BE"), news, "/",            action::pass,     nullptr,                  nullptr},
        {"unknown, protected",     nowhere(),         news, "/",            action::notice,   "unknown-readers-notice", notice},
        {"unknown, demo address",  nowhere(),         "127.0.0.1", "/",     action::notice,   "unknown-readers-notice", notice},
        {"unknown, other host",    nowhere(),         "other.example", "/", action::pass,     nullptr,                  nullptr},
    });
    // clang-format on
}

TEST_CASE("example rules: redirects go to the rule's mirrors and never loop") {
    const auto rules =
        load(source_dir / "deploy/example/rules", source_dir / "deploy/example/notices");
    geogate::rules::request_view req;
    req.method = "GET";
    req.path = "/";
    for (std::uint64_t key = 0; key < 64; ++key) {
        req.host = "news.example.com";
        req.client_key = key;
        auto d = geogate::rules::decide(req, in("CN"), rules);
        REQUIRE(d.target != nullptr);
        CHECK(
            (d.target->host == "mirror-a.example.net" || d.target->host == "mirror-b.example.org"));
        req.host = d.target->host; // the reader arrives on the mirror: no second redirect
        CHECK(geogate::rules::decide(req, in("CN"), rules).act == action::pass);
    }
}

TEST_CASE("example rules: a mirror failing health checks loses only its readers") {
    const auto rules =
        load(source_dir / "deploy/example/rules", source_dir / "deploy/example/notices");
    const geogate::rules::unhealthy_mirrors a_failing({"https://mirror-a.example.net"});
    const geogate::rules::unhealthy_mirrors both_failing(
        {"https://mirror-a.example.net", "https://mirror-b.example.org"});
    geogate::rules::request_view req;
    req.method = "GET";
    req.host = "news.example.com";
    req.path = "/";
    for (std::uint64_t key = 0; key < 64; ++key) {
        req.client_key = key;
        const auto usual = geogate::rules::decide(req, in("CN"), rules);
        const auto during = geogate::rules::decide(req, in("CN"), rules, &a_failing);
        REQUIRE(during.target != nullptr);
        CHECK(during.target->host == "mirror-b.example.org");
        if (usual.target->host == "mirror-b.example.org")
            CHECK(during.target == usual.target);
        // Both failing: the rule falls through; nothing later matches CN: pass.
        const auto none = geogate::rules::decide(req, in("CN"), rules, &both_failing);
        CHECK(none.act == action::pass);
        CHECK(none.matched == nullptr);
    }
}

TEST_CASE("bench rules: RU banner, CN and IR to mirror.example.org with 302, others pass") {
    const auto rules = load(source_dir / "deploy/bench/rules", {});
    const char* host = "127.0.0.1";
    // clang-format off
    check_table(rules, {
        {"RU",          in("RU"),          host, "/article.html",     action::notice,   "bench-banner-ru",    "bench-banner"},
        {"CN",          in("CN"),          host, "/article.html",     action::redirect, "bench-mirror-cn-ir", "mirror.example.org"},
        {"IR",          in("IR"),          host, "/static/asset.bin", action::redirect, "bench-mirror-cn-ir", "mirror.example.org"},
        {"UA-43 (bench: pass)", in("UA", "UA-43"), host, "/article.html", action::pass, nullptr,              nullptr},
        {"DE",          in("DE", "DE-BE"), host, "/article.html",     action::pass,     nullptr,              nullptr},
        {"unknown",     nowhere(),         host, "/article.html",     action::pass,     nullptr,              nullptr},
    });
    // clang-format on
    for (const auto& r : rules.rules)
        if (r.act == action::redirect)
            CHECK(r.status == 302);
}
