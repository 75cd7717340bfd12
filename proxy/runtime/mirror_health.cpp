#include "proxy/runtime/mirror_health.hpp"

#include "proxy/http/tls_peer_name.hpp"
#include "proxy/telemetry/event_log.hpp"
#include "proxy/telemetry/metrics.hpp"

#include <algorithm>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace geogate {

using clock_type = std::chrono::steady_clock;

mirror_health_tracker::change mirror_health_tracker::record(bool ok, unsigned unhealthy_after,
                                                            unsigned healthy_after) noexcept {
    if (ok) {
        failures_ = 0;
        if (successes_ < 1'000'000)
            ++successes_;
        if (!healthy_ && successes_ >= std::max(1u, healthy_after)) {
            healthy_ = true;
            return change::became_healthy;
        }
        return change::none;
    }
    successes_ = 0;
    if (failures_ < 1'000'000)
        ++failures_;
    if (healthy_ && failures_ >= std::max(1u, unhealthy_after)) {
        healthy_ = false;
        return change::became_unhealthy;
    }
    return change::none;
}

probe_result judge_status(unsigned status, const mirror_health_config& cfg) {
    if (status >= cfg.expect_status_min && status <= cfg.expect_status_max)
        return {"ok", "status " + std::to_string(status)};
    return {"bad_status", "status " + std::to_string(status) + ", expected " +
                              std::to_string(cfg.expect_status_min) + ".." +
                              std::to_string(cfg.expect_status_max)};
}

std::vector<std::string> mirrors_to_probe(const rules::rule_set& rules) {
    std::vector<std::string> out;
    for (const auto& r : rules.rules)
        for (const auto& m : r.mirrors)
            if (!m.down)
                out.push_back(m.base);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

namespace {

/// "https://host[:port]" (as the rule loader writes mirror::base) -> host, port.
bool split_base(std::string_view base, std::string& host, std::string& port) {
    constexpr std::string_view scheme = "https://";
    if (!base.starts_with(scheme))
        return false;
    auto rest = base.substr(scheme.size());
    auto colon = rest.find(':');
    host = std::string(rest.substr(0, colon));
    port = colon == std::string_view::npos ? "443" : std::string(rest.substr(colon + 1));
    return !host.empty() && !port.empty();
}

std::string_view failure(const error_code& ec, std::string_view otherwise) {
    return ec == beast::error::timeout ? std::string_view("timeout") : otherwise;
}

} // namespace

/// A name lookup outlives the probe that started it when it takes longer than the timeout
/// (getaddrinfo cannot be interrupted): its result lands here, and the probe has moved on.
struct mirror_prober::lookup {
    explicit lookup(net::io_context& ioc) : resolver(ioc), wake(ioc) {}
    tcp::resolver resolver;
    net::steady_timer wake;
    error_code ec;
    tcp::resolver::results_type results;
    bool done = false;
};

mirror_prober::mirror_prober(snapshot_store& snapshots, mirror_health_store& out, metrics& stats)
    : snapshots_(snapshots), out_(out), stats_(stats) {}

mirror_prober::~mirror_prober() {
    stop();
    mirrors_.clear(); // their name lookups hold I/O objects of ioc_: gone before it is
}

void mirror_prober::start() {
    if (thread_.joinable())
        return;
    net::co_spawn(ioc_, run(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
}

void mirror_prober::stop() {
    ioc_.stop();
    if (thread_.joinable())
        thread_.join();
}

awaitable<void> mirror_prober::run() {
    for (;;) {
        auto now = clock_type::now();
        auto wake = now + std::chrono::seconds(1); // notice reloads within a second
        if (auto snap = snapshots_.current()) {
            const auto& cfg = snap->cfg->mirror_health;
            if (!cfg.enabled) {
                if (enabled_)
                    disable();
            } else {
                if (!enabled_ || snap->generation != synced_generation_) {
                    sync(*snap);
                    now = clock_type::now(); // sync loads the CA store: that takes a while
                }
                for (auto& [base, e] : mirrors_) {
                    if (!e.listed || e.in_flight)
                        continue;
                    if (now >= e.next_due) {
                        e.in_flight = true;
                        e.next_due = now + cfg.interval;
                        if (e.pending_lookup && !e.pending_lookup->done) {
                            // The last name lookup has not even finished: do not queue another.
                            finished(base, {"timeout", "the previous name lookup is still pending"},
                                     cfg);
                        } else {
                            net::co_spawn(ioc_, probe(base, cfg, tls_), net::detached);
                        }
                    }
                    wake = std::min(wake, e.next_due);
                }
            }
        }
        timer_.expires_at(wake);
        co_await timer_.async_wait(use_nothrow); // cancelled: a probe ended late, look again
    }
}

void mirror_prober::sync(const snapshot& snap) {
    const auto& cfg = snap.cfg->mirror_health;
    auto want = mirrors_to_probe(*snap.rules);
    for (auto it = mirrors_.begin(); it != mirrors_.end();) {
        it->second.listed = std::binary_search(want.begin(), want.end(), it->first);
        if (!it->second.listed && !it->second.in_flight)
            it = mirrors_.erase(it);
        else
            ++it;
    }
    for (const auto& m : want) {
        auto [it, added] = mirrors_.try_emplace(m);
        if (added)
            stats_.mirror_up(m, true); // healthy until proven otherwise
        // A changed interval applies from the next probe on.
        it->second.next_due = std::min(it->second.next_due, clock_type::now() + cfg.interval);
    }
    stats_.mirrors_probed(want);
    if (auto tls = make_tls(cfg))
        tls_ = std::move(tls);
    if (!enabled_)
        event_log::info("mirror_health_enabled",
                        {{"mirrors", std::to_string(want.size())},
                         {"interval_ms", std::to_string(cfg.interval.count())},
                         {"timeout_ms", std::to_string(cfg.timeout.count())}});
    enabled_ = true;
    synced_generation_ = snap.generation;
    publish(); // mirrors that left the rules leave the unhealthy set
}

void mirror_prober::disable() {
    for (auto it = mirrors_.begin(); it != mirrors_.end();) {
        it->second.listed = false;
        it = it->second.in_flight ? std::next(it) : mirrors_.erase(it);
    }
    stats_.mirrors_probed({});
    enabled_ = false;
    synced_generation_ = 0;
    publish();
    event_log::info("mirror_health_disabled");
}

std::shared_ptr<ssl::context> mirror_prober::make_tls(const mirror_health_config& cfg) {
    try {
        auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
        SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
        ctx->set_default_verify_paths();
        if (!cfg.ca_file.empty())
            ctx->load_verify_file(cfg.ca_file);
        ctx->set_verify_mode(ssl::verify_peer);
        return ctx;
    } catch (const std::exception& e) {
        // Keeps the previous context (or none: every probe then fails with tls_error).
        event_log::error("mirror_health_ca_failed",
                         {{"ca_file", cfg.ca_file}, {"error", e.what()}});
        return nullptr;
    }
}

awaitable<void> mirror_prober::probe(std::string base, mirror_health_config cfg,
                                     std::shared_ptr<ssl::context> tls) {
    probe_result r;
    try {
        if (!tls)
            r = {"tls_error", "no usable TLS client context (see mirror_health_ca_failed)"};
        else
            r = co_await attempt(base, cfg, *tls);
    } catch (const std::exception& e) {
        r = {"error", e.what()};
    }
    finished(base, r, cfg);
}

awaitable<probe_result> mirror_prober::attempt(const std::string& base,
                                               const mirror_health_config& cfg, ssl::context& tls) {
    std::string host, port;
    if (!split_base(base, host, port))
        co_return probe_result{"error", "not an https://host[:port] mirror URL"};
    const auto deadline = clock_type::now() + cfg.timeout;

    // Name lookup, bounded: the probe stops waiting at the deadline even if getaddrinfo does not.
    auto l = std::make_shared<lookup>(ioc_);
    if (auto it = mirrors_.find(base); it != mirrors_.end())
        it->second.pending_lookup = l;
    l->wake.expires_at(deadline);
    l->resolver.async_resolve(host, port, [l](error_code ec, tcp::resolver::results_type results) {
        l->ec = ec;
        l->results = std::move(results);
        l->done = true;
        l->wake.cancel();
    });
    co_await l->wake.async_wait(use_nothrow);
    if (!l->done)
        co_return probe_result{"timeout", "name lookup of " + host + " took longer than " +
                                              std::to_string(cfg.timeout.count()) + "ms"};
    if (l->ec)
        co_return probe_result{"resolve_error", host + ": " + l->ec.message()};

    // Connect, TLS, request, response head: the stream's deadline covers every step.
    beast::ssl_stream<beast::tcp_stream> stream(ioc_, tls);
    auto& tcp_layer = beast::get_lowest_layer(stream);
    tcp_layer.expires_at(deadline);
    auto [cec, ep] = co_await tcp_layer.async_connect(l->results, use_nothrow);
    if (cec)
        co_return probe_result{failure(cec, "connect_error"), cec.message()};

    SSL* ssl = stream.native_handle();
    if (!expect_tls_peer(ssl, host))
        co_return probe_result{"error", "cannot set the TLS server name"};
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_nothrow);
    if (hec) {
        std::string detail = hec.message();
        if (long v = SSL_get_verify_result(ssl); v != X509_V_OK)
            detail += std::string(" (certificate: ") + X509_verify_cert_error_string(v) + ")";
        co_return probe_result{failure(hec, "tls_error"), detail};
    }

    http::request<http::empty_body> req{http::verb::get, cfg.path, 11};
    req.set(http::field::host, base.substr(std::string_view("https://").size()));
    req.set(http::field::user_agent, "geogate-mirror-health/" GEOGATE_VERSION);
    req.set(http::field::accept, "*/*");
    req.set(http::field::connection, "close");
    auto [wec, wn] = co_await http::async_write(stream, req, use_nothrow);
    if (wec)
        co_return probe_result{failure(wec, "http_error"), "sending the request: " + wec.message()};

    // The head only: the buffer is capped, the body is never read.
    beast::flat_buffer buffer(16 * 1024);
    http::response_parser<http::empty_body> parser;
    parser.header_limit(16 * 1024);
    auto [rec, rn] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
    error_code ignored;
    tcp_layer.socket().close(ignored); // no TLS close_notify exchange: nothing more to wait for
    if (rec)
        co_return probe_result{failure(rec, "http_error"),
                               "reading the response head: " + rec.message()};
    co_return judge_status(parser.get().result_int(), cfg);
}

void mirror_prober::finished(const std::string& base, const probe_result& r,
                             const mirror_health_config& cfg) {
    auto it = mirrors_.find(base);
    if (it == mirrors_.end())
        return;
    auto& e = it->second;
    e.in_flight = false;
    if (!e.listed) { // left the rules (or the checks were disabled) while it was probed
        mirrors_.erase(it);
        return;
    }
    stats_.mirror_probe(base, r.result);
    switch (e.tracker.record(r.ok(), cfg.unhealthy_after, cfg.healthy_after)) {
    case mirror_health_tracker::change::became_unhealthy:
        stats_.mirror_up(base, false);
        event_log::warning("mirror_unhealthy",
                           {{"mirror", base},
                            {"failures", std::to_string(e.tracker.consecutive_failures())},
                            {"result", r.result},
                            {"detail", r.detail}});
        publish();
        break;
    case mirror_health_tracker::change::became_healthy:
        stats_.mirror_up(base, true);
        event_log::info(
            "mirror_healthy",
            {{"mirror", base}, {"successes", std::to_string(e.tracker.consecutive_successes())}});
        publish();
        break;
    case mirror_health_tracker::change::none:
        break;
    }
    if (clock_type::now() >= e.next_due)
        timer_.cancel(); // due again already (a probe slower than the interval)
}

void mirror_prober::publish() {
    std::vector<std::string> down;
    for (const auto& [base, e] : mirrors_)
        if (e.listed && !e.tracker.healthy())
            down.push_back(base); // std::map: already sorted
    if (down == published_)
        return;
    published_ = down;
    out_.replace(down.empty() ? nullptr
                              : std::make_shared<const rules::unhealthy_mirrors>(std::move(down)));
}

} // namespace geogate
