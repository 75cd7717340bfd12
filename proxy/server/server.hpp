#pragma once
// `geogate serve`: the worker threads, the listeners, the admin listener, signals and the
// reloader. The main thread runs the control io_context (accepting, signals, admin, timers);
// each worker thread runs its own io_context with its connections and upstream pool.
#include "proxy/http/net.hpp"
#include "proxy/runtime/snapshot.hpp"
#include "proxy/runtime/worker.hpp"
#include "proxy/server/reloader.hpp"
#include "proxy/telemetry/access_log.hpp"
#include "proxy/telemetry/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace geogate {

class admin_server;

class server {
public:
    explicit server(std::shared_ptr<const snapshot> initial);
    ~server();

    /// Binds every listener, starts the workers and blocks until SIGTERM/SIGINT has drained.
    /// Returns the process exit code (0 after a clean drain, 1 when a listener cannot bind).
    int run();

private:
    bool open_listeners();
    awaitable<void> accept_loop(tcp::acceptor& acceptor, bool tls, std::string name);
    void note_per_client_refusal(const net::ip::address& peer, const config& cfg);
    void on_signal(int signo);
    void begin_shutdown();
    std::shared_ptr<ssl::context> make_server_tls(const config& cfg);

    server_state state_;
    metrics stats_;
    std::unique_ptr<access_log> access_;
    // Destruction runs bottom-up, and the workers must outlive control_: when SIGTERM closes
    // the acceptors, each aborted async_accept leaves its completion, which owns a socket of a
    // worker's io_context, queued on control_; control_'s destructor destroys that socket, so
    // the worker's io_context (and its reactor) must still exist then. Nothing queued on a
    // worker refers to control_, so the workers can go after it. (Declared the other way
    // round, every SIGTERM was a heap-use-after-free that ASan caught about 1 run in 15.)
    std::vector<std::unique_ptr<worker>> workers_;
    net::io_context control_{1};
    net::signal_set signals_;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
    std::unique_ptr<admin_server> admin_;
    std::unique_ptr<reloader> reloader_;
    // [mirror_health] probes, on a thread of their own.
    std::unique_ptr<mirror_prober> prober_;
    std::shared_ptr<ssl::context> server_tls_; // replaced on reload; sessions keep theirs
    std::mutex tls_mutex_;
    std::size_t next_worker_ = 0;
    bool shutting_down_ = false;
    static constexpr std::chrono::seconds refusal_log_interval{10};
    std::chrono::steady_clock::time_point last_refusal_log_{}; // of client_connection_limit
    std::uint64_t refusals_unlogged_ = 0;
};

} // namespace geogate
