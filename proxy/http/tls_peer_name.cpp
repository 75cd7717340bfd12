#include "proxy/http/tls_peer_name.hpp"

#include <boost/asio/ip/address.hpp>
#include <openssl/x509v3.h>

namespace geogate {

bool expect_tls_peer(SSL* ssl, const std::string& host) {
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    boost::system::error_code not_address;
    const auto address = boost::asio::ip::make_address(host, not_address);
    if (!not_address) {
        // The address's own bytes: a scoped IPv6 literal ("fe80::1%eth0") parses here but not
        // in OpenSSL's text form, and the scope is no part of what a certificate names.
        if (address.is_v4()) {
            const auto b = address.to_v4().to_bytes();
            return X509_VERIFY_PARAM_set1_ip(SSL_get0_param(ssl), b.data(), b.size()) == 1;
        }
        const auto b = address.to_v6().to_bytes();
        return X509_VERIFY_PARAM_set1_ip(SSL_get0_param(ssl), b.data(), b.size()) == 1;
    }
    return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
           X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), host.c_str(), 0) == 1;
}

} // namespace geogate
