#pragma once
// Rebuilds the snapshot off the I/O threads and swaps it in; a snapshot that fails validation
// changes nothing (logged with file:line:column, counted). Triggers: SIGHUP, POST /reload,
// a change to a watched file ([reload] watch_files), and — always — a GeoIP database file
// replaced on disk (atomic rename or copy-then-rename), which reopens only the databases.
#include "common/result.hpp"
#include "proxy/http/net.hpp"
#include "proxy/runtime/snapshot.hpp"

#include <functional>
#include <mutex>
#include <string>

namespace geogate {

class metrics;

class reloader {
public:
    /// `on_swap` runs on the reload thread after a new snapshot is live (e.g. TLS contexts).
    reloader(net::io_context& control, snapshot_store& store, metrics& stats,
             std::function<void(const snapshot&)> on_swap = {});
    ~reloader();

    /// Starts the polling timer (databases always; config/rules/notices when watch_files).
    void start();
    void stop();

    /// Full reload, run on the reload thread. `done(outcome)` is called there.
    void reload_async(std::string reason,
                      std::function<void(const result<std::string>&)> done = {});
    /// Synchronous full reload (used by tests and POST /reload). On success the warnings (one
    /// diagnostic a line, maybe none); on failure the diagnostics that refused it.
    result<std::string> reload_now(const std::string& reason);
    /// The reload thread, for callers that want to await a reload.
    net::thread_pool::executor_type executor() noexcept { return pool_.get_executor(); }

private:
    void schedule();
    void poll();
    std::string fingerprint(const snapshot& s) const;

    net::io_context& control_;
    snapshot_store& store_;
    metrics& stats_;
    std::function<void(const snapshot&)> on_swap_;
    net::thread_pool pool_{1};
    net::steady_timer timer_;
    std::mutex reload_mutex_; // one reload at a time
    std::string last_fingerprint_;
    bool stopped_ = false;
};

} // namespace geogate
