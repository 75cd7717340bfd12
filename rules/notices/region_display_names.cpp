#include "rules/notices/region_display_names.hpp"

#include <algorithm>
#include <array>
#include <iterator>

namespace geogate::notices {
namespace {

struct entry {
    std::string_view code;
    std::string_view name;
};

// Sorted by code (a test checks it).
constexpr entry countries[] = {
    {"AD", "Andorra"},
    {"AE", "United Arab Emirates"},
    {"AF", "Afghanistan"},
    {"AG", "Antigua and Barbuda"},
    {"AI", "Anguilla"},
    {"AL", "Albania"},
    {"AM", "Armenia"},
    {"AO", "Angola"},
    {"AQ", "Antarctica"},
    {"AR", "Argentina"},
    {"AS", "American Samoa"},
    {"AT", "Austria"},
    {"AU", "Australia"},
    {"AW", "Aruba"},
    {"AX", "Åland Islands"},
    {"AZ", "Azerbaijan"},
    {"BA", "Bosnia and Herzegovina"},
    {"BB", "Barbados"},
    {"BD", "Bangladesh"},
    {"BE", "Belgium"},
    {"BF", "Burkina Faso"},
    {"BG", "Bulgaria"},
    {"BH", "Bahrain"},
    {"BI", "Burundi"},
    {"BJ", "Benin"},
    {"BL", "Saint Barthélemy"},
    {"BM", "Bermuda"},
    {"BN", "Brunei"},
    {"BO", "Bolivia"},
    {"BQ", "Bonaire, Sint Eustatius and Saba"},
    {"BR", "Brazil"},
    {"BS", "Bahamas"},
    {"BT", "Bhutan"},
    {"BV", "Bouvet Island"},
    {"BW", "Botswana"},
    {"BY", "Belarus"},
    {"BZ", "Belize"},
    {"CA", "Canada"},
    {"CC", "Cocos (Keeling) Islands"},
    {"CD", "Democratic Republic of the Congo"},
    {"CF", "Central African Republic"},
    {"CG", "Republic of the Congo"},
    {"CH", "Switzerland"},
    {"CI", "Côte d'Ivoire"},
    {"CK", "Cook Islands"},
    {"CL", "Chile"},
    {"CM", "Cameroon"},
    {"CN", "China"},
    {"CO", "Colombia"},
    {"CR", "Costa Rica"},
    {"CU", "Cuba"},
    {"CV", "Cabo Verde"},
    {"CW", "Curaçao"},
    {"CX", "Christmas Island"},
    {"CY", "Cyprus"},
    {"CZ", "Czechia"},
    {"DE", "Germany"},
    {"DJ", "Djibouti"},
    {"DK", "Denmark"},
    {"DM", "Dominica"},
    {"DO", "Dominican Republic"},
    {"DZ", "Algeria"},
    {"EC", "Ecuador"},
    {"EE", "Estonia"},
    {"EG", "Egypt"},
    {"EH", "Western Sahara"},
    {"ER", "Eritrea"},
    {"ES", "Spain"},
    {"ET", "Ethiopia"},
    {"FI", "Finland"},
    {"FJ", "Fiji"},
    {"FK", "Falkland Islands"},
    {"FM", "Micronesia"},
    {"FO", "Faroe Islands"},
    {"FR", "France"},
    {"GA", "Gabon"},
    {"GB", "United Kingdom"},
    {"GD", "Grenada"},
    {"GE", "Georgia"},
    {"GF", "French Guiana"},
    {"GG", "Guernsey"},
    {"GH", "Ghana"},
    {"GI", "Gibraltar"},
    {"GL", "Greenland"},
    {"GM", "Gambia"},
    {"GN", "Guinea"},
    {"GP", "Guadeloupe"},
    {"GQ", "Equatorial Guinea"},
    {"GR", "Greece"},
    {"GS", "South Georgia and the South Sandwich Islands"},
    {"GT", "Guatemala"},
    {"GU", "Guam"},
    {"GW", "Guinea-Bissau"},
    {"GY", "Guyana"},
    {"HK", "Hong Kong"},
    {"HM", "Heard Island and McDonald Islands"},
    {"HN", "Honduras"},
    {"HR", "Croatia"},
    {"HT", "Haiti"},
    {"HU", "Hungary"},
    {"ID", "Indonesia"},
    {"IE", "Ireland"},
    {"IL", "Israel"},
    {"IM", "Isle of Man"},
    {"IN", "India"},
    {"IO", "British Indian Ocean Territory"},
    {"IQ", "Iraq"},
    {"IR", "Iran"},
    {"IS", "Iceland"},
    {"IT", "Italy"},
    {"JE", "Jersey"},
    {"JM", "Jamaica"},
    {"JO", "Jordan"},
    {"JP", "Japan"},
    {"KE", "Kenya"},
    {"KG", "Kyrgyzstan"},
    {"KH", "Cambodia"},
    {"KI", "Kiribati"},
    {"KM", "Comoros"},
    {"KN", "Saint Kitts and Nevis"},
    {"KP", "North Korea"},
    {"KR", "South Korea"},
    {"KW", "Kuwait"},
    {"KY", "Cayman Islands"},
    {"KZ", "Kazakhstan"},
    {"LA", "Laos"},
    {"LB", "Lebanon"},
    {"LC", "Saint Lucia"},
    {"LI", "Liechtenstein"},
    {"LK", "Sri Lanka"},
    {"LR", "Liberia"},
    {"LS", "Lesotho"},
    {"LT", "Lithuania"},
    {"LU", "Luxembourg"},
    {"LV", "Latvia"},
    {"LY", "Libya"},
    {"MA", "Morocco"},
    {"MC", "Monaco"},
    {"MD", "Moldova"},
    {"ME", "Montenegro"},
    {"MF", "Saint Martin (French part)"},
    {"MG", "Madagascar"},
    {"MH", "Marshall Islands"},
    {"MK", "North Macedonia"},
    {"ML", "Mali"},
    {"MM", "Myanmar"},
    {"MN", "Mongolia"},
    {"MO", "Macao"},
    {"MP", "Northern Mariana Islands"},
    {"MQ", "Martinique"},
    {"MR", "Mauritania"},
    {"MS", "Montserrat"},
    {"MT", "Malta"},
    {"MU", "Mauritius"},
    {"MV", "Maldives"},
    {"MW", "Malawi"},
    {"MX", "Mexico"},
    {"MY", "Malaysia"},
    {"MZ", "Mozambique"},
    {"NA", "Namibia"},
    {"NC", "New Caledonia"},
    {"NE", "Niger"},
    {"NF", "Norfolk Island"},
    {"NG", "Nigeria"},
    {"NI", "Nicaragua"},
    {"NL", "Netherlands"},
    {"NO", "Norway"},
    {"NP", "Nepal"},
    {"NR", "Nauru"},
    {"NU", "Niue"},
    {"NZ", "New Zealand"},
    {"OM", "Oman"},
    {"PA", "Panama"},
    {"PE", "Peru"},
    {"PF", "French Polynesia"},
    {"PG", "Papua New Guinea"},
    {"PH", "Philippines"},
    {"PK", "Pakistan"},
    {"PL", "Poland"},
    {"PM", "Saint Pierre and Miquelon"},
    {"PN", "Pitcairn"},
    {"PR", "Puerto Rico"},
    {"PS", "Palestine"},
    {"PT", "Portugal"},
    {"PW", "Palau"},
    {"PY", "Paraguay"},
    {"QA", "Qatar"},
    {"RE", "Réunion"},
    {"RO", "Romania"},
    {"RS", "Serbia"},
    {"RU", "Russia"},
    {"RW", "Rwanda"},
    {"SA", "Saudi Arabia"},
    {"SB", "Solomon Islands"},
    {"SC", "Seychelles"},
    {"SD", "Sudan"},
    {"SE", "Sweden"},
    {"SG", "Singapore"},
    {"SH", "Saint Helena, Ascension and Tristan da Cunha"},
    {"SI", "Slovenia"},
    {"SJ", "Svalbard and Jan Mayen"},
    {"SK", "Slovakia"},
    {"SL", "Sierra Leone"},
    {"SM", "San Marino"},
    {"SN", "Senegal"},
    {"SO", "Somalia"},
    {"SR", "Suriname"},
    {"SS", "South Sudan"},
    {"ST", "São Tomé and Príncipe"},
    {"SV", "El Salvador"},
    {"SX", "Sint Maarten (Dutch part)"},
    {"SY", "Syria"},
    {"SZ", "Eswatini"},
    {"TC", "Turks and Caicos Islands"},
    {"TD", "Chad"},
    {"TF", "French Southern Territories"},
    {"TG", "Togo"},
    {"TH", "Thailand"},
    {"TJ", "Tajikistan"},
    {"TK", "Tokelau"},
    {"TL", "Timor-Leste"},
    {"TM", "Turkmenistan"},
    {"TN", "Tunisia"},
    {"TO", "Tonga"},
    {"TR", "Türkiye"},
    {"TT", "Trinidad and Tobago"},
    {"TV", "Tuvalu"},
    {"TW", "Taiwan"},
    {"TZ", "Tanzania"},
    {"UA", "Ukraine"},
    {"UG", "Uganda"},
    {"UM", "United States Minor Outlying Islands"},
    {"US", "United States"},
    {"UY", "Uruguay"},
    {"UZ", "Uzbekistan"},
    {"VA", "Holy See (Vatican City)"},
    {"VC", "Saint Vincent and the Grenadines"},
    {"VE", "Venezuela"},
    {"VG", "British Virgin Islands"},
    {"VI", "U.S. Virgin Islands"},
    {"VN", "Viet Nam"},
    {"VU", "Vanuatu"},
    {"WF", "Wallis and Futuna"},
    {"WS", "Samoa"},
    {"XK", "Kosovo"},
    {"YE", "Yemen"},
    {"YT", "Mayotte"},
    {"ZA", "South Africa"},
    {"ZM", "Zambia"},
    {"ZW", "Zimbabwe"},
};

struct subdivision {
    std::string_view code;
    std::string_view name;
    std::string_view note;
};

constexpr std::string_view since_2014 = "under Russian occupation since 2014";
constexpr std::string_view largely = "largely under Russian occupation";
constexpr std::string_view partly = "partly under Russian occupation";

// Sorted by code (a test checks it).
constexpr subdivision subdivisions[] = {
    {"RU-BA", "Republic of Bashkortostan", ""},
    {"RU-BEL", "Belgorod Oblast", ""},
    {"RU-BRY", "Bryansk Oblast", ""},
    {"RU-CE", "Chechen Republic", ""},
    {"RU-CHE", "Chelyabinsk Oblast", ""},
    {"RU-DA", "Republic of Dagestan", ""},
    {"RU-IRK", "Irkutsk Oblast", ""},
    {"RU-KDA", "Krasnodar Krai", ""},
    {"RU-KGD", "Kaliningrad Oblast", ""},
    {"RU-KHA", "Khabarovsk Krai", ""},
    {"RU-KRS", "Kursk Oblast", ""},
    {"RU-KYA", "Krasnoyarsk Krai", ""},
    {"RU-LEN", "Leningrad Oblast", ""},
    {"RU-MOS", "Moscow Oblast", ""},
    {"RU-MOW", "Moscow", ""},
    {"RU-MUR", "Murmansk Oblast", ""},
    {"RU-NIZ", "Nizhny Novgorod Oblast", ""},
    {"RU-NVS", "Novosibirsk Oblast", ""},
    {"RU-PRI", "Primorsky Krai", ""},
    {"RU-PSK", "Pskov Oblast", ""},
    {"RU-ROS", "Rostov Oblast", ""},
    {"RU-SA", "Sakha (Yakutia) Republic", ""},
    {"RU-SAM", "Samara Oblast", ""},
    {"RU-SPE", "Saint Petersburg", ""},
    {"RU-SVE", "Sverdlovsk Oblast", ""},
    {"RU-TA", "Republic of Tatarstan", ""},
    {"RU-VOR", "Voronezh Oblast", ""},
    {"UA-05", "Vinnytsia Oblast", ""},
    {"UA-07", "Volyn Oblast", ""},
    {"UA-09", "Luhansk Oblast", largely},
    {"UA-12", "Dnipropetrovsk Oblast", ""},
    {"UA-14", "Donetsk Oblast", largely},
    {"UA-18", "Zhytomyr Oblast", ""},
    {"UA-21", "Zakarpattia Oblast", ""},
    {"UA-23", "Zaporizhzhia Oblast", partly},
    {"UA-26", "Ivano-Frankivsk Oblast", ""},
    {"UA-30", "Kyiv (city)", ""},
    {"UA-32", "Kyiv Oblast", ""},
    {"UA-35", "Kirovohrad Oblast", ""},
    {"UA-40", "Sevastopol", since_2014},
    {"UA-43", "Autonomous Republic of Crimea", since_2014},
    {"UA-46", "Lviv Oblast", ""},
    {"UA-48", "Mykolaiv Oblast", ""},
    {"UA-51", "Odesa Oblast", ""},
    {"UA-53", "Poltava Oblast", ""},
    {"UA-56", "Rivne Oblast", ""},
    {"UA-59", "Sumy Oblast", ""},
    {"UA-61", "Ternopil Oblast", ""},
    {"UA-63", "Kharkiv Oblast", ""},
    {"UA-65", "Kherson Oblast", partly},
    {"UA-68", "Khmelnytskyi Oblast", ""},
    {"UA-71", "Cherkasy Oblast", ""},
    {"UA-74", "Chernihiv Oblast", ""},
    {"UA-77", "Chernivtsi Oblast", ""},
};

template <class T> const T* lookup(const T* begin, const T* end, std::string_view code) noexcept {
    auto it = std::lower_bound(begin, end, code,
                               [](const T& e, std::string_view c) { return e.code < c; });
    return it != end && it->code == code ? it : nullptr;
}

} // namespace

std::string_view country_name(std::string_view alpha2) noexcept {
    auto* e = lookup(std::begin(countries), std::end(countries), alpha2);
    return e ? e->name : std::string_view{};
}

std::string_view subdivision_name(std::string_view code) noexcept {
    auto* e = lookup(std::begin(subdivisions), std::end(subdivisions), code);
    return e ? e->name : std::string_view{};
}

std::string_view subdivision_note(std::string_view code) noexcept {
    auto* e = lookup(std::begin(subdivisions), std::end(subdivisions), code);
    return e ? e->note : std::string_view{};
}

std::string describe_region(std::string_view code) {
    std::string out;
    std::size_t dash = code.find('-');
    if (dash == std::string_view::npos) {
        std::string_view name = country_name(code);
        out = name.empty() ? std::string(code) + " (unknown code)"
                           : std::string(name) + " (" + std::string(code) + ")";
        return out;
    }
    std::string_view country = country_name(code.substr(0, dash));
    std::string_view name = subdivision_name(code);
    if (!name.empty())
        out = std::string(name) + ", " + std::string(country);
    else if (!country.empty())
        out = "a subdivision of " + std::string(country);
    else
        out = "unknown subdivision";
    out += " (" + std::string(code) + ")";
    if (std::string_view note = subdivision_note(code); !note.empty())
        out += " \xE2\x80\x94 " + std::string(note);
    return out;
}

bool region_tables_sorted() noexcept {
    auto by_code = [](const auto& a, const auto& b) { return a.code < b.code; };
    return std::is_sorted(std::begin(countries), std::end(countries), by_code) &&
           std::is_sorted(std::begin(subdivisions), std::end(subdivisions), by_code);
}

} // namespace geogate::notices
