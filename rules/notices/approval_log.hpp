#pragma once
// The approvals of notice texts: `<notices dir>/approvals.lock`, plain text meant to be
// committed to the ops repository beside the texts, and the approved copies kept for diffs.
//
// approvals.lock: UTF-8, one approval per line, append-only (history is never rewritten):
//
//   # comment lines and blank lines are ignored
//   <notice id> <language> <sha256 of the file, 64 hex> <UTC time> <approver name ...>
//   undesirable-organization ru 9f86d08188…0f00a08 2026-11-28T15:30:00Z Jane Doe, Legal
//
// Fields are separated by one space; the approver is the rest of the line (may hold spaces).
// Time is RFC 3339 UTC with seconds, "YYYY-MM-DDTHH:MM:SSZ". A later line is a later
// approval. A text is approved when a line names its notice, language and exact sha256, so
// editing a text (any byte) makes it unapproved until it is approved again.
//
// Approved copies: `<dir>/.approved/<id>/<language>-<sha256>.html`, the exact bytes that were
// approved, written by approve() before it appends the line. The review sheet diffs a changed
// text against the copy of its latest approval. Commit them with the lock file; a missing copy
// only means the sheet cannot show a diff (it says so). The catalog skips dot-directories.
#include "rules/toml/diagnostic.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::notices {

struct approval {
    std::string notice_id;
    std::string language;
    std::string sha256;
    std::string approved_at; // "2026-11-28T15:30:00Z"
    std::string approved_by;
    std::uint32_t line = 0; // in approvals.lock
};

class approval_log {
public:
    static constexpr const char* file_name = "approvals.lock";
    static constexpr const char* copies_dir = ".approved";

    /// Reads `<dir>/approvals.lock`; a missing file is an empty log. Malformed lines are
    /// errors with file:line:column (returns nullopt).
    static std::optional<approval_log> load(const std::filesystem::path& dir, diagnostics& out);

    const std::vector<approval>& entries() const noexcept { return entries_; }
    /// The latest approval of exactly this text, or nullptr.
    const approval* find(std::string_view id, std::string_view language,
                         std::string_view sha256) const noexcept;
    /// The latest approval of any version of (id, language), or nullptr.
    const approval* latest(std::string_view id, std::string_view language) const noexcept;
    /// The approved bytes of `a` from .approved/, if the copy is there and still hashes right.
    std::optional<std::string> approved_text(const approval& a) const;

    const std::filesystem::path& dir() const noexcept { return dir_; }

private:
    std::filesystem::path dir_;
    std::vector<approval> entries_;
};

/// `geogate notices approve`: loads the catalog in `dir` (every text must pass validation),
/// then for `language` (or every language of the notice when nullopt) writes the approved copy
/// and appends one line to approvals.lock. A text already approved at its current sha256 is
/// not recorded again (a warning says so). `by` must be non-empty printable text without line
/// breaks; `now_utc` is "YYYY-MM-DDTHH:MM:SSZ" (the caller owns the clock, tests pass a fixed
/// one). Returns false and explains in `out` on any problem; nothing is written then.
bool approve(const std::filesystem::path& dir, std::string_view id,
             std::optional<std::string_view> language, std::string_view by,
             std::string_view now_utc, diagnostics& out);

/// True for "YYYY-MM-DDTHH:MM:SSZ" with plausible field ranges.
bool is_utc_timestamp(std::string_view s) noexcept;

} // namespace geogate::notices
