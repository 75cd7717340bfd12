#pragma once
// PURE HTTP content codings for the notice path: which coding the origin sent, which one the
// reader accepts, and streaming decode/encode (gzip and deflate via zlib, br via libbrotli).
// No exceptions: every failure is a codec_status value. Decoded size is capped (bombs).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace geogate::html {

enum class coding : std::uint8_t { identity, gzip, deflate, br, unsupported };

/// "gzip", "deflate", "br", "identity", "unsupported".
std::string_view to_string(coding c) noexcept;

/// The Content-Encoding header value as one coding. Empty / "identity" -> identity;
/// "gzip" / "x-gzip" -> gzip; "deflate"; "br". Stacked codings ("gzip, br"), unknown tokens
/// and garbage -> unsupported (the body then passes untouched and is counted).
coding parse_content_encoding(std::string_view header) noexcept;

/// The best coding for a response given the request's Accept-Encoding value, among br, gzip
/// and identity (preferred in that order at equal q). q=0 excludes a coding, "*" covers
/// codings not named, identity is acceptable unless excluded by "identity;q=0" or "*;q=0".
/// An absent header (empty value) -> identity. If everything is excluded -> identity (the
/// proxy never answers 406 for a notice).
coding choose_response_encoding(std::string_view accept_encoding) noexcept;

/// Whether an Accept value names an HTML type (text/html, application/xhtml+xml) with q > 0.
/// Browsers send such an Accept on navigations (documents, frames) and never on subresource
/// requests (images, scripts, styles, fetch), which list their own types or */*.
bool names_html(std::string_view accept) noexcept;

/// The coding a notice reader's request asks the origin for. A navigation (names_html) is
/// answered with a page that geogate rewrites anyway, so it asks for identity: no decoding of
/// the origin's compression before the rewrite compresses again. Anything else asks for the
/// reader's own coding, so an asset still passes through compressed.
coding choose_origin_coding(coding reader, std::string_view accept) noexcept;

enum class codec_status : std::uint8_t {
    need_input,  // all input consumed, nothing pending: feed more
    output_full, // max_out bytes appended: call again (with the rest of `in`, maybe empty)
    finished,    // the compressed stream ended (trailing bytes after a gzip member ignored)
    error,       // corrupt or truncated input, or unsupported coding
    too_large,   // decoded size exceeded max_decoded (decompression bomb)
};

/// Streaming decoder for one response body.
class body_decoder {
public:
    /// `c` is identity, gzip, deflate (zlib-wrapped, or raw deflate detected from the first
    /// byte) or br; anything else makes every call return error.
    explicit body_decoder(coding c, std::size_t max_decoded = 64u << 20) noexcept;
    ~body_decoder();
    body_decoder(const body_decoder&) = delete;
    body_decoder& operator=(const body_decoder&) = delete;

    /// Decodes from the front of `in` (advanced past what was consumed), appending at most
    /// `max_out` bytes to `out`. Concatenated gzip members are decoded in sequence.
    codec_status decode(std::string_view& in, std::string& out,
                        std::size_t max_out = 64 * 1024) noexcept;
    /// End of the input: finished if the stream was complete, error if truncated.
    codec_status finish() noexcept;
    std::uint64_t decoded_bytes() const noexcept { return total_out_; }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    coding coding_;
    std::size_t max_decoded_;
    std::uint64_t total_out_ = 0;
    bool ended_ = false;
    bool failed_ = false;
};

/// How hard an encoder works: zlib level (1-9) for gzip/deflate, brotli quality (0-11).
struct compression_levels {
    int gzip = 5;
    int brotli = 5;
};

/// Streaming encoder for one response body: gzip or br (window 2^20) at the given levels;
/// identity copies. Output per call is at most about the input size plus a small overhead.
class body_encoder {
public:
    explicit body_encoder(coding c, compression_levels levels = {}) noexcept;
    ~body_encoder();
    body_encoder(const body_encoder&) = delete;
    body_encoder& operator=(const body_encoder&) = delete;

    /// Appends the compressed form of `in` to `out`. With `flush`, everything fed so far is
    /// decodable from the output (sync flush), so a streamed page renders progressively.
    codec_status encode(std::string_view in, std::string& out, bool flush = false) noexcept;
    /// Appends the end of the stream (gzip trailer, br last block).
    codec_status finish(std::string& out) noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    coding coding_;
    bool failed_ = false;
};

} // namespace geogate::html
