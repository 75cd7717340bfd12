#pragma once
// Whom geogate expects at the other end of a TLS connection it opens (the origin, a mirror's
// health probe): one rule for both.
#include <openssl/ssl.h>
#include <string>

namespace geogate {

/// Turns on OpenSSL's verification of the server's certificate (SSL_VERIFY_PEER, against the
/// context's trusted roots) and sets what it must name: `host` as a DNS name (and sent as SNI),
/// or, for an IPv4/IPv6 literal, as an address (and no SNI: RFC 6066 3 permits no literal
/// addresses there, so the server answers with its default certificate). false: OpenSSL
/// refused a setting.
bool expect_tls_peer(SSL* ssl, const std::string& host);

} // namespace geogate
