// SIGTERM: stop accepting, let in-flight requests finish within the drain bound, exit 0.
#include "tests/integration/support/stack.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

using namespace geogate::it;

namespace {

// Polls (bounded) until `pred` holds; for waiting on another process, not for timing asserts.
template <class Pred> bool eventually(Pred pred, milliseconds bound = milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(milliseconds(10));
    }
    return true;
}

} // namespace

TEST_CASE("SIGTERM lets an in-flight request finish, stops accepting, then exits 0") {
    stack s;
    REQUIRE(s.proxy.started());
    raw_client c(s.proxy.port());
    REQUIRE(c.connected());
    c.send(get_request("/slow-header?ms=1000&drain"));
    REQUIRE(eventually([&] { return s.origin.received_contains("drain"); }));

    s.proxy.process().send_signal(SIGTERM);
    // New connections are refused once the listener is closed (while the request runs).
    CHECK(eventually([&] { return !raw_client(s.proxy.port()).connected(); }, milliseconds(900)));

    const auto res = c.read_response(milliseconds(5000));
    CHECK(res.status == 200);
    CHECK(res.complete);
    CHECK(res.body == "slow\n");
    CHECK(s.proxy.process().wait_exit(milliseconds(5000)) == std::optional<int>(0));
}

TEST_CASE("SIGTERM with only idle keep-alive clients exits 0 promptly and closes them") {
    stack s;
    REQUIRE(s.proxy.started());
    raw_client c(s.proxy.port());
    c.send(get_request("/echo"));
    REQUIRE(c.read_response().status == 200);
    s.proxy.process().send_signal(SIGTERM);
    CHECK(c.wait_closed(milliseconds(5000)));
    CHECK(s.proxy.process().wait_exit(milliseconds(5000)) == std::optional<int>(0));
}

TEST_CASE("SIGTERM drain is bounded: a request slower than drain_timeout does not hold exit") {
    stack s([](toml_config& c) {
        c.set_string("limits", "drain_timeout", "500ms");
        c.set_string("origin", "response_timeout", "30s");
    });
    REQUIRE(s.proxy.started());
    raw_client c(s.proxy.port());
    c.send(get_request("/slow-header?ms=20000&stuck"));
    REQUIRE(eventually([&] { return s.origin.received_contains("stuck"); }));
    s.proxy.process().send_signal(SIGTERM);
    CHECK(s.proxy.process().wait_exit(milliseconds(8000)) == std::optional<int>(0));
    const auto res = c.read_response(milliseconds(2000));
    CHECK_FALSE((res.status == 200 && res.complete));
}
