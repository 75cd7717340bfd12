// load_config(): the [mirror_health] section — defaults, every key, and each mistake reported at
// file:line:column.
#include "proxy/config/config.hpp"
#include "tests/unit/proxy/config/config_test_support.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace geogate;
using namespace geogate::config_test;
namespace fs = std::filesystem;

namespace {

const std::string listen_table = "[listen]\nhttp = [\"127.0.0.1:8080\"]\n";

} // namespace

TEST_CASE("config: mirror_health defaults are off, 10s, 3s, /, 3, 2 and 200..399") {
    temp_config t(listen_table);
    diagnostics d;
    auto c = load_config(t.file, d);
    INFO(all(d));
    REQUIRE(c);
    const auto& h = c->mirror_health;
    CHECK_FALSE(h.enabled);
    CHECK(h.interval == std::chrono::seconds(10));
    CHECK(h.timeout == std::chrono::seconds(3));
    CHECK(h.path == "/");
    CHECK(h.unhealthy_after == 3);
    CHECK(h.healthy_after == 2);
    CHECK(h.expect_status_min == 200);
    CHECK(h.expect_status_max == 399);
    CHECK(h.ca_file.empty());
}

TEST_CASE("config: mirror_health reads every key, ca_file relative to the config") {
    temp_config t(listen_table + R"([mirror_health]
enabled = true
interval = "30s"
timeout = "2s"
path = "/health?from=geogate"
unhealthy_after = 2
healthy_after = 5
expect_status = [200, 204]
ca_file = "ca/mirrors.pem"
)");
    fs::create_directories(t.dir / "ca");
    std::ofstream(t.dir / "ca/mirrors.pem") << "-----BEGIN CERTIFICATE-----\n";
    diagnostics d;
    auto c = load_config(t.file, d);
    INFO(all(d));
    REQUIRE(c);
    CHECK(d.empty());
    const auto& h = c->mirror_health;
    CHECK(h.enabled);
    CHECK(h.interval == std::chrono::seconds(30));
    CHECK(h.timeout == std::chrono::seconds(2));
    CHECK(h.path == "/health?from=geogate");
    CHECK(h.unhealthy_after == 2);
    CHECK(h.healthy_after == 5);
    CHECK(h.expect_status_min == 200);
    CHECK(h.expect_status_max == 204);
    CHECK(h.ca_file == (t.dir / "ca/mirrors.pem").string());
}

TEST_CASE("config: mirror_health mistakes are reported at file:line:column") {
    struct row {
        const char* what;
        std::string body;
        std::uint32_t line, column;
        const char* message_part;
    };
    // The section starts on line 3; its first key is on line 4.
    const row rows[] = {
        {"unknown key", "intervall = \"5s\"\n", 4, 1, "unknown key 'intervall' in [mirror_health]"},
        {"enabled not a boolean", "enabled = \"yes\"\n", 4, 11, "expected true or false"},
        {"interval too short", "interval = \"10ms\"\n", 4, 12, "at least \"100ms\""},
        {"interval not a duration", "interval = 10\n", 4, 12, "interval"},
        {"zero timeout", "timeout = \"0s\"\n", 4, 11, "above zero"},
        {"relative path", "path = \"health\"\n", 4, 8, "expected an absolute path"},
        {"path with a space", "path = \"/a b\"\n", 4, 8, "expected an absolute path"},
        {"path with a fragment", "path = \"/a#b\"\n", 4, 8, "expected an absolute path"},
        {"unhealthy_after zero", "unhealthy_after = 0\n", 4, 19, "unhealthy_after"},
        {"healthy_after too big", "healthy_after = 1000\n", 4, 17, "healthy_after"},
        {"expect_status one value", "expect_status = [200]\n", 4, 17, "expect_status = [lowest"},
        {"expect_status reversed", "expect_status = [399, 200]\n", 4, 17, "in order"},
        {"expect_status not a status", "expect_status = [200, 700]\n", 4, 17, "100 to 599"},
        {"expect_status strings", "expect_status = [\"200\", \"399\"]\n", 4, 17, "two HTTP"},
        {"missing ca_file", "ca_file = \"nope.pem\"\n", 4, 11, "is not a readable file"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.what);
        temp_config t(listen_table + "[mirror_health]\n" + r.body);
        diagnostics d;
        auto c = load_config(t.file, d);
        INFO(all(d));
        CHECK_FALSE(c);
        bool found = false;
        for (const auto& x : d)
            if (x.message.find(r.message_part) != std::string::npos) {
                found = true;
                CHECK(x.where.line == r.line);
                CHECK(x.where.column == r.column);
            }
        CHECK(found);
    }
}
