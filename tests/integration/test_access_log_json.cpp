// The access log through the real proxy: one JSON line per request with decision, rule and
// notice version; the reader's address truncated by default, or full, or left out.
#include "tests/integration/support/geo_fixture.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <sstream>

using namespace geogate::it;

namespace {

const char* const rules = R"(
[[rule]]
name = "ru-notice"
regions = ["RU"]
action = "notice"
notice = "legal"

[[rule]]
name = "us-mirror"
regions = ["US"]
action = "redirect"
mirrors = ["https://mirror-a.example.net"]
)";

std::vector<boost::json::object> log_lines(const geogate_process& p) {
    std::vector<boost::json::object> out;
    std::istringstream in(p.access_log());
    for (std::string line; std::getline(in, line);) {
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        if (!ec && v.is_object())
            out.push_back(v.as_object());
    }
    return out;
}

std::string str(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Waits (bounded) for `n` lines; the writer thread flushes them asynchronously.
std::vector<boost::json::object> wait_lines(const geogate_process& p, std::size_t n) {
    std::vector<boost::json::object> lines;
    eventually([&] {
        lines = log_lines(p);
        return lines.size() >= n;
    });
    return lines;
}

} // namespace

TEST_CASE("one JSON line per request with decision, rule and notice version: client truncated",
          "[access_log]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto page =
        round_trip(s.port(), reader_get("/fixture/index.html?secret=1", reader::ru_moscow,
                                        "Accept-Language: uk\r\n"));
    REQUIRE(page.status == 200);
    REQUIRE(round_trip(s.port(), reader_get("/away", reader::us)).status == 302);
    const auto lines = wait_lines(*s.proxy, 2);
    REQUIRE(lines.size() == 2);
    // Lines are written as requests end: find each by its path, not by position.
    auto by_path = [&](const std::string& path) {
        for (const auto& l : lines)
            if (str(l, "path") == path)
                return l;
        return boost::json::object{};
    };
    const auto notice = by_path("/fixture/index.html");
    CHECK(str(notice, "decision") == "notice");
    CHECK(str(notice, "rule") == "ru-notice");
    CHECK(str(notice, "notice") == "legal");
    CHECK(str(notice, "notice_lang") == "uk");
    CHECK(str(notice, "notice_version") == notice_attribute(page.body, "data-geogate-version"));
    CHECK(str(notice, "country") == "RU");
    CHECK(str(notice, "path") == "/fixture/index.html");
    CHECK(notice.if_contains("query") == nullptr); // queries are not logged by default
    CHECK(str(notice, "client") == "198.51.100.0/24");
    CHECK(s.proxy->access_log().find(reader::ru_moscow) == std::string::npos);
    const auto redirect = by_path("/away");
    CHECK(str(redirect, "decision") == "redirect");
    CHECK(str(redirect, "rule") == "us-mirror");
    CHECK(str(redirect, "client") == "198.51.100.0/24");
}

TEST_CASE("client_ip = full logs the address, none leaves it out", "[access_log]") {
    SECTION("full") {
        geo_stack s(rules, [](toml_config& c) { c.set_string("log", "client_ip", "full"); });
        REQUIRE(s.proxy->started());
        REQUIRE(round_trip(s.port(), reader_get("/echo", reader::ua_kyiv)).status == 200);
        const auto lines = wait_lines(*s.proxy, 1);
        REQUIRE(lines.size() == 1);
        CHECK(str(lines[0], "client") == reader::ua_kyiv);
        CHECK(str(lines[0], "decision") == "pass");
    }
    SECTION("none") {
        geo_stack s(rules, [](toml_config& c) { c.set_string("log", "client_ip", "none"); });
        REQUIRE(s.proxy->started());
        REQUIRE(round_trip(s.port(), reader_get("/echo", reader::ua_kyiv)).status == 200);
        const auto lines = wait_lines(*s.proxy, 1);
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].if_contains("client") == nullptr);
        CHECK(s.proxy->access_log().find("198.51.100") == std::string::npos);
    }
}
