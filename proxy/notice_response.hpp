#pragma once
// What a `notice` decision changes on the way to and from the origin.
//
// Request: the whole representation is asked for (no Range/If-Range/If-Modified-Since, so no
// reader gets a partial page or a 304 for a copy without the notice); If-None-Match keeps only
// the tags of our variant for the current notice version, translated back to the origin's;
// Accept-Encoding is narrowed to the one coding geogate will send the reader (br, gzip or
// identity), so a response geogate does not transform still matches what the reader accepts.
//
// Response (200, text/html or application/xhtml+xml, not an attachment, not HEAD): body is
// decoded, the notice fragment inserted (UTF-8 bytes or character references per the page's
// charset), re-encoded to the reader's coding; Content-Length goes (chunked); a strong or weak
// ETag becomes a variant ETag per notice version; Accept-Ranges, Content-MD5, Digest,
// Content-Digest and Repr-Digest go; the CSP is amended only by our style's hash or the
// page's nonce (proxy/html/csp.hpp), in the headers and in the <meta http-equiv=
// "Content-Security-Policy"> tags before the notice (proxy/html/meta_csp.hpp; tags the injector
// leaves untouched are counted). A coding geogate cannot decode passes untouched and is
// counted.
#include "proxy/body_transform.hpp"
#include "proxy/header_policy.hpp"
#include "proxy/net.hpp"
#include "proxy/request_record.hpp"
#include "proxy/snapshot.hpp"

#include <memory>
#include <string>

namespace geogate {

namespace notices {
struct notice_text;
}

/// The text a notice decision serves this reader (Accept-Language), or nullptr.
const notices::notice_text* notice_text_for(const snapshot& snap, const rules::rule& r,
                                            const http::request_header<>& req) noexcept;

void prepare_notice_request(const snapshot& snap, const rules::rule& r,
                            const http::request_header<>& req, upstream_request_plan& plan);

/// Decides whether this response gets the notice; edits `plan` and returns the transform, or
/// nullptr when the body passes untouched.
std::unique_ptr<body_transform> plan_notice_response(const snapshot& snap, const rules::rule& r,
                                                     const http::request_header<>& req,
                                                     const http::response_header<>& res,
                                                     client_response_plan& plan,
                                                     request_record& rec);

/// Responses whose content depends on the reader's region must not be stored by a shared
/// cache as one: Cache-Control becomes private (public and s-maxage removed), unless the
/// config says the cache in front keys on the variant: then Cache-Control stays and
/// X-Geogate-Variant says which variant this is ("pass", "notice;notice=ID@VERSION").
void apply_region_cache_policy(const config& cfg, const http::response_header<>& res,
                               client_response_plan& plan, const request_record& rec);

/// "W/\"abc\"" + version -> "W/\"abc-ggVERSION\""; "" when the ETag is malformed.
std::string variant_etag(std::string_view etag, std::string_view version);
/// The client's If-None-Match for the origin: our variant tags of `version` translated back,
/// every other tag dropped ("*" kept). "" = send none.
std::string origin_if_none_match(std::string_view if_none_match, std::string_view version);

} // namespace geogate
