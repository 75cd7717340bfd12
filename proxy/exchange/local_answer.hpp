#pragma once
// Responses geogate answers itself, without contacting the origin: mirror redirects and 451
// blocks. Both are private to the reader's region: Cache-Control: private, no-store, so no
// shared cache hands one region's answer to everyone.
#include "proxy/config/config.hpp"
#include "proxy/exchange/classify.hpp"
#include "proxy/http/net.hpp"
#include "proxy/http/request_target.hpp"
#include "proxy/runtime/snapshot.hpp"
#include "proxy/telemetry/request_record.hpp"
#include "rules/rule_set.hpp"

#include <string>

namespace geogate {

/// The complete redirect response: rule status, Location on the mirror with the request's
/// path and query (see redirect.hpp), no body.
std::string redirect_response(const rules::rule& r, const rules::mirror& m,
                              const request_target& target, bool close);

/// The complete 451 response with the rule's notice as the page, in the reader's language
/// (Accept-Language), its own strict CSP, and Link rel="blocked-by" when the rule has one.
/// Fills the record's notice fields.
/// `notice`: the request's plan (classify), whose text is the page.
std::string block_response(const rules::rule& r, const notice_plan& notice,
                           const http::request_header<>& req, request_record& rec, bool close);

} // namespace geogate
