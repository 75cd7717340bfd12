#pragma once
// The writing direction of a notice text, from its language tag alone: the wrapper element
// states it (dir="ltr" or dir="rtl") so that the text never takes the direction of the page it
// is inserted into. A Russian notice on a Hebrew or Arabic page (<html dir="rtl">) still reads
// left to right, its full stops at the end of its sentences; an Arabic, Hebrew or Persian notice
// reads right to left on any page.
//
// The direction is the one of the language's usual script: an explicit script subtag decides
// ("az-arab" is rtl, "ku-latn" ltr), else the primary language ("fa", "ur", "yi" rtl; "ru",
// "uk", "en", "ku" ltr). Tags are compared case-insensitively; anything unknown is ltr.
#include <string_view>

namespace geogate::notices {

/// "rtl" or "ltr" (static strings).
std::string_view text_direction(std::string_view language) noexcept;

} // namespace geogate::notices
