// Regions the way lawyers mean them: every vendor's view of contested territory normalises to
// the same ISO 3166-2 code.
#include "geoip/region_names.hpp"

#include <catch2/catch.hpp>

using namespace geogate::geoip;

namespace {

std::string regions(const location& l) {
    std::string s = l.country.empty() ? "-" : l.country;
    for (std::uint8_t i = 0; i < l.subdivision_count; ++i)
        s += " " + l.subdivisions[i];
    return s;
}

std::string normalise(std::string_view country,
                      std::vector<std::pair<std::string_view, std::string_view>> subs,
                      std::string_view city = {}) {
    raw_region raw;
    raw.country = country;
    for (const auto& [iso, name] : subs)
        raw.subdivisions[raw.subdivision_count++] = {iso, name};
    raw.city = city;
    location l;
    normalise_region(raw, l);
    return regions(l);
}

} // namespace

TEST_CASE("contested territory names map to UA codes whatever the country") {
    struct row {
        const char* name;
        const char* code;
    };
    const row rows[] = {
        {"Crimea", "UA-43"},
        {"Autonomous Republic of Crimea", "UA-43"},
        {"Republic of Crimea", "UA-43"},
        {"Respublika Krym", "UA-43"},
        {"Krym", "UA-43"},
        {"\xd0\x9a\xd1\x80\xd1\x8b\xd0\xbc", "UA-43"}, // Крым
        {"\xd0\xa0\xd0\xb5\xd1\x81\xd0\xbf\xd1\x83\xd0\xb1\xd0\xbb\xd0\xb8\xd0\xba\xd0\xb0 "
         "\xd0\x9a\xd1\x80\xd1\x8b\xd0\xbc",
         "UA-43"}, // Республика Крым
        {"Sevastopol", "UA-40"},
        {"Sevastopol City", "UA-40"},
        {"Sebastopol City", "UA-40"},
        {"Gorod Sevastopol", "UA-40"},
        {"Donetsk", "UA-14"},
        {"Donetsk Oblast", "UA-14"},
        {"Donetsk People's Republic", "UA-14"},
        {"Donetsk People\xe2\x80\x99s Republic", "UA-14"},
        {"Luhansk", "UA-09"},
        {"Lugansk", "UA-09"},
        {"Luhansk Oblast", "UA-09"},
        {"Lugansk People's Republic", "UA-09"},
        {"Zaporizhzhia", "UA-23"},
        {"Zaporizhia", "UA-23"},
        {"Zaporozhye", "UA-23"},
        {"Zaporozhye Oblast", "UA-23"},
        {"Zaporizhzhya Oblast", "UA-23"},
        {"Kherson", "UA-65"},
        {"Kherson Oblast", "UA-65"},
        {"  CRIMEA  ", "UA-43"},
        {"Moscow", ""},
        {"Kharkiv", ""},
        {"", ""},
        {"Crimean", ""},
        {"Oblast", ""},
        {"New Sevastopol Heights", ""},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(contested_code_for_name(r.name) == r.code);
    }
}

TEST_CASE("a region name is looked up per country: Ukrainian names anywhere, Russian only for RU") {
    CHECK(region_code_for_name("UA", "Kharkivs\xe2\x80\x99ka Oblast\xe2\x80\x99") == "UA-63");
    CHECK(region_code_for_name("RU", "Kharkivs\xe2\x80\x99ka Oblast\xe2\x80\x99") == "UA-63");
    CHECK(region_code_for_name("UA", "Kyiv City") == "UA-30");
    CHECK(region_code_for_name("UA", "Kyiv") == "UA-30");
    CHECK(region_code_for_name("UA", "Kyiv Oblast") == "UA-32");
    CHECK(region_code_for_name("UA", "Ivano-Frankivsk Oblast") == "UA-26");
    CHECK(region_code_for_name("RU", "Moscow") == "RU-MOW");
    CHECK(region_code_for_name("RU", "Moscow Oblast") == "RU-MOS");
    CHECK(region_code_for_name("RU", "St.-Petersburg") == "RU-SPE");
    CHECK(region_code_for_name("RU", "Stavropol\xe2\x80\x99 Kray") == "RU-STA");
    CHECK(region_code_for_name("RU", "Leningradskaya Oblast'") == "RU-LEN");
    CHECK(region_code_for_name("RU", "North Ossetia\xe2\x80\x93"
                                     "Alania") == "RU-SE");
    CHECK(region_code_for_name("RU", "Primorskiy (Maritime) Kray") == "RU-PRI");
    CHECK(region_code_for_name("RU", "Jewish Autonomous Oblast") == "RU-YEV");
    CHECK(region_code_for_name("RU", "Sebastopol City") == "UA-40");
    CHECK(region_code_for_name("US", "Moscow") == "");
    CHECK(region_code_for_name("US", "California") == "");
    CHECK(region_code_for_name("RU", std::string(200, 'a')) == "");
}

TEST_CASE("vendor codes for contested territory map to UA codes") {
    CHECK(contested_code_alias("RU-CR") == "UA-43");
    CHECK(contested_code_alias("RU-SEV") == "UA-40");
    CHECK(contested_code_alias("RU-MOW") == "");
    CHECK(contested_code_alias("UA-43") == "");
}

TEST_CASE("normalise_region: the three vendor views of Sevastopol all give UA-40") {
    struct row {
        std::string got;
        const char* expected;
    };
    const row rows[] = {
        // GeoIP2 schema
        {normalise("UA", {{"40", "Sevastopol"}}), "UA UA-40"},
        {normalise("RU", {{"SEV", "Sevastopol"}}), "RU UA-40"},
        {normalise("RU", {{"SEV", ""}}), "RU UA-40"},
        {normalise("RU", {{"XX", "Sebastopol City"}}), "RU UA-40"},
        {normalise("RU", {}, "Sevastopol"), "RU UA-40"},
        {normalise("RU", {}, "Simferopol"), "RU UA-43"},
        {normalise("RU", {}), "RU"},
        {normalise("RU", {}, "Moscow"), "RU"},
        {normalise("RU", {{"ROS", "Rostov"}}, "Donetsk"), "RU RU-ROS"}, // the Russian Donetsk
        {normalise("UA", {{"43", "Crimea"}}), "UA UA-43"},
        {normalise("UA", {{"14", "Donetsk Oblast"}}), "UA UA-14"},
        {normalise("RU", {{"MOW", "Moscow"}}), "RU RU-MOW"},
        {normalise("GB", {{"ENG", "England"}, {"WSM", "Westminster"}}), "GB GB-ENG GB-WSM"},
        {normalise("gb", {{"ENG", "England"}}), "-"},   // not an ISO code: dropped
        {normalise("GB", {{"en-g", "England"}}), "GB"}, // idem
        {normalise("", {{"43", "Crimea"}}), "- UA-43"},
        // flat schema (no ISO code, a name)
        {normalise("RU", {{"", "Sebastopol City"}}), "RU UA-40"},
        {normalise("UA", {{"", "Sebastopol City"}}), "UA UA-40"},
        {normalise("RU", {{"", "Crimea"}}), "RU UA-43"},
        {normalise("RU", {{"", "Moscow"}}), "RU RU-MOW"},
        {normalise("UA", {{"", "Odesa"}}), "UA UA-51"},
        {normalise("US", {{"", "California"}}), "US"},
        {normalise("US", {{"", "Crimea"}}), "US UA-43"},
    };
    for (const auto& r : rows)
        CHECK(r.got == r.expected);
}
