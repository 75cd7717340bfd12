#include "proxy/html/html_tokenizer.hpp"

#include <algorithm>
#include <cstring>

namespace geogate::html {

namespace {} // namespace

// HTML start tags that break out of SVG/MathML content.
bool html_tokenizer::breaks_foreign(std::string_view n) noexcept {
    static constexpr std::string_view names[] = {
        "b",      "big",  "blockquote", "body",  "br",   "center", "code",    "dd",   "div",
        "dl",     "dt",   "em",         "embed", "h1",   "h2",     "h3",      "h4",   "h5",
        "h6",     "head", "hr",         "i",     "img",  "li",     "listing", "menu", "meta",
        "nobr",   "ol",   "p",          "pre",   "ruby", "s",      "small",   "span", "strong",
        "strike", "sub",  "sup",        "table", "tt",   "u",      "ul",      "var"};
    return std::find(std::begin(names), std::end(names), n) != std::end(names);
}

html_tokenizer::html_tokenizer() : state_(st::data) {}

tag_phase html_tokenizer::phase() const noexcept {
    switch (state_) {
    case st::tag_open:
    case st::end_tag_open:
        return tag_phase::open;
    case st::tag_name:
    case st::name_end:
        return tag_phase::name;
    case st::before_attr_name:
    case st::attr_name:
    case st::after_attr_name:
    case st::before_attr_value:
    case st::value_dq:
    case st::value_sq:
    case st::value_unq:
    case st::after_value_quoted:
    case st::self_closing:
        return tag_phase::attrs;
    default:
        return tag_phase::none;
    }
}

void html_tokenizer::append_closer(std::string& c) const {
    switch (state_) {
    case st::comment_start:
    case st::comment_start_dash:
    case st::comment:
    case st::comment_end_dash:
    case st::comment_end:
    case st::comment_end_bang:
    case st::markup_decl:
        c += "-->"; // every comment state (and "<!" itself) ends at "-->"
        break;
    case st::bogus_comment:
        c += ">";
        break;
    case st::cdata:
    case st::cdata_bracket:
    case st::cdata_end:
        c += "]]>";
        break;
    case st::script:
    case st::script_lt:
    case st::script_end_name:
    case st::esc_start:
    case st::esc_start_dash:
    case st::esc:
    case st::esc_dash:
    case st::esc_dash_dash:
    case st::esc_lt:
    case st::esc_end_name:
    case st::dbl_start:
    case st::dbl:
    case st::dbl_dash:
    case st::dbl_dash_dash:
    case st::dbl_lt:
    case st::dbl_end:
        // "-->" leaves the (double-)escaped states for plain script data, where "</script>"
        // ends the element; on a line of its own "-->" is a comment to JavaScript too.
        c += "\n--></script>";
        break;
    case st::rawtext:
    case st::raw_lt:
    case st::raw_end_name:
        c += "</";
        c += raw_name_;
        c += ">";
        break;
    case st::value_dq:
        c += "\">";
        break;
    case st::value_sq:
        c += "'>";
        break;
    case st::end_tag_open: // "</" then "<div" would be a bogus comment up to its '>'
    case st::tag_name:
    case st::name_end:
    case st::before_attr_name:
    case st::attr_name:
    case st::after_attr_name:
    case st::before_attr_value:
    case st::value_unq:
    case st::after_value_quoted:
    case st::self_closing:
        c += ">";
        break;
    case st::data:
    case st::tag_open:  // a lone '<' before "<div" is text
    case st::plaintext: // nothing ends <plaintext>: the notice shows as text
        break;
    }
}

} // namespace geogate::html
