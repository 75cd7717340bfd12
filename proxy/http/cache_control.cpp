#include "proxy/http/cache_control.hpp"

#include "common/http_text.hpp"

namespace geogate {
namespace {

// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
bool is_qdtext(unsigned char c) noexcept {
    return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) ||
           (c >= 0x5D && c <= 0x7E) || c >= 0x80;
}

// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
bool is_quotable(unsigned char c) noexcept {
    return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7E) || c >= 0x80;
}

std::size_t token_end(std::string_view s, std::size_t i) noexcept {
    while (i < s.size() && is_tchar(s[i]))
        ++i;
    return i;
}

// Index past the closing quote of the quoted-string starting at s[i] == '"'; npos if broken.
std::size_t quoted_end(std::string_view s, std::size_t i) noexcept {
    for (++i; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '"')
            return i + 1;
        if (c == '\\') {
            if (++i >= s.size() || !is_quotable(static_cast<unsigned char>(s[i])))
                return std::string_view::npos;
        } else if (!is_qdtext(c)) {
            return std::string_view::npos;
        }
    }
    return std::string_view::npos;
}

bool parse_line(std::string_view s, std::vector<cache_directive>& out) {
    std::size_t i = 0;
    for (;;) {
        while (i < s.size() && is_ows(s[i]))
            ++i;
        if (i == s.size())
            return true;
        if (s[i] == ',') { // an empty list element
            ++i;
            continue;
        }
        auto name_end = token_end(s, i);
        if (name_end == i)
            return false;
        cache_directive d;
        d.name = s.substr(i, name_end - i);
        i = name_end;
        if (i < s.size() && s[i] == '=') {
            ++i;
            auto value_end = i < s.size() && s[i] == '"' ? quoted_end(s, i) : token_end(s, i);
            if (value_end == std::string_view::npos || value_end == i)
                return false;
            d.value = s.substr(i, value_end - i);
            d.has_value = true;
            i = value_end;
        }
        out.push_back(d);
        while (i < s.size() && is_ows(s[i]))
            ++i;
        if (i == s.size())
            return true;
        if (s[i] != ',')
            return false;
        ++i;
    }
}

bool shared_cache_only(const cache_directive& d) noexcept {
    return iequals(d.name, "public") || iequals(d.name, "s-maxage") ||
           iequals(d.name, "proxy-revalidate");
}

} // namespace

std::optional<std::vector<cache_directive>>
parse_cache_control(const std::vector<std::string_view>& lines) {
    std::vector<cache_directive> out;
    for (auto line : lines)
        if (!parse_line(line, out))
            return std::nullopt;
    return out;
}

std::string to_string(const std::vector<cache_directive>& directives) {
    std::string out;
    for (const auto& d : directives) {
        if (!out.empty())
            out += ", ";
        out += d.name;
        if (d.has_value) {
            out += '=';
            out += d.value;
        }
    }
    return out;
}

std::string region_private_cache_control(const std::vector<std::string_view>& lines) {
    if (lines.empty()) // most pages: what the walk below makes of no directives, without it
        return "private, no-cache";
    auto parsed = parse_cache_control(lines);
    if (!parsed)
        return "private, no-store";
    std::vector<cache_directive> kept;
    kept.reserve(parsed->size() + 2);
    kept.push_back({"private", {}, false});
    kept.push_back({"no-cache", {}, false});
    for (const auto& d : *parsed) {
        if (shared_cache_only(d))
            continue;
        // The unqualified forms are the two added above; the qualified ones (private="...",
        // no-cache="...") stay as sent.
        if (!d.has_value && (iequals(d.name, "private") || iequals(d.name, "no-cache")))
            continue;
        kept.push_back(d);
    }
    return to_string(kept);
}

std::string browser_revalidating_cache_control(const std::vector<std::string_view>& lines) {
    auto parsed = parse_cache_control(lines);
    if (!parsed)
        return "private, no-store";
    std::vector<cache_directive> kept;
    kept.reserve(parsed->size() + 1);
    kept.push_back({"no-cache", {}, false});
    for (const auto& d : *parsed)
        if (d.has_value || !iequals(d.name, "no-cache"))
            kept.push_back(d);
    return to_string(kept);
}

} // namespace geogate
