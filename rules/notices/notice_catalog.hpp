#pragma once
// Every notice of a notices directory, checked, hashed and rendered at load time; immutable
// afterwards and shared as a snapshot (std::shared_ptr<const notice_catalog>), so the proxy
// swaps catalogs on reload like the rule set.
//
// Layout:
//   <dir>/<id>/notice.toml    title = "...", default_language = "ru", languages = ["ru","en"],
//                             description = "..." (optional); any other key is an error
//   <dir>/<id>/<lang>.html    one checked HTML fragment per listed language
//   <dir>/approvals.lock      see approval_log.hpp
//   <dir>/.approved/          approved copies (dot-directories are not notices)
//
// Approval policy (require_approval = true). Loading does NOT fail because a text is
// unapproved: a draft language or a notice no rule uses may be unapproved. Instead
//   1. every text records `approved` (its exact sha256 is in approvals.lock), and
//      notice::choose() only ever returns approved texts: an unapproved text is never served;
//   2. unapproved_in_use(catalog, rules) (notice_usage.hpp) returns an error for each
//      unapproved text a rule can serve. `check` fails on it, `serve` refuses to start on it,
//      and a reload that brings one in is rejected, the running proxy keeping its previous
//      catalog and rules. The lead calls it right after loading both.
// Load fails (nullptr) only on malformed content: bad notice.toml, a missing or invalid text,
// a malformed approvals.lock.
#include "rules/notices/approval_log.hpp"
#include "rules/notices/notice.hpp"
#include "rules/toml/diagnostic.hpp"

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

namespace geogate::notices {

/// [a-z0-9][a-z0-9._-]{0,63}: safe in file names, HTML attributes and log lines.
bool is_notice_id(std::string_view id) noexcept;

class notice_catalog {
public:
    /// Loads and checks every notice in `dir`. Problems go to `out` with file:line:column;
    /// returns nullptr when there is any error (warnings alone do not fail).
    static std::shared_ptr<const notice_catalog> load(const std::filesystem::path& dir,
                                                      bool require_approval, diagnostics& out);

    /// O(log n); nullptr when there is no such notice.
    const notice* find(std::string_view id) const noexcept;
    /// All notices, sorted by id.
    const std::vector<notice>& notices() const noexcept { return notices_; }
    std::vector<std::string_view> ids() const;

    bool require_approval() const noexcept { return require_approval_; }
    const std::filesystem::path& dir() const noexcept { return dir_; }
    const approval_log& approvals() const noexcept { return approvals_; }

private:
    std::filesystem::path dir_;
    bool require_approval_ = true;
    std::vector<notice> notices_;
    approval_log approvals_;
};

} // namespace geogate::notices
