#pragma once
// PURE charset handling for the notice: which charset the page is in (a BOM, which wins over
// everything as in browsers, else Content-Type charset=, else the HTML prescan of the first 1024
// bytes for <meta charset> / <meta http-equiv=content-type content="...charset=...">), and turning
// the UTF-8 notice into character references (&#NNNN;) so it reads right on windows-1251, koi8-r,
// latin-1... pages.
//
// Policy for the proxy: insert the UTF-8 fragment only when utf8() is true; otherwise insert
// to_character_references(fragment), which is pure ASCII and correct in every
// ASCII-compatible charset (and when the charset is unknown). When ascii_compatible() is false
// (a UTF-16 BOM or label) geogate cannot insert the notice: the response fails closed
// (proxy/notice/notice_response.hpp).
#include <string>
#include <string_view>

namespace geogate::html {

/// The charset= parameter of a Content-Type value, quoted or not, lowercased; "" if absent.
std::string charset_from_content_type(std::string_view content_type);

/// True for the WHATWG labels of UTF-16LE/BE ("utf-16", "unicode", "ucs-2", "utf-16be", ...).
bool is_utf16_label(std::string_view label) noexcept;

/// True for the WHATWG labels of UTF-8 ("utf-8", "utf8", "unicode-1-1-utf-8", ...).
bool is_utf8(std::string_view label) noexcept;

/// The HTML prescan over `head` (the first bytes of the page, at most 1024 are looked at).
/// Returns the lowercased label, "" when none was found. Sets `complete` to false when the
/// answer could change with more bytes (a tag or comment is cut at the end of `head` and
/// fewer than 1024 bytes were given).
std::string prescan_meta_charset(std::string_view head, bool& complete);

/// Every non-ASCII code point of `utf8` becomes &#N; (decimal); ASCII bytes are copied;
/// invalid UTF-8 sequences become &#65533;.
std::string to_character_references(std::string_view utf8);

/// Decides the page's charset from the Content-Type and the first body bytes. Feed body
/// chunks (they are not consumed: the caller keeps forwarding them, but must hold them
/// until done(), which happens after at most 1024 bytes). Then charset()/utf8().
class charset_sniffer {
public:
    explicit charset_sniffer(std::string_view content_type);

    /// Returns done().
    bool feed(std::string_view chunk);
    /// End of the body: decide with what was seen.
    void finish();

    bool done() const noexcept { return done_; }
    /// The label ("" = unknown: treat as not UTF-8).
    const std::string& charset() const noexcept { return charset_; }
    /// Where it came from: "content-type", "bom", "meta" or "none".
    std::string_view source() const noexcept { return source_; }
    bool utf8() const noexcept { return is_utf8(charset_); }
    /// False for UTF-16 (every WHATWG label of it) and UTF-32: ASCII markup cannot go in.
    bool ascii_compatible() const noexcept {
        return !is_utf16_label(charset_) && charset_ != "utf-32";
    }

private:
    void decide();
    std::string header_charset_; // from Content-Type: used unless a BOM says otherwise
    std::string head_;
    std::string charset_;
    std::string_view source_ = "none";
    bool done_ = false;
    bool finishing_ = false;
};

} // namespace geogate::html
