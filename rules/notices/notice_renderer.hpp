#pragma once
// Builds the markup readers get from a checked notice text. The injected fragment is
//
//   <div class="geogate-notice" data-geogate-notice="ID" data-geogate-version="VER"
//        lang="LANG" dir="DIR" role="note"><style>STYLE</style><div
//        class="geogate-notice-text">TEXT</div></div>
//
// (one line, no whitespace between the parts). DIR is text_direction(LANG): the text keeps its
// own direction on a page written the other way. STYLE is a constant (one CSP hash for every
// notice), its selectors scoped to the wrapper so the page is unaffected. What it guarantees,
// whatever the page's own CSS says (docs/operations.md, "How the notice looks"):
//   - the page's rules do not reach into the notice: every property of the wrapper and of the
//     text's elements is set by the notice's own !important rules, with a specificity no
//     ordinary page selector reaches (see notice_renderer.cpp);
//   - the text's direction is the wrapper's dir, aligned to its start;
//   - the box is in the normal flow at the top of the body (the first item of a flex or grid
//     body, in a row of its own across a grid), full width, and painted above everything the
//     page stacks there: position relative, z-index 2147483647. Only a page element with that
//     same z-index later in the body's own stacking context, or in the top layer, can cover it.
// It does not stick to the top while the reader scrolls (it would hide the page), and it does
// not move the page's own fixed header: at the top of the page the notice covers such a header
// where they overlap. No scripts, no external resources.
#include "rules/notices/notice_text.hpp"

#include <string>
#include <string_view>

namespace geogate::notices {

/// The exact content of the fragment's <style> element (its CSP hash is computed over this).
std::string_view notice_style() noexcept;

/// The exact content of the 451 page's single <style> element (page layout + notice_style()).
std::string notice_page_style();

/// Escapes & < > " ' for HTML text and attribute values.
std::string escape_html(std::string_view text);

/// The wrapper element with the style inside, as inserted into pages.
std::string render_fragment(std::string_view id, std::string_view version,
                            std::string_view language, std::string_view text);

/// Fills fragment_*, style_hash, page_451* of `t` from its notice_id, language, version and
/// source. `title` is the notice's title (the 451 page's <title> and heading).
void render(notice_text& t, std::string_view title);

} // namespace geogate::notices
