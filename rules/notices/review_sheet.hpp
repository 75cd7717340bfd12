#pragma once
// `geogate notices review`: one self-contained HTML page for the people who approve notice
// texts. For each notice: why it exists, where it is shown in plain words (which rules, by
// action; which regions by name, not only code; which hosts and paths), and each language
// rendered exactly as readers see it (the real wrapper and style) beside its source, with its
// approval status and, when the text changed since its last approval, a word-level diff
// against the approved copy. No scripts, no external resources: it opens from a file or an
// e-mail attachment and prints cleanly.
#include "rules/notices/approval_log.hpp"
#include "rules/notices/notice_catalog.hpp"
#include "rules/rule_set.hpp"

#include <ostream>
#include <string_view>

namespace geogate::notices {

/// Writes the sheet. `approvals` is the history to report (normally catalog.approvals(); the
/// approved copies are read from approvals.dir()). Deterministic: the same inputs give the same
/// bytes (no clock), so a sheet can be committed and diffed.
void write_review_sheet(const notice_catalog& catalog, const rules::rule_set& rules,
                        const approval_log& approvals, std::ostream& out);

/// "28 November 2026, 15:30 UTC" from "2026-11-28T15:30:00Z" (the input unchanged if malformed).
std::string human_time(std::string_view utc);

/// "Russian", "Ukrainian", ... for common tags; the tag itself otherwise.
std::string_view language_name(std::string_view tag) noexcept;

} // namespace geogate::notices
