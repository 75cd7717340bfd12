// Issue 6 through the real proxy: mirror redirects answered locally, with a Location that no
// request can move off the rule's mirrors.
#include "tests/integration/support/geo_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

using namespace geogate::it;

namespace {

const char* const mirror_a = "https://mirror-a.example.net";
const char* const mirror_b = "https://mirror-b.example.org";
const char* const mirror_down = "https://mirror-down.example.com";

const char* const rules = R"(
[[rule]]
name = "permanent"
regions = ["US"]
paths = ["/perm/"]
action = "redirect"
mirrors = ["https://mirror-a.example.net"]
status = 301

[[rule]]
name = "mirrors-for-us"
regions = ["US"]
action = "redirect"
mirrors = ["https://mirror-a.example.net", "https://mirror-b.example.org",
           {url = "https://mirror-down.example.com", down = true}]
)";

bool on_mirror(const std::string& location) {
    for (const std::string m : {mirror_a, mirror_b})
        if (location.rfind(m + "/", 0) == 0)
            return true;
    return false;
}

bool has_control_bytes(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        return c == '\r' || c == '\n' || c == '\0' || c == '\t' || c == ' ' || c == '\\';
    });
}

// "198.51.100.176" .. "198.51.100.191": the US block of the flat test database.
std::string us_reader(int i) {
    return "198.51.100." + std::to_string(176 + i);
}

} // namespace

TEST_CASE("a redirect goes to the mirror with the same path and query, answered locally",
          "[redirect]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto res = round_trip(s.port(), reader_get("/news/story.html?id=42&lang=en", reader::us));
    CHECK(res.status == 302);
    const std::string location = res.header("Location");
    CHECK(on_mirror(location));
    CHECK((location == std::string(mirror_a) + "/news/story.html?id=42&lang=en" ||
           location == std::string(mirror_b) + "/news/story.html?id=42&lang=en"));
    const std::string cc = res.header("Cache-Control");
    CHECK(cc.find("private") != std::string::npos);
    CHECK(cc.find("no-store") != std::string::npos);
    // The rule's own status.
    const auto perm = round_trip(s.port(), reader_get("/perm/page", reader::us));
    CHECK(perm.status == 301);
    CHECK(perm.header("Location") == std::string(mirror_a) + "/perm/page");
    CHECK(s.origin.received().empty());
    // Other readers are not redirected.
    CHECK(round_trip(s.port(), reader_get("/echo", reader::ru_moscow)).status == 200);
}

TEST_CASE("no request can move the Location off the mirrors", "[redirect]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    struct row {
        std::string name;
        std::string request;
    };
    const std::string xff = std::string("X-Forwarded-For: ") + reader::us + "\r\n";
    auto req = [&](const std::string& target, const std::string& host = "site.test",
                   const std::string& extra = "") {
        return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + xff + extra + "\r\n";
    };
    const std::vector<row> vectors = {
        {"double slash", req("//evil.example/x")},
        {"backslash", req("/\\evil.example/x")},
        {"encoded slashes", req("/%2F%2Fevil.example/x")},
        {"encoded backslash", req("/%5Cevil.example/x")},
        {"userinfo", req("/@evil.example/x")},
        {"userinfo in query", req("/x?@evil.example")},
        {"absolute-form", req("http://evil.example/x")},
        {"absolute-form https userinfo", req("https://mirror-a.example.net@evil.example/x")},
        {"Host header", req("/x", "evil.example")},
        {"X-Forwarded-Host", req("/x", "site.test", "X-Forwarded-Host: evil.example\r\n")},
        {"encoded CR LF", req("/x%0d%0aSet-Cookie:%20a=b")},
        {"encoded CR LF in query", req("/x?q=%0D%0ALocation:%20http://evil.example")},
        {"encoded NUL", req("/x%00evil")},
        {"tab-like encoded", req("/x%09evil")},
        {"dot segments", req("/../../evil.example")},
        {"non-ASCII", req("/\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xbe\xd1\x81\xd1\x82\xd0\xb8")},
    };
    for (const auto& v : vectors) {
        CAPTURE(v.name);
        const auto res = round_trip(s.port(), v.request);
        // Refusing the request outright is fine; a redirect must stay on a mirror.
        if (res.status == 400)
            continue;
        CHECK(res.status == 302);
        const std::string location = res.header("Location");
        CAPTURE(location);
        CHECK(on_mirror(location));
        CHECK_FALSE(has_control_bytes(location));
        CHECK(res.count("Set-Cookie") == 0);
        CHECK(res.raw_head.find("\r\nLocation: http://evil") == std::string::npos);
    }
    CHECK(s.origin.received().empty());
}

TEST_CASE("a reader keeps its mirror, readers spread, a mirror marked down is skipped",
          "[redirect]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    std::set<std::string> used;
    for (int i = 0; i < 16; ++i) {
        CAPTURE(us_reader(i));
        std::string first;
        for (int k = 0; k < 3; ++k) {
            const auto res = round_trip(s.port(), reader_get("/p", us_reader(i)));
            REQUIRE(res.status == 302);
            const std::string location = res.header("Location");
            CHECK(location.rfind(mirror_down, 0) != 0);
            if (k == 0)
                first = location;
            CHECK(location == first); // stable per reader
        }
        used.insert(first);
    }
    CHECK(used.size() == 2); // both live mirrors get readers, the down one none
}

TEST_CASE("a request whose Host is a mirror is not redirected (no loops)", "[redirect]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    for (const std::string host : {"mirror-a.example.net", "MIRROR-B.example.org:8443"}) {
        CAPTURE(host);
        const auto res = round_trip(s.port(), reader_get("/echo", reader::us, "", host));
        CHECK(res.status == 200);
        CHECK_FALSE(res.has("Location"));
    }
    CHECK(s.origin.received_contains("/echo"));
}
