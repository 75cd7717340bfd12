#pragma once
// The reader's region as geogate understands it: an ISO 3166-1 country and the ISO 3166-2
// subdivisions that contain the address, normalised from whichever database schema answered.
// A plain value type: no libmaxminddb include, cheap to copy (short strings stay in SSO).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace geogate::geoip {

/// Anonymizer flags from a GeoIP2 Anonymous-IP database (all false when none is configured).
struct anonymizer_flags {
    bool anonymous = false; // is_anonymous
    bool vpn = false;       // is_anonymous_vpn
    bool tor = false;       // is_tor_exit_node
    bool hosting = false;   // is_hosting_provider
    bool proxy = false;     // is_public_proxy
    bool residential_proxy = false;
    bool any() const noexcept {
        return anonymous || vpn || tor || hosting || proxy || residential_proxy;
    }
};

struct location {
    static constexpr std::size_t max_subdivisions = 4;

    bool has_address = false; // false: no usable client address (region token "unknown")
    bool found = false;       // false: no record for the address (region token "unknown")
    std::string country;      // "RU"; upper-case ISO 3166-1 alpha-2; empty when unknown
    /// Full ISO 3166-2 codes, e.g. "UA-43". Contested territory names are mapped to the codes
    /// lawyers mean (see geoip/region_names.hpp), whatever country the record claims.
    std::array<std::string, max_subdivisions> subdivisions{};
    std::uint8_t subdivision_count = 0;
    anonymizer_flags anonymizer{};

    bool unknown() const noexcept { return !has_address || !found; }
    bool in_subdivision(std::string_view code) const noexcept {
        for (std::uint8_t i = 0; i < subdivision_count; ++i)
            if (subdivisions[i] == code)
                return true;
        return false;
    }
    void add_subdivision(std::string_view code) {
        if (subdivision_count < max_subdivisions && !in_subdivision(code))
            subdivisions[subdivision_count++] = std::string(code);
    }
};

} // namespace geogate::geoip
