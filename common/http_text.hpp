#pragma once
// Small ASCII helpers for HTTP header text (RFC 9110 5.6), shared by geoip/, rules/ and proxy/
// so that each rule of the grammar is written once. Header-only, constexpr, no allocation:
// they run on every request.
#include <array>
#include <cstddef>
#include <string_view>

namespace geogate {

/// OWS = *( SP / HTAB )
constexpr bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

/// `s` without leading and trailing OWS.
constexpr std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && is_ows(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back()))
        s.remove_suffix(1);
    return s;
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

} // namespace geogate
