// Failing origins (issue 10): one whose connect never completes (black-holed), one that accepts
// and never answers, and one that goes down and comes back on the same port. Readers get a
// clean 502/504 within the configured timeout, never a hang, and the proxy recovers on the very
// next request, keeping no connection to the dead origin.
#include "tests/integration/support/dead_origin.hpp"
#include "tests/integration/support/geo_fixture.hpp" // eventually
#include "tests/integration/support/proc_stats.hpp"
#include "tests/integration/support/stack.hpp"

#include <catch2/catch.hpp>
#include <memory>

using namespace geogate::it;
using std::chrono::steady_clock;

namespace {

constexpr auto connect_timeout = milliseconds(1000); // default_config
constexpr auto response_timeout = milliseconds(1000);
constexpr auto slack = milliseconds(3000); // scheduling on a loaded 2-core machine

toml_config config_for(const std::string& origin_url) {
    toml_config c = default_config(origin_url);
    c.set_string("origin", "response_timeout", "1s");
    return c;
}

// A request on a fresh connection, and how long its answer took.
std::pair<http_response, steady_clock::duration> timed(unsigned short port,
                                                       const std::string& target) {
    const auto started = steady_clock::now();
    auto res = round_trip(port, get_request(target), milliseconds(15000));
    return {std::move(res), steady_clock::now() - started};
}

// Three requests to an origin that cannot answer, each on a fresh connection: every one gets a
// complete `status` page after between `at_least` and `at_most`. Returns the proxy's descriptor
// count settled after the first request (the resolver's thread and descriptors exist from then
// on), for the leak checks that follow.
int three_answers_from_dead_origin(geogate_process& proxy, const std::string& target, int status,
                                   steady_clock::duration at_least,
                                   steady_clock::duration at_most) {
    int fds_before = 0;
    for (int i = 0; i < 3; ++i) {
        if (i == 1)
            fds_before = settled_fds(proxy.process().pid(), proxy.port());
        const auto [res, took] = timed(proxy.port(), target);
        CHECK(res.status == status);
        CHECK(res.complete);
        CHECK(took >= at_least);
        CHECK(took < at_most);
    }
    return fds_before;
}

} // namespace

TEST_CASE("a black-holed origin (connect never completes) gives 502 within connect_timeout",
          "[outage]") {
    dead_origin hole(dead_origin::kind::black_hole);
    REQUIRE(hole.ready()); // a SYN to it really goes unanswered here
    geogate_process proxy(config_for(hole.url()));
    REQUIRE(proxy.started());
    const pid_t pid = proxy.process().pid();
    // The documented contract: connect failure or timeout -> 502, after waiting for the
    // connect, and no longer than configured.
    const int fds_before = three_answers_from_dead_origin(proxy, "/echo?black-hole", 502,
                                                          connect_timeout - milliseconds(100),
                                                          connect_timeout + slack);
    CHECK(proxy.event_log().find("upstream_connect_failed") != std::string::npos);
    // The half-open connects were abandoned, not leaked.
    CHECK(eventually([&] { return sockets_to(pid, hole.port()) == 0; }, slack));
    CHECK(eventually([&] { return open_fds(pid) == fds_before; }, slack));
}

TEST_CASE("an origin that accepts and never answers gives 504 within response_timeout and the "
          "proxy closes its connection",
          "[outage]") {
    dead_origin silent(dead_origin::kind::silent);
    REQUIRE(silent.ready());
    geogate_process proxy(config_for(silent.url()));
    REQUIRE(proxy.started());
    const pid_t pid = proxy.process().pid();
    const int fds_before = three_answers_from_dead_origin(
        proxy, "/echo?silent", 504, steady_clock::duration::zero(), response_timeout + slack);
    // Every connection the proxy opened to it was closed by the proxy.
    const auto [taken, closed] = silent.peers_closed(slack);
    CHECK(taken >= 1);
    CHECK(closed == taken);
    CHECK(eventually([&] { return open_fds(pid) == fds_before; }, slack));
}

TEST_CASE("after an origin outage the very next requests succeed on the restarted origin, "
          "with no connection to the dead one left open",
          "[outage]") {
    auto origin = std::make_unique<test_origin>();
    REQUIRE(origin->started());
    const unsigned short origin_port = origin->port();
    toml_config c = config_for(origin->url());
    c.set("", "threads", "2");
    geogate_process proxy(c);
    REQUIRE(proxy.started());
    const pid_t pid = proxy.process().pid();

    // Fill both workers' pools with keep-alive connections to the first origin.
    {
        std::vector<raw_client> readers;
        for (int i = 0; i < 6; ++i) {
            readers.emplace_back(proxy.port());
            readers.back().send(get_request("/slow-header?ms=200"));
        }
        for (auto& r : readers)
            REQUIRE(r.read_response().status == 200);
    }
    REQUIRE(sockets_to(pid, origin_port) >= 2);
    const int fds_pooled = settled_fds(pid, proxy.port());

    // Outage: the origin exits (its connections close); readers get 502, promptly.
    origin->process().stop();
    origin.reset();
    for (int i = 0; i < 4; ++i) {
        const auto [res, took] = timed(proxy.port(), "/echo?outage");
        CHECK(res.status == 502);
        CHECK(took < connect_timeout + slack);
    }
    // The dead origin's pooled connections are gone (each worker dropped them on its next use).
    CHECK(eventually([&] { return sockets_to(pid, origin_port) == 0; }, slack));

    // Back on the same port: the very next requests, on either worker, succeed.
    test_origin again(origin_port);
    REQUIRE(again.started());
    for (int i = 0; i < 6; ++i) {
        const auto res = round_trip(proxy.port(), get_request("/echo?after=" + std::to_string(i)));
        CHECK(res.status == 200);
        CHECK(res.complete);
    }
    CHECK(again.received_contains("after=5"));
    // Nothing leaked over the outage: no more descriptors than with the full pool before it,
    // and none half-closed by the old origin.
    CHECK(settled_fds(pid, proxy.port()) <= fds_pooled);
    for (const auto& s : tcp_sockets(pid))
        CHECK(s.state != tcp_close_wait);
}
