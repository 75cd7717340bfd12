#pragma once
// The notice guarantee's oracle (product.md, "The guarantee"): given a response to a reader whose
// decision is `notice`, would a browser render it as a document, and if so does the document
// carry the notice exactly once? Browsers' rules, not geogate's: the coding is undone as a
// browser would (gzip, x-gzip, deflate, br; any other coding on a document is a document
// geogate could not have rewritten), the type is the Content-Type's, or WHATWG MIME sniffing's
// when it is missing or unknown (unless nosniff), UTF-16 bodies are read as text. A document
// that does not hold the origin's content marker (tests/origin/variant_response.hpp) is a page
// geogate made itself (an error page, the notice page) and passes.
#include "tests/integration/support/raw_client.hpp"

#include <string>

namespace geogate::it {

struct guarantee_verdict {
    bool document = false; // a browser would render it as a document with the origin's content
    std::string violation; // "" when the guarantee holds
};

/// `head`: the response answers a HEAD request (no body to judge).
guarantee_verdict check_notice_guarantee(const http_response& res, bool head);

/// For a response whose content depends on the reader's region: "" when neither a shared cache
/// may store it (private or no-store, no public, no s-maxage) nor a browser reuse it without
/// revalidating (no-cache or no-store; a missing Cache-Control would allow heuristic
/// freshness); otherwise why not.
std::string check_browser_reuse(const http_response& res);

/// WHATWG MIME Sniffing, "rules for identifying an unknown MIME type" (sniff-scriptable set):
/// true when a browser would sniff these leading bytes as text/html.
bool sniffs_as_html(std::string_view bytes);

} // namespace geogate::it
