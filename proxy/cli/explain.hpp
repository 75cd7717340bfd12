#pragma once
// `geogate explain`: the serve path minus the network. Resolves the client address from the
// given peer and headers, looks up the region, runs decide() with a trace, and says which
// redirect target or notice text (language, version) the reader would get.
#include "common/result.hpp"
#include "proxy/runtime/snapshot.hpp"
#include "rules/explain_report.hpp"

#include <string>
#include <utility>
#include <vector>

namespace geogate {

struct explain_request {
    std::string peer_ip;
    std::string url; // "/path?q", or absolute "https://host/path"
    std::string method = "GET";
    std::vector<std::pair<std::string, std::string>> headers; // name, value
    /// Mirror URLs to treat as failing health checks (explain has no prober of its own: this
    /// answers "where do these readers go while mirror X is failing?").
    std::vector<std::string> unhealthy_mirrors;
};

/// Fills the report; fails when the input itself is unusable (a bad --ip, --url or
/// --unhealthy-mirror), saying which.
result<void> run_explain(const snapshot& snap, const explain_request& req,
                         rules::explain_input& out);

} // namespace geogate
