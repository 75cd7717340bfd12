#pragma once
// Compiled, immutable, validated rules. Built by rule_loader, read by decide().
#include "rules/toml/diagnostic.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::rules {

enum class action : std::uint8_t { pass, notice, redirect, block };
enum class notice_position : std::uint8_t { body_start, body_end };

const char* to_string(action a) noexcept;
const char* to_string(notice_position p) noexcept;

/// Region tokens a rule can name besides ISO codes and @sets.
enum class region_token : std::uint8_t {
    unknown,   // no usable client address, or no record for it
    anonymous, // any anonymizer flag
    vpn,
    tor,
    hosting,
    proxy,
    any // "*": every reader
};

/// A compiled region list: countries ("RU"), subdivisions ("UA-43") and tokens, with @sets
/// already expanded. Codes are stored upper-case and sorted for binary search.
/// Matching (decide.cpp): a country code C matches a reader whose country is C *or* who is in
/// any subdivision C-xxx (a Sevastopol address recorded as RU with UA-40 is matched by both
/// "RU" and "UA"); a subdivision matches location::in_subdivision(); tokens match the flags
/// ("anonymous" = any anonymizer flag, "proxy" = public proxy, "unknown" = location::unknown(),
/// "*" = everyone).
struct region_matcher {
    std::vector<std::string> countries;
    std::vector<std::string> subdivisions;
    std::vector<region_token> tokens;
    bool empty() const noexcept {
        return countries.empty() && subdivisions.empty() && tokens.empty();
    }
};

struct mirror {
    std::string
        base; // "https://mirror-a.example.net" (scheme://authority, no trailing slash, no path)
    std::string host;       // lower-case host without port, for loop detection
    bool down = false;      // marked down in the rules: skipped
    std::uint64_t hash = 0; // of `base`, set by the loader: rendezvous hashing picks a mirror
};

struct rule {
    std::string name;
    std::string file;
    source_position where;

    // What it matches. An empty list means "any".
    region_matcher regions; // required non-empty in files; "*" to mean everyone
    region_matcher except_regions;
    std::vector<std::string> hosts;        // lower-case; "*.example.com" matches subdomains
    std::vector<std::string> paths;        // prefixes, "/" = everything
    std::vector<std::string> except_paths; // prefixes
    std::vector<std::string> methods;      // upper-case
    std::vector<std::string> user_agents;  // case-insensitive substrings
    std::vector<std::string> except_user_agents;

    // What it does.
    action act = action::pass;
    std::string notice; // notice id (notice, block)
    notice_position position = notice_position::body_start;
    std::vector<mirror> mirrors; // redirect
    unsigned status = 0;         // redirect: 301/302/303/307/308 (302 default); block: 451
    std::string blocked_by;      // block: URL for Link: <...>; rel="blocked-by" (optional)
};

/// Which rules can match a region at all, so decide() looks at a handful of candidates out of
/// thousands of rules. Lists hold rule indices in ascending (evaluation) order.
struct rule_index {
    bool built = false;
    std::vector<std::vector<std::uint32_t>> by_country; // 26*26 slots, "AA".."ZZ"
    std::vector<std::pair<std::string, std::vector<std::uint32_t>>> by_subdivision; // sorted
    std::array<std::vector<std::uint32_t>, 7> by_token; // indexed by region_token
};

struct rule_set {
    std::vector<rule> rules;        // in evaluation order: files lexical, rules in file order
    std::vector<std::string> files; // the files they came from, in order
    diagnostics warnings;           // e.g. shadowed rules
    rule_index index;               // built by the loader; decide() scans linearly without it

    /// (Re)builds `index` from `rules` and sets every mirror's hash. The loader calls it; call
    /// it yourself after building or changing a rule_set by hand.
    void build_index();
};

/// Hash used for mirror choice (FNV-1a 64). Stable across runs and builds.
std::uint64_t stable_hash(std::string_view text) noexcept;

} // namespace geogate::rules
