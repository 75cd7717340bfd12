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
    for_each_weighted(header, [&](std::string_view range, int q) {
        if (range != "*" && !is_language_tag(range))
            return true;
        std::size_t pos = ranges++;
        for (std::size_t i = 0; i < n; ++i) {
            int s = specificity(range, available[i]);
            // The most specific range decides; among equally specific ones the higher q.
            if (s > w[i].spec || (s == w[i].spec && s > 0 && q > w[i].q))
                w[i] = {s, q, pos};
        }
        return ranges < max_accept_language_ranges;
    });

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
