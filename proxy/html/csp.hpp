#pragma once
// PURE Content-Security-Policy amendment so that the notice fragment's one inline <style>
// element renders under the page's policy, without ever weakening it.
//
// Per policy (each header value may hold several comma-separated policies), the directive
// governing <style> elements is style-src-elem, else style-src, else default-src:
//  - none of them                              -> policy left as is (inline style allowed)
//  - it has 'unsafe-inline' and no nonce/hash  -> left as is (adding a hash would switch the
//                                                 page's own 'unsafe-inline' off)
//  - otherwise it restricts inline style: if one nonce appears in the governing directive of
//    EVERY restricting policy (enforced and report-only), that nonce is returned for our
//    <style nonce="..."> and no header changes; else the hash source is added to each
//    restricting policy: appended to style-src-elem / style-src, replacing a lone 'none'
//    (or an empty list); with only default-src, a `style-src <default-src sources> <hash>`
//    directive is appended (same sources as before plus our hash: never weaker).
// 'unsafe-inline' is never added. Untouched directives and policies keep their exact bytes.
// Garbage is parsed loosely per CSP3 (unknown / malformed directives are skipped, duplicates
// ignored as browsers do); nothing throws.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::html {

struct csp_amendment {
    std::vector<std::string> enforce;     // new Content-Security-Policy values, input order
    std::vector<std::string> report_only; // new Content-Security-Policy-Report-Only values
    std::string nonce;                    // non-empty: put nonce="<this>" on our <style>
    bool changed = false;                 // some header value differs from its input
};

/// `enforce` / `report_only`: every value of the Content-Security-Policy /
/// Content-Security-Policy-Report-Only headers. `hash_source`: the style content's hash
/// source including quotes, e.g. "'sha256-abc...='" (see csp_hash_source).
csp_amendment amend_csp_for_style(const std::vector<std::string_view>& enforce,
                                  const std::vector<std::string_view>& report_only,
                                  std::string_view hash_source) noexcept;

/// The same amendment for a policy delivered in `<meta http-equiv="Content-Security-Policy"
/// content="...">` (`value`: the decoded content attribute; its comma-separated policies are
/// treated like those of a header value, as Chromium does). Our <style> is already fixed when
/// the meta tag streams past: it carries `style_nonce` (the header's nonce reused, "" none).
/// Each policy whose governing directive restricts inline style and does not list that nonce
/// gets the hash source exactly as amend_csp_for_style adds it to a header policy; other
/// policies keep their exact bytes. An amended policy followed by a comma gets a space before
/// the comma (a browser that parses the meta value as one policy still sees the hash as a
/// source of its own). nullopt: nothing to change (or out of memory: left as it was).
std::optional<std::string> amend_meta_csp_for_style(std::string_view value,
                                                    std::string_view hash_source,
                                                    std::string_view style_nonce) noexcept;

/// "'sha256-<base64 of SHA-256(style_text)>'": the hash source of an inline <style> whose
/// text content is exactly `style_text`.
std::string csp_hash_source(std::string_view style_text);

} // namespace geogate::html
