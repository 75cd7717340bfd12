#pragma once
// THE decision: which rule applies to one request. PURE and noexcept: no clock, no I/O, no
// globals. `serve`, `explain` and `/preview` all call exactly this function.
#include "geoip/location.hpp"
#include "rules/rule_set.hpp"
#include "rules/unhealthy_mirrors.hpp"

#include <array>
#include <cstdint>
#include <string>
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
    /// Other readings of an ambiguous path (proxy/http/request_target.hpp rule_path_readings: an
    /// encoded slash, backslash or dot, or a ';', which origins resolve differently); "" = none.
    /// The decision is the strictest of the decisions for `path` and each of these (block, then
    /// redirect, then notice, then pass; the first reading on a tie), so a spelling that one
    /// origin reads as another path can never win an exemption or a pass.
    std::array<std::string_view, 3> other_paths{};
};

struct decision {
    action act = action::pass;
    const rule* matched = nullptr;  // nullptr: no rule matched, default pass
    const mirror* target = nullptr; // redirect: the chosen mirror (never null for a redirect)
};

/// Why one rule did or did not match; filled only when a trace is passed.
struct rule_trace {
    const rule* r = nullptr;
    bool matched = false;
    std::string_view
        reason; // static text: "region RU not in rule", "path /x not under /news/", ...
};

/// Matching, in order: regions (see region_matcher), except_regions, hosts (exact, or
/// "*.example.com" for subdomains only, never example.com itself; a trailing dot on the request
/// host is ignored), paths (segment-aware prefixes: "/news" matches "/news" and "/news/a" but not
/// "/newsletter"; "/news/" and "/" are plain prefixes; %XX in the request path is decoded before
/// comparing, so "/%6Eews" is under "/news", except %2F and %5C, which stay data: the caller
/// passes the reading that takes them for '/' in `path` or `other_paths`; dot segments are NOT
/// resolved: the caller must pass normalised paths), except_paths, methods (exact, upper-case),
/// user_agents and except_user_agents (case-insensitive substrings). For redirects the mirror is
/// chosen by rendezvous hashing of client_key over the mirrors not down: stable per client, and
/// only the clients of a mirror that goes down move. Cost: with the index built (the loader does),
/// only rules whose regions can match `where` are checked; ~100 ns CPU per decision with 1,000
/// rules (tests/bench/rules). First matching rule wins; no match is pass. A redirect whose request
/// Host is one of the rule's mirrors does not match (no loops); a redirect whose mirrors are all
/// down falls through to the next rule. `trace`, when given, receives one entry per rule considered
/// (for the reading whose decision won, when `other_paths` are given).
decision decide(const request_view& req, const geoip::location& where, const rule_set& rules,
                std::vector<rule_trace>* trace = nullptr) noexcept;

/// The same, with the mirrors that health checks currently find failing: a mirror in
/// `unhealthy` is skipped exactly like one marked `down` (only the readers of that mirror move,
/// to their next mirror by the same rendezvous order; a redirect whose mirrors are all down or
/// unhealthy falls through to the next rule). nullptr or an empty set: every mirror not marked
/// down is a candidate (pass a typed null pointer: a bare nullptr is ambiguous with the
/// overload above). The set is data passed in, so the result depends on nothing else.
decision decide(const request_view& req, const geoip::location& where, const rule_set& rules,
                const unhealthy_mirrors* unhealthy,
                std::vector<rule_trace>* trace = nullptr) noexcept;

/// Whether the response to this request could differ by the reader's region: some rule that
/// is not `pass` could match it for some region. Such responses are kept out of shared caches
/// (Cache-Control: private) even when this reader's decision was pass: a copy cached for a
/// reader in Germany must not be handed to a reader in Russia. Pure, noexcept.
bool may_depend_on_region(const request_view& req, const rule_set& rules) noexcept;

} // namespace geogate::rules
