#pragma once
// The parts of a request-target (RFC 9112 3.2) geogate needs. PURE. The target has already
// passed check_request_head, so it is origin-form, absolute-form (http/https) or "*".
#include <string>
#include <string_view>
#include <vector>

namespace geogate {

struct request_target {
    std::string_view authority; // absolute-form only: overrides Host (RFC 9112 3.2.2)
    std::string_view path;      // "/a/b" ("*" for asterisk-form; "/" when absolute-form had none)
    std::string_view query;     // without '?', may be empty
    bool has_query = false;
    /// origin-form to send upstream: path[?query]
    std::string origin_form() const;
};

request_target split_request_target(std::string_view target) noexcept;

/// How an origin may read the escapes of a path before resolving dot segments.
enum class path_reading {
    decode_slashes, // %2F and %5C (and a bare '\') are '/', %2E is '.': nginx, IIS, routers
                    // that decode first
    decode_dots,    // %2E is '.', %2F and %5C stay data: WHATWG URL parsers
    raw,            // nothing decoded: routers that match the path as received
    strip_params,   // %2E is '.', and each segment's ";parameters" are removed before dot
                    // segments are resolved: Java servlet containers (Tomcat, Jetty), which
                    // serve "/api/..;/news" as "/news"
};

/// The path rules are matched against, as `reading` resolves it: runs of '/' collapsed and dot
/// segments removed (RFC 3986 5.2.4), after decoding what that reading decodes. With the
/// default reading "/a/../news", "/%2e%2e/news" and "//news" all become "/news" and cannot
/// slip past a rule for /news. The path sent upstream is unchanged.
std::string normalize_path_for_rules(std::string_view path,
                                     path_reading reading = path_reading::decode_dots);

/// Every distinct reading of `path` (the first is decode_slashes, then decode_dots, raw and
/// strip_params): one for an ordinary path; up to four for a path with an encoded dot, an
/// encoded slash or backslash, a bare backslash or a ';', which origins resolve differently.
/// geogate cannot know which reading its origin uses, so the rules decide on each and the stricter
/// decision wins (rules::request_view::other_paths): "/api/..%2fnews/x.html" is "/news/x.html" to
/// an origin that decodes %2F and never wins an except_paths = ["/api/"] exemption.
std::vector<std::string> rule_path_readings(std::string_view path);

/// Lower-cases a Host/authority value and removes the port: what rules match against.
std::string normalize_host(std::string_view host_value);

} // namespace geogate
