#pragma once
// Location for a mirror redirect. PURE. The result is always `mirror_base` followed by a path
// that starts with '/', so the authority is the mirror's and nothing in the request can move
// it: "//evil", "/\evil", "@evil", encoded CR/LF all stay inside the path or query. Bytes that
// are valid in a path/query are kept byte-for-byte; everything else is percent-encoded, so the
// header never carries CR, LF, NUL, spaces, backslashes or non-ASCII.
#include <string>
#include <string_view>

namespace geogate {

std::string build_redirect_location(std::string_view mirror_base, std::string_view path,
                                    std::string_view query, bool has_query);

} // namespace geogate
