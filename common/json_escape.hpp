#pragma once
// JSON string escaping, the one implementation behind the event log, the access log,
// `geogate lookup --json` and `geogate explain --json`. Header-only so that every library
// (geoip, rules, proxy) can use it without a dependency between them.
#include <string>
#include <string_view>

namespace geogate {

/// Appends `s` escaped for the inside of a JSON string: quote, backslash and every control
/// character (and DEL) escaped; all other bytes, UTF-8 included, copied as they are. Bytes come
/// from clients and origins, so nothing in `s` can end the string or the line early.
inline void append_json_escaped(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
}

/// `s` as a quoted JSON string.
inline std::string json_quoted(std::string_view s) {
    std::string out = "\"";
    append_json_escaped(out, s);
    out += '"';
    return out;
}

} // namespace geogate
