#include "rules/notices/utf8.hpp"

#include <cstdint>

namespace geogate::notices {
namespace {

// Decodes one code point at text[i]; returns its length (0 = invalid).
std::size_t decode(std::string_view text, std::size_t i, std::uint32_t& cp) noexcept {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    unsigned char c = b(0);
    std::size_t len = 0;
    if (c < 0x80) {
        cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + len > text.size())
        return 0;
    for (std::size_t k = 1; k < len; ++k) {
        if ((b(k) & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (b(k) & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

} // namespace

std::size_t find_invalid_utf8(std::string_view text) noexcept {
    std::uint32_t cp = 0;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = decode(text, i, cp);
        if (n == 0)
            return i;
        i += n;
    }
    return std::string_view::npos;
}

std::string to_character_references(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 2);
    std::uint32_t cp = 0;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = decode(text, i, cp);
        if (n == 1) {
            out.push_back(text[i]);
        } else {
            if (n == 0) {
                cp = 0xFFFD;
                n = 1;
            }
            out += "&#";
            out += std::to_string(cp);
            out += ';';
        }
        i += n;
    }
    return out;
}

} // namespace geogate::notices
