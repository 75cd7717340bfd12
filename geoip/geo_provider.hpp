#pragma once
// The GeoIP databases of one configuration: a city/country database (or one per address
// family) and an optional Anonymous-IP database. An immutable snapshot; lookups are
// thread-safe and noexcept. A reload builds a new provider and swaps the shared_ptr.
#include "geoip/location.hpp"

#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace geogate::geoip {

class mmdb_database;

struct database_info {
    std::string path;
    std::string database_type;    // metadata database_type, e.g. "GeoIP2-City", "DBIP-City-Lite"
    std::uint64_t build_epoch = 0; // metadata build_epoch (seconds since 1970)
    unsigned ip_version = 6;
};

struct geo_config {
    std::vector<std::string> databases;  // city/country databases; IPv4-only / IPv6-only picked by family
    std::string anonymous_ip_database;   // optional
};

class geo_provider {
public:
    /// Opens every database. On failure returns nullptr and sets `error` to a clear message
    /// naming the file ("GeoIP database /x/y.mmdb: invalid metadata ..."). A provider with no
    /// databases at all is valid: every lookup then says unknown.
    static std::shared_ptr<const geo_provider> open(const geo_config& cfg, std::string& error);

    /// The region of one client address. `addr` nullopt gives has_address=false.
    /// Never throws; a lookup error gives found=false and counts in lookup_errors().
    location lookup(const boost::asio::ip::address& addr) const noexcept;

    const std::vector<database_info>& databases() const noexcept { return info_; }
    std::uint64_t lookup_errors() const noexcept { return lookup_errors_.load(std::memory_order_relaxed); }

    ~geo_provider();
    geo_provider(const geo_provider&) = delete;
    geo_provider& operator=(const geo_provider&) = delete;

private:
    geo_provider();
    std::vector<std::shared_ptr<const mmdb_database>> city_;
    std::shared_ptr<const mmdb_database> anonymous_;
    std::vector<database_info> info_;
    mutable std::atomic<std::uint64_t> lookup_errors_{0};
};

} // namespace geogate::geoip
