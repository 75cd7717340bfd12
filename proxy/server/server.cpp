#include "proxy/server/server.hpp"

#include "geoip/client_address.hpp"
#include "proxy/connection/http1_connection.hpp"
#include "proxy/server/admin_server.hpp"
#include "proxy/server/tls_context.hpp"
#include "proxy/telemetry/event_log.hpp"

#include <csignal>
#include <cstring>
#include <openssl/rand.h>
#include <pthread.h>

namespace geogate {
namespace {

std::string random_token() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return {}; // no token: /preview is then refused
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    for (auto b : bytes) {
        s += hex[b >> 4];
        s += hex[b & 15];
    }
    return s;
}

// A supervisor may start us with signals blocked (seen in CI: SIGHUP blocked, inherited through
// exec), which would silently turn `kill -HUP` into nothing. The signals geogate acts on are
// unblocked in the thread that runs the control loop; said once in the event log.
void unblock_handled_signals() {
    sigset_t handled, before;
    sigemptyset(&handled);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1})
        sigaddset(&handled, s);
    if (pthread_sigmask(SIG_UNBLOCK, &handled, &before) != 0)
        return;
    std::string was_blocked;
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1})
        if (sigismember(&before, s) == 1)
            was_blocked += (was_blocked.empty() ? "SIG" : ",SIG") + std::string(sigabbrev_np(s));
    if (!was_blocked.empty())
        event_log::warning("signals_unblocked", {{"signals", was_blocked}});
}

} // namespace

server::server(std::shared_ptr<const snapshot> initial) : signals_(control_) {
    state_.preview_token = random_token();
    state_.snapshots.replace(initial);
    state_.stats = &stats_;
    state_.upstream_tls.set_default_verify_paths();
    state_.upstream_tls.set_verify_mode(ssl::verify_peer);
    const auto& cfg = *initial->cfg;
    state_.variants.resize(cfg.cache.max_bytes);
    if (!cfg.log.access.empty()) {
        access_ =
            std::make_unique<access_log>(cfg.log.access, cfg.log.client_ip, cfg.log.log_query);
        state_.access = access_.get();
    }
    unsigned n = cfg.threads ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i)
        workers_.push_back(std::make_unique<worker>(state_));
    reloader_ =
        std::make_unique<reloader>(control_, state_.snapshots, stats_, [this](const snapshot& s) {
            // Any notice, rule or setting may have changed: no variant outlives a reload
            // (an entry a request of the old snapshot stores after this is keyed by what it
            // is made of, so it can only ever serve that same variant).
            state_.variants.resize(s.cfg->cache.max_bytes);
            state_.variants.purge("");
            if (s.cfg->tls) {
                auto ctx = make_server_tls(*s.cfg);
                if (ctx) {
                    std::lock_guard lock(tls_mutex_);
                    server_tls_ = ctx;
                }
            }
        });
}

server::~server() = default;

std::shared_ptr<ssl::context> server::make_server_tls(const config& cfg) {
    auto ctx = build_server_tls_context(*cfg.tls, cfg.http2.enabled);
    if (!ctx) {
        event_log::error("tls_load_failed", {{"error", ctx.error()}});
        return nullptr;
    }
    return std::move(*ctx);
}

bool server::open_listeners() {
    const auto snap = state_.snapshots.current();
    const auto& cfg = *snap->cfg;
    if (cfg.tls) {
        server_tls_ = make_server_tls(cfg);
        if (!server_tls_)
            return false;
    }
    // The loader parsed every address (config.hpp, listen_endpoint): bind what it found.
    auto bind = [&](const listen_endpoint& at, bool tls, const char* name) -> bool {
        const tcp::endpoint& ep = at.endpoint;
        auto acc = std::make_unique<tcp::acceptor>(control_);
        error_code ec;
        acc->open(ep.protocol(), ec);
        if (!ec)
            acc->set_option(net::socket_base::reuse_address(true), ec);
        if (!ec && ep.address().is_v6())
            acc->set_option(net::ip::v6_only(true), ec);
        if (!ec)
            acc->bind(ep, ec);
        if (!ec)
            acc->listen(net::socket_base::max_listen_connections, ec);
        if (ec) {
            event_log::error("listen_failed", {{"address", at.text}, {"error", ec.message()}});
            return false;
        }
        auto local = acc->local_endpoint(ec);
        std::string shown = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                                    : local.address().to_string();
        shown += ":" + std::to_string(local.port());
        event_log::info("listening", {{"listener", name}, {"address", shown}});
        if (!tls)
            state_.http_endpoints.push_back(local);
        net::co_spawn(control_, accept_loop(*acc, tls, name), net::detached);
        acceptors_.push_back(std::move(acc));
        return true;
    };
    for (const auto& a : cfg.listen.http)
        if (!bind(a, false, "http"))
            return false;
    for (const auto& a : cfg.listen.https)
        if (!bind(a, true, "https"))
            return false;
    if (cfg.listen.admin) {
        admin_ = std::make_unique<admin_server>(control_, state_, stats_, *reloader_, workers_);
        if (auto listening = admin_->listen(cfg.listen.admin->endpoint); !listening) {
            event_log::error("listen_failed",
                             {{"address", cfg.listen.admin->text}, {"error", listening.error()}});
            return false;
        }
    }
    return true;
}

awaitable<void> server::accept_loop(tcp::acceptor& acceptor, bool tls, std::string name) {
    for (;;) {
        auto& w = *workers_[next_worker_++ % workers_.size()];
        auto [ec, socket] = co_await acceptor.async_accept(w.ioc, use_nothrow);
        if (ec) {
            if (ec == net::error::operation_aborted || !acceptor.is_open())
                co_return;
            // EMFILE and friends: back off briefly instead of spinning on the error.
            event_log::warning("accept_failed", {{"listener", name}, {"error", ec.message()}});
            net::steady_timer t(control_, std::chrono::milliseconds(50));
            co_await t.async_wait(use_nothrow);
            continue;
        }
        const auto snap = state_.snapshots.current();
        if (state_.connections.load(std::memory_order_relaxed) >=
            snap->cfg->limits.max_connections) {
            error_code ignored;
            socket.close(ignored); // over the limit: refuse by closing, cheapest for everyone
            stats_.rejected(503);
            continue;
        }
        error_code ignored;
        auto peer = socket.remote_endpoint(ignored);
        const auto& cfg = *snap->cfg;
        const auto peer_address = geoip::unmap(peer.address());
        const std::size_t per_client_limit = cfg.client_ip.policy.is_trusted(peer_address)
                                                 ? 0
                                                 : cfg.limits.max_connections_per_client;
        if (!state_.per_client.try_add(peer_address, per_client_limit)) {
            socket.close(ignored); // as cheap as the global limit: no TLS, no read, no session
            stats_.per_client_refused();
            note_per_client_refusal(peer_address, cfg);
            continue;
        }
        socket.set_option(tcp::no_delay(true), ignored);
        std::shared_ptr<ssl::context> ctx;
        if (tls) {
            std::lock_guard lock(tls_mutex_);
            ctx = server_tls_;
        }
        // The connection counts itself out of state_.per_client when it ends.
        net::post(w.ioc, [&w, sock = std::move(socket), peer, ctx]() mutable {
            beast::tcp_stream stream(std::move(sock));
            if (ctx)
                start_http1_connection(w, any_stream(std::move(stream), *ctx), peer, ctx);
            else
                start_http1_connection(w, any_stream(std::move(stream)), peer, nullptr);
        });
    }
}

void server::note_per_client_refusal(const net::ip::address& peer, const config& cfg) {
    // One event line per interval at most, whatever the flood: the first refusal is logged at
    // once, later ones are counted into the next line. Control thread only: no lock.
    ++refusals_unlogged_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ < refusal_log_interval)
        return;
    event_log::warning("client_connection_limit",
                       {{"client", client_address_text(peer, cfg.log.client_ip)},
                        {"limit", std::to_string(cfg.limits.max_connections_per_client)},
                        {"refused", std::to_string(refusals_unlogged_)}});
    refusals_unlogged_ = 0;
    last_refusal_log_ = now;
}

void server::on_signal(int signo) {
    // One line per signal acted on, before what it starts: an operator (or a test) can tell a
    // signal that never arrived from a reload that is slow or fails.
    const char* name = sigabbrev_np(signo);
    event_log::info("signal", {{"signal", name ? name : std::to_string(signo)}});
    switch (signo) {
    case SIGHUP:
        reloader_->reload_async("SIGHUP");
        break;
    case SIGUSR1:
        event_log::reopen();
        if (access_)
            access_->reopen();
        event_log::info("logs_reopened");
        break;
    case SIGTERM:
    case SIGINT:
        begin_shutdown();
        return; // no further signals wanted
    }
    signals_.async_wait([this](error_code ec, int s) {
        if (!ec)
            on_signal(s);
    });
}

void server::begin_shutdown() {
    if (shutting_down_)
        return;
    shutting_down_ = true;
    event_log::info("draining");
    state_.draining = true;
    for (auto& a : acceptors_) {
        error_code ignored;
        a->close(ignored);
    }
    reloader_->stop();
    for (auto& w : workers_)
        net::post(w->ioc, [wp = w.get()] {
            for (auto* c :
                 std::vector<http1_connection*>(wp->connections.begin(), wp->connections.end()))
                c->close_if_idle();
            wp->pool.clear();
        });
    auto deadline =
        std::chrono::steady_clock::now() + state_.snapshots.current()->cfg->limits.drain_timeout;
    net::co_spawn(
        control_,
        [this, deadline]() -> awaitable<void> {
            net::steady_timer t(control_);
            while (state_.connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
                t.expires_after(std::chrono::milliseconds(20));
                co_await t.async_wait(use_nothrow);
            }
            if (state_.connections.load() > 0)
                event_log::warning("drain_timeout",
                                   {{"connections", std::to_string(state_.connections.load())}});
            if (admin_)
                admin_->stop();
            for (auto& w : workers_)
                w->ioc.stop();
            control_.stop();
        },
        net::detached);
}

int server::run() {
    // Signals first: "listening" tells a supervisor (and the tests) that geogate is ready, and a
    // SIGHUP sent right after it must reload, not meet the default action and end the process
    // (seen under ThreadSanitizer, where the gap between the two was long enough to hit).
    unblock_handled_signals();
    signals_.add(SIGTERM);
    signals_.add(SIGINT);
    signals_.add(SIGHUP);
    signals_.add(SIGUSR1);
    signals_.async_wait([this](error_code ec, int s) {
        if (!ec)
            on_signal(s);
    });
    if (!open_listeners())
        return 1;
    reloader_->start();
    prober_ = std::make_unique<mirror_prober>(state_.snapshots, state_.mirror_health, stats_);
    prober_->start();
    for (auto& w : workers_) {
        w->thread = std::thread([wp = w.get()] {
            auto guard = net::make_work_guard(wp->ioc);
            wp->ioc.run();
        });
    }
    control_.run();
    prober_.reset(); // stops probing and joins its thread
    for (auto& w : workers_) {
        w->ioc.stop();
        if (w->thread.joinable())
            w->thread.join();
    }
    // A compression still running writes into a request's frame, which its io_context owns.
    state_.compression.join();
    reloader_.reset();
    event_log::info("stopped");
    return 0;
}

} // namespace geogate
