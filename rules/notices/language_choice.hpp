#pragma once
// Which of a notice's languages a reader gets, from the Accept-Language header
// (RFC 9110 section 12.5.4, ranges as in RFC 4647). PURE and noexcept: the proxy calls it per
// request with whatever bytes the client sent.
//
// For each available language the most specific range that matches it decides its weight:
//   exact match ("ru" for ru)                                  most specific
//   the range is longer than the tag ("ru-RU" for ru: lookup truncation), or shorter
//   ("en" for en-gb: basic filtering)
//   "*"                                                        least specific
// So "uk, *;q=0" gives uk and nothing else, "en;q=0, *" gives anything but en. The language
// with the highest weight wins; ties go to the range listed first, then to the order of
// `available`. Weight 0 (q=0) excludes. Nothing acceptable -> the default.
//
// Robust against garbage: malformed ranges and q-values are ignored one by one (the rest of the
// header still counts); only the first max_header_bytes bytes and max_ranges ranges are read.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace geogate::notices {

inline constexpr std::size_t max_accept_language_bytes = 4096;
inline constexpr std::size_t max_accept_language_ranges = 64;

/// Index into `available` (language tags, compared case-insensitively) of the language to serve;
/// `default_index` when the header names none of them acceptably (or is empty/absent).
/// Precondition: default_index < available.size() (returns default_index regardless).
std::size_t choose_language(std::string_view accept_language,
                            std::span<const std::string> available,
                            std::size_t default_index) noexcept;

/// True for a language tag geogate accepts in notice.toml: 1-8 letters, then "-" subtags of 1-8
/// letters or digits ("en", "uk", "pt-br", "sr-latn"). Tags are stored lower-case.
bool is_language_tag(std::string_view tag) noexcept;

} // namespace geogate::notices
