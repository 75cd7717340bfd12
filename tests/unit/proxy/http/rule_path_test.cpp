// The path rules match against: no spelling of a path may slip past a rule for /news.
#include "proxy/http/request_target.hpp"
#include "rules/decide.hpp"
#include "rules/rule_loader.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using geogate::normalize_path_for_rules;

TEST_CASE(
    "rule paths: dot segments, encoded dots and doubled slashes resolve as the origin would") {
    struct row {
        const char* in;
        const char* out;
    };
    const row rows[] = {
        {"/", "/"},
        {"/news", "/news"},
        {"/news/", "/news/"},
        {"/a/../news/x", "/news/x"},
        {"//news//x", "/news/x"},
        {"/%2e%2e/news", "/news"},
        {"/a/%2E%2E/news", "/news"},
        {"/./news/./x", "/news/x"},
        {"/news/x/..", "/news/"},
        {"/a/b/../../..", "/"},
        {"/news%2fx", "/news%2fx"}, // an encoded slash is not a separator
    };
    for (const auto& r : rows) {
        CAPTURE(r.in);
        CHECK(normalize_path_for_rules(r.in) == r.out);
    }
}

// Issue 14, item 4: a path whose escapes origins read differently is decided on every reading
// and the stricter decision wins: an encoded slash, backslash or dot never wins except_paths.
namespace {

geogate::rules::rule_set load_rules(const std::string& text) {
    geogate::diagnostics d;
    auto rs = geogate::rules::load_rule_texts({{"t.toml", text}}, {}, d);
    REQUIRE(rs);
    return std::move(*rs);
}

geogate::geoip::location in(const std::string& country) {
    geogate::geoip::location l;
    l.has_address = true;
    l.found = true;
    l.country = country;
    return l;
}

// What the session does: every reading of the path, decided together.
geogate::rules::decision decide_path(const std::string& path, const geogate::rules::rule_set& rs,
                                     const geogate::geoip::location& where) {
    const auto readings = geogate::rule_path_readings(path);
    geogate::rules::request_view v;
    v.method = "GET";
    v.host = "news.example";
    v.path = readings.front();
    for (std::size_t k = 1; k < readings.size(); ++k)
        v.other_paths[k - 1] = readings[k];
    return geogate::rules::decide(v, where, rs);
}

} // namespace

TEST_CASE("rule paths: readings of an ambiguous path") {
    using geogate::path_reading;
    struct row {
        const char* in;
        const char* slashes; // decode_slashes
        const char* dots;    // decode_dots
        const char* raw;
    };
    const row rows[] = {
        {"/api/..%2fnews/x.html", "/news/x.html", "/api/..%2fnews/x.html", "/api/..%2fnews/x.html"},
        {"/api/..%2Fnews/x.html", "/news/x.html", "/api/..%2Fnews/x.html", "/api/..%2Fnews/x.html"},
        {"/api/%2e%2e%2fnews", "/news", "/api/..%2fnews", "/api/%2e%2e%2fnews"},
        {"/api%2f..%2fnews", "/news", "/api%2f..%2fnews", "/api%2f..%2fnews"},
        {"/api/..%5cnews", "/news", "/api/..%5cnews", "/api/..%5cnews"},
        {"/api/..\\news", "/news", "/api/..\\news", "/api/..\\news"},
        {"/news/%2e%2e/api/", "/api/", "/api/", "/news/%2e%2e/api/"},
        {"/news/x", "/news/x", "/news/x", "/news/x"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.in);
        CHECK(normalize_path_for_rules(r.in, path_reading::decode_slashes) == r.slashes);
        CHECK(normalize_path_for_rules(r.in, path_reading::decode_dots) == r.dots);
        CHECK(normalize_path_for_rules(r.in, path_reading::raw) == r.raw);
    }
    CHECK(geogate::rule_path_readings("/news/x").size() == 1);
    CHECK(geogate::rule_path_readings("/api/..%2fnews").size() == 2);
    CHECK(geogate::rule_path_readings("/api/%2e%2e%2fnews").size() == 3);
    // Java servlet containers drop each segment's ";parameters" before resolving dots.
    CHECK(normalize_path_for_rules("/api/..;/news/x", path_reading::strip_params) == "/news/x");
    CHECK(normalize_path_for_rules("/api/..;a=b/news", path_reading::strip_params) == "/news");
    CHECK(normalize_path_for_rules("/a;jsessionid=1/b;x", path_reading::strip_params) == "/a/b");
    CHECK(normalize_path_for_rules("/api/..;/news/x", path_reading::decode_dots) ==
          "/api/..;/news/x");
    CHECK(geogate::rule_path_readings("/api/..;/news").size() == 2);
}

TEST_CASE("rule paths: an encoded slash, backslash or dot never wins an exemption") {
    const auto rs = load_rules(R"(
[[rule]]
name = "ru-notice"
regions = ["RU"]
except_paths = ["/api/"]
action = "notice"
notice = "n"

[[rule]]
name = "ir-mirror"
regions = ["IR"]
except_paths = ["/api/"]
action = "redirect"
mirrors = ["https://mirror.example.net"]
)");
    using geogate::rules::action;
    struct row {
        const char* path;
        bool exempt; // whether the path may be treated as under /api/
    };
    const row rows[] = {
        {"/api/v1/items", true},
        {"/api/%2e%2e", false}, // "/" once the dots are read as dots
        {"/news/x.html", false},
        {"/api/../news/x.html", false},
        {"/api/..%2fnews/x.html", false},
        {"/api/..%2Fnews/x.html", false},
        {"/api/%2e%2e%2fnews/x.html", false},
        {"/api/%2E%2E%2Fnews/x.html", false},
        {"/api%2f..%2fnews/x.html", false},
        {"/api%2F..%2Fnews/x.html", false},
        {"/api%2fv1", false}, // not under /api/ for an origin that keeps %2F as data
        {"/api/..%5cnews/x.html", false},
        {"/api/..\\news/x.html", false},
        {"/news/%2e%2e/api/", false}, // under /news/ for a router that matches the raw path
        {"/news/..%2fapi/", false},   // under /news/ for an origin that keeps %2F as data
        {"/news/..%252fapi/", false},
        {"/api/..;/news/x.html", false}, // "/news/x.html" to Tomcat or Jetty
        {"/api/..;jsessionid=1/news/x.html", false},
        {"/api;p=1/v1/items", false}, // not under /api/ for an origin that keeps the ';'
        {"/api/v1/items;jsessionid=1", true},
    };
    for (const auto& r : rows) {
        CAPTURE(r.path);
        const auto ru = decide_path(r.path, rs, in("RU"));
        const auto ir = decide_path(r.path, rs, in("IR"));
        if (r.exempt) {
            CHECK(ru.act == action::pass);
            CHECK(ir.act == action::pass);
        } else {
            CHECK(ru.act == action::notice);
            CHECK(ir.act == action::redirect); // the mirror, never the page
        }
        CHECK(decide_path(r.path, rs, in("DE")).act == action::pass);
    }
}

TEST_CASE("rule paths: paths = [...] matches when any reading is under it") {
    const auto rs = load_rules(R"(
[[rule]]
name = "api-pass"
regions = ["RU"]
paths = ["/api/"]
action = "pass"

[[rule]]
name = "ru-notice"
regions = ["RU"]
action = "notice"
notice = "n"
)");
    using geogate::rules::action;
    CHECK(decide_path("/api/x", rs, in("RU")).act == action::pass);
    // A pass rule is the lenient one: it applies only when every reading is under it.
    CHECK(decide_path("/api/..%2fnews/x", rs, in("RU")).act == action::notice);
    CHECK(decide_path("/news/..%2fapi/x", rs, in("RU")).act == action::notice);
    CHECK(decide_path("/news/%2e%2e/api/x", rs, in("RU")).act == action::notice);
}
