#pragma once
// The Content-Type of a response as a browser reads it, so that geogate's "is this a document?"
// agrees with the browser's: Fetch's "extract a MIME type" over every Content-Type field (the
// values split on commas outside quotes; the LAST value that parses and is not */* wins, its
// charset inherited from an earlier value of the same essence), each parsed by MIME Sniffing's
// "parse a MIME type". An origin that sends `Content-Type: text/plain` and then
// `Content-Type: text/html` has its page rendered as HTML; reading only the first field would
// let that page past the notice.
#include <string>
#include <string_view>
#include <vector>

namespace geogate::html {

struct mime_type {
    bool valid = false;  // false: no field, or none parses (browsers then sniff)
    std::string essence; // "type/subtype", lower-case
    std::string charset; // the charset parameter as given (case kept), "" when none
};

/// `values`: every Content-Type field value, in order.
mime_type extract_mime_type(const std::vector<std::string_view>& values);

/// HTML or XHTML: a document geogate puts the notice into.
bool is_html_essence(std::string_view essence) noexcept;

/// A type with which browsers sniff the body (MIME Sniffing 7.1: undefined, unknown/unknown,
/// application/unknown, */*), unless the response says X-Content-Type-Options: nosniff.
bool browsers_sniff(const mime_type& t) noexcept;

} // namespace geogate::html
