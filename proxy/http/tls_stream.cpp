#include "proxy/http/tls_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <openssl/err.h>
#include <stdexcept>
#include <sys/socket.h>

namespace geogate {

namespace {

tls_core* core_of(BIO* b) {
    return static_cast<tls_core*>(BIO_get_data(b));
}

int bio_read(BIO* b, char* out, int len) {
    auto& c = *core_of(b);
    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    if (c.in_left() != 0) {
        const std::size_t n = std::min(c.in_left(), static_cast<std::size_t>(len));
        std::memcpy(out, c.in.get() + c.in_pos, n);
        c.in_pos += n;
        return static_cast<int>(n);
    }
    if (c.peer_eof)
        return 0;
    if (c.fd < 0) {
        c.last_errno = EBADF;
        return -1;
    }
    // Straight from the socket only when more is likely there (the last wait brought a full
    // buffer); otherwise a recv would mostly say EAGAIN, and the operation waits instead.
    if (c.direct_read) {
        for (;;) {
            const auto r = ::recv(c.fd, out, static_cast<std::size_t>(len), MSG_DONTWAIT);
            if (r > 0)
                return static_cast<int>(r);
            if (r == 0) {
                c.peer_eof = true;
                return 0;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                c.last_errno = errno;
                return -1;
            }
            c.direct_read = false;
            break;
        }
    }
    BIO_set_retry_read(b);
    return -1;
}

int bio_write(BIO* b, const char* data, int len) {
    auto& c = *core_of(b);
    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    if (c.fd < 0) {
        c.last_errno = EBADF;
        return -1;
    }
    std::size_t sent = 0;
    if (c.pending.empty() && !c.flush_running) { // else these bytes must queue behind those
        for (;;) {
            const auto r =
                ::send(c.fd, data, static_cast<std::size_t>(len), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (r >= 0) {
                sent = static_cast<std::size_t>(r);
                break;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                c.last_errno = errno;
                return -1;
            }
            break;
        }
    }
    // Never "retry" to OpenSSL: the rest waits here, and the operation sends it asynchronously
    // (under the stream's deadline) before it completes.
    c.pending.append(data + sent, static_cast<std::size_t>(len) - sent);
    return len;
}

long bio_ctrl(BIO* b, int cmd, long, void*) {
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        return core_of(b)->peer_eof ? 1 : 0;
    default:
        return 0;
    }
}

BIO_METHOD* socket_method() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "geogate socket");
        if (m == nullptr || BIO_meth_set_read(m, bio_read) != 1 ||
            BIO_meth_set_write(m, bio_write) != 1 || BIO_meth_set_ctrl(m, bio_ctrl) != 1)
            throw std::runtime_error("BIO_meth_new failed");
        return m;
    }();
    return method;
}

} // namespace

tls_core::tls_core(ssl::context& ctx) : ssl(SSL_new(ctx.native_handle())) {
    if (ssl == nullptr)
        throw std::runtime_error("SSL_new failed");
    BIO* bio = BIO_new(socket_method());
    if (bio == nullptr) {
        SSL_free(ssl);
        throw std::runtime_error("BIO_new failed");
    }
    BIO_set_data(bio, this);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl, bio, bio); // one reference, owned by ssl from here
    // Read whole records (and what follows) per socket read, not a 5-byte header first.
    SSL_set_read_ahead(ssl, 1);
    // OpenSSL's 16 KiB record buffers are freed while empty: an idle keep-alive connection
    // then costs a few KiB instead of ~34 (nginx and asio::ssl::stream do the same).
    SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
    // No TLS 1.2 renegotiation either way: it is the one case where a write must read, and
    // the HTTP/2 session reads and writes at once (OpenSSL 3 refuses the client's by default).
    SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
}

tls_core::~tls_core() {
    SSL_free(ssl);
}

error_code tls_error(tls_core& core, int ssl_error) {
    switch (ssl_error) {
    case SSL_ERROR_ZERO_RETURN:
        return net::error::eof; // close_notify
    case SSL_ERROR_SYSCALL:
        if (core.last_errno != 0)
            return error_code(core.last_errno, net::error::get_system_category());
        if (core.peer_eof)
            return net::ssl::error::stream_truncated;
        break;
    case SSL_ERROR_SSL: {
        const unsigned long e = ERR_peek_last_error();
        if (core.peer_eof && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            return net::ssl::error::stream_truncated;
        if (e != 0)
            return error_code(static_cast<int>(e), net::error::get_ssl_category());
        break;
    }
    default:
        break;
    }
    if (core.last_errno != 0)
        return error_code(core.last_errno, net::error::get_system_category());
    return net::ssl::error::unspecified_system_error;
}

int tls_stream::write_records(SSL* s, const write_set& set, std::size_t& n) {
    // Full records straight from the caller's buffers; a small buffer (an HTTP head) is joined
    // with what follows into one record rather than sent as a record, and a packet, of its own.
    constexpr std::size_t record = 16 * 1024;
    n = 0;
    // Per thread, not per connection: an idle connection holds no 16 KiB for this.
    thread_local std::string gather;
    gather.clear();
    const auto put = [&](const void* p, std::size_t size) {
        std::size_t w = 0;
        if (SSL_write_ex(s, p, size, &w) != 1)
            return false;
        n += w;
        return true;
    };
    for (std::size_t i = 0; i < set.count; ++i) {
        auto data = static_cast<const char*>(set.buffers[i].data());
        std::size_t size = set.buffers[i].size();
        while (size != 0) {
            if (gather.empty() && size >= record) {
                if (!put(data, size))
                    return n != 0 ? 1 : 0; // what was written counts; the error shows next call
                break;
            }
            const std::size_t take = std::min(size, record - gather.size());
            gather.append(data, take);
            data += take;
            size -= take;
            if (gather.size() == record) {
                if (!put(gather.data(), gather.size()))
                    return n != 0 ? 1 : 0;
                gather.clear();
            }
        }
    }
    if (!gather.empty() && !put(gather.data(), gather.size()))
        return n != 0 ? 1 : 0;
    return 1;
}

} // namespace geogate
