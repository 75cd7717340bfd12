#include "proxy/telemetry/metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace geogate {
namespace {

constexpr std::array<std::string_view, 7> unrewritable_reasons = {
    "coding", "charset", "xml", "decode_error", "partial", "revalidation", "no_text"};

// request_record::cache_reason, by kind of outcome: the labels of the variant cache families.
constexpr std::array<std::string_view, 2> cache_hit_reasons = {"not_modified", "digest"};
constexpr std::array<std::string_view, 13> cache_miss_reasons = {
    "absent", "changed", "status",    "no_store",     "private",    "set_cookie", "partial",
    "vary",   "untyped", "too_large", "unrewritable", "incomplete", "busy"};
constexpr std::array<std::string_view, 4> cache_bypass_reasons = {"off", "method", "authorization",
                                                                  "no_store"};

// The slot of `reason` in `reasons`; reasons.size() (the "other" slot) when it is not there.
template <std::size_t N>
std::size_t slot(const std::array<std::string_view, N>& reasons, std::string_view reason) noexcept {
    std::size_t i = 0;
    while (i < N && reasons[i] != reason)
        ++i;
    return i;
}

void line(std::string& out, std::string_view name, std::string_view labels, std::uint64_t v) {
    out += name;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    out += std::to_string(v);
    out += '\n';
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

// Label values: escape backslash, quote and newline (Prometheus text format 0.0.4).
std::string label(std::string_view key, std::string_view value) {
    std::string s(key);
    s += "=\"";
    for (char c : value) {
        if (c == '\\' || c == '"') {
            s += '\\';
            s += c;
        } else if (c == '\n') {
            s += "\\n";
        } else {
            s += c;
        }
    }
    s += '"';
    return s;
}

// ++counters[key] for a map with a transparent comparator: found by the view, and the key's
// strings are copied only when the label set is new.
template <class Map, class Key> void bump(Map& counters, const Key& key) {
    auto it = counters.find(key);
    if (it == counters.end())
        it = counters.emplace(typename Map::key_type(key), 0).first;
    ++it->second;
}

const char* status_class(unsigned s) {
    static constexpr const char* names[] = {"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"};
    return s < 600 ? names[s / 100] : "0xx";
}

} // namespace

void histogram::observe(double seconds) noexcept {
    std::size_t i = 0;
    while (i < bounds.size() && seconds > bounds[i])
        ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_micros_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void histogram::render(std::string& out, std::string_view name, std::string_view help) const {
    header(out, name, "histogram", help);
    std::uint64_t cumulative = 0;
    std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        char le[32];
        if (i < bounds.size())
            std::snprintf(le, sizeof le, "%g", bounds[i]);
        else
            std::snprintf(le, sizeof le, "+Inf");
        line(out, bucket, label("le", le), cumulative);
    }
    char sum[64];
    std::snprintf(sum, sizeof sum, "%.6f",
                  static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6);
    out += name;
    out += "_sum ";
    out += sum;
    out += '\n';
    line(out, std::string(name) + "_count", "", count_.load(std::memory_order_relaxed));
}

void metrics::render_single(std::string& out, std::string_view name, std::string_view type,
                            std::string_view help, std::uint64_t value) {
    header(out, name, type, help);
    line(out, name, {}, value);
}

void metrics::record(const request_record& rec) {
    bytes_in_.fetch_add(rec.bytes_in, std::memory_order_relaxed);
    bytes_out_.fetch_add(rec.bytes_out, std::memory_order_relaxed);
    if (rec.injector_fallback)
        injector_fallbacks_.fetch_add(1, std::memory_order_relaxed);
    if (!rec.unrewritable.empty())
        for (std::size_t i = 0; i < unrewritable_reasons.size(); ++i)
            if (rec.unrewritable == unrewritable_reasons[i])
                unrewritable_[i].fetch_add(1, std::memory_order_relaxed);
    meta_csp_amended_.fetch_add(rec.meta_csp_amended, std::memory_order_relaxed);
    meta_csp_untouched_.fetch_add(rec.meta_csp_untouched, std::memory_order_relaxed);
    if (rec.aborted)
        aborted_.fetch_add(1, std::memory_order_relaxed);
    by_protocol_[rec.protocol == client_protocol::http2 ? 1 : 0].fetch_add(
        1, std::memory_order_relaxed);
    if (!rec.cache.empty())
        record_cache(rec);
    auto elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - rec.start).count();
    total_latency_.observe(elapsed);
    if (!rec.local && rec.upstream_status)
        upstream_latency_.observe(std::chrono::duration<double>(rec.upstream_time).count());

    // Both arms views: `cond ? "unknown" : a_std_string` would be a temporary std::string,
    // gone before the view is used (ASan: stack-use-after-scope).
    const std::string_view country =
        rec.where.unknown() ? std::string_view("unknown") : std::string_view(rec.where.country);
    std::lock_guard lock(mutex_);
    bump(requests_, std::tuple<std::string_view, std::string_view, std::string_view>(
                        rules::to_string(rec.decision), rec.rule, status_class(rec.status)));
    bump(requests_by_country_, country);
    if (rec.injected)
        bump(notices_,
             std::tuple<std::string_view, std::string_view>(rec.notice_id, rec.notice_version));
    if (!rec.mirror.empty())
        bump(redirects_, std::string_view(rec.mirror));
}

// Relaxed atomics only: a handful of string_view compares against fixed lists, no lock, no
// allocation.
void metrics::record_cache(const request_record& rec) noexcept {
    static_assert(std::tuple_size_v<decltype(cache_hits_)> == cache_hit_reasons.size() + 1);
    static_assert(std::tuple_size_v<decltype(cache_misses_)> == cache_miss_reasons.size() + 1);
    static_assert(std::tuple_size_v<decltype(cache_bypasses_)> == cache_bypass_reasons.size() + 1);
    constexpr auto relaxed = std::memory_order_relaxed;
    const bool hit = rec.cache == "hit";
    if (hit)
        cache_hits_[slot(cache_hit_reasons, rec.cache_reason)].fetch_add(1, relaxed);
    else if (rec.cache == "miss")
        cache_misses_[slot(cache_miss_reasons, rec.cache_reason)].fetch_add(1, relaxed);
    else if (rec.cache == "bypass")
        cache_bypasses_[slot(cache_bypass_reasons, rec.cache_reason)].fetch_add(1, relaxed);
    if (rec.cache_revalidated)
        (hit ? cache_revalidated_unchanged_ : cache_revalidated_changed_).fetch_add(1, relaxed);
    if (rec.cache_stored)
        cache_stored_.fetch_add(1, relaxed);
}

void metrics::rejected(unsigned status) noexcept {
    try {
        std::lock_guard lock(mutex_);
        ++rejected_[status];
    } catch (...) {
    }
}

void metrics::upstream_error(std::string_view kind) {
    std::lock_guard lock(mutex_);
    ++upstream_errors_[std::string(kind)];
}

void metrics::mirror_probe(std::string_view mirror, std::string_view result) {
    std::lock_guard lock(mutex_);
    ++mirror_probes_[{std::string(mirror), std::string(result)}];
}

void metrics::mirror_up(std::string_view mirror, bool up) {
    std::lock_guard lock(mutex_);
    mirror_up_[std::string(mirror)] = up;
}

void metrics::mirrors_probed(const std::vector<std::string>& mirrors) {
    auto probed = [&](const std::string& m) {
        return std::find(mirrors.begin(), mirrors.end(), m) != mirrors.end();
    };
    std::lock_guard lock(mutex_);
    std::erase_if(mirror_up_, [&](const auto& e) { return !probed(e.first); });
    std::erase_if(mirror_probes_, [&](const auto& e) { return !probed(e.first.first); });
}

std::string metrics::render() const {
    std::string out;
    out.reserve(4096);
    {
        std::lock_guard lock(mutex_);
        header(out, "geogate_requests_total", "counter",
               "Requests by decision, rule and status class.");
        for (const auto& [k, v] : requests_)
            line(out, "geogate_requests_total",
                 label("decision", std::get<0>(k)) + "," + label("rule", std::get<1>(k)) + "," +
                     label("status", std::get<2>(k)),
                 v);
        header(out, "geogate_requests_by_country_total", "counter",
               "Requests by reader country (ISO 3166-1; unknown).");
        for (const auto& [k, v] : requests_by_country_)
            line(out, "geogate_requests_by_country_total", label("country", k), v);
        header(out, "geogate_notices_injected_total", "counter",
               "Notices injected, by notice id and text version.");
        for (const auto& [k, v] : notices_)
            line(out, "geogate_notices_injected_total",
                 label("notice", std::get<0>(k)) + "," + label("version", std::get<1>(k)), v);
        header(out, "geogate_redirects_total", "counter", "Mirror redirects by mirror.");
        for (const auto& [k, v] : redirects_)
            line(out, "geogate_redirects_total", label("mirror", k), v);
        header(out, "geogate_mirror_up", "gauge",
               "Mirror health checks: 1 = the mirror is used, 0 = it failed its checks and is "
               "skipped (only while [mirror_health] is enabled).");
        for (const auto& [k, v] : mirror_up_)
            line(out, "geogate_mirror_up", label("mirror", k), v ? 1 : 0);
        header(out, "geogate_mirror_probes_total", "counter",
               "Mirror health probes by mirror and result.");
        for (const auto& [k, v] : mirror_probes_)
            line(out, "geogate_mirror_probes_total",
                 label("mirror", k.first) + "," + label("result", k.second), v);
        header(out, "geogate_upstream_errors_total", "counter", "Origin failures by kind.");
        for (const auto& [k, v] : upstream_errors_)
            line(out, "geogate_upstream_errors_total", label("kind", k), v);
        header(out, "geogate_rejected_requests_total", "counter",
               "Requests refused before parsing (malformed, limits), by status.");
        for (const auto& [k, v] : rejected_)
            line(out, "geogate_rejected_requests_total", label("status", std::to_string(k)), v);
    }
    upstream_latency_.render(out, "geogate_upstream_response_seconds",
                             "Time until the origin's response head.");
    total_latency_.render(out, "geogate_request_duration_seconds",
                          "Time from request head to the last byte sent.");
    auto counter = [&](std::string_view name, std::string_view help,
                       const std::atomic<std::uint64_t>& v) {
        header(out, name, "counter", help);
        line(out, name, "", v.load(std::memory_order_relaxed));
    };
    counter("geogate_request_bytes_total", "Request body bytes received from clients.", bytes_in_);
    counter("geogate_response_bytes_total", "Response bytes sent to clients.", bytes_out_);
    counter("geogate_injector_fallbacks_total",
            "Notices placed without a real body tag (fallback place).", injector_fallbacks_);
    header(out, "geogate_unrewritable_responses_total", "counter",
           "Notice decisions on a document geogate could not rewrite, answered with "
           "notices.on_unrewritable instead, by reason.");
    for (std::size_t i = 0; i < unrewritable_reasons.size(); ++i)
        line(out, "geogate_unrewritable_responses_total",
             "reason=\"" + std::string(unrewritable_reasons[i]) + "\"",
             unrewritable_[i].load(std::memory_order_relaxed));
    counter("geogate_meta_csp_amended_total",
            "<meta http-equiv=Content-Security-Policy> tags given the notice style's hash.",
            meta_csp_amended_);
    counter("geogate_meta_csp_untouched_total",
            "<meta> tags before the notice passed untouched: longer than the bound, or a "
            "policy with a character reference not resolved exactly.",
            meta_csp_untouched_);
    render_cache(out);
    counter("geogate_aborted_responses_total", "Responses cut short by a client or origin failure.",
            aborted_);
    counter("geogate_tls_handshake_failures_total", "Failed TLS handshakes.", tls_failures_);
    header(out, "geogate_requests_by_protocol_total", "counter",
           "Requests by the protocol the reader used.");
    line(out, "geogate_requests_by_protocol_total", "protocol=\"http/1.1\"",
         by_protocol_[0].load(std::memory_order_relaxed));
    line(out, "geogate_requests_by_protocol_total", "protocol=\"h2\"",
         by_protocol_[1].load(std::memory_order_relaxed));
    header(out, "geogate_connections_refused_total", "counter",
           "Client connections closed at accept, by reason.");
    line(out, "geogate_connections_refused_total", "reason=\"per_client_limit\"",
         per_client_refused_.load(std::memory_order_relaxed));
    header(out, "geogate_reloads_total", "counter", "Snapshot reloads by result.");
    line(out, "geogate_reloads_total", "result=\"ok\"", reloads_ok_.load());
    line(out, "geogate_reloads_total", "result=\"failed\"", reloads_failed_.load());
    header(out, "geogate_geoip_swaps_total", "counter",
           "GeoIP database replacements picked up, by result.");
    line(out, "geogate_geoip_swaps_total", "result=\"ok\"", geo_swaps_ok_.load());
    line(out, "geogate_geoip_swaps_total", "result=\"failed\"", geo_swaps_failed_.load());
    return out;
}

void metrics::render_cache(std::string& out) const {
    auto family = [&](std::string_view name, std::string_view key, std::string_view help,
                      const auto& reasons, const auto& counts) {
        header(out, name, "counter", help);
        for (std::size_t i = 0; i <= reasons.size(); ++i) {
            const auto v = counts[i].load(std::memory_order_relaxed);
            if (i == reasons.size() && v == 0)
                break; // "other": only when the request path names a reason not listed here
            std::string labels(key);
            labels += "=\"";
            labels += i < reasons.size() ? reasons[i] : std::string_view("other");
            labels += '"';
            line(out, name, labels, v);
        }
    };
    family("geogate_variant_cache_hits_total", "via",
           "Notice pages served from the variant cache after the origin confirmed them: by its "
           "304 (not_modified) or by a 200 with the stored page's digest (digest).",
           cache_hit_reasons, cache_hits_);
    family("geogate_variant_cache_misses_total", "reason",
           "Notice pages rewritten because no stored variant could be used: absent (none), "
           "changed (the origin sent another page), or why the page could not be stored.",
           cache_miss_reasons, cache_misses_);
    family("geogate_variant_cache_bypasses_total", "reason",
           "Notice requests that do not use the variant cache (off, method, authorization, "
           "no_store).",
           cache_bypass_reasons, cache_bypasses_);
    header(out, "geogate_variant_cache_revalidations_total", "counter",
           "Conditional requests made with a stored variant's validators, by the origin's "
           "answer.");
    line(out, "geogate_variant_cache_revalidations_total", "result=\"not_modified\"",
         cache_revalidated_unchanged_.load(std::memory_order_relaxed));
    line(out, "geogate_variant_cache_revalidations_total", "result=\"modified\"",
         cache_revalidated_changed_.load(std::memory_order_relaxed));
    header(out, "geogate_variant_cache_stored_total", "counter",
           "Rewritten notice pages stored in the variant cache (new or replacing an entry).");
    line(out, "geogate_variant_cache_stored_total", "",
         cache_stored_.load(std::memory_order_relaxed));
}

} // namespace geogate
