#include "rules/notices/notice_renderer.hpp"

#include "rules/notices/digest.hpp"
#include "rules/notices/utf8.hpp"

namespace geogate::notices {
namespace {

// One string literal, no newlines: its bytes are what the CSP hash covers.
constexpr std::string_view style_text =
    ".geogate-notice{display:block;box-sizing:border-box;width:auto;max-width:none;margin:0;"
    "padding:14px 18px;background:#fff7e0;color:#2b2100;border:0;border-bottom:3px solid #d99a00;"
    "font:normal 400 16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\","
    "\"DejaVu Sans\",Arial,sans-serif;text-align:start;letter-spacing:normal;"
    "text-transform:none;float:none;position:static;clear:both;visibility:visible;opacity:1}"
    ".geogate-notice *{box-sizing:border-box;color:inherit;font:inherit;letter-spacing:inherit;"
    "text-transform:none;background:none;border:0;margin:0;padding:0;float:none;"
    "position:static}"
    ".geogate-notice p,.geogate-notice div,.geogate-notice ul,.geogate-notice ol,"
    ".geogate-notice h2,.geogate-notice h3,.geogate-notice h4{display:block;margin:0 0 .5em}"
    ".geogate-notice .geogate-notice-text{max-width:60em;margin:0 auto}"
    ".geogate-notice ul,.geogate-notice ol{padding-left:1.5em}"
    ".geogate-notice ul{list-style:disc}.geogate-notice ol{list-style:decimal}"
    ".geogate-notice li{display:list-item;margin:0 0 .25em}"
    ".geogate-notice h2,.geogate-notice h3,.geogate-notice h4,.geogate-notice strong,"
    ".geogate-notice b{font-weight:700}"
    ".geogate-notice h2{font-size:1.15em}.geogate-notice h3{font-size:1.05em}"
    ".geogate-notice em,.geogate-notice i,.geogate-notice cite{font-style:italic}"
    ".geogate-notice small{font-size:.875em}.geogate-notice u{text-decoration:underline}"
    ".geogate-notice s{text-decoration:line-through}"
    ".geogate-notice mark{background:#ffe27a}"
    ".geogate-notice abbr{text-decoration:underline dotted}"
    ".geogate-notice a{color:#0a4a8f;text-decoration:underline}"
    ".geogate-notice .geogate-notice-text>:last-child{margin-bottom:0}";

constexpr std::string_view page_style_text =
    "html{background:#f4f4f1;color:#1d1d1b}"
    "body{margin:0;padding:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "\"Noto Sans\",\"DejaVu Sans\",Arial,sans-serif}"
    ".geogate-page{max-width:44em;margin:8vh auto;padding:0 16px}"
    ".geogate-page .geogate-notice{border:1px solid #e3c36b;border-left:6px solid #d99a00;"
    "border-radius:6px;padding:22px 26px}"
    ".geogate-status{margin:18px 0 0;color:#6b6b66;font-size:13px}";

std::string_view trim(std::string_view s) {
    if (s.substr(0, 3) == "\xEF\xBB\xBF")
        s.remove_prefix(3);
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::string open_wrapper(std::string_view id, std::string_view version, std::string_view language) {
    std::string s;
    s += "<div class=\"geogate-notice\" data-geogate-notice=\"";
    s += escape_html(id);
    s += "\" data-geogate-version=\"";
    s += escape_html(version);
    s += "\" lang=\"";
    s += escape_html(language);
    s += "\" role=\"note\">";
    return s;
}

} // namespace

std::string_view notice_style() noexcept {
    return style_text;
}

std::string notice_page_style() {
    return std::string(style_text) + std::string(page_style_text);
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
    s += style_text;
    s += "</style><div class=\"geogate-notice-text\">";
    s += trim(text);
    s += "</div></div>";
    return s;
}

void render(notice_text& t, std::string_view title) {
    t.fragment_utf8 = render_fragment(t.notice_id, t.version, t.language, t.source);
    t.fragment_ascii = to_character_references(t.fragment_utf8);
    t.style_hash = csp_hash_source(style_text);

    std::string page_style = notice_page_style();
    std::string& p = t.page_451;
    p = "<!DOCTYPE html>\n<html lang=\"" + escape_html(t.language) +
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
    p += "</div></div><p class=\"geogate-status\">451 Unavailable For Legal Reasons &middot; ";
    p += escape_html(t.notice_id);
    p += " &middot; ";
    p += escape_html(t.version);
    p += "</p></main></body></html>\n";
    t.page_451_style_hash = csp_hash_source(page_style);
    t.page_451_csp = "default-src 'none'; style-src " + t.page_451_style_hash +
                     "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

} // namespace geogate::notices
