#pragma once
// Connections to the origin, per worker thread: idle keep-alive connections are reused across
// clients (LIFO, so the warmest is taken first), new ones are opened with a connect timeout and,
// for https:// origins, a verified TLS handshake (system CAs, host name, SNI). One pool per
// io_context thread: no locks, and a connection never changes threads.
#include "proxy/config/config.hpp"
#include "proxy/http/any_stream.hpp"
#include "proxy/http/net.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace geogate {

/// One origin connection and the bytes read from it but not yet parsed.
struct upstream_connection {
    explicit upstream_connection(any_stream s) : stream(std::move(s)) {}
    any_stream stream;
    beast::flat_buffer buffer;
    std::string origin_key; // which origin it talks to (a reload may change the origin)
    std::uint64_t requests = 0;
};

class upstream_pool {
public:
    upstream_pool(net::any_io_executor ex, ssl::context& tls_ctx);

    struct acquired {
        error_code ec;
        std::unique_ptr<upstream_connection> conn;
        bool reused = false; // from the idle list: a failure before any byte may be retried
        bool timed_out = false;
    };

    /// An idle connection to `origin` whose peer has not closed it, or a new one.
    /// `fresh_only` skips the idle list (the retry after a reused connection failed).
    awaitable<acquired> acquire(const origin_config& origin, bool fresh_only = false);

    /// Returns a connection whose last response ended cleanly with keep-alive.
    void release(std::unique_ptr<upstream_connection> conn, const origin_config& origin);

    /// Closes every idle connection (shutdown).
    void clear() noexcept;
    /// Closes idle connections older than the origin's idle_timeout and those the origin has
    /// closed. Runs by itself every idle_timeout / 2 (0.1 to 5 s) while any connection is idle,
    /// so a burst of load leaves no descriptors behind once it is over.
    void sweep() noexcept;
    std::size_t idle_count() const noexcept { return idle_.size(); }

private:
    struct idle_entry {
        std::unique_ptr<upstream_connection> conn;
        std::chrono::steady_clock::time_point since;
    };
    static bool still_open(upstream_connection& c) noexcept;
    awaitable<acquired> connect(const origin_config& origin);
    void schedule_sweep();

    net::any_io_executor ex_;
    ssl::context& tls_ctx_;
    std::vector<idle_entry> idle_;
    net::steady_timer sweep_timer_;
    bool sweep_armed_ = false;
    std::chrono::milliseconds idle_timeout_{60000}; // of the origin last released to
    std::string resolved_key_;
    std::vector<tcp::endpoint> resolved_;
};

/// "http://host:port" — identifies an origin for pooling.
std::string origin_key(const origin_config& o);
/// Whether `key` is origin_key(o), without building it (acquire() runs per request).
bool is_origin_key(std::string_view key, const origin_config& o) noexcept;

} // namespace geogate
