#include "rules/notices/text_direction.hpp"

#include "common/http_text.hpp"

#include <array>

namespace geogate::notices {
namespace {

// ISO 15924 codes of scripts written right to left (those a notice could plausibly use).
constexpr std::array<std::string_view, 12> rtl_scripts{
    "adlm", "arab", "hebr", "mand", "mend", "nkoo", "rohg", "samr", "syrc", "thaa", "yezi", "aran",
};

// Languages whose usual script (CLDR's likely subtags) is written right to left.
constexpr std::array<std::string_view, 26> rtl_languages{
    "ar", "arc", "azb", "bal", "bqi", "ckb", "dv", "fa", "glk", "he",  "iw", "ji", "khw",
    "ks", "lrc", "mzn", "nqo", "pnb", "prs", "ps", "sd", "sdh", "syr", "ug", "ur", "yi",
};

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& list, std::string_view s) noexcept {
    for (std::string_view x : list)
        if (iequals(x, s))
            return true;
    return false;
}

bool all_alpha(std::string_view s) noexcept {
    for (char c : s)
        if ((c | 0x20) < 'a' || (c | 0x20) > 'z')
            return false;
    return !s.empty();
}

} // namespace

std::string_view text_direction(std::string_view language) noexcept {
    const std::string_view primary = language.substr(0, language.find('-'));
    // The script subtag, if any: the first 4-letter subtag after the primary one (extended
    // language subtags, 3 letters, may come between: "zh-yue-hant").
    std::string_view rest = language.substr(primary.size());
    while (!rest.empty()) {
        rest.remove_prefix(1); // '-'
        const std::string_view subtag = rest.substr(0, rest.find('-'));
        rest.remove_prefix(subtag.size());
        if (subtag.size() == 4 && all_alpha(subtag))
            return listed(rtl_scripts, subtag) ? "rtl" : "ltr";
        if (!(subtag.size() == 3 && all_alpha(subtag)))
            break; // a region, variant or extension: no script subtag
    }
    return listed(rtl_languages, primary) ? "rtl" : "ltr";
}

} // namespace geogate::notices
