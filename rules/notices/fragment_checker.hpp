#pragma once
// Validates a notice text (an HTML fragment written by people, served inside every page).
// Tolerant in form, strict in substance: the fragment must parse the same way in a browser as
// here, so that what the lawyers approved is what readers see, and it must carry nothing that
// a page's Content-Security-Policy would block or that could run or load anything.
//
// Accepted: valid UTF-8, at most max_fragment_bytes, some visible text, elements from
//   p div span strong em b i u s small mark abbr q cite sub sup br a ul ol li h2 h3 h4
// with attributes class title lang dir (all; dir "ltr" or "rtl"), href hreflang rel target (a; href
// must be an absolute https: URL), start reversed (ol); entities &name; &#N; &#xN;, a bare '&'
// before white space. Tags must balance (no implied end tags), phrasing elements hold only phrasing
// content, ul/ol hold only li, li only inside ul/ol, no a inside a, nesting depth <= 32.
// Rejected, with a message saying why: script, style, img, iframe, link, object, embed, form
// and every other element; style= and on*= attributes; src/srcset/...; javascript: and other
// non-https links; comments, doctype, CDATA, processing instructions; control characters.
#include "rules/toml/diagnostic.hpp"

#include <cstddef>
#include <string_view>

namespace geogate::notices {

inline constexpr std::size_t max_fragment_bytes = 16 * 1024;

/// Checks `text`; appends one error per problem (file:line:column) to `out`, at most 20.
/// Returns true when the fragment is acceptable.
bool check_fragment(std::string_view text, std::string_view file, diagnostics& out);

} // namespace geogate::notices
