#pragma once
// What a `notice` decision changes on the way to and from the origin.
//
// Request: the whole representation is asked for (no Range/If-Range/If-Modified-Since, so no
// reader gets a partial page or a 304 for a copy without the notice); If-None-Match keeps only
// the tags of our variant for the current notice version, translated back to the origin's;
// Accept-Encoding is narrowed to the one coding geogate will send the reader (br, gzip or
// identity), so a response geogate does not transform still matches what the reader accepts.
//
// Response (any status with a body, a 404 page being a document too; text/html or
// application/xhtml+xml as a browser reads Content-Type; not an attachment): body is decoded,
// the notice fragment inserted (UTF-8 bytes or character references per the page's charset),
// re-encoded to the reader's coding; Content-Length goes (chunked); a strong or weak ETag becomes a
// variant ETag per notice version; Accept-Ranges, Content-MD5, Digest, Content-Digest and
// Repr-Digest go; the CSP is amended only by our style's hash or the page's nonce
// (proxy/html/csp.hpp), in the headers and in the <meta http-equiv="Content-Security-Policy"> tags
// before the notice (proxy/html/meta_csp.hpp; tags the injector leaves untouched are counted). HEAD
// gets the same header edits as GET.
//
// Fail closed: a notice reader never gets a document geogate could not rewrite. An untyped
// body (no usable Content-Type: browsers sniff it) is identified as a browser would
// (proxy/html/mime_sniff.hpp): HTML is rewritten as text/html, anything else goes out with its
// identified type and nosniff. A content coding geogate cannot decode, a UTF-16/32 page, an
// untyped XML document, a corrupt coded body or a 206 document is `unrewritable`: the caller
// answers with the error or notice page (notices.on_unrewritable), counts and logs it. A body cut
// short after part of it went out ends with the notice (body_transform::abandon) before the
// connection closes without a complete response.
#include "proxy/http/header_policy.hpp"
#include "proxy/http/net.hpp"
#include "proxy/notice/body_transform.hpp"
#include "proxy/notice/notice_plan.hpp"
#include "proxy/notice/notice_variant.hpp"
#include "proxy/runtime/snapshot.hpp"
#include "proxy/telemetry/request_record.hpp"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace geogate {

/// The origin request of a notice reader: whole representation, If-None-Match translated for
/// the request's variant (either tag), Accept-Encoding narrowed to the plan's coding.
void prepare_notice_request(const notice_plan& notice, const notice_variant& variant,
                            const http::request_header<>& req, upstream_request_plan& plan);

enum class notice_outcome : std::uint8_t {
    untouched,    // the body passes as the origin sent it (not a document, or no notice)
    rewrite,      // headers edited; the transform inserts the notice (none for HEAD)
    sniff,        // no usable Content-Type: the transform decides from the first bytes
    unrewritable, // a document geogate cannot rewrite (rec.unrewritable says why)
};

struct notice_rewrite {
    notice_outcome outcome = notice_outcome::untouched;
    /// For rewrite (not HEAD) and sniff. Nothing of the body may go out before it lets the
    /// first bytes through: it can still edit `plan` or fail (a UTF-16 page) until then.
    std::unique_ptr<body_transform> transform;
};

/// Decides what this response becomes for a notice reader; edits `plan` (which the sniffing
/// transform keeps a reference to, as to `req`, `res`, `r`, `variant` and `rec`).
/// `notice` is the request's plan (classify), carried here unchanged; `stored`: the rewrite is
/// for the variant cache (its levels and tag), else it streams (compression.*).
notice_rewrite plan_notice_response(const notice_plan& notice, const notice_variant& variant,
                                    bool stored, const rules::rule& r,
                                    const http::request_header<>& req,
                                    const http::response_header<>& res, client_response_plan& plan,
                                    request_record& rec);

/// The event line for a response that failed closed (at most one a second; the rest are
/// counted in the next line's "suppressed"). No-op when rec.unrewritable is empty.
void note_unrewritable(const request_record& rec, std::string_view host);

/// Responses whose content depends on the reader's region: no shared cache stores one as
/// everyone's, and no browser reuses its copy without asking geogate again (the reader's
/// region may have changed). Cache-Control becomes region_private_cache_control (private,
/// no-cache, the origin's directives kept exactly but public/s-maxage/proxy-revalidate;
/// proxy/http/cache_control.hpp), unless the config says the cache in front keys on the variant:
/// then X-Geogate-Variant says which variant this is ("pass", "notice;notice=ID@VERSION"),
/// the origin's Cache-Control is copied to CDN-Cache-Control for that cache, and the browser's
/// Cache-Control gets no-cache added.
void apply_region_cache_policy(const config& cfg, const http::response_header<>& res,
                               client_response_plan& plan, const request_record& rec);

/// "W/\"abc\"" + tag -> "W/\"abc-ggTAG\"" (notice_variant.hpp); "" when the ETag is malformed.
std::string variant_etag(std::string_view etag, std::string_view tag);
/// The client's If-None-Match for the origin: our variant tags (any of `tags`) translated back,
/// every other tag dropped ("*" too: it matches a copy without the notice). "" = send none.
std::string origin_if_none_match(std::string_view if_none_match,
                                 std::initializer_list<std::string_view> tags);

} // namespace geogate
