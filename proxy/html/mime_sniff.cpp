#include "proxy/html/mime_sniff.hpp"

#include "common/http_text.hpp"
#include "proxy/html/charset.hpp"

#include <array>

namespace geogate::html {
namespace {

// Splits a header value at commas outside quoted strings (Fetch "get, decode, and split").
std::vector<std::string_view> split_values(std::string_view v) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (quoted && v[i] == '\\')
            ++i;
        else if (v[i] == '"')
            quoted = !quoted;
        else if (v[i] == ',' && !quoted) {
            out.push_back(trim_http_ws(v.substr(start, i - start)));
            start = i + 1;
        }
    }
    out.push_back(trim_http_ws(v.substr(start)));
    return out;
}

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
    return s.substr(0, prefix.size()) == prefix;
}

bool is_binary_data_byte(unsigned char c) noexcept {
    return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1A) || (c >= 0x1C && c <= 0x1F);
}

} // namespace

std::string mime_essence(std::string_view content_type) {
    auto v = trim_http_ws(content_type);
    auto slash = v.find('/');
    if (slash == std::string_view::npos)
        return {};
    auto type = v.substr(0, slash);
    auto rest = v.substr(slash + 1);
    auto subtype = rest.substr(0, rest.find(';'));
    while (!subtype.empty() && is_http_ws(subtype.back()))
        subtype.remove_suffix(1); // trailing whitespace only: "text/ html" does not parse
    if (!is_token(type) || !is_token(subtype))
        return {};
    std::string out;
    out.reserve(type.size() + 1 + subtype.size());
    for (char c : type)
        out += ascii_lower(c);
    out += '/';
    for (char c : subtype)
        out += ascii_lower(c);
    return out;
}

std::string effective_content_type(const std::vector<std::string_view>& values) {
    // A value without a charset inherits the charset of an earlier value of the same essence
    // (Fetch): "text/html; charset=koi8-r" then "text/html" is read as koi8-r.
    std::string chosen, chosen_essence, charset;
    for (auto line : values)
        for (auto v : split_values(line)) {
            auto essence = mime_essence(v);
            if (essence.empty() || essence == "*/*")
                continue;
            if (essence != chosen_essence)
                charset.clear();
            chosen = std::string(v);
            chosen_essence = essence;
            if (auto own = charset_from_content_type(v); !own.empty())
                charset = own;
            else if (!charset.empty())
                chosen += "; charset=" + charset;
        }
    return chosen;
}

bool needs_sniffing(std::string_view effective) noexcept {
    if (effective.empty())
        return true;
    auto essence = mime_essence(effective);
    // application/x-unknown-content-type: not in the WHATWG list, but Firefox sniffs it too.
    return essence.empty() || essence == "unknown/unknown" || essence == "application/unknown" ||
           essence == "application/x-unknown-content-type" || essence == "*/*";
}

std::string_view sniff_unknown_type(std::string_view bytes) noexcept {
    bytes = bytes.substr(0, sniff_bytes);
    // Scriptable patterns skip leading whitespace bytes.
    std::size_t ws = 0;
    while (ws < bytes.size() && is_ascii_ws(bytes[ws]))
        ++ws;
    const std::string_view s = bytes.substr(ws);
    for (std::string_view tag :
         {"<!DOCTYPE HTML", "<HTML", "<HEAD", "<SCRIPT", "<IFRAME", "<H1", "<DIV", "<FONT",
          "<TABLE", "<A", "<STYLE", "<TITLE", "<B", "<BODY", "<BR", "<P", "<!--"}) {
        // ...followed by a tag-terminating byte (SP or '>').
        if (istarts_with(s, tag) && s.size() > tag.size() &&
            (s[tag.size()] == ' ' || s[tag.size()] == '>'))
            return "text/html";
    }
    if (starts_with(s, "<?xml"))
        return "text/xml";
    if (starts_with(bytes, "%PDF-"))
        return "application/pdf";
    if (starts_with(bytes, "%!PS-Adobe-"))
        return "application/postscript";
    if (starts_with(bytes, "\xFE\xFF") || starts_with(bytes, "\xFF\xFE") ||
        starts_with(bytes, "\xEF\xBB\xBF"))
        return "text/plain";
    using namespace std::string_view_literals;
    if (starts_with(bytes, "\x00\x00\x01\x00"sv) || starts_with(bytes, "\x00\x00\x02\x00"sv))
        return "image/x-icon";
    if (starts_with(bytes, "BM"))
        return "image/bmp";
    if (starts_with(bytes, "GIF87a") || starts_with(bytes, "GIF89a"))
        return "image/gif";
    if (bytes.size() >= 14 && starts_with(bytes, "RIFF") && bytes.substr(8, 6) == "WEBPVP")
        return "image/webp";
    if (starts_with(bytes, "\x89PNG\r\n\x1A\n"))
        return "image/png";
    if (starts_with(bytes, "\xFF\xD8\xFF"))
        return "image/jpeg";
    if (starts_with(bytes, "\x1F\x8B\x08"))
        return "application/x-gzip";
    if (starts_with(bytes, "PK\x03\x04"))
        return "application/zip";
    if (starts_with(bytes, "Rar!\x1A\x07\x00"sv))
        return "application/x-rar-compressed";
    for (char c : bytes)
        if (is_binary_data_byte(static_cast<unsigned char>(c)))
            return "application/octet-stream";
    return "text/plain";
}

} // namespace geogate::html
