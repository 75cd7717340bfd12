#pragma once
// `geogate explain` output, as text for people and JSON for scripts. Takes plain values the
// caller already computed with the same functions `serve` uses (client address resolution,
// geo lookup, decide() with a trace); formats only.
#include "geoip/location.hpp"
#include "rules/decide.hpp"

#include <string>
#include <vector>

namespace geogate::rules {

struct explain_input {
    std::string peer_address;   // the TCP peer given with --ip
    std::string client_address; // the address geogate would look up; "" = none usable
    std::string address_source; // e.g. "peer", "X-Forwarded-For"
    std::string method = "GET";
    std::string url;  // as given
    std::string host; // as matched (lower-case, no port)
    std::string path;
    geoip::location where;
    std::vector<rule_trace> trace; // from decide(..., &trace)
    decision result;
    std::string redirect_target; // redirect: full Location
    std::string notice_language; // notice/block: the language that would be served
    std::string notice_version;  // notice/block: version (hash prefix), if known
    /// The mirrors decide() was told are failing health checks (explain --unhealthy-mirror);
    /// shown so a reader's mirror can be traced to the health state it was decided with.
    std::vector<std::string> unhealthy_mirrors;
};

/// Human-readable, several lines, ends with a newline.
std::string explain_text(const explain_input& in);
/// One JSON object (no trailing newline): {"client":{...},"region":{...},"rules":[...],
/// "decision":{...}}.
std::string explain_json(const explain_input& in);

/// "RU, UA-43, tor" / "unknown (no usable client address)" for people and logs.
std::string describe_region(const geoip::location& where);

} // namespace geogate::rules
