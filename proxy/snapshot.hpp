#pragma once
// Everything one request needs to be answered, loaded and validated together: config, GeoIP
// databases, rules and notices. Immutable once built; a reload builds a whole new snapshot and
// swaps it in (snapshot_store). Each request holds one shared_ptr from start to end, so a
// reload mid-request changes nothing for it.
#include "geoip/geo_provider.hpp"
#include "proxy/config.hpp"
#include "rules/diagnostic.hpp"
#include "rules/rule_set.hpp"

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
/// writers swap it. (std::atomic<std::shared_ptr> in GCC 12 is a spinlock too.)
class snapshot_store {
public:
    std::shared_ptr<const snapshot> current() const {
        std::lock_guard lock(mutex_);
        return current_;
    }
    void replace(std::shared_ptr<const snapshot> s) {
        std::lock_guard lock(mutex_);
        current_.swap(s);
    } // the old snapshot dies outside the lock, when its last request finishes

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const snapshot> current_;
};

} // namespace geogate
