#pragma once
// The answer of `geogate lookup IP...`: the region of one address, and which databases
// (path, type, build date) gave it. Text for people, JSON (one object per address) for
// scripts.
//
// text: "81.2.69.160: GB GB-ENG\n  database ...GeoIP2-City-Test.mmdb (GeoIP2-City, built
// 2019-...)\n"
//       an address without a record says "unknown"; a text that is no address says "unknown (not
//       an IP address)"; anonymizer flags follow the region ("anonymous vpn tor").
// json: {"ip":"81.2.69.160","address":true,"found":true,"country":"GB",
//        "subdivisions":["GB-ENG"],"regions":["GB","GB-ENG"],
//        "anonymizer":{"anonymous":false,"vpn":false,"tor":false,"hosting":false,
//                      "proxy":false,"residential_proxy":false},
//        "databases":[{"path":"...","type":"GeoIP2-City","ip_version":6,
//                      "build_epoch":1695766449,"build_date":"2023-09-26T22:14:09Z"}]}
//       "regions" is ["unknown"] when there is no region; output ends with a newline.
#include "geoip/geo_provider.hpp"
#include "geoip/location.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace geogate::geoip {

std::string format_lookup(std::string_view ip_text, const location& loc,
                          const geo_provider& provider, bool json);

/// "2023-09-26T22:14:09Z" (UTC) for a build_epoch.
std::string format_build_date(std::uint64_t epoch);

} // namespace geogate::geoip
