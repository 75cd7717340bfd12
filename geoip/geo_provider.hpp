#pragma once
// The GeoIP databases of one configuration: a city/country database (or one per address
// family) and an optional Anonymous-IP database. An immutable snapshot; lookups are
// thread-safe and noexcept. A reload builds a new provider and swaps the shared_ptr; requests
// in flight keep the old one (and its mappings) alive until they finish.
//
// Live updates: each file's identity (device, inode, size, mtime) is recorded at open.
// changed_on_disk() stats the paths again; the proxy's reloader polls it, opens a new
// provider when it says true, and keeps the old provider if the new one fails to open.
#include "common/result.hpp"
#include "geoip/database_info.hpp"
#include "geoip/location.hpp"

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace geogate::geoip {

class mmdb_database;

struct geo_config {
    std::vector<std::string>
        databases; // city/country databases; IPv4-only / IPv6-only picked by family
    std::string anonymous_ip_database; // optional
};

class geo_provider {
public:
    /// Opens and verifies every database. On failure says why, naming the file ("GeoIP
    /// database /x/y.mmdb: corrupt: ..."). A provider with no databases at all is valid: every
    /// lookup then says unknown.
    static result<std::shared_ptr<const geo_provider>> open(const geo_config& cfg);

    /// The region of one client address (IPv4-mapped IPv6 looked up as IPv4). An IPv4
    /// address is looked up in the IPv4-only databases first, then in the IPv6 ones; an IPv6
    /// address only in the IPv6 ones; the first database with a record answers. Both
    /// schemas (GeoIP2 and flat) are normalised by normalise_region (region_names.hpp).
    /// found=false when no record has a country or subdivision. Never throws; a lookup
    /// error gives found=false and counts in lookup_errors().
    location lookup(const boost::asio::ip::address& addr) const noexcept;
    /// nullopt (no usable client address) gives has_address=false.
    location lookup(const std::optional<boost::asio::ip::address>& addr) const noexcept;

    /// Every database opened, city/country ones first in configuration order, then the
    /// Anonymous-IP one.
    const std::vector<database_info>& databases() const noexcept { return info_; }
    std::uint64_t lookup_errors() const noexcept {
        return lookup_errors_.load(std::memory_order_relaxed);
    }

    /// True when any database file now has another identity than at open (replaced, rewritten
    /// or gone). Costs one stat(2) per file.
    bool changed_on_disk() const noexcept;

    ~geo_provider();
    geo_provider(const geo_provider&) = delete;
    geo_provider& operator=(const geo_provider&) = delete;

private:
    struct city_db {
        std::shared_ptr<const mmdb_database> db;
    };

    geo_provider();
    bool read_region(const city_db& c, std::uint32_t offset, location& out) const noexcept;
    void read_anonymizer(const boost::asio::ip::address& a, location& out) const noexcept;

    std::uint64_t id_; // unique per provider: keys the per-thread cache of decoded regions
    std::vector<city_db> city_;
    std::vector<const city_db*> v4_order_; // IPv4-only databases, then IPv6 ones
    std::vector<const city_db*> v6_order_; // IPv6 databases
    std::shared_ptr<const mmdb_database> anonymous_;
    std::vector<database_info> info_;
    mutable std::atomic<std::uint64_t> lookup_errors_{0};
};

} // namespace geogate::geoip
