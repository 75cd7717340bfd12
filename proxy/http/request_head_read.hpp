#pragma once
// A request head read into Beast's header type without Beast's parser, for the usual request:
// one with no body. The parser checks every byte of a field again (check_request_head already
// did) and keeps body-framing state a GET never needs: about a sixth of the instructions of a
// redirect (docs/performance.md, "Session 11"). A head that declares a body keeps
// Beast's parser, which frames the body that follows.
#include "proxy/http/net.hpp"

#include <string_view>

namespace geogate {

/// `head` is a head check_request_head accepted: the request line and fields up to and
/// including the empty line. Fills `out` as Beast's parser would (method, target, version, then
/// each field in order, its name as sent and its value without surrounding OWS) and returns
/// true, unless the head has a Content-Length or Transfer-Encoding field: then false, and `out`
/// holds part of the head (discard it; the caller parses the head with Beast instead).
bool read_bodyless_request_head(std::string_view head, http::request_header<>& out);

/// Whether Connection or Proxy-Connection lists "upgrade": what Beast's parser reports as
/// upgrade() for the same head.
bool connection_lists_upgrade(const http::request_header<>& req);

} // namespace geogate
