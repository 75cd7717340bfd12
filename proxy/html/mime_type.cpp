#include "proxy/html/mime_type.hpp"

#include "common/http_text.hpp"

namespace geogate::html {
namespace {

constexpr auto token_char = alnum_and("!#$%&'*+-.^_`|~");

bool is_token(std::string_view s) noexcept {
    if (s.empty())
        return false;
    for (char c : s)
        if (!token_char[static_cast<unsigned char>(c)])
            return false;
    return true;
}

// HTTP whitespace for MIME parsing: SP, HTAB, CR, LF.
bool is_http_ws(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim_http_ws(std::string_view s) noexcept {
    while (!s.empty() && is_http_ws(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_http_ws(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = ascii_lower(c);
    return out;
}

// MIME Sniffing 4.4 "parse a MIME type", keeping only what geogate needs (essence, charset).
bool parse_mime_type(std::string_view in, mime_type& out) {
    in = trim_http_ws(in);
    const auto slash = in.find('/');
    if (slash == std::string_view::npos || !is_token(in.substr(0, slash)))
        return false;
    std::string_view rest = in.substr(slash + 1);
    const auto semi = rest.find(';');
    const std::string_view subtype = trim_http_ws(rest.substr(0, semi));
    if (!is_token(subtype))
        return false;
    out.essence = lower(in.substr(0, slash)) + "/" + lower(subtype);
    out.charset.clear();
    bool charset_seen = false;
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!rest.empty()) {
        while (!rest.empty() && is_http_ws(rest.front()))
            rest.remove_prefix(1);
        const auto end_name = rest.find_first_of(";=");
        const std::string name = lower(rest.substr(0, end_name));
        if (end_name == std::string_view::npos)
            break;
        if (rest[end_name] == ';') {
            rest.remove_prefix(end_name + 1);
            continue; // a parameter without a value is skipped
        }
        rest.remove_prefix(end_name + 1);
        std::string value;
        if (!rest.empty() && rest.front() == '"') {
            std::size_t i = 1;
            for (; i < rest.size() && rest[i] != '"'; ++i) {
                if (rest[i] == '\\' && i + 1 < rest.size())
                    ++i;
                value += rest[i];
            }
            rest.remove_prefix(std::min(rest.size(), i + 1));
            const auto next = rest.find(';');
            rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
        } else {
            const auto next = rest.find(';');
            value = std::string(trim_http_ws(rest.substr(0, next)));
            rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
            if (value.empty())
                continue;
        }
        if (name == "charset" && !charset_seen && is_token(name)) {
            charset_seen = true; // the first occurrence of a parameter wins
            out.charset = value;
        }
    }
    return true;
}

} // namespace

mime_type extract_mime_type(const std::vector<std::string_view>& values) {
    mime_type result;
    std::string charset, essence;
    for (std::string_view field : values) {
        // Split on commas outside quoted strings (Fetch "get, decode, and split").
        std::size_t start = 0;
        bool quoted = false;
        for (std::size_t i = 0; i <= field.size(); ++i) {
            if (i < field.size()) {
                if (field[i] == '"')
                    quoted = !quoted;
                else if (field[i] == '\\' && quoted && i + 1 < field.size())
                    ++i;
                if (field[i] != ',' || quoted)
                    continue;
            }
            mime_type t;
            const bool ok = parse_mime_type(field.substr(start, i - start), t);
            start = i + 1;
            if (!ok || t.essence == "*/*")
                continue;
            if (t.essence != essence)
                charset.clear();
            if (!t.charset.empty())
                charset = t.charset;
            essence = t.essence;
            result.valid = true;
            result.essence = t.essence;
            result.charset = charset;
        }
    }
    return result;
}

bool is_html_essence(std::string_view essence) noexcept {
    return essence == "text/html" || essence == "application/xhtml+xml";
}

bool browsers_sniff(const mime_type& t) noexcept {
    return !t.valid || t.essence == "unknown/unknown" || t.essence == "application/unknown";
}

} // namespace geogate::html
