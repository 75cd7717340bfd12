#include "rules/notices/word_diff.hpp"

#include <cstdint>

namespace geogate::notices {
namespace {

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_punct(char c) noexcept {
    auto u = static_cast<unsigned char>(c);
    return u < 0x80 && c != '<' && !is_space(c) && !(c >= '0' && c <= '9') &&
           !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && c != '&' && c != '#' && c != ';';
}

std::vector<std::string_view> tokenize(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = i + 1;
        if (s[i] == '<') {
            std::size_t end = s.find('>', i);
            j = end == std::string_view::npos ? s.size() : end + 1;
        } else if (is_space(s[i])) {
            while (j < s.size() && is_space(s[j]))
                ++j;
        } else if (is_punct(s[i])) {
            // "reposting," and "reposting" share the word: punctuation is a token of its own.
        } else {
            while (j < s.size() && !is_space(s[j]) && s[j] != '<' && !is_punct(s[j]))
                ++j;
        }
        out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

void push(std::vector<diff_piece>& out, diff_piece::kind k, std::string_view text) {
    if (!out.empty() && out.back().what == k)
        out.back().text += text;
    else
        out.push_back({k, std::string(text)});
}

bool blank(std::string_view s) noexcept {
    for (char c : s)
        if (!is_space(c))
            return false;
    return true;
}

// "[-an-]{+a+} [-offence-]{+crime+}" reads worse than "[-an offence-]{+a crime+}": white space
// between two changes joins them, on both sides.
std::vector<diff_piece> merge_changes(const std::vector<diff_piece>& in) {
    std::vector<diff_piece> out;
    std::size_t i = 0;
    while (i < in.size()) {
        if (in[i].what == diff_piece::kind::same) {
            out.push_back(in[i++]);
            continue;
        }
        std::string removed, added;
        while (i < in.size()) {
            if (in[i].what == diff_piece::kind::removed)
                removed += in[i].text;
            else if (in[i].what == diff_piece::kind::added)
                added += in[i].text;
            else if (blank(in[i].text) && i + 1 < in.size() &&
                     in[i + 1].what != diff_piece::kind::same) {
                removed += in[i].text;
                added += in[i].text;
            } else {
                break;
            }
            ++i;
        }
        if (!removed.empty() && !blank(removed))
            out.push_back({diff_piece::kind::removed, std::move(removed)});
        if (!added.empty() && !blank(added))
            out.push_back({diff_piece::kind::added, std::move(added)});
        if ((removed.empty() || blank(removed)) && (added.empty() || blank(added)) &&
            !removed.empty())
            out.push_back({diff_piece::kind::same, removed}); // only white space changed
    }
    return out;
}

} // namespace

std::vector<diff_piece> word_diff(std::string_view before, std::string_view after) {
    auto a = tokenize(before);
    auto b = tokenize(after);
    std::size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix])
        ++prefix;
    std::size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
           a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;

    std::vector<diff_piece> out;
    for (std::size_t i = 0; i < prefix; ++i)
        push(out, diff_piece::kind::same, a[i]);

    std::size_t n = a.size() - prefix - suffix, m = b.size() - prefix - suffix;
    if (n * m > 4'000'000) {
        for (std::size_t i = 0; i < n; ++i)
            push(out, diff_piece::kind::removed, a[prefix + i]);
        for (std::size_t j = 0; j < m; ++j)
            push(out, diff_piece::kind::added, b[prefix + j]);
    } else {
        // lcs[i][j]: LCS length of a[prefix+i..] and b[prefix+j..].
        std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
        auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& {
            return lcs[i * (m + 1) + j];
        };
        for (std::size_t i = n; i-- > 0;)
            for (std::size_t j = m; j-- > 0;)
                at(i, j) = a[prefix + i] == b[prefix + j] ? at(i + 1, j + 1) + 1
                                                          : std::max(at(i + 1, j), at(i, j + 1));
        std::size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[prefix + i] == b[prefix + j]) {
                push(out, diff_piece::kind::same, a[prefix + i]);
                ++i;
                ++j;
            } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
                push(out, diff_piece::kind::removed, a[prefix + i++]); // removals first
            } else {
                push(out, diff_piece::kind::added, b[prefix + j++]);
            }
        }
    }
    for (std::size_t k = a.size() - suffix; k < a.size(); ++k)
        push(out, diff_piece::kind::same, a[k]);
    return merge_changes(out);
}

} // namespace geogate::notices
