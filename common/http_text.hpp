#pragma once
// Small ASCII helpers for HTTP header text (RFC 9110 5.6) and the ASCII text around it (HTML
// and CSP whitespace, case folding), shared by geoip/, rules/ and proxy/ so that each rule of
// the grammar is written once. Header-only, constexpr, no allocation (but ascii_lowered, which
// returns a string): they run on every request.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace geogate {

/// OWS = *( SP / HTAB )
constexpr bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

/// HTTP whitespace (Fetch): TAB, LF, CR, SP.
constexpr bool is_http_ws(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// ASCII whitespace (WHATWG Infra; HTML, CSP): TAB, LF, FF, CR, SP.
constexpr bool is_ascii_ws(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/// `s` without the leading and trailing bytes for which `is_ws` holds.
template <class Pred> constexpr std::string_view trim_if(std::string_view s, Pred is_ws) noexcept {
    while (!s.empty() && is_ws(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ws(s.back()))
        s.remove_suffix(1);
    return s;
}

/// `s` without leading and trailing OWS.
constexpr std::string_view trim_ows(std::string_view s) noexcept {
    return trim_if(s, is_ows);
}

/// `s` without leading and trailing HTTP whitespace.
constexpr std::string_view trim_http_ws(std::string_view s) noexcept {
    return trim_if(s, is_http_ws);
}

/// `s` without leading and trailing ASCII whitespace.
constexpr std::string_view trim_ascii_ws(std::string_view s) noexcept {
    return trim_if(s, is_ascii_ws);
}

/// The value of one hexadecimal digit (either case); -1 for any other byte.
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII case-insensitive equality (header names, tokens, codings); other bytes compare exactly.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

/// `s` starts with `prefix`, ASCII case-insensitively.
constexpr bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

/// A copy of `s` with ASCII upper-case letters lowered (other bytes kept).
inline std::string ascii_lowered(std::string_view s) {
    std::string r(s);
    for (char& c : r)
        c = ascii_lower(c);
    return r;
}

/// RFC 9110 12.4.2 qvalue, "0" ["." 0*3DIGIT] / "1" ["." 0*3"0"], in thousandths; -1 when
/// malformed (a malformed weight must not be read as 1).
constexpr int parse_qvalue(std::string_view v) noexcept {
    if (v.empty() || (v[0] != '0' && v[0] != '1'))
        return -1;
    int q = (v[0] - '0') * 1000;
    if (v.size() == 1)
        return q;
    if (v[1] != '.' || v.size() > 5)
        return -1;
    int scale = 100;
    for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        q += (v[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/// Walks a list with weights (RFC 9110 12.4.2: Accept, Accept-Encoding, Accept-Language),
/// calling f(element, q) for each element: `element` trimmed and not empty, q in thousandths
/// (1000 without a q parameter). An element with a parameter that is not name=value, or with
/// a malformed q-value, is skipped as if absent (a malformed weight must not be read as 1).
/// f returns false to stop the walk.
template <class F> constexpr void for_each_weighted(std::string_view list, F f) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        auto semi = item.find(';');
        const std::string_view element = trim_ows(item.substr(0, semi));
        if (element.empty())
            continue; // "a,,b": empty list elements are allowed by the list syntax
        int q = 1000;
        bool bad = false;
        while (semi != std::string_view::npos) {
            item = item.substr(semi + 1);
            semi = item.find(';');
            const std::string_view param = trim_ows(item.substr(0, semi));
            const auto eq = param.find('=');
            if (eq == std::string_view::npos) {
                bad = true;
                break;
            }
            if (iequals(trim_ows(param.substr(0, eq)), "q") &&
                (q = parse_qvalue(trim_ows(param.substr(eq + 1)))) < 0) {
                bad = true;
                break;
            }
        }
        if (!bad && !f(element, q))
            return;
    }
}

/// A byte-class table: ASCII letters and digits plus the bytes of `extra` (e.g. tchar is
/// alnum_and("!#$%&'*+-.^_`|~")).
constexpr std::array<bool, 256> alnum_and(std::string_view extra) noexcept {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c)
        t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[c] = true;
    for (char c : extra)
        t[static_cast<unsigned char>(c)] = true;
    return t;
}

/// tchar (RFC 9110 5.6.2).
inline constexpr std::array<bool, 256> tchar_table = alnum_and("!#$%&'*+-.^_`|~");

constexpr bool is_tchar(char c) noexcept {
    return tchar_table[static_cast<unsigned char>(c)];
}

/// token = 1*tchar (RFC 9110 5.6.2).
constexpr bool is_token(std::string_view s) noexcept {
    if (s.empty())
        return false;
    for (char c : s)
        if (!is_tchar(c))
            return false;
    return true;
}

} // namespace geogate
