#pragma once
// Reads the few fields geogate needs from one MaxMind DB data record in a single pass over its
// top-level map, without allocating. PURE, no libmaxminddb: libmaxminddb's path lookups
// (MMDB_aget_value) restart from the top of the record for every field and cost about 1 us
// per GeoIP2-City lookup; this reader costs a fraction of that.
//
// Both schemas in the same pass, whatever the database type says:
//   GeoIP2/GeoLite2: country.iso_code, subdivisions[].iso_code and .names.en, city.names.en
//   flat (DB-IP Lite via ip-location-db): country_code, state1 (an English name), city
// Anonymous-IP: is_anonymous, is_anonymous_vpn, is_tor_exit_node, is_hosting_provider,
// is_public_proxy, is_residential_proxy.
//
// Every access is bounds-checked and nesting is limited, so a record that is not what it
// should be gives false (a lookup error), never a read outside `data`.
#include "geoip/location.hpp"
#include "geoip/region_names.hpp"

#include <cstdint>
#include <span>

namespace geogate::geoip {

/// `data`: the data section; `offset`: the record. Views in `out` point into `data`.
bool read_region_record(std::span<const std::uint8_t> data, std::size_t offset,
                        raw_region& out) noexcept;

bool read_anonymizer_record(std::span<const std::uint8_t> data, std::size_t offset,
                            anonymizer_flags& out) noexcept;

} // namespace geogate::geoip
