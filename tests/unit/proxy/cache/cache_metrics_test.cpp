// metrics::record() counts the variant cache outcome of each request (request_record's cache
// fields) into the geogate_variant_cache_* families.
#include "proxy/telemetry/metrics.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace geogate;

namespace {

request_record notice(std::string_view cache, std::string_view reason, bool revalidated = false,
                      bool stored = false) {
    request_record r;
    r.start = std::chrono::steady_clock::now();
    r.decision = rules::action::notice;
    r.status = 200;
    r.cache = cache;
    r.cache_reason = reason;
    r.cache_revalidated = revalidated;
    r.cache_stored = stored;
    return r;
}

// The sample line for `series`, e.g. `geogate_variant_cache_stored_total`, "" when absent.
std::string sample(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos)
        return {};
    const auto start = at + 1 + series.size() + 1;
    return text.substr(start, text.find('\n', start) - start);
}

} // namespace

TEST_CASE("metrics: the variant cache outcome of each request, by reason") {
    metrics m;
    m.record(notice("hit", "not_modified", true));
    m.record(notice("hit", "not_modified", true));
    m.record(notice("hit", "digest"));
    m.record(notice("miss", "absent", false, true));
    m.record(notice("miss", "changed", true, true));
    m.record(notice("miss", "set_cookie", true));
    m.record(notice("miss", "too_large"));
    m.record(notice("bypass", "method"));
    m.record(notice("bypass", "authorization"));
    m.record(notice("bypass", "off"));
    request_record pass;
    pass.start = std::chrono::steady_clock::now();
    m.record(pass); // not a notice request: counted nowhere here
    const std::string t = m.render();
    CHECK(sample(t, "geogate_variant_cache_hits_total{via=\"not_modified\"}") == "2");
    CHECK(sample(t, "geogate_variant_cache_hits_total{via=\"digest\"}") == "1");
    CHECK(sample(t, "geogate_variant_cache_misses_total{reason=\"absent\"}") == "1");
    CHECK(sample(t, "geogate_variant_cache_misses_total{reason=\"changed\"}") == "1");
    CHECK(sample(t, "geogate_variant_cache_misses_total{reason=\"set_cookie\"}") == "1");
    CHECK(sample(t, "geogate_variant_cache_misses_total{reason=\"too_large\"}") == "1");
    CHECK(sample(t, "geogate_variant_cache_misses_total{reason=\"vary\"}") == "0");
    CHECK(sample(t, "geogate_variant_cache_bypasses_total{reason=\"method\"}") == "1");
    CHECK(sample(t, "geogate_variant_cache_bypasses_total{reason=\"authorization\"}") == "1");
    CHECK(sample(t, "geogate_variant_cache_bypasses_total{reason=\"off\"}") == "1");
    CHECK(sample(t, "geogate_variant_cache_bypasses_total{reason=\"no_store\"}") == "0");
    // An entry's validators went to the origin: 304 => the hit, otherwise a new page.
    CHECK(sample(t, "geogate_variant_cache_revalidations_total{result=\"not_modified\"}") == "2");
    CHECK(sample(t, "geogate_variant_cache_revalidations_total{result=\"modified\"}") == "2");
    CHECK(sample(t, "geogate_variant_cache_stored_total") == "2");
    CHECK(t.find("reason=\"other\"") == std::string::npos);
    CHECK(t.find("# TYPE geogate_variant_cache_misses_total counter\n") != std::string::npos);
}

TEST_CASE("metrics: a cache reason the list does not know is counted as other, not lost") {
    metrics m;
    m.record(notice("miss", "something_new"));
    const std::string t = m.render();
    CHECK(sample(t, "geogate_variant_cache_misses_total{reason=\"other\"}") == "1");
    CHECK(t.find("geogate_variant_cache_hits_total{via=\"other\"}") == std::string::npos);
}
