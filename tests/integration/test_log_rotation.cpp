// Log rotation (issue 10): logrotate renames the access and event logs and sends SIGUSR1; new
// lines must land in fresh files at the original paths, and no line may be lost on the way.
#include "tests/integration/support/geo_fixture.hpp" // eventually, occurrences
#include "tests/integration/support/stack.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>

using namespace geogate::it;

namespace {

std::size_t lines_with(const std::filesystem::path& file, const std::string& needle) {
    return occurrences(read_file(file), needle);
}

} // namespace

TEST_CASE("SIGUSR1 reopens the access and event logs: after a rename, new lines go to fresh "
          "files at the original paths and none is lost",
          "[logs]") {
    stack s([](toml_config& c) {
        c.set_string("log", "access", "access.log");
        c.set_string("log", "error", "events.log");
        c.set("log", "log_query", "true");
    });
    REQUIRE(s.proxy.started()); // its "listening" events were read from events.log
    const auto dir = s.proxy.dir();
    const auto access = dir / "access.log", events = dir / "events.log";
    constexpr int n = 25;

    for (int i = 0; i < n; ++i)
        REQUIRE(
            round_trip(s.proxy.port(), get_request("/echo?before=" + std::to_string(i))).status ==
            200);
    REQUIRE(eventually([&] { return lines_with(access, "before=") == n; }));

    // What logrotate does: rename, then signal.
    std::filesystem::rename(access, dir / "access.log.1");
    std::filesystem::rename(events, dir / "events.log.1");
    // Requests between the rename and the signal still go to the renamed file.
    for (int i = 0; i < n; ++i)
        REQUIRE(
            round_trip(s.proxy.port(), get_request("/echo?between=" + std::to_string(i))).status ==
            200);
    s.proxy.process().send_signal(SIGUSR1);
    REQUIRE(eventually([&] { return lines_with(events, "\"event\":\"logs_reopened\"") == 1; }));

    for (int i = 0; i < n; ++i)
        REQUIRE(
            round_trip(s.proxy.port(), get_request("/echo?after=" + std::to_string(i))).status ==
            200);
    s.proxy.process().send_signal(SIGHUP); // an event after the rotation
    CHECK(eventually([&] {
        return lines_with(access, "after=") == n && lines_with(events, "\"event\":\"reloaded\"");
    }));

    // Every request logged exactly once, across the two files; old lines stay where they were.
    const auto old_access = dir / "access.log.1";
    CHECK(lines_with(old_access, "before=") == n);
    CHECK(lines_with(old_access, "between=") + lines_with(access, "between=") == n);
    CHECK(lines_with(old_access, "after=") == 0);
    CHECK(lines_with(access, "before=") == 0);
    CHECK(lines_with(access, "after=") == n);
    // The event log likewise: start-up in the old file, the reload only in the new one.
    const auto old_events = dir / "events.log.1";
    CHECK(lines_with(old_events, "\"event\":\"listening\"") == 1);
    CHECK(lines_with(old_events, "\"event\":\"reloaded\"") == 0);
    CHECK(lines_with(events, "\"event\":\"listening\"") == 0);
    CHECK(lines_with(events, "\"event\":\"reloaded\"") == 1);

    // A second rotation works the same way (the proxy keeps no stale state).
    std::filesystem::rename(access, dir / "access.log.2");
    s.proxy.process().send_signal(SIGUSR1);
    REQUIRE(eventually([&] { return lines_with(events, "\"event\":\"logs_reopened\"") == 2; }));
    REQUIRE(round_trip(s.proxy.port(), get_request("/echo?third")).status == 200);
    CHECK(eventually([&] { return lines_with(access, "third") == 1; }));
    CHECK(lines_with(dir / "access.log.2", "after=") == n);
}
