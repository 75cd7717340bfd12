#pragma once
// The server side TLS context: TLS 1.2 and 1.3 only, Mozilla's "intermediate" cipher list,
// session resumption (server cache and tickets), certificate chains and keys from PEM files,
// several certificates chosen by SNI (the first is the default). Built anew on every reload;
// connections keep the context they started with.
#include "common/result.hpp"
#include "proxy/config/config.hpp"
#include "proxy/http/net.hpp"

#include <memory>
#include <string>

namespace geogate {

/// The context for [tls], or why not ("certificate /x.pem: <OpenSSL's words>"). ALPN offers
/// h2 and http/1.1 (h2 preferred) when `offer_h2`, else http/1.1 only.
result<std::shared_ptr<ssl::context>> build_server_tls_context(const tls_config& cfg,
                                                               bool offer_h2);

} // namespace geogate
