#pragma once
// Mirror health checks ([mirror_health] in geogate.toml; docs/operations.md, "Mirrors").
//
// What is probed: every distinct mirror of the live rules, except one marked `down` in every
// rule that lists it. A probe is an HTTPS GET of mirror_health.path with SNI (for host names)
// and certificate verification against the system store plus the optional ca_file; it is
// healthy when a response head with a status in expect_status arrives within `timeout`. Only
// the head is read (at most 16 KiB), never the body; redirects are not followed; the
// connection is then closed.
//
// State: after `unhealthy_after` consecutive failed probes a mirror is skipped by decide()
// exactly like one marked down (only its readers move, each to the next mirror of its
// rendezvous order; a rule whose mirrors are all down or unhealthy falls through); after
// `healthy_after` consecutive good probes it is used again (and the same readers return). A
// mirror is healthy until proven otherwise (a new mirror, or the first probes after start).
// State is kept by mirror URL across reloads while the mirror is still in the rules; a mirror
// that leaves the rules is forgotten; disabling the section forgets everything.
//
// Bounds: probes run on the prober's own thread and io_context, never on the I/O workers; a
// mirror is probed at most once per `interval` and never twice at once; each probe ends by
// `timeout`, name resolution included (a lookup still pending from an earlier probe makes the
// next probe of that mirror fail at once rather than queue another one).
//
// Output: an immutable rules::unhealthy_mirrors swapped into mirror_health_store, which each
// request reads and passes to decide(); metrics geogate_mirror_up{mirror} and
// geogate_mirror_probes_total{mirror,result}; event-log lines mirror_unhealthy (warning, with
// the last failure) and mirror_healthy (info) when a mirror changes state.
#include "proxy/config/config.hpp"
#include "proxy/http/net.hpp"
#include "proxy/runtime/snapshot.hpp"
#include "rules/unhealthy_mirrors.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace geogate {

class metrics;

/// Consecutive results -> healthy or not, with hysteresis. Pure: no clock, no I/O.
class mirror_health_tracker {
public:
    enum class change { none, became_unhealthy, became_healthy };

    change record(bool ok, unsigned unhealthy_after, unsigned healthy_after) noexcept;
    bool healthy() const noexcept { return healthy_; }
    unsigned consecutive_failures() const noexcept { return failures_; }
    unsigned consecutive_successes() const noexcept { return successes_; }

private:
    bool healthy_ = true;
    unsigned failures_ = 0;
    unsigned successes_ = 0;
};

/// One probe's outcome. `result` is the metric label: ok, bad_status, timeout, resolve_error,
/// connect_error, tls_error, http_error, error.
struct probe_result {
    std::string_view result = "error";
    std::string detail; // for the event log: "status 503", the TLS verification error, ...
    bool ok() const noexcept { return result == "ok"; }
};

/// "ok" when `status` is within the configured expect_status range, else "bad_status".
probe_result judge_status(unsigned status, const mirror_health_config& cfg);

/// The mirror bases health checks probe for a rule set: every mirror not marked down in at
/// least one rule that lists it. Sorted, distinct.
std::vector<std::string> mirrors_to_probe(const rules::rule_set& rules);

/// The unhealthy set requests read: one shared_ptr swapped whole by the prober. When no mirror
/// is unhealthy (the usual case) a request reads one atomic flag and takes no lock.
class mirror_health_store {
public:
    std::shared_ptr<const rules::unhealthy_mirrors> current() const {
        if (!any_.load(std::memory_order_acquire))
            return nullptr;
        std::lock_guard lock(mutex_);
        return current_;
    }
    void replace(std::shared_ptr<const rules::unhealthy_mirrors> s) {
        const bool any = s && !s->empty();
        std::lock_guard lock(mutex_);
        current_.swap(s);
        any_.store(any, std::memory_order_release);
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const rules::unhealthy_mirrors> current_;
    std::atomic<bool> any_{false};
};

/// The prober: its own thread and io_context. Follows the live snapshot (the section may be
/// enabled, disabled or changed by a reload; the rules' mirrors may change).
class mirror_prober {
public:
    mirror_prober(snapshot_store& snapshots, mirror_health_store& out, metrics& stats);
    ~mirror_prober();
    mirror_prober(const mirror_prober&) = delete;
    mirror_prober& operator=(const mirror_prober&) = delete;

    void start();
    /// Stops probing and joins the thread; probes in flight are abandoned. Idempotent.
    void stop();

private:
    struct lookup;
    struct entry {
        mirror_health_tracker tracker;
        bool listed = true; // still in the rules (else forgotten when its probe ends)
        bool in_flight = false;
        std::chrono::steady_clock::time_point next_due{};
        std::shared_ptr<lookup> pending_lookup; // the last name lookup, maybe still running
    };

    awaitable<void> run();
    awaitable<void> probe(std::string base, mirror_health_config cfg,
                          std::shared_ptr<ssl::context> tls);
    awaitable<probe_result> attempt(const std::string& base, const mirror_health_config& cfg,
                                    ssl::context& tls);
    void sync(const snapshot& snap);
    void disable();
    void finished(const std::string& base, const probe_result& r, const mirror_health_config& cfg);
    void publish();
    std::shared_ptr<ssl::context> make_tls(const mirror_health_config& cfg);

    snapshot_store& snapshots_;
    mirror_health_store& out_;
    metrics& stats_;
    // Touched only on the prober's thread.
    std::map<std::string, entry> mirrors_;
    std::vector<std::string> published_;
    std::uint64_t synced_generation_ = 0;
    bool enabled_ = false;
    std::shared_ptr<ssl::context> tls_;

    net::io_context ioc_{1};
    net::steady_timer timer_{ioc_}; // the scheduler's sleep; cancelled to look again sooner
    std::thread thread_;
};

} // namespace geogate
