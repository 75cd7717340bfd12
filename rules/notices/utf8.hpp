#pragma once
// UTF-8 helpers for notice texts: validation (texts must be valid UTF-8, they are served as
// bytes) and the ASCII-only variant with numeric character references, which reads the same
// on a page in any ASCII-compatible charset (windows-1251, koi8-r, iso-8859-x, ...).
#include <cstddef>
#include <string>
#include <string_view>

namespace geogate::notices {

/// Byte offset of the first invalid UTF-8 sequence (overlongs, surrogates and code points above
/// U+10FFFF are invalid), or npos when `text` is valid.
std::size_t find_invalid_utf8(std::string_view text) noexcept;

/// Every non-ASCII code point of valid UTF-8 `text` as "&#N;" (decimal); ASCII unchanged.
/// Precondition: find_invalid_utf8(text) == npos (invalid bytes become U+FFFD references).
/// Used only for text and attribute values of checked fragments, where references are legal.
std::string to_character_references(std::string_view text);

} // namespace geogate::notices
