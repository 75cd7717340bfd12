#pragma once
// The small HTML pages geogate itself answers with (4xx/5xx). No internal detail ever: no
// upstream address, no error text, no version. Built once per status and cached.
#include <string>
#include <string_view>

namespace geogate {

/// Standard reason phrase for a status ("Bad Gateway"); "Unknown" for codes we never send.
std::string_view reason_phrase(unsigned status) noexcept;

/// A complete HTTP/1.1 response (status line, headers, body). `close` adds Connection: close.
/// HEAD requests get the same headers without the body (`head_only`).
std::string error_response(unsigned status, bool close, bool head_only = false);

} // namespace geogate
