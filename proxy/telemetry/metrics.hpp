#pragma once
// Prometheus metrics, shared by all workers. Unlabelled counters are relaxed atomics;
// labelled families (by decision/rule/status class, notice version, mirror) sit behind one
// mutex taken once per request (uncontended on 2 cores; measured in docs/performance.md).
// Region labels are country-level only, to bound cardinality.
#include "proxy/telemetry/request_record.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace geogate {

class histogram {
public:
    static constexpr std::array<double, 12> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
    void observe(double seconds) noexcept;
    void render(std::string& out, std::string_view name, std::string_view help) const;

private:
    std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets_{};
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_micros_{0};
};

class metrics {
public:
    /// One unlabelled sample with its HELP and TYPE lines (figures kept elsewhere, read at
    /// scrape time).
    static void render_single(std::string& out, std::string_view name, std::string_view type,
                              std::string_view help, std::uint64_t value);

    void record(const request_record& rec);
    void rejected(unsigned status) noexcept; // answered before a request could be parsed
    void upstream_error(std::string_view kind);
    void tls_handshake_failed() noexcept { tls_failures_.fetch_add(1, std::memory_order_relaxed); }
    /// A connection closed at accept: its address had limits.max_connections_per_client open.
    void per_client_refused() noexcept {
        per_client_refused_.fetch_add(1, std::memory_order_relaxed);
    }
    void reload(bool ok) noexcept {
        (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
    }
    /// The origin sent a response head (for /readyz).
    void origin_ok() noexcept { last_origin_ok_.store(now_seconds(), std::memory_order_relaxed); }
    bool origin_ok_recently() const noexcept {
        return now_seconds() - last_origin_ok_.load(std::memory_order_relaxed) < 30;
    }
    void geoip_swap(bool ok) noexcept {
        (ok ? geo_swaps_ok_ : geo_swaps_failed_).fetch_add(1, std::memory_order_relaxed);
    }

    /// Mirror health checks (proxy/runtime/mirror_health.hpp): one probe's result ("ok",
    /// "bad_status", "timeout", ...), a mirror's state, and the mirrors still probed (the others'
    /// series go).
    void mirror_probe(std::string_view mirror, std::string_view result);
    void mirror_up(std::string_view mirror, bool up);
    void mirrors_probed(const std::vector<std::string>& mirrors);

    /// Gauges read at scrape time (active connections, database build epochs...) are appended
    /// by the admin endpoint; this renders the counters and histograms.
    std::string render() const;

private:
    void record_cache(const request_record& rec) noexcept;
    void render_cache(std::string& out) const;

    mutable std::mutex mutex_;
    // The per-request counters compare with std::less<> so record() looks keys up as views
    // and copies strings only the first time a label set appears.
    std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t, std::less<>>
        requests_; // decision, rule, class
    std::map<std::string, std::uint64_t, std::less<>> requests_by_country_;
    std::map<std::tuple<std::string, std::string>, std::uint64_t, std::less<>>
        notices_;                                                                // id, version
    std::map<std::string, std::uint64_t, std::less<>> redirects_;                // mirror
    std::map<std::string, bool> mirror_up_;                                      // health checks
    std::map<std::pair<std::string, std::string>, std::uint64_t> mirror_probes_; // mirror, result
    std::map<std::string, std::uint64_t> upstream_errors_;
    std::map<unsigned, std::uint64_t> rejected_;
    histogram upstream_latency_;
    histogram total_latency_;
    std::atomic<std::uint64_t> bytes_in_{0}, bytes_out_{0};
    std::atomic<std::uint64_t> injector_fallbacks_{0}, aborted_{0};
    std::array<std::atomic<std::uint64_t>, 2> by_protocol_{}; // http/1.1, h2
    // Notice responses that failed closed, by reason: coding, charset, xml, decode_error.
    std::array<std::atomic<std::uint64_t>, 7> unrewritable_{}; // by unrewritable_reasons
    std::atomic<std::uint64_t> meta_csp_amended_{0}, meta_csp_untouched_{0};
    // The notice variant cache, by the reasons of request_record::cache_reason (metrics.cpp
    // cache_*_reasons); the last slot counts a reason not in the list ("other", shown when
    // not zero), so the families always add up to the requests.
    std::array<std::atomic<std::uint64_t>, 3> cache_hits_{};
    std::array<std::atomic<std::uint64_t>, 14> cache_misses_{};
    std::array<std::atomic<std::uint64_t>, 5> cache_bypasses_{};
    std::atomic<std::uint64_t> cache_revalidated_unchanged_{0}, cache_revalidated_changed_{0};
    std::atomic<std::uint64_t> cache_stored_{0};
    std::atomic<std::uint64_t> reloads_ok_{0}, reloads_failed_{0};
    std::atomic<std::uint64_t> geo_swaps_ok_{0}, geo_swaps_failed_{0};
    std::atomic<std::uint64_t> tls_failures_{0};
    std::atomic<std::uint64_t> per_client_refused_{0};
    std::atomic<std::int64_t> last_origin_ok_{-1000};
    static std::int64_t now_seconds() noexcept {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
};

} // namespace geogate
