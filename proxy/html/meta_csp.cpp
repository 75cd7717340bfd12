#include "proxy/html/meta_csp.hpp"

#include "common/http_text.hpp"
#include "proxy/html/csp.hpp"

#include <algorithm>

namespace geogate::html {

namespace {

constexpr bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
constexpr bool is_alnum(char c) noexcept {
    return is_alpha(c) || is_digit(c);
}

// The named character references (with ';') whose value is ASCII: the whole set (WHATWG
// entities.json), so a name+';' outside it is either a non-ASCII reference or no reference.
struct named_ref {
    std::string_view name; // without '&' and ';'
    std::string_view value;
};
constexpr named_ref ascii_refs[] = {
    {"AMP", "&"},      {"DiacriticalGrave", "`"},
    {"GT", ">"},       {"Hat", "^"},
    {"LT", "<"},       {"NewLine", "\n"},
    {"QUOT", "\""},    {"Tab", "\t"},
    {"UnderBar", "_"}, {"VerticalLine", "|"},
    {"amp", "&"},      {"apos", "'"},
    {"ast", "*"},      {"bsol", "\\"},
    {"colon", ":"},    {"comma", ","},
    {"commat", "@"},   {"dollar", "$"},
    {"equals", "="},   {"excl", "!"},
    {"fjlig", "fj"},   {"grave", "`"},
    {"gt", ">"},       {"lbrace", "{"},
    {"lbrack", "["},   {"lcub", "{"},
    {"lowbar", "_"},   {"lpar", "("},
    {"lsqb", "["},     {"lt", "<"},
    {"midast", "*"},   {"num", "#"},
    {"percnt", "%"},   {"period", "."},
    {"plus", "+"},     {"quest", "?"},
    {"quot", "\""},    {"rbrace", "}"},
    {"rbrack", "]"},   {"rcub", "}"},
    {"rpar", ")"},     {"rsqb", "]"},
    {"semi", ";"},     {"sol", "/"},
    {"verbar", "|"},   {"vert", "|"},
};

// The legacy references recognised without ';' (all of them: the longest-prefix rule needs
// the whole list). Only AMP amp GT gt LT lt QUOT quot have ASCII values.
constexpr std::string_view legacy_refs[] = {
    "AElig",  "AMP",    "Aacute", "Acirc",  "Agrave", "Aring",  "Atilde", "Auml",   "COPY",
    "Ccedil", "ETH",    "Eacute", "Ecirc",  "Egrave", "Euml",   "GT",     "Iacute", "Icirc",
    "Igrave", "Iuml",   "LT",     "Ntilde", "Oacute", "Ocirc",  "Ograve", "Oslash", "Otilde",
    "Ouml",   "QUOT",   "REG",    "THORN",  "Uacute", "Ucirc",  "Ugrave", "Uuml",   "Yacute",
    "aacute", "acirc",  "acute",  "aelig",  "agrave", "amp",    "aring",  "atilde", "auml",
    "brvbar", "ccedil", "cedil",  "cent",   "copy",   "curren", "deg",    "divide", "eacute",
    "ecirc",  "egrave", "eth",    "euml",   "frac12", "frac14", "frac34", "gt",     "iacute",
    "icirc",  "iexcl",  "igrave", "iquest", "iuml",   "laquo",  "lt",     "macr",   "micro",
    "middot", "nbsp",   "not",    "ntilde", "oacute", "ocirc",  "ograve", "ordf",   "ordm",
    "oslash", "otilde", "ouml",   "para",   "plusmn", "pound",  "quot",   "raquo",  "reg",
    "sect",   "shy",    "sup1",   "sup2",   "sup3",   "szlig",  "thorn",  "times",  "uacute",
    "ucirc",  "ugrave", "uml",    "uuml",   "yacute", "yen",    "yuml",
};

const named_ref* find_ascii_ref(std::string_view name) noexcept {
    for (const auto& r : ascii_refs)
        if (r.name == name)
            return &r;
    return nullptr;
}

// Where one attribute's value sits in the tag.
struct attr_span {
    std::size_t value_begin = 0, value_end = 0; // the value, quotes excluded
    std::size_t token_begin = 0, token_end = 0; // the value with its quotes
    bool found = false;
    bool has_value = false; // "name=..." rather than a bare "name"
};

// The HTML tokenizer's attribute states over a whole start tag ('<' .. '>'). Calls
// on_attr(lower-case name, span) for every attribute in order.
template <class F> void for_each_attribute(std::string_view tag, F&& on_attr) {
    const std::size_t n = tag.size();
    std::size_t i = 1;
    while (i < n && !is_ascii_ws(tag[i]) && tag[i] != '/' && tag[i] != '>')
        ++i; // tag name
    std::string name;
    for (;;) {
        // before attribute name (a '/' not followed by '>' is skipped: self-closing state)
        while (i < n && (is_ascii_ws(tag[i]) || tag[i] == '/'))
            ++i;
        if (i >= n || tag[i] == '>')
            return;
        // attribute name: the first character is part of it even when it is '='
        name.clear();
        name += ascii_lower(tag[i++]);
        while (i < n && !is_ascii_ws(tag[i]) && tag[i] != '/' && tag[i] != '>' && tag[i] != '=')
            name += ascii_lower(tag[i++]);
        // after attribute name
        while (i < n && is_ascii_ws(tag[i]))
            ++i;
        attr_span span;
        span.found = true;
        if (i >= n || tag[i] != '=') {
            span.value_begin = span.value_end = span.token_begin = span.token_end = i;
            on_attr(name, span);
            continue; // '/', '>' or the start of the next attribute
        }
        ++i;
        span.has_value = true;
        // before attribute value
        while (i < n && is_ascii_ws(tag[i]))
            ++i;
        if (i < n && (tag[i] == '"' || tag[i] == '\'')) {
            const char q = tag[i];
            span.token_begin = i;
            span.value_begin = ++i;
            while (i < n && tag[i] != q)
                ++i;
            span.value_end = i;
            if (i < n)
                ++i;
            span.token_end = i;
        } else {
            span.token_begin = span.value_begin = i;
            while (i < n && !is_ascii_ws(tag[i]) && tag[i] != '>')
                ++i; // '>' right here: empty value
            span.token_end = span.value_end = i;
        }
        on_attr(name, span);
    }
}

// First occurrence of each of two attributes.
void find_two(std::string_view tag, std::string_view a, attr_span& sa, std::string_view b,
              attr_span& sb) {
    for_each_attribute(tag, [&](const std::string& name, const attr_span& s) {
        if (!sa.found && name == a)
            sa = s;
        else if (!sb.found && name == b)
            sb = s;
    });
}

} // namespace

std::optional<std::string> decode_attribute_value(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    const std::size_t n = raw.size();
    std::size_t i = 0;
    while (i < n) {
        const char c = raw[i];
        if (c == '\0')
            return std::nullopt; // U+FFFD in the browser
        if (c == '\r') {
            out += '\n';
            i += (i + 1 < n && raw[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        if (c != '&' || i + 1 >= n) {
            out += c;
            ++i;
            continue;
        }
        if (raw[i + 1] == '#') {
            std::size_t k = i + 2;
            const bool hex = k < n && (raw[k] == 'x' || raw[k] == 'X');
            if (hex)
                ++k;
            const std::size_t digits = k;
            std::uint32_t v = 0;
            while (k < n && (hex ? (is_digit(raw[k]) ||
                                    (ascii_lower(raw[k]) >= 'a' && ascii_lower(raw[k]) <= 'f'))
                                 : is_digit(raw[k]))) {
                const std::uint32_t d = is_digit(raw[k])
                                            ? std::uint32_t(raw[k] - '0')
                                            : std::uint32_t(ascii_lower(raw[k]) - 'a' + 10);
                v = std::min<std::uint32_t>(v * (hex ? 16 : 10) + d, 0x110000);
                ++k;
            }
            if (k == digits) { // "&#" / "&#x" without digits: text
                out += raw.substr(i, k - i);
                i = k;
                continue;
            }
            if (k < n && raw[k] == ';')
                ++k;
            // 0, > U+10FFFF, surrogates and C1 (windows-1252 table) all give non-ASCII
            if (v == 0 || v >= 0x80)
                return std::nullopt;
            out += static_cast<char>(v);
            i = k;
            continue;
        }
        if (!is_alnum(raw[i + 1])) {
            out += c;
            ++i;
            continue;
        }
        std::size_t k = i + 1;
        while (k < n && is_alnum(raw[k]))
            ++k;
        const std::string_view run = raw.substr(i + 1, k - i - 1);
        if (k < n && raw[k] == ';') {
            if (const auto* r = find_ascii_ref(run)) {
                out += r->value;
                i = k + 1;
                continue;
            }
            // "&name;" outside the ASCII set: a non-ASCII character or plain text, and which
            // one takes the whole table to tell.
            return std::nullopt;
        }
        // No ';': only a legacy name can match, the longest one that prefixes the run.
        std::string_view best;
        for (auto l : legacy_refs)
            if (l.size() > best.size() && run.substr(0, l.size()) == l)
                best = l;
        if (best.empty() || best.size() < run.size() || (k < n && raw[k] == '=')) {
            out += raw.substr(i, k - i); // text: no match, or an alphanumeric / '=' follows
            i = k;
            continue;
        }
        const auto* r = find_ascii_ref(best);
        if (!r)
            return std::nullopt; // a legacy reference to a non-ASCII character
        out += r->value;
        i = k;
    }
    return out;
}

std::string escape_attribute_value(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 16);
    for (char c : value) {
        if (c == '&')
            out += "&amp;";
        else if (c == '"')
            out += "&quot;";
        else if (c == '\r')
            out += "&#13;";
        else
            out += c;
    }
    return out;
}

bool may_be_http_equiv(std::string_view tag) noexcept {
    constexpr std::string_view equiv = "equiv";
    for (std::size_t i = tag.find('-'); i != std::string_view::npos; i = tag.find('-', i + 1))
        if (tag.size() - i - 1 >= equiv.size() && iequals(tag.substr(i + 1, equiv.size()), equiv))
            return true;
    return false;
}

std::optional<std::string_view> raw_attribute(std::string_view tag, std::string_view lower_name) {
    attr_span s, unused;
    find_two(tag, lower_name, s, "\x01", unused);
    if (!s.found)
        return std::nullopt;
    return tag.substr(s.value_begin, s.value_end - s.value_begin);
}

meta_csp_result rewrite_meta_csp(std::string_view tag, std::string_view hash_source,
                                 std::string_view style_nonce, std::string& out) {
    attr_span equiv, content;
    find_two(tag, "http-equiv", equiv, "content", content);
    if (!equiv.found || !content.found)
        return meta_csp_result::not_csp;
    // An undecodable http-equiv holds a non-ASCII character or a literal '&': not a match.
    const auto kind =
        decode_attribute_value(tag.substr(equiv.value_begin, equiv.value_end - equiv.value_begin));
    if (!kind || !iequals(*kind, "content-security-policy"))
        return meta_csp_result::not_csp;
    const auto policy = decode_attribute_value(
        tag.substr(content.value_begin, content.value_end - content.value_begin));
    if (!policy)
        return meta_csp_result::undecodable;
    const auto amended = amend_meta_csp_for_style(*policy, hash_source, style_nonce);
    if (!amended)
        return meta_csp_result::unchanged;
    out.assign(tag.substr(0, content.token_begin));
    out += content.has_value ? "\"" : "=\"";
    out += escape_attribute_value(*amended);
    out += '"';
    out += tag.substr(content.token_end);
    return meta_csp_result::amended;
}

} // namespace geogate::html
