#pragma once
// The parts of a request-target (RFC 9112 3.2) geogate needs. PURE. The target has already
// passed check_request_head, so it is origin-form, absolute-form (http/https) or "*".
#include <string>
#include <string_view>

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

/// The path rules are matched against: %2E/%2e decoded to '.', runs of '/' collapsed, and dot
/// segments removed (RFC 3986 5.2.4), so "/a/../news", "/%2e%2e/news" and "//news" all
/// become "/news" and cannot slip past a rule for /news. The path sent upstream is unchanged.
std::string normalize_path_for_rules(std::string_view path);

/// Lower-cases a Host/authority value and removes the port: what rules match against.
std::string normalize_host(std::string_view host_value);

} // namespace geogate
