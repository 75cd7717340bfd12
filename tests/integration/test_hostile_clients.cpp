// Hostile clients (issue 10): a reader that stops reading a large response, an upload that
// stalls, hundreds of connections from one address. Each must cost the proxy bounded memory
// and time, must not leak a connection, and must not slow down anyone else.
#include "tests/integration/support/geo_fixture.hpp" // eventually, metric_value, admin_get
#include "tests/integration/support/proc_stats.hpp"
#include "tests/integration/support/stack.hpp"
#include "tests/origin/pattern.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

using namespace geogate::it;
using geogate::test::pattern_bytes;
using std::chrono::steady_clock;

namespace {

constexpr auto body_timeout = milliseconds(1000);
constexpr auto slack = milliseconds(3000); // scheduling on a loaded 2-core machine

// Whether the proxy still holds the connection whose client side is `client_port`.
bool proxy_holds(pid_t proxy, unsigned short client_port) {
    const auto all = tcp_sockets(proxy);
    return std::any_of(all.begin(), all.end(),
                       [&](const tcp_socket& s) { return s.remote_port == client_port; });
}

// One request from another reader, on its own connection: must be answered promptly.
bool served(unsigned short port, const std::string& local_address = {}) {
    raw_client c(port, local_address);
    if (!c.connected() || !c.send(get_request("/echo?other", "Connection: close\r\n")))
        return false;
    const auto res = c.read_response(milliseconds(2000));
    return res.status == 200 && res.complete;
}

} // namespace

TEST_CASE("a reader that stops reading a large download is cut off after body_timeout, "
          "holding no memory, no origin connection, and slowing no one",
          "[hostile]") {
    stack s([](toml_config& c) {
        c.set("", "threads", "1"); // one worker: the slow reader shares the loop with the others
        c.set_string("limits", "body_timeout", "1s");
    });
    REQUIRE(s.proxy.started());
    const pid_t pid = s.proxy.process().pid();
    constexpr std::uint64_t size = 64ull << 20; // far more than the kernel buffers hold
    // Warm up (pooled origin connection, buffers) so the baselines include them.
    REQUIRE(round_trip(s.proxy.port(), get_request("/huge?bytes=1000000")).complete);
    const auto rss_before = peak_rss_kib(pid);
    REQUIRE(rss_before > 0);
    const int fds_before = settled_fds(pid, s.proxy.port());

    // A 16 KiB receive buffer: the client's kernel cannot hide how slowly it reads.
    raw_client slow(s.proxy.port(), {}, milliseconds(3000), 16 * 1024);
    REQUIRE(slow.connected());
    REQUIRE(slow.send(get_request("/huge?bytes=" + std::to_string(size))));
    std::uint64_t received = 0;
    // 2 s of reading 16 KiB every 100 ms, while other readers are served alongside.
    for (int i = 0; i < 20; ++i) {
        received += slow.read_at_most(16 * 1024, milliseconds(100)).size();
        CHECK(served(s.proxy.port()));
        std::this_thread::sleep_for(milliseconds(100));
    }
    CHECK(received > 0);
    CHECK(proxy_holds(pid, slow.local_port()));

    // Stop reading: no progress, so the proxy must let go within body_timeout (+ slack).
    const auto stopped = steady_clock::now();
    CHECK(eventually([&] { return !proxy_holds(pid, slow.local_port()); }, body_timeout + slack));
    CHECK(steady_clock::now() - stopped < body_timeout + slack);
    CHECK(served(s.proxy.port()));
    // Its origin connection is closed (not pooled half-read), nothing else is left open.
    CHECK(eventually([&] { return open_fds(pid) == fds_before; }, slack));
    CHECK(sockets_to(pid, s.origin.port()) <= 1); // the warm pooled connection at most
    // The proxy never read the body ahead of the reader.
    const auto rss_after = peak_rss_kib(pid);
    REQUIRE(rss_after > 0);
    CHECK(rss_after - rss_before < 24 * 1024); // KiB: well below the 64 MiB body
    // What the reader still gets ends short: an incomplete response, never a complete one.
    received += slow.read_bytes(size, milliseconds(10000)).size();
    CHECK(slow.wait_closed(milliseconds(2000)));
    CHECK(received < size);
}

TEST_CASE("a slow reader that keeps reading gets the whole download", "[hostile]") {
    stack s([](toml_config& c) { c.set_string("limits", "body_timeout", "1s"); });
    REQUIRE(s.proxy.started());
    constexpr std::uint64_t size = 8ull << 20;
    raw_client slow(s.proxy.port(), {}, milliseconds(3000), 64 * 1024);
    REQUIRE(slow.connected());
    REQUIRE(slow.send(get_request("/huge?bytes=" + std::to_string(size))));
    // 64 KiB every 50 ms (1.25 MiB/s): several seconds in all, far beyond body_timeout, but
    // never a second without progress.
    std::string bytes;
    const auto deadline = steady_clock::now() + milliseconds(60000);
    for (;;) {
        const std::string piece = slow.read_at_most(64 * 1024, milliseconds(2000));
        if (piece.empty() || steady_clock::now() > deadline)
            break;
        bytes += piece;
        std::this_thread::sleep_for(milliseconds(50));
    }
    const auto head_end = bytes.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    CHECK(bytes.compare(0, 15, "HTTP/1.1 200 OK") == 0);
    const std::string body = bytes.substr(head_end + 4);
    CHECK(body.size() == size);
    const bool intact = body == pattern_bytes(0, size);
    CHECK(intact);
}

TEST_CASE("a stalled upload gets 408 after body_timeout and the origin never sees it complete",
          "[hostile]") {
    stack s([](toml_config& c) {
        c.set("", "threads", "1"); // one upstream pool: the descriptor count is exact
        c.set_string("limits", "body_timeout", "1s");
    });
    REQUIRE(s.proxy.started());
    const pid_t pid = s.proxy.process().pid();
    REQUIRE(round_trip(s.proxy.port(), get_request("/echo")).complete);
    const int fds_before = settled_fds(pid, s.proxy.port());
    constexpr std::size_t announced = 1 << 20;
    constexpr std::size_t sent = 200 * 1024; // past the proxy's 64 KiB prefetch: the origin is
                                             // already receiving when the client stalls
    struct stall {
        std::string name;
        std::string head;
        std::string body;
    };
    std::string chunked_body;
    for (std::size_t off = 0; off < sent; off += 10 * 1024)
        chunked_body += "2800\r\n" + pattern_bytes(off, 10 * 1024) + "\r\n";
    const std::vector<stall> stalls = {
        {"content-length",
         "PUT /upload?stall=content-length HTTP/1.1\r\nHost: site.test\r\nContent-Length: " +
             std::to_string(announced) + "\r\n\r\n",
         pattern_bytes(0, sent)},
        {"chunked",
         "PUT /upload?stall=chunked HTTP/1.1\r\nHost: site.test\r\n"
         "Transfer-Encoding: chunked\r\n\r\n",
         chunked_body},
        {"in-prefetch",
         "PUT /upload?stall=in-prefetch HTTP/1.1\r\nHost: site.test\r\nContent-Length: " +
             std::to_string(announced) + "\r\n\r\n",
         pattern_bytes(0, 1000)}};
    for (const auto& st : stalls) {
        CAPTURE(st.name);
        raw_client c(s.proxy.port());
        REQUIRE(c.connected());
        REQUIRE(c.send(st.head + st.body));
        const auto started = steady_clock::now();
        const auto res = c.read_response(body_timeout + slack);
        CHECK(res.status == 408);
        CHECK(steady_clock::now() - started < body_timeout + slack);
        CHECK(c.wait_closed(slack));
        CHECK(served(s.proxy.port()));
    }
    // The origin saw the first two cut short (its connection closed mid-body), never complete,
    // and never saw the third at all (the proxy had not contacted it yet).
    std::vector<std::string> bodies;
    CHECK(eventually([&] {
        bodies = s.origin.bodies();
        return bodies.size() >= 2;
    }));
    std::sort(bodies.begin(), bodies.end());
    REQUIRE(bodies.size() == 2);
    CHECK(bodies[0].rfind("/upload?stall=chunked incomplete ", 0) == 0);
    CHECK(bodies[1].rfind("/upload?stall=content-length incomplete ", 0) == 0);
    CHECK_FALSE(s.origin.received_contains("stall=in-prefetch"));
    eventually([&] { return open_fds(pid) == fds_before; }, slack);
    CHECK(open_fds(pid) == fds_before);
}

TEST_CASE("an upload that keeps making progress is not cut by body_timeout", "[hostile]") {
    stack s([](toml_config& c) { c.set_string("limits", "body_timeout", "2s"); });
    REQUIRE(s.proxy.started());
    raw_client c(s.proxy.port());
    REQUIRE(c.connected());
    constexpr std::size_t piece = 8 * 1024, pieces = 16; // 4 s in all, a piece every 250 ms
    REQUIRE(c.send("PUT /upload?drip HTTP/1.1\r\nHost: site.test\r\nContent-Length: " +
                   std::to_string(piece * pieces) + "\r\n\r\n"));
    bool sent = true;
    for (std::size_t i = 0; sent && i < pieces; ++i) {
        std::this_thread::sleep_for(milliseconds(250));
        sent = c.send(pattern_bytes(i * piece, piece));
    }
    REQUIRE(sent);
    const auto res = c.read_response(milliseconds(5000));
    CHECK(res.status == 200);
    CHECK(eventually([&] {
        const auto b = s.origin.bodies();
        return b ==
               std::vector<std::string>{"/upload?drip complete " + std::to_string(piece * pieces)};
    }));
}

TEST_CASE("hundreds of idle connections from one address do not slow down another reader",
          "[hostile]") {
    // No per-client limit here: only the event loop's fairness is on trial.
    stack s([](toml_config& c) {
        c.set_string("limits", "header_timeout", "30s");
        c.set("limits", "max_connections_per_client", "0");
    });
    REQUIRE(s.proxy.started());
    const pid_t pid = s.proxy.process().pid();
    constexpr int crowd = 400;
    std::vector<raw_client> idle;
    for (int i = 0; i < crowd; ++i) {
        idle.emplace_back(s.proxy.port(), "127.0.0.2");
        REQUIRE(idle.back().connected());
        if (i % 2 == 1) // half of them dribble a request line and stop (slowloris)
            idle.back().send("GET /echo?crowd HTTP/1.1\r\nHost: site.test\r\n");
    }
    CHECK(eventually([&] { return sockets_on(pid, s.proxy.port()) >= crowd; }));
    for (int i = 0; i < 20; ++i) {
        const auto started = steady_clock::now();
        CHECK(served(s.proxy.port(), "127.0.0.3"));
        CHECK(steady_clock::now() - started < milliseconds(2000));
    }
    CHECK_FALSE(s.origin.received_contains("crowd"));
}

TEST_CASE("connections over max_connections_per_client are closed at accept, counted and "
          "logged once, and limit neither other addresses nor trusted proxies",
          "[hostile]") {
    constexpr int limit = 50;
    stack s([](toml_config& c) {
        c.set("listen", "admin", "\"127.0.0.1:0\"");
        c.set_string("limits", "header_timeout", "30s");
        c.set("limits", "max_connections_per_client", std::to_string(limit));
        c.set("client_ip", "trusted_proxies", "[\"127.0.0.4/32\"]"); // a CDN's address, say
    });
    REQUIRE(s.proxy.started());
    const pid_t pid = s.proxy.process().pid();
    const unsigned short port = s.proxy.port();
    const auto refused = [&] {
        return metric_value(admin_get(s.proxy.admin_port(), "/metrics").body,
                            "geogate_connections_refused_total{reason=\"per_client_limit\"}");
    };
    REQUIRE(refused() == 0);

    constexpr int crowd = 300;
    std::vector<raw_client> conns;
    for (int i = 0; i < crowd; ++i) {
        conns.emplace_back(port, "127.0.0.2");
        REQUIRE(conns.back().connected()); // the kernel completes every handshake
    }
    // The proxy closes all but `limit` at accept (the close comes before the count).
    CHECK(eventually([&] { return refused() == crowd - limit; }));
    std::vector<raw_client> open;
    for (auto& c : conns)
        if (!c.wait_closed(milliseconds(0)))
            open.push_back(std::move(c));
    CHECK(open.size() == static_cast<std::size_t>(limit));
    CHECK(eventually([&] { return sockets_on(pid, port) == static_cast<std::size_t>(limit); }));

    // Another address is served promptly meanwhile.
    for (int i = 0; i < 10; ++i) {
        const auto started = steady_clock::now();
        CHECK(served(port, "127.0.0.3"));
        CHECK(steady_clock::now() - started < milliseconds(2000));
    }
    // One event line for the whole burst, the address truncated as in the access log.
    const std::string events = s.proxy.event_log();
    CHECK(occurrences(events, "\"event\":\"client_connection_limit\"") == 1);
    CHECK(events.find("\"client\":\"127.0.0.0/24\"") != std::string::npos);
    CHECK(events.find("\"refused\":\"1\"") != std::string::npos); // the first, at once

    // Slots free up as connections end: after ten close, ten new ones are served.
    for (int i = 0; i < 10 && !open.empty(); ++i)
        open.pop_back();
    CHECK(
        eventually([&] { return sockets_on(pid, port) == static_cast<std::size_t>(limit - 10); }));
    for (int i = 0; i < 10; ++i)
        CHECK(served(port, "127.0.0.2"));

    // A trusted proxy carries many readers: more than `limit` connections from it are served.
    std::vector<raw_client> cdn;
    for (int i = 0; i < limit + 30; ++i) {
        cdn.emplace_back(port, "127.0.0.4");
        REQUIRE(cdn.back().connected());
    }
    int ok = 0;
    for (auto& c : cdn) {
        c.send(get_request("/echo?via-cdn", "X-Forwarded-For: 198.51.100.180\r\n"));
        ok += c.read_response(milliseconds(5000)).status == 200 ? 1 : 0;
    }
    CHECK(ok == limit + 30);
    CHECK(refused() == crowd - limit);
}

TEST_CASE("refused request heads are logged, rate-limited, the address truncated", "[hostile]") {
    stack s([](toml_config& c) { c.set("limits", "max_request_line", "1024"); });
    REQUIRE(s.proxy.started());
    std::string many_fields;
    for (int i = 0; i < 150; ++i)
        many_fields += "X-F" + std::to_string(i) + ": 1\r\n";
    const std::vector<std::pair<std::string, int>> refused = {
        {"GET /echo HTTP/1.1\nHost: site.test\n\n", 400}, // bare LF
        {"GET /echo?" + std::string(2000, 'a') + " HTTP/1.1\r\nHost: site.test\r\n\r\n", 414},
        {"GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400}, // two Hosts
        {get_request("/echo", many_fields), 431},                  // 150 fields
    };
    for (const auto& [bytes, status] : refused) {
        raw_client c(s.proxy.port(), "127.0.0.5");
        REQUIRE(c.send(bytes));
        CHECK(c.read_response(milliseconds(5000)).status == status);
    }
    // The first refusal is logged at once; the burst after it is counted into a later line.
    REQUIRE(eventually([&] {
        return s.proxy.event_log().find("\"event\":\"request_refused\"") != std::string::npos;
    }));
    const std::string events = s.proxy.event_log();
    CAPTURE(events);
    CHECK(occurrences(events, "\"event\":\"request_refused\"") == 1);
    CHECK(events.find("\"client\":\"127.0.0.0/24\"") != std::string::npos);
    CHECK(events.find("127.0.0.5") == std::string::npos);
    CHECK(events.find("\"status\":\"400\"") != std::string::npos);
    CHECK(events.find("\"reason\":\"bare LF\"") != std::string::npos);
}
