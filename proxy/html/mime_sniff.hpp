#pragma once
// PURE MIME type handling as browsers do it (WHATWG Fetch "extract a MIME type", WHATWG MIME
// Sniffing "rules for identifying an unknown MIME type"), so geogate and the reader's browser
// agree on whether a response is an HTML document.
//
// effective_content_type: the Content-Type a browser uses when several values or field lines
// were sent: the LAST value that parses as a MIME type and is not */* (so "text/plain" then
// "text/html" is HTML to a browser). "" when none parses: the browser sniffs.
//
// needs_sniffing: no usable type ("" / unparseable / */*) or unknown/unknown,
// application/unknown or (Firefox) application/x-unknown-content-type: a browser identifies
// such a body from its first bytes, and may render it as HTML. text/plain is never sniffed as
// HTML (at most text vs binary), so it is not here.
//
// sniff_unknown_type: the rules with sniff-scriptable set, over the resource header (the first
// sniff_bytes bytes): HTML and XML patterns after leading whitespace, PDF, PostScript, the
// BOMs (text/plain), images, archives, then text/plain or application/octet-stream by the
// binary-data bytes. Audio and video fall into the last two.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::html {

/// WHATWG's resource header: the most bytes the sniffing rules look at.
inline constexpr std::size_t sniff_bytes = 1445;

std::string effective_content_type(const std::vector<std::string_view>& values);

/// "type/subtype" lower-cased, "" if `content_type` does not parse.
std::string mime_essence(std::string_view content_type);

bool needs_sniffing(std::string_view effective) noexcept;

/// "text/html", "text/xml", "application/pdf", "text/plain", "image/png", ...
std::string_view sniff_unknown_type(std::string_view first_bytes) noexcept;

} // namespace geogate::html
