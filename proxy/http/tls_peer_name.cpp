#include "proxy/http/tls_peer_name.hpp"

#include <boost/asio/ip/address.hpp>
#include <openssl/x509v3.h>

namespace geogate {

bool expect_tls_peer(SSL* ssl, const std::string& host) {
    boost::system::error_code not_address;
    boost::asio::ip::make_address(host, not_address);
    if (!not_address)
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
    return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
           X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), host.c_str(), 0) == 1;
}

} // namespace geogate
