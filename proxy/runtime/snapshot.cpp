#include "proxy/runtime/snapshot.hpp"

#include "rules/notices/notice_catalog.hpp"
#include "rules/notices/notice_usage.hpp"
#include "rules/rule_loader.hpp"

#include <atomic>

namespace geogate {
namespace {

std::atomic<std::uint64_t> next_generation{1};

// Notices, rules and the approval gate, given a config and a GeoIP provider.
std::shared_ptr<const snapshot> assemble(std::shared_ptr<const config> cfg,
                                         std::shared_ptr<const geoip::geo_provider> geo,
                                         diagnostics& out) {
    auto catalog =
        notices::notice_catalog::load(cfg->notices.dir, cfg->notices.require_approval, out);
    if (!catalog)
        return nullptr;
    auto exists = [&](std::string_view id) { return catalog->find(id) != nullptr; };
    auto rules = rules::load_rules(cfg->rule_files, exists, out);
    if (!rules)
        return nullptr;
    auto gate = notices::unapproved_in_use(*catalog, *rules);
    bool gate_failed = has_errors(gate);
    out.insert(out.end(), gate.begin(), gate.end());
    out.insert(out.end(), rules->warnings.begin(), rules->warnings.end());
    if (gate_failed)
        return nullptr;
    auto s = std::make_shared<snapshot>();
    s->cfg = std::move(cfg);
    s->geo = std::move(geo);
    s->rules = std::make_shared<const rules::rule_set>(std::move(*rules));
    s->notices = std::move(catalog);
    s->generation = next_generation.fetch_add(1);
    return s;
}

std::shared_ptr<const geoip::geo_provider> open_geo(const config& cfg, diagnostics& out) {
    auto geo = geoip::geo_provider::open(cfg.geoip);
    if (!geo) {
        diagnostic d;
        d.file = cfg.file.string();
        d.message = geo.error();
        out.push_back(std::move(d));
        return nullptr;
    }
    return std::move(*geo);
}

bool same_databases(const geoip::geo_config& a, const geoip::geo_config& b) {
    return a.databases == b.databases && a.anonymous_ip_database == b.anonymous_ip_database;
}

} // namespace

std::shared_ptr<const snapshot> build_snapshot(const std::filesystem::path& config_file,
                                               diagnostics& out) {
    auto cfg = load_config(config_file, out);
    if (!cfg)
        return nullptr;
    auto shared_cfg = std::make_shared<const config>(std::move(*cfg));
    auto geo = open_geo(*shared_cfg, out);
    if (!geo)
        return nullptr;
    return assemble(std::move(shared_cfg), std::move(geo), out);
}

std::shared_ptr<const snapshot> rebuild_snapshot(const snapshot& previous, diagnostics& out,
                                                 bool geo_only) {
    if (geo_only) {
        auto geo = open_geo(*previous.cfg, out);
        if (!geo)
            return nullptr;
        auto s = std::make_shared<snapshot>(previous);
        s->geo = std::move(geo);
        s->generation = next_generation.fetch_add(1);
        return s;
    }
    auto cfg = load_config(previous.cfg->file, out);
    if (!cfg)
        return nullptr;
    auto shared_cfg = std::make_shared<const config>(std::move(*cfg));
    std::shared_ptr<const geoip::geo_provider> geo;
    if (same_databases(shared_cfg->geoip, previous.cfg->geoip) && !previous.geo->changed_on_disk())
        geo = previous.geo; // unchanged files: no reopen, lookups never notice the reload
    else
        geo = open_geo(*shared_cfg, out);
    if (!geo)
        return nullptr;
    return assemble(std::move(shared_cfg), std::move(geo), out);
}

} // namespace geogate
