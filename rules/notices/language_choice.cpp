#include "rules/notices/language_choice.hpp"

#include "common/http_text.hpp"

namespace geogate::notices {
namespace {

bool is_alpha(char c) noexcept {
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
// How specifically `range` matches `tag`: 3 exact, 2 prefix either way on a subtag boundary,
// 1 wildcard, 0 no match.
int specificity(std::string_view range, std::string_view tag) noexcept {
    if (range == "*")
        return 1;
    if (iequals(range, tag))
        return 3;
    if (range.size() == tag.size())
        return 0; // same length, not equal: neither is a prefix (and longer[size] is past the end)
    std::string_view shorter = range.size() < tag.size() ? range : tag;
    std::string_view longer = range.size() < tag.size() ? tag : range;
    if (longer[shorter.size()] == '-' && iequals(shorter, longer.substr(0, shorter.size())))
        return 2;
    return 0;
}

} // namespace

bool is_language_tag(std::string_view tag) noexcept {
    std::size_t i = 0, first = 0;
    while (i < tag.size() && is_alpha(tag[i]))
        ++i;
    if (i == 0 || i > 8)
        return false;
    while (i < tag.size()) {
        if (tag[i] != '-')
            return false;
        first = ++i;
        while (i < tag.size() && (is_alpha(tag[i]) || is_digit(tag[i])))
            ++i;
        if (i == first || i - first > 8)
            return false;
    }
    return true;
}

std::size_t choose_language(std::string_view header, std::span<const std::string> available,
                            std::size_t default_index) noexcept {
    if (header.size() > max_accept_language_bytes)
        header = header.substr(0, max_accept_language_bytes);

    struct weight {
        int spec = 0;    // specificity of the deciding range; 0 = no range matched yet
        int q = 0;       // its q-value, 0..1000
        std::size_t pos; // its position in the header
    };
    constexpr std::size_t max_langs = 32;
    weight w[max_langs];
    std::size_t n = available.size() < max_langs ? available.size() : max_langs;
    for (std::size_t i = 0; i < n; ++i)
        w[i] = {0, 0, 0};

    std::size_t ranges = 0;
    while (!header.empty() && ranges < max_accept_language_ranges) {
        std::size_t comma = header.find(',');
        std::string_view item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);

        std::size_t semi = item.find(';');
        std::string_view range = trim_ows(item.substr(0, semi));
        if (range.empty())
            continue; // "a,,b" and empty list elements are allowed by the list syntax
        if (range != "*" && !is_language_tag(range))
            continue;
        int q = 1000;
        bool bad = false;
        while (semi != std::string_view::npos) {
            item = item.substr(semi + 1);
            semi = item.find(';');
            std::string_view param = trim_ows(item.substr(0, semi));
            std::size_t eq = param.find('=');
            if (eq == std::string_view::npos) {
                bad = true;
                break;
            }
            if (iequals(trim_ows(param.substr(0, eq)), "q")) {
                q = parse_qvalue(trim_ows(param.substr(eq + 1)));
                if (q < 0) {
                    bad = true;
                    break;
                }
            }
        }
        if (bad)
            continue;
        std::size_t pos = ranges++;
        for (std::size_t i = 0; i < n; ++i) {
            int s = specificity(range, available[i]);
            // The most specific range decides; among equally specific ones the higher q.
            if (s > w[i].spec || (s == w[i].spec && s > 0 && q > w[i].q))
                w[i] = {s, q, pos};
        }
    }

    std::size_t best = default_index;
    bool found = false;
    for (std::size_t i = 0; i < n; ++i) {
        if (w[i].spec == 0 || w[i].q == 0)
            continue;
        if (!found || w[i].q > w[best].q || (w[i].q == w[best].q && w[i].pos < w[best].pos)) {
            best = i;
            found = true;
        }
    }
    return best;
}

} // namespace geogate::notices
