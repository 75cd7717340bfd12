#pragma once
// Where notices are used by rules: the approval gate for `check`, `serve` and reload, and the
// "where it is shown" part of the review sheet.
#include "rules/notices/notice_catalog.hpp"
#include "rules/rule_set.hpp"
#include "rules/toml/diagnostic.hpp"

#include <string_view>
#include <vector>

namespace geogate::notices {

/// The rules that can serve notice `id` (action notice or block naming it), in rule order.
std::vector<const rules::rule*> rules_using(std::string_view id, const rules::rule_set& rules);

/// One diagnostic per (rule, text) where a notice/block rule names a notice whose text is not
/// approved, at the rule's file:line:column, naming the text file, its version and whether it
/// was never approved or changed since an approval. Also one per rule naming a notice that is
/// not in the catalog. Severity: error when catalog.require_approval() (the caller then fails
/// `check`, refuses to start, or rejects the reload), warning otherwise (for `check` output).
/// A rule naming an unknown notice is always an error.
diagnostics unapproved_in_use(const notice_catalog& catalog, const rules::rule_set& rules);

} // namespace geogate::notices
