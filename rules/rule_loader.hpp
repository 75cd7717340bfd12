#pragma once
// Loads rule files into a validated rule_set. Everything is checked at load: types, unknown
// keys (errors), region codes, @set and notice references, actions and their fields, mirror
// URLs, statuses, duplicate names, and rules shadowed by an earlier one (a warning). Every
// diagnostic names file:line:column and says what was expected. TOML is parsed in an isolated
// child process (rules/toml/document.hpp), so no rule file can crash or hang the caller.
//
// Decisions (documented in docs and tested in tests/unit/rules):
// - Files: each entry of `globs` in the given order; a pattern (with * ? or [) expands with
//   glob(3) to its matches sorted bytewise; a file matched twice is loaded once, at its first
//   place. A literal path that does not exist is an error; a pattern that matches nothing is a
//   warning; when `globs` is not empty but no file at all matches, that is an error (an empty
//   rule set would silently pass everyone).
// - Region sets ([regions] name = [...]) are global: defined once in any file, usable from
//   every file. Defining one name twice is an error; sets may not reference other sets.
// - Region codes must be written upper-case ("RU", "UA-43"): "ru" is an error naming "RU".
//   Tokens are lower-case: unknown, anonymous, vpn, tor, hosting, proxy, and "*".
// - HTTP methods must be upper-case. Hosts are lower-cased.
// - Actions: pass takes no action fields; notice needs `notice` (and `position`, default
//   body-start); redirect needs `mirrors` (and `status`, default 302, one of 301 302 303 307
//   308); block needs `notice` (the 451 page), `status` may only be 451, `blocked_by` optional.
#include "common/result.hpp"
#include "rules/rule_set.hpp"
#include "rules/toml/diagnostic.hpp"
#include "rules/toml/document.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace geogate::rules {

/// Answers "does a notice with this id exist?". An empty function accepts every id.
using notice_lookup = std::function<bool(std::string_view)>;

/// Files matched by `globs`, in load order (see above). Problems go to `out`.
std::vector<std::string> expand_rule_globs(const std::vector<std::string>& globs, diagnostics& out);

/// Expands, parses (isolated) and compiles. nullopt when any error was found; every problem
/// (errors and warnings) is appended to `out`. Warnings are also kept in rule_set::warnings.
std::optional<rule_set> load_rules(const std::vector<std::string>& globs,
                                   const notice_lookup& notice_exists, diagnostics& out);

/// One rule file already in memory (tests, the fuzzer): name is what diagnostics call it.
struct rule_source {
    std::string name;
    std::string text;
};
std::optional<rule_set> load_rule_texts(const std::vector<rule_source>& sources,
                                        const notice_lookup& notice_exists, diagnostics& out);

/// Compiles parsed documents (file name, root table), in order. The core of the two above.
std::optional<rule_set>
compile_rules(const std::vector<std::pair<std::string, toml::node>>& documents,
              const notice_lookup& notice_exists, diagnostics& out);

/// Checks a mirror URL: absolute https://host[:port], optional trailing "/", nothing else (no
/// userinfo, path, query, fragment, whitespace, control or non-ASCII characters). On success
/// fills base ("https://host[:port]", host lower-cased) and host; else says why not.
result<mirror> parse_mirror_url(std::string_view url);

} // namespace geogate::rules
