#include "geoip/geo_provider.hpp"

#include "geoip/client_address.hpp"
#include "geoip/mmdb_database.hpp"
#include "geoip/region_names.hpp"

namespace geogate::geoip {
namespace {

using status = mmdb_database::status;

// Database types known to use the GeoIP2 schema; others are probed per record.
bool geoip2_type(std::string_view t) noexcept {
    return t.starts_with("GeoIP2") || t.starts_with("GeoLite2") || t.starts_with("GeoIP-") ||
           t.starts_with("DBIP-");
}

constexpr const char* indexes[location::max_subdivisions] = {"0", "1", "2", "3"};

} // namespace

geo_provider::geo_provider() = default;
geo_provider::~geo_provider() = default;

std::shared_ptr<const geo_provider> geo_provider::open(const geo_config& cfg, std::string& error) {
    std::shared_ptr<geo_provider> p(new geo_provider());
    p->city_.reserve(cfg.databases.size());
    for (const auto& path : cfg.databases) {
        auto db = mmdb_database::open(path, error);
        if (!db)
            return nullptr;
        p->info_.push_back(db->info());
        const auto kind = geoip2_type(db->info().database_type) ? schema::geoip2 : schema::probe;
        p->city_.push_back(city_db{std::shared_ptr<const mmdb_database>(std::move(db)), kind});
    }
    for (const auto& c : p->city_)
        if (c.db->info().ip_version == 4)
            p->v4_order_.push_back(&c);
    for (const auto& c : p->city_)
        if (c.db->info().ip_version == 6) {
            p->v4_order_.push_back(&c);
            p->v6_order_.push_back(&c);
        }
    if (!cfg.anonymous_ip_database.empty()) {
        auto db = mmdb_database::open(cfg.anonymous_ip_database, error);
        if (!db)
            return nullptr;
        p->info_.push_back(db->info());
        p->anonymous_ = std::move(db);
    }
    return p;
}

bool geo_provider::read_region(const city_db& c, std::uint32_t offset,
                               location& out) const noexcept {
    const mmdb_database& db = *c.db;
    const mmdb_database::entry e{offset};
    raw_region raw;
    auto ok = [](status s) { return s != status::error; };

    schema kind = c.kind;
    if (kind == schema::probe) {
        std::string_view cc;
        const auto s = db.get_string(e, {"country_code"}, cc);
        if (!ok(s))
            return false;
        kind = s == status::found ? schema::flat : schema::geoip2;
    }
    if (kind == schema::flat) {
        if (!ok(db.get_string(e, {"country_code"}, raw.country)))
            return false;
        std::string_view state;
        if (!ok(db.get_string(e, {"state1"}, state)))
            return false;
        if (!state.empty()) {
            raw.subdivisions[0].name = state;
            raw.subdivision_count = 1;
        } else if (!ok(db.get_string(e, {"city"}, raw.city))) {
            return false;
        }
    } else {
        if (!ok(db.get_string(e, {"country", "iso_code"}, raw.country)))
            return false;
        std::uint32_t n = 0;
        if (!ok(db.get_array_size(e, {"subdivisions"}, n)))
            return false;
        n = std::min<std::uint32_t>(n, location::max_subdivisions);
        const bool names = names_matter_for(raw.country);
        for (std::uint32_t i = 0; i < n; ++i) {
            auto& s = raw.subdivisions[i];
            if (!ok(db.get_string(e, {"subdivisions", indexes[i], "iso_code"}, s.iso_code)))
                return false;
            if ((names || s.iso_code.empty()) &&
                !ok(db.get_string(e, {"subdivisions", indexes[i], "names", "en"}, s.name)))
                return false;
        }
        raw.subdivision_count = static_cast<std::uint8_t>(n);
        if (n == 0 && !ok(db.get_string(e, {"city", "names", "en"}, raw.city)))
            return false;
    }
    normalise_region(raw, out);
    return true;
}

void geo_provider::read_anonymizer(const boost::asio::ip::address& a,
                                   location& out) const noexcept {
    mmdb_database::entry e;
    const auto s = anonymous_->find(a, e);
    if (s == status::error) {
        lookup_errors_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (s == status::not_found)
        return;
    auto& f = out.anonymizer;
    const std::pair<const char*, bool*> fields[] = {
        {"is_anonymous", &f.anonymous}, {"is_anonymous_vpn", &f.vpn},
        {"is_tor_exit_node", &f.tor},   {"is_hosting_provider", &f.hosting},
        {"is_public_proxy", &f.proxy},  {"is_residential_proxy", &f.residential_proxy}};
    for (const auto& [name, flag] : fields) {
        if (anonymous_->get_bool(e, {name}, *flag) == status::error) {
            lookup_errors_.fetch_add(1, std::memory_order_relaxed);
            out.anonymizer = {};
            return;
        }
    }
}

location geo_provider::lookup(const boost::asio::ip::address& addr) const noexcept {
    location out;
    out.has_address = true;
    const auto a = unmap(addr);
    for (const city_db* c : a.is_v4() ? v4_order_ : v6_order_) {
        mmdb_database::entry e;
        const auto s = c->db->find(a, e);
        if (s == status::not_found)
            continue;
        if (s == status::error || !read_region(*c, e.offset, out)) {
            lookup_errors_.fetch_add(1, std::memory_order_relaxed);
            out.country.clear();
            out.subdivision_count = 0;
            continue;
        }
        out.found = !out.country.empty() || out.subdivision_count > 0;
        if (out.found)
            break;
    }
    if (anonymous_)
        read_anonymizer(a, out);
    return out;
}

location geo_provider::lookup(const std::optional<boost::asio::ip::address>& addr) const noexcept {
    if (!addr)
        return location{};
    return lookup(*addr);
}

bool geo_provider::changed_on_disk() const noexcept {
    for (const auto& i : info_) {
        file_identity now{};
        if (!file_identity::of(i.path, now) || !(now == i.identity))
            return true;
    }
    return false;
}

} // namespace geogate::geoip
