#pragma once
// The state shared by all threads (server_state) and the state of one I/O thread (worker).
// Each worker runs its own single-threaded io_context: a connection lives on one thread from
// accept to close, which gives every connection the serialisation a strand would, with no
// locking on the hot path (upstream pool, connection registry are per worker).
#include "proxy/cache/variant_cache.hpp"
#include "proxy/http/net.hpp"
#include "proxy/runtime/client_connections.hpp"
#include "proxy/runtime/mirror_health.hpp"
#include "proxy/runtime/snapshot.hpp"
#include "proxy/runtime/upstream_pool.hpp"
#include "proxy/telemetry/refusal_log.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace geogate {

class metrics;
class access_log;
class http1_connection;

struct server_state {
    snapshot_store snapshots;
    std::atomic<bool> draining{false};
    std::atomic<std::size_t> connections{0};
    client_connections per_client; // open connections by peer address (counted in at accept)
    ssl::context upstream_tls{ssl::context::tls_client};
    // Mirrors failing health checks (proxy/runtime/mirror_health.hpp), passed to decide().
    mirror_health_store mirror_health;
    metrics* stats = nullptr;     // never null while serving
    access_log* access = nullptr; // may be null (no access log)
    /// /preview: the admin listener asks the http listener for a page as a reader in a region
    /// would see it, proving itself with this random per-process token (never logged, never
    /// forwarded; accepted from loopback peers only).
    std::string preview_token;
    std::vector<tcp::endpoint> http_endpoints; // bound http listeners, for /preview
    refusal_log refused_heads; // request_refused event lines, rate-limited across workers
    /// Rewritten notice pages (cache.variants): sized from the config at start, resized and
    /// emptied on every reload (a new snapshot may change any notice or rule).
    variant_cache variants{0};
    /// Where a page stored in the variant cache is compressed (brotli at quality 11 takes tens
    /// of milliseconds for a news page): off the I/O threads, so no other reader on the worker
    /// waits for it. Joined before the workers' io_contexts go (server::run).
    net::thread_pool compression{1};
};

struct worker {
    explicit worker(server_state& s)
        : shared(s), snapshots(s.snapshots), ioc(1), pool(ioc.get_executor(), s.upstream_tls) {}

    // Declaration order is destruction order reversed: the pool's sockets go before the
    // io_context, and the connection registry outlives it (destroying the io_context destroys
    // pending connection coroutines, whose destructors unregister themselves).
    server_state& shared;
    snapshot_view snapshots; // this thread's view of shared.snapshots: use it per request
    std::unordered_set<http1_connection*> connections; // touched only on this worker's thread
    net::io_context ioc;
    upstream_pool pool;
    std::thread thread;
};

} // namespace geogate
