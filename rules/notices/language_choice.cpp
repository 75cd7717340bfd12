#include "rules/notices/language_choice.hpp"

namespace geogate::notices {
namespace {

char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}
bool is_alpha(char c) noexcept {
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_ows(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back()))
        s.remove_suffix(1);
    return s;
}

bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

// RFC 9110 qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3"0"]; -1 when malformed.
int parse_q(std::string_view v) noexcept {
    if (v.empty() || (v[0] != '0' && v[0] != '1'))
        return -1;
    int q = (v[0] - '0') * 1000;
    if (v.size() == 1)
        return q;
    if (v[1] != '.' || v.size() > 5)
        return -1;
    int scale = 100;
    for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
        if (!is_digit(v[i]))
            return -1;
        q += (v[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

// How specifically `range` matches `tag`: 3 exact, 2 prefix either way on a subtag boundary,
// 1 wildcard, 0 no match.
int specificity(std::string_view range, std::string_view tag) noexcept {
    if (range == "*")
        return 1;
    if (iequal(range, tag))
        return 3;
    std::string_view shorter = range.size() < tag.size() ? range : tag;
    std::string_view longer = range.size() < tag.size() ? tag : range;
    if (longer[shorter.size()] == '-' && iequal(shorter, longer.substr(0, shorter.size())))
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
        std::string_view range = trim(item.substr(0, semi));
        if (range.empty())
            continue; // "a,,b" and empty list elements are allowed by the list syntax
        if (range != "*" && !is_language_tag(range))
            continue;
        int q = 1000;
        bool bad = false;
        while (semi != std::string_view::npos) {
            item = item.substr(semi + 1);
            semi = item.find(';');
            std::string_view param = trim(item.substr(0, semi));
            std::size_t eq = param.find('=');
            if (eq == std::string_view::npos) {
                bad = true;
                break;
            }
            if (iequal(trim(param.substr(0, eq)), "q")) {
                q = parse_q(trim(param.substr(eq + 1)));
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
