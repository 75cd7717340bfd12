#pragma once
// What the notice variant cache may store and reuse (RFC 9111 as it applies to a shared cache,
// and stricter where a reader's page is at stake). Each answer is a reason, "" when allowed:
// the reason is the label of geogate_variant_cache_misses_total / bypasses.
#include "proxy/http/net.hpp"

#include <string_view>

namespace geogate {

/// Whether this request may be answered from, or fill, the cache: GET, and HEAD, which is
/// answered from an entry but never fills one (every other method is bypassed: "method"); never
/// with Authorization (RFC 9111 3.5: "authorization"); never when the request says no-store
/// ("no_store").
std::string_view cache_bypass_reason(const http::request_header<>& req);

/// Whether the origin's response to such a request may be stored: a 200 ("status"); no
/// Cache-Control no-store or private, qualified or not, or a malformed Cache-Control
/// ("no_store", "private"); no Set-Cookie ("set_cookie": a cookie meant for one reader); no
/// Content-Range ("partial"); a Vary naming nothing but Accept-Encoding, on which the variant
/// key is made ("vary": `*` or Cookie, User-Agent, Accept-Language...).
std::string_view not_storable_reason(const http::response_header<>& res);

} // namespace geogate
