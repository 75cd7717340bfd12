#pragma once
// Region names -> ISO 3166-2 codes, and the normalisation of one database record to a
// location. PURE.
//
// Why names matter: GeoIP vendors disagree about occupied territory. One writes a Sevastopol
// address as UA + subdivision 40, another as RU + region *name* "Sevastopol City" (DB-IP Lite
// writes RU + "Sebastopol City"), a third as RU with no subdivision at all but city
// "Sevastopol". Lawyers mean UA-40 in all three cases, so the names of contested territories
// map to their Ukrainian ISO codes WHATEVER COUNTRY THE RECORD CLAIMS. The country is kept as
// the record says (a rule for RU still matches); the subdivision becomes the UA code.
//
// The table (region_names.cpp), after normalising a name (ASCII lower case, apostrophes
// dropped, punctuation to spaces; then a second try without generic words such as "oblast",
// "kray", "republic", "city", "people's", "autonomous"):
//   contested, any country, region names and city names:
//     Crimea, Autonomous Republic of Crimea, Respublika Krym, Krym, Крым      -> UA-43
//     Sevastopol, Sebastopol (City), Севастополь                              -> UA-40
//     Donetsk (Oblast / People's Republic), DNR                               -> UA-14
//     Luhansk, Lugansk (Oblast / People's Republic), LNR                      -> UA-09
//     Zaporizhzhia, Zaporizhia, Zaporozhye, Zaporizhzhya                      -> UA-23
//     Kherson                                                                 -> UA-65
//   contested cities, used only for a record without any subdivision:
//     Simferopol, Kerch, Yalta, Yevpatoriya, Feodosiya, ... -> UA-43; Mariupol, Horlivka,
//     Makiivka -> UA-14; Alchevsk, Sievierodonetsk -> UA-09; Melitopol, Berdyansk,
//     Enerhodar -> UA-23; Nova Kakhovka, Henichesk, Skadovsk -> UA-65.
//   any country: every Ukrainian oblast name as DB-IP writes it (Kharkiv -> UA-63, ...).
//   country RU only: Russian federal subjects as DB-IP writes them (Moscow -> RU-MOW, ...).
// Other countries' flat-schema names are not mapped: the subdivision list stays empty.
#include "geoip/location.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace geogate::geoip {

/// The region fields of one record as the database wrote them (views into the database).
struct raw_region {
    struct subdivision {
        std::string_view iso_code; // "43" (GeoIP2 schema); empty in the flat schema
        std::string_view name;     // English name; may be empty
    };
    std::string_view country; // ISO 3166-1 alpha-2 as the record says
    std::array<subdivision, location::max_subdivisions> subdivisions{};
    std::uint8_t subdivision_count = 0;
    std::string_view city; // English city name; only used when there is no subdivision
};

/// Fills out.country and out.subdivisions (does not touch has_address/found/anonymizer).
void normalise_region(const raw_region& raw, location& out);

/// Whether a name needs looking at for a record of `country` that has an ISO code (the
/// GeoIP2 schema): false for UA, whose codes are already what lawyers mean.
bool names_matter_for(std::string_view country) noexcept;

/// "UA-43" for "Crimea", whatever the country; empty when the name is not contested.
std::string_view contested_code_for_name(std::string_view name) noexcept;
/// "UA-40" for the city "Sevastopol"; empty when not a contested city or region name.
std::string_view contested_code_for_city(std::string_view city) noexcept;
/// The code for a region name of a record of `country`: contested names, Ukrainian oblast
/// names (any country) and Russian federal subjects (country RU); empty otherwise.
std::string_view region_code_for_name(std::string_view country, std::string_view name) noexcept;
/// Non-ISO codes some vendors use for contested territory: RU-CR -> UA-43, RU-SEV -> UA-40.
std::string_view contested_code_alias(std::string_view full_code) noexcept;

} // namespace geogate::geoip
