#pragma once
// SHA-256 and base64, the two encodings notices need: the text version (hex prefix of the
// sha256 of the file bytes) and the CSP hash source ('sha256-' + base64 of the style text).
// OpenSSL EVP underneath, linked PRIVATE to geogate_notices.
#include <array>
#include <string>
#include <string_view>

namespace geogate::notices {

using sha256_digest = std::array<unsigned char, 32>;

/// SHA-256 of `data`. Never fails for in-memory input (aborts only if OpenSSL cannot allocate).
sha256_digest sha256(std::string_view data) noexcept;

/// 64 lower-case hex digits.
std::string to_hex(const sha256_digest& d);

/// Standard base64 with padding (RFC 4648 section 4), as CSP hash sources need.
std::string to_base64(std::string_view bytes);

/// "'sha256-…'" with the quotes, ready to append to a CSP source list.
std::string csp_hash_source(std::string_view element_content);

} // namespace geogate::notices
