#pragma once
// THE decision: which rule applies to one request. PURE and noexcept: no clock, no I/O, no
// globals. `serve`, `explain` and `/preview` all call exactly this function.
#include "geoip/location.hpp"
#include "rules/rule_set.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace geogate::rules {

/// The parts of a request a rule can look at. Views into the request; valid for the call.
struct request_view {
    std::string_view method;      // "GET"
    std::string_view host;        // Host header value, lower-cased, port removed
    std::string_view path;        // origin-form path without the query, as received
    std::string_view user_agent;  // may be empty
    std::uint64_t client_key = 0; // stable hash of the client address: picks a mirror
};

struct decision {
    action act = action::pass;
    const rule* matched = nullptr;   // nullptr: no rule matched, default pass
    const mirror* target = nullptr;  // redirect: the chosen mirror (nullptr: every mirror down -> pass)
};

/// Why one rule did or did not match; filled only when a trace is passed.
struct rule_trace {
    const rule* r = nullptr;
    bool matched = false;
    std::string_view reason; // static text: "region RU not in rule", "path /x not under /news/", ...
};

/// First matching rule wins; no match is pass. A redirect whose request Host is one of the
/// rule's mirrors does not match (no loops); a redirect whose mirrors are all down falls through
/// to the next rule. `trace`, when given, receives one entry per rule considered.
decision decide(const request_view& req, const geoip::location& where, const rule_set& rules,
                std::vector<rule_trace>* trace = nullptr) noexcept;

} // namespace geogate::rules
