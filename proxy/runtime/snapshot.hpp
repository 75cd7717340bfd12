#pragma once
// Everything one request needs to be answered, loaded and validated together: config, GeoIP
// databases, rules and notices. Immutable once built; a reload builds a whole new snapshot and
// swaps it in (snapshot_store). Each request holds one shared_ptr from start to end, so a
// reload mid-request changes nothing for it.
#include "geoip/geo_provider.hpp"
#include "proxy/config/config.hpp"
#include "rules/rule_set.hpp"
#include "rules/toml/diagnostic.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace geogate {
namespace notices {
class notice_catalog;
}

struct snapshot {
    std::shared_ptr<const config> cfg;
    std::shared_ptr<const geoip::geo_provider> geo;
    std::shared_ptr<const rules::rule_set> rules;
    std::shared_ptr<const notices::notice_catalog> notices;
    std::uint64_t generation = 0;
};

/// Loads config, databases, notices and rules exactly as `serve` does; `check` and `explain`
/// call this too. Returns nullptr when anything has an error; every problem goes to `out`
/// (warnings too, with a non-null result).
std::shared_ptr<const snapshot> build_snapshot(const std::filesystem::path& config_file,
                                               diagnostics& out);

/// The same, reusing `previous`'s GeoIP provider when its files did not change (a rules-only
/// reload must not reopen databases), or only rebuilding the GeoIP provider (`geo_only`).
std::shared_ptr<const snapshot> rebuild_snapshot(const snapshot& previous, diagnostics& out,
                                                 bool geo_only = false);

/// The current snapshot. Readers copy the shared_ptr under a mutex held for nanoseconds;
/// writers swap it. (std::atomic<std::shared_ptr> in GCC 12 is a spinlock too.) I/O threads
/// do not call current() per request: they keep a snapshot_view, which looks at version()
/// (one atomic load) and copies only after a swap.
class snapshot_store {
public:
    std::shared_ptr<const snapshot> current() const {
        std::lock_guard lock(mutex_);
        return current_;
    }
    void replace(std::shared_ptr<const snapshot> s) {
        {
            std::lock_guard lock(mutex_);
            current_.swap(s);
            version_.fetch_add(1, std::memory_order_release);
        }
    } // the old snapshot dies outside the lock, when its last request finishes
    /// Changes on every replace().
    std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const snapshot> current_;
    std::atomic<std::uint64_t> version_{0};
};

/// One thread's view of a snapshot_store. The pointers it hands out share a control block
/// private to this view, so requests on different I/O threads never bounce one reference
/// count between cores, and no lock is taken until the store changes. The price: a thread that
/// serves nothing keeps the previous snapshot (and its database mappings) alive until its next
/// request. Not thread-safe: one per I/O thread.
class snapshot_view {
public:
    explicit snapshot_view(const snapshot_store& store) : store_(store) {}
    std::shared_ptr<const snapshot> current() {
        const auto v = store_.version(); // before current(): a swap in between is seen next time
        if (v != seen_ || !local_) {
            auto holder = std::make_shared<std::shared_ptr<const snapshot>>(store_.current());
            local_ = std::shared_ptr<const snapshot>(holder, holder->get());
            seen_ = v;
        }
        return local_;
    }

private:
    const snapshot_store& store_;
    std::uint64_t seen_ = 0;
    std::shared_ptr<const snapshot> local_;
};

} // namespace geogate
