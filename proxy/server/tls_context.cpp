#include "proxy/server/tls_context.hpp"

#include "common/http_text.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <vector>

namespace geogate {
namespace {

constexpr const char* intermediate_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

std::string openssl_error() {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    return buf;
}

// The SNI table: every certificate context and the DNS names its certificate covers.
struct sni_entry {
    std::shared_ptr<ssl::context> ctx;
    std::vector<std::string> names; // lower-case; "*.example.org" wildcards kept as such
};

struct sni_table {
    std::vector<sni_entry> entries; // [0] is the default
};

bool name_matches(const std::string& pattern, std::string_view host) {
    if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
        auto dot = host.find('.');
        return dot != std::string_view::npos &&
               host.substr(dot + 1) == std::string_view(pattern).substr(2);
    }
    return pattern == host;
}

std::vector<std::string> certificate_names(SSL_CTX* ctx) {
    std::vector<std::string> names;
    X509* cert = SSL_CTX_get0_certificate(ctx);
    if (!cert)
        return names;
    auto* sans =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (sans) {
        for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
            const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
            if (n->type == GEN_DNS) {
                names.push_back(ascii_lowered(std::string_view(
                    reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                    static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)))));
            }
        }
        GENERAL_NAMES_free(sans);
    }
    return names;
}

int on_servername(SSL* ssl, int*, void* arg) {
    auto* table = static_cast<sni_table*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name)
        return SSL_TLSEXT_ERR_OK; // no SNI: the default certificate
    const std::string host = ascii_lowered(name);
    for (std::size_t i = 1; i < table->entries.size(); ++i)
        for (const auto& n : table->entries[i].names)
            if (name_matches(n, host)) {
                SSL_set_SSL_CTX(ssl, table->entries[i].ctx->native_handle());
                return SSL_TLSEXT_ERR_OK;
            }
    return SSL_TLSEXT_ERR_OK;
}

// ALPN (RFC 7301): h2 first when offered, else http/1.1; a client that names neither gets no
// ALPN answer and speaks HTTP/1.1. Set on every context: after SNI chose one, OpenSSL asks the
// chosen context.
constexpr unsigned char alpn_h2_h1[] = "\x02h2\x08http/1.1";
constexpr unsigned char alpn_h1[] = "\x08http/1.1";

template <const unsigned char* List, std::size_t Size>
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void*) {
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, outlen, List, Size, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

result<std::shared_ptr<ssl::context>> make_one(const tls_certificate& cert, bool offer_h2) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* h = ctx->native_handle();
    SSL_CTX_set_min_proto_version(h, TLS1_2_VERSION);
    SSL_CTX_set_options(h, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_set_cipher_list(h, intermediate_ciphers) != 1)
        return fail("cipher list: " + openssl_error());
    SSL_CTX_set_session_cache_mode(h, SSL_SESS_CACHE_SERVER);
    static const unsigned char session_id_context[] = "geogate";
    SSL_CTX_set_session_id_context(h, session_id_context, sizeof session_id_context - 1);
    if (offer_h2)
        SSL_CTX_set_alpn_select_cb(h, select_alpn<alpn_h2_h1, sizeof alpn_h2_h1 - 1>, nullptr);
    else
        SSL_CTX_set_alpn_select_cb(h, select_alpn<alpn_h1, sizeof alpn_h1 - 1>, nullptr);
    if (SSL_CTX_use_certificate_chain_file(h, cert.certificate.c_str()) != 1)
        return fail("certificate " + cert.certificate + ": " + openssl_error());
    if (SSL_CTX_use_PrivateKey_file(h, cert.private_key.c_str(), SSL_FILETYPE_PEM) != 1)
        return fail("private key " + cert.private_key + ": " + openssl_error());
    if (SSL_CTX_check_private_key(h) != 1)
        return fail("private key " + cert.private_key + " does not match " + cert.certificate);
    return ctx;
}

} // namespace

result<std::shared_ptr<ssl::context>> build_server_tls_context(const tls_config& cfg,
                                                               bool offer_h2) {
    if (cfg.certificates.empty())
        return fail("[tls] has no certificate");
    auto table = std::make_shared<sni_table>();
    for (const auto& c : cfg.certificates) {
        auto ctx = make_one(c, offer_h2);
        if (!ctx)
            return fail(ctx.error());
        table->entries.push_back({*ctx, certificate_names((*ctx)->native_handle())});
    }
    auto primary = table->entries.front().ctx;
    if (table->entries.size() > 1) {
        SSL_CTX_set_tlsext_servername_callback(primary->native_handle(), on_servername);
        SSL_CTX_set_tlsext_servername_arg(primary->native_handle(), table.get());
    }
    // The table must live as long as the primary context: share ownership through an
    // aliasing shared_ptr whose control block also owns the table.
    struct bundle {
        std::shared_ptr<sni_table> table;
        std::shared_ptr<ssl::context> primary;
    };
    auto b = std::make_shared<bundle>(bundle{table, primary});
    return std::shared_ptr<ssl::context>(b, b->primary.get());
}

} // namespace geogate
