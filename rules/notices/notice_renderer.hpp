#pragma once
// Builds the markup readers get from a checked notice text. The injected fragment is
//
//   <div class="geogate-notice" data-geogate-notice="ID" data-geogate-version="VER"
//        lang="LANG" role="note"><style>STYLE</style><div
//        class="geogate-notice-text">TEXT</div></div>
//
// (one line, no whitespace between the parts). STYLE is a constant, selectors scoped to
// .geogate-notice so the page is unaffected; it resets the common properties a page's own
// rules could push into the notice (colour, font, margins, display) and draws a plain box at
// the top of the body: full width, amber, readable on any page. No scripts, no external
// resources, no position tricks: the notice flows with the page.
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
