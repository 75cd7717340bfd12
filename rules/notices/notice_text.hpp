#pragma once
// One language of one notice, with everything the proxy needs on the hot path precomputed at
// load time: the injected fragment in UTF-8 and as ASCII with character references, the 451
// page, and the CSP hash sources of their <style> elements. Immutable once loaded.
#include <string>

namespace geogate::notices {

struct notice_text {
    std::string notice_id; // "undesirable-organization"
    std::string language;  // lower-case tag, "ru"
    std::string file;      // the <lang>.html it came from
    std::string source;    // the file's bytes, as approved
    std::string sha256;    // 64 hex digits of sha256(source)
    std::string version;   // first 12 hex digits of sha256: in the markup, ETag variant, access log
    bool approved = false; // sha256 recorded for (notice_id, language) in approvals.lock

    /// The fragment inserted into pages: one wrapper element carrying id, version, lang and dir,
    /// holding a <style> element and the text (see notice_renderer.hpp for the markup).
    std::string fragment_utf8;
    /// The same with every non-ASCII character as &#N;, for pages not in UTF-8.
    std::string fragment_ascii;
    /// "'sha256-…'" of the fragment's <style> content: the html engineer's CSP amendment adds
    /// it to style-src (or style-src-elem) when the page has a policy.
    std::string style_hash;

    /// A complete HTML document (UTF-8, ASCII with references where it matters not) for
    /// `block` decisions: 451 Unavailable For Legal Reasons, RFC 7725.
    std::string page_451;
    /// Its <style> hash and a strict Content-Security-Policy value to send with it
    /// ("default-src 'none'; style-src 'sha256-…'; ..."): the page needs nothing else.
    std::string page_451_style_hash;
    std::string page_451_csp;

    /// What to insert into a page whose charset is UTF-8 (true) or anything else (false).
    const std::string& fragment(bool page_is_utf8) const noexcept {
        return page_is_utf8 ? fragment_utf8 : fragment_ascii;
    }
};

} // namespace geogate::notices
