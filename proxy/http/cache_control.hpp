#pragma once
// PURE Cache-Control (RFC 9111 5.2) for responses whose content depends on the reader's
// region. No Asio, no Beast: field values in, field value out.
//
// Parsing follows the grammar exactly: `#cache-directive`, each `token [ "=" ( token /
// quoted-string ) ]`, list elements separated by commas with OWS around them, empty elements
// allowed, quoted-pairs inside a quoted string, commas inside quotes not separating. Several
// field lines are one list (RFC 9110 5.3). A value is kept exactly as sent (quotes included).
//
// The policy (region_private_cache_control): every directive the origin sent is kept, in its
// order, with its exact value, except the three that only address shared caches, which the
// leading `private` makes moot:
//   public            contradicts private (a shared cache would store one region's page);
//   s-maxage          freshness for shared caches only (RFC 9111 5.2.2.10);
//   proxy-revalidate  must-revalidate for shared caches only (RFC 9111 5.2.2.8).
// Removing these weakens nothing for the only cache left, the reader's browser. Then
// `private` and `no-cache` are added: `no-cache` (RFC 9111 5.2.2.4) makes the browser send a
// conditional request before every reuse of its copy, so a copy from another region (read
// through a VPN, say) is never shown without geogate deciding again; that also excludes
// heuristic freshness for a response that had no Cache-Control at all. A malformed field
// cannot be kept exactly without guessing what the browser reads: it becomes
// `private, no-store`, the strictest answer.
//
// browser_revalidating_cache_control is the same for cache.shared_cache_keys_on_variant: the
// origin's directives all stay (the CDN in front keys on the variant), `no-cache` is added for
// the browser, and the origin's field goes to CDN-Cache-Control (RFC 9213), which a CDN reads
// instead of Cache-Control, so the CDN still caches as the origin asked.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace geogate {

struct cache_directive {
    std::string_view name;  // as sent (directive names are case-insensitive)
    std::string_view value; // as sent: a token or a quoted-string with its quotes; "" if none
    bool has_value = false;
};

/// The directives of all `lines` in order; nullopt if any line breaks the grammar.
std::optional<std::vector<cache_directive>>
parse_cache_control(const std::vector<std::string_view>& lines);

/// "name" or "name=value" joined by ", ".
std::string to_string(const std::vector<cache_directive>& directives);

/// The Cache-Control for a region-dependent response (see the header comment).
std::string region_private_cache_control(const std::vector<std::string_view>& lines);

/// The Cache-Control for a region-dependent response when the shared cache in front keys on
/// the variant: the origin's directives plus no-cache (malformed: "no-cache" alone would
/// weaken a no-store the browser might have read, so "private, no-store").
std::string browser_revalidating_cache_control(const std::vector<std::string_view>& lines);

} // namespace geogate
