#pragma once
// Word-level difference between two versions of a notice text, for the review sheet: what a
// lawyer approved versus what is in the file now. Tokens are words, runs of white space and
// whole tags, so a changed attribute shows as one changed tag.
#include <string>
#include <string_view>
#include <vector>

namespace geogate::notices {

struct diff_piece {
    enum class kind { same, removed, added };
    kind what = kind::same;
    std::string text; // consecutive tokens of the same kind, merged
};

/// Longest-common-subsequence diff over tokens. Bounded: when the changed middle (after the
/// common prefix and suffix) exceeds 4 million token pairs it is shown as removed + added.
std::vector<diff_piece> word_diff(std::string_view before, std::string_view after);

} // namespace geogate::notices
