#pragma once
// Names for people: ISO 3166-1 country names and the ISO 3166-2 subdivisions rules name
// (every Ukrainian oblast, with its occupation status as lawyers need to read it, and the
// Russian federal subjects near the front or commonly named). English short names.
// Used by the review sheet so a lawyer reads "Autonomous Republic of Crimea (UA-43)", not a code.
#include <string>
#include <string_view>

namespace geogate::notices {

/// English short name of an ISO 3166-1 alpha-2 code ("RU" -> "Russia"); "" when unknown.
std::string_view country_name(std::string_view alpha2) noexcept;

/// Name of an ISO 3166-2 code ("UA-43" -> "Autonomous Republic of Crimea"); "" when unknown.
std::string_view subdivision_name(std::string_view code) noexcept;

/// Status worth stating next to the name ("under Russian occupation since 2014"); "" if none.
std::string_view subdivision_note(std::string_view code) noexcept;

/// "Russia (RU)", "Autonomous Republic of Crimea, Ukraine (UA-43) — under Russian occupation
/// since 2014", "a subdivision of Ukraine (UA-99)", "XX (unknown code)".
std::string describe_region(std::string_view code);

} // namespace geogate::notices

namespace geogate::notices {
/// For tests: the tables are sorted by code (lookups are binary searches).
bool region_tables_sorted() noexcept;
} // namespace geogate::notices
