#pragma once
// Whether the response to a request could differ by the reader's region: some rule that is
// not `pass` could match it for some region. Such responses are kept out of shared caches
// (Cache-Control: private) even when this reader's decision was pass: a cached copy for a
// reader in Germany must not be handed to a reader in Russia. PURE, noexcept.
#include "rules/decide.hpp"

namespace geogate::rules {

bool may_depend_on_region(const request_view& req, const rule_set& rules) noexcept;

} // namespace geogate::rules
