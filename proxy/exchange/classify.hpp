#pragma once
// Who the reader is, where, and what they get: the one classification of a request, used by
// serve (both client protocols), `geogate explain` and /preview. PURE: a function of the
// request's facts, one snapshot and the mirror health passed in; no clock, no I/O. What
// explain prints is then what serve does, for any mix of forwarding headers, paths and hosts.
//
// peer + client-IP header values -> client address (trusted proxies only) -> region (GeoIP, or
// a verified /preview override) -> every reading of the path -> decide() -> the notice plan
// (text in the reader's language, output coding), carried to the response unchanged.
#include "geoip/location.hpp"
#include "proxy/http/request_target.hpp"
#include "proxy/notice/notice_plan.hpp"
#include "proxy/runtime/snapshot.hpp"
#include "rules/decide.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/container/small_vector.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace geogate {

namespace rules {
class unhealthy_mirrors;
}

/// What classify reads of a request, whatever protocol carried it. Views into the caller's
/// request, which must outlive the classification.
struct request_facts {
    boost::asio::ip::address peer; // the TCP peer
    std::string_view method;
    std::string_view target;      // request-target as received (origin- or absolute-form, "*")
    std::string_view host_header; // Host (HTTP/2: :authority)
    /// Every value of the configured client-IP header (client_ip.header), in order.
    std::span<const std::string_view> client_ip_values;
    std::string_view user_agent;
    std::string_view accept_language;
    std::string_view accept_encoding;
    std::string_view accept; // tells a navigation from a subresource request (notice decisions)
    /// A region proven by geogate's own /preview (preview_location): replaces the lookup.
    std::optional<geoip::location> preview_region;
};

/// Where the client address came from.
enum class address_source : std::uint8_t {
    none,   // no usable address (the region is unknown)
    peer,   // the TCP peer
    header, // the client-IP header, sent by a trusted proxy
};

struct classification {
    request_target target; // views into request_facts::target
    std::string host;      // as rules match it: lower-case, no port (absolute-form wins)
    std::optional<boost::asio::ip::address> client;
    address_source source = address_source::none;
    geoip::location where;
    /// Every reading of the path (rule_path_readings); the first is what rules and logs show.
    /// One reading (the usual path) is kept inline: no allocation for the vector.
    boost::container::small_vector<std::string, 1> path_readings;
    rules::decision decision;
    /// Another region could get a different response (any decision but pass, or a pass that a
    /// rule for some other region would change): never shared-cacheable.
    bool region_dependent = false;
    notice_plan notice; // notice and block decisions
};

/// Classifies one request. `unhealthy`: mirrors failing health checks (nullptr: none).
/// `trace`: receives decide()'s per-rule trace (explain).
classification classify(const request_facts& req, const snapshot& snap,
                        const rules::unhealthy_mirrors* unhealthy,
                        std::vector<rules::rule_trace>* trace = nullptr);

} // namespace geogate
