#include "rules/notices/notice_renderer.hpp"

#include "common/http_text.hpp"
#include "rules/notices/digest.hpp"
#include "rules/notices/text_direction.hpp"
#include "rules/notices/utf8.hpp"

namespace geogate::notices {
namespace {

// The notice's style, written with '&' for the selector of the wrapper (see root_selector): one
// line, no newlines; its exact bytes are what the CSP hash covers. Three layers, each
// !important so that no ordinary page rule wins and with a specificity of two ids so that
// hardly any !important page rule does either:
//   1. the wrapper: every property back to its initial value (`all`), then the box: a block at
//      the top of the body, positioned above everything the page stacks there, first in a
//      flex or grid body, across all columns of a grid or multi-column body;
//   2. everything inside: back to the browser's own defaults (`all: revert`), the common
//      properties also set explicitly for browsers without `revert`;
//   3. the few elements a text may use, styled alike on every page.
// `direction` and `unicode-bidi` are outside `all`: set explicitly from the dir attributes.
constexpr std::string_view style_template =
    "&{all:initial!important;display:block!important;position:relative!important;"
    "z-index:2147483647!important;isolation:isolate!important;unicode-bidi:isolate!important;"
    "box-sizing:border-box!important;float:none!important;clear:both!important;"
    "width:auto!important;max-width:none!important;height:auto!important;"
    "margin:0!important;padding:14px 18px!important;background:#fff7e0!important;"
    "color:#2b2100!important;-webkit-text-fill-color:currentcolor!important;border:0!important;"
    "border-bottom:3px solid #d99a00!important;"
    "font:normal 400 16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\","
    "\"DejaVu Sans\",Arial,sans-serif!important;text-align:start!important;"
    "visibility:visible!important;opacity:1!important;order:-2147483647!important;"
    "grid-column:1/-1!important;grid-row:span 1/1!important;column-span:all!important}"
    "& *{all:revert!important;display:inline!important;box-sizing:border-box!important;"
    "direction:inherit!important;unicode-bidi:normal!important;color:inherit!important;"
    "-webkit-text-fill-color:currentcolor!important;font:inherit!important;"
    "letter-spacing:inherit!important;word-spacing:inherit!important;"
    "text-transform:none!important;text-indent:0!important;text-align:inherit!important;"
    "text-decoration:none!important;text-shadow:none!important;white-space:normal!important;"
    "vertical-align:baseline!important;background:none!important;border:0!important;"
    "margin:0!important;padding:0!important;float:none!important;position:static!important;"
    "width:auto!important;height:auto!important;max-width:none!important;"
    "max-height:none!important;overflow:visible!important;transform:none!important;"
    "visibility:inherit!important;opacity:1!important}"
    "&[dir=ltr],& [dir=ltr]{direction:ltr!important}"
    "&[dir=rtl],& [dir=rtl]{direction:rtl!important}"
    "& [dir]{unicode-bidi:isolate!important}"
    "& style{display:none!important}"
    "& p,& div,& ul,& ol,& h2,& h3,& h4{display:block!important;margin:0 0 .5em!important}"
    "& .geogate-notice-text{max-width:60em!important;margin:0 auto!important}"
    "& ul,& ol{padding-inline-start:1.5em!important}"
    "& ul{list-style:disc!important}& ol{list-style:decimal!important}"
    "& li{display:list-item!important;margin:0 0 .25em!important}"
    "& h2,& h3,& h4,& strong,& b{font-weight:700!important}"
    "& h2{font-size:1.15em!important}& h3{font-size:1.05em!important}"
    "& em,& i,& cite{font-style:italic!important}"
    "& small{font-size:.875em!important}"
    "& sub,& sup{font-size:.75em!important}& sub{vertical-align:sub!important}"
    "& sup{vertical-align:super!important}"
    "& u{text-decoration:underline!important}& s{text-decoration:line-through!important}"
    "& mark{background:#ffe27a!important}"
    "& abbr{text-decoration:underline dotted!important}"
    "& a{color:#0a4a8f!important;text-decoration:underline!important}"
    "& .geogate-notice-text>:last-child{margin-bottom:0!important}";

// The 451 page's own look for the notice box (a page of its own, nothing to fight), selected
// one class more specifically than the notice's style.
constexpr std::string_view page_style_template =
    "html{background:#f4f4f1;color:#1d1d1b}"
    "body{margin:0;padding:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "\"Noto Sans\",\"DejaVu Sans\",Arial,sans-serif}"
    ".geogate-page{max-width:44em;margin:8vh auto;padding:0 16px}"
    ".geogate-page &{border:1px solid #e3c36b!important;"
    "border-inline-start:6px solid #d99a00!important;border-radius:6px!important;"
    "padding:22px 26px!important}"
    ".geogate-status{margin:18px 0 0;color:#6b6b66;font-size:13px}";

// The wrapper as the style selects it. Each :not(#_) adds an id's weight to the selector
// (the wrapper and the text's elements never have an id: the fragment checker allows none).
// Valid CSS since Selectors level 3, so every browser in use applies the rules.
constexpr std::string_view root_selector = ".geogate-notice:not(#_):not(#_)";

std::string expand(std::string_view tmpl) {
    std::string out;
    for (char c : tmpl) {
        if (c == '&')
            out += root_selector;
        else
            out += c;
    }
    return out;
}

const std::string& style_text() {
    static const std::string s = expand(style_template);
    return s;
}

std::string_view trim(std::string_view s) {
    if (s.substr(0, 3) == "\xEF\xBB\xBF")
        s.remove_prefix(3);
    return trim_http_ws(s); // space, tab, CR, LF
}

std::string open_wrapper(std::string_view id, std::string_view version, std::string_view language) {
    std::string s;
    s += "<div class=\"geogate-notice\" data-geogate-notice=\"";
    s += escape_html(id);
    s += "\" data-geogate-version=\"";
    s += escape_html(version);
    s += "\" lang=\"";
    s += escape_html(language);
    s += "\" dir=\"";
    s += text_direction(language);
    s += "\" role=\"note\">";
    return s;
}

} // namespace

std::string_view notice_style() noexcept {
    return style_text();
}

std::string notice_page_style() {
    return style_text() + expand(page_style_template);
}

std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string render_fragment(std::string_view id, std::string_view version,
                            std::string_view language, std::string_view text) {
    std::string s = open_wrapper(id, version, language);
    s += "<style>";
    s += style_text();
    s += "</style><div class=\"geogate-notice-text\">";
    s += trim(text);
    s += "</div></div>";
    return s;
}

void render(notice_text& t, std::string_view title) {
    t.fragment_utf8 = render_fragment(t.notice_id, t.version, t.language, t.source);
    t.fragment_ascii = to_character_references(t.fragment_utf8);
    t.style_hash = csp_hash_source(style_text());

    std::string page_style = notice_page_style();
    std::string& p = t.page_451;
    p = "<!DOCTYPE html>\n<html lang=\"" + escape_html(t.language) + "\" dir=\"" +
        std::string(text_direction(t.language)) +
        "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
        "content=\"width=device-width,initial-scale=1\"><meta name=\"robots\" "
        "content=\"noindex\"><title>";
    p += escape_html(title);
    p += "</title><style>";
    p += page_style;
    p += "</style></head><body><main class=\"geogate-page\">";
    p += open_wrapper(t.notice_id, t.version, t.language);
    p += "<div class=\"geogate-notice-text\">";
    p += trim(t.source);
    p += "</div></div><p class=\"geogate-status\" dir=\"ltr\">451 Unavailable For Legal Reasons "
         "&middot; ";
    p += escape_html(t.notice_id);
    p += " &middot; ";
    p += escape_html(t.version);
    p += "</p></main></body></html>\n";
    t.page_451_style_hash = csp_hash_source(page_style);
    t.page_451_csp = "default-src 'none'; style-src " + t.page_451_style_hash +
                     "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

} // namespace geogate::notices
