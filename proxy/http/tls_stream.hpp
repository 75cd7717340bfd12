#pragma once
// TLS over a Beast tcp_stream, with OpenSSL reading and writing the socket itself.
//
// Why not asio::ssl::stream: it runs OpenSSL against a memory BIO pair, so every byte out is
// encrypted into OpenSSL's record buffer, copied into the BIO pair, copied again into Asio's
// output buffer and only then sent; bytes in take the same two extra copies. On the HTTPS
// benchmark (61 KB page, docs/performance.md) those copies and the engine's state machine were
// most of geogate's extra CPU per request over nginx, which lets OpenSSL use the socket.
//
// Here a small BIO (tls_stream.cpp) gives OpenSSL the socket directly: records are sent as
// OpenSSL produces them (MSG_DONTWAIT), and only what the kernel does not take right now is
// kept (`pending`) and written with the tcp_stream's async write, so its deadline
// (expires_after) still bounds every wait. Reads go straight from the socket into OpenSSL's
// buffer (read-ahead on); when nothing is there, one async read of the tcp_stream waits (again
// under its deadline) and the bytes it brings are served to OpenSSL first.
//
// Concurrency: like asio::ssl::stream, one read and one write may be outstanding at once (the
// HTTP/2 session does that), on one strand. OpenSSL calls never overlap (one thread). A read
// may make OpenSSL produce bytes (a TLS 1.3 key update answer): they wait in `pending` for the
// next write; only write-side operations (write, handshake, shutdown) flush, one at a time.
#include "proxy/http/net.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace geogate {

/// What the socket BIO and the operations share; heap-held so the stream can move.
struct tls_core {
    SSL* ssl = nullptr;
    int fd = -1;              ///< set from the socket at each operation: -1 once it is closed
    int last_errno = 0;       ///< the socket error a BIO call met, for the error_code
    bool peer_eof = false;    ///< the socket read returned 0
    bool direct_read = false; ///< the last async read filled `in`: more is likely waiting
    /// Bytes an async read brought, [in_pos, in_end) not yet given to OpenSSL. Sized once, at
    /// the first wait for the peer: one TLS record with its header.
    std::unique_ptr<unsigned char[]> in;
    static constexpr std::size_t in_capacity = 17 * 1024;
    std::size_t in_pos = 0;
    std::size_t in_end = 0;
    std::string pending;  ///< encrypted bytes the kernel did not take yet, in order
    std::string flushing; ///< the part of `pending` an async write is sending now
    bool flush_running = false;
    bool read_running = false; ///< an async read of the socket is bringing bytes into `in`

    explicit tls_core(ssl::context& ctx);
    ~tls_core();
    tls_core(const tls_core&) = delete;
    tls_core& operator=(const tls_core&) = delete;

    std::size_t in_left() const noexcept { return in_end - in_pos; }
};

/// How many tls_stream operations are completing inside their own initiation on this thread,
/// one inside the other (see io_op::done).
inline unsigned& tls_inline_depth() noexcept {
    thread_local unsigned depth = 0;
    return depth;
}

/// The error an OpenSSL call's result means (SSL_get_error), as Asio's ssl::stream reports
/// it: a peer closing without close_notify is ssl::error::stream_truncated, close_notify is
/// net::error::eof, a socket failure is its errno.
error_code tls_error(tls_core& core, int ssl_error);

class tls_stream {
public:
    using executor_type = beast::tcp_stream::executor_type;

    tls_stream(beast::tcp_stream tcp, ssl::context& ctx)
        : tcp_(std::move(tcp)), core_(std::make_unique<tls_core>(ctx)) {}
    tls_stream(tls_stream&&) = default;
    tls_stream& operator=(tls_stream&&) = delete;

    executor_type get_executor() noexcept { return tcp_.get_executor(); }
    beast::tcp_stream& next_layer() noexcept { return tcp_; }
    SSL* native_handle() noexcept { return core_->ssl; }

    template <class Token> auto async_handshake(ssl::stream_base::handshake_type type, Token&& t) {
        if (type == ssl::stream_base::client)
            SSL_set_connect_state(core_->ssl);
        else
            SSL_set_accept_state(core_->ssl);
        return run_unsized([](SSL* s, std::size_t&) { return SSL_do_handshake(s); },
                           std::forward<Token>(t));
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& t) {
        net::mutable_buffer first;
        for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
             ++it)
            if (net::mutable_buffer b(*it); b.size() != 0) {
                first = b;
                break;
            }
        return run(
            [first](SSL* s, std::size_t& n) {
                if (first.size() == 0)
                    return 1;
                return SSL_read_ex(s, first.data(), first.size(), &n);
            },
            false, std::forward<Token>(t));
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& t) {
        return run(write_batch(buffers), true, std::forward<Token>(t));
    }

    /// Sends close_notify and waits for the peer's (bounded by the caller's deadline).
    template <class Token> auto async_shutdown(Token&& t) {
        return run_unsized(
            [](SSL* s, std::size_t&) {
                const int r = SSL_shutdown(s);
                return r == 0 ? SSL_shutdown(s) : r;
            },
            std::forward<Token>(t));
    }

private:
    /// Up to this much of a write's buffers go into one operation: OpenSSL cuts it into
    /// records, and what the kernel does not take at once is held in `pending` until sent.
    static constexpr std::size_t max_write = 64 * 1024;
    static constexpr std::size_t max_write_buffers = 16;

    /// The buffers of one write_some (a prefix of them, like any write_some).
    struct write_set {
        std::array<net::const_buffer, max_write_buffers> buffers;
        std::size_t count = 0;
    };
    template <class ConstBuffers> auto write_batch(const ConstBuffers& buffers) {
        write_set set;
        std::size_t total = 0;
        for (auto it = net::buffer_sequence_begin(buffers);
             it != net::buffer_sequence_end(buffers) && total < max_write &&
             set.count < max_write_buffers;
             ++it) {
            net::const_buffer b(*it);
            if (b.size() == 0)
                continue;
            if (b.size() > max_write - total)
                b = net::const_buffer(b.data(), max_write - total);
            set.buffers[set.count++] = b;
            total += b.size();
        }
        return [set](SSL* s, std::size_t& n) { return write_records(s, set, n); };
    }
    static int write_records(SSL* s, const write_set& set, std::size_t& n);

    template <class Fn, bool Sized> struct io_op;

    /// Reads and writes complete with (error, bytes); handshake and shutdown with (error).
    template <class Fn, class Token> auto run(Fn fn, bool flushes, Token&& token) {
        return net::async_compose<Token, void(error_code, std::size_t)>(
            io_op<Fn, true>{*this, std::move(fn), flushes}, token, tcp_);
    }
    template <class Fn, class Token> auto run_unsized(Fn fn, Token&& token) {
        return net::async_compose<Token, void(error_code)>(
            io_op<Fn, false>{*this, std::move(fn), true}, token, tcp_);
    }

    beast::tcp_stream tcp_;
    std::unique_ptr<tls_core> core_;
};

/// One TLS operation: call OpenSSL; when it needs bytes from the peer, wait for them (an async
/// read of the tcp_stream); when done, if it is a write-side operation, send what is pending.
template <class Fn, bool Sized> struct tls_stream::io_op {
    tls_stream& s;
    Fn fn;
    bool flushes;
    enum class step { call, reading, flushing_then_call, flushing_then_done } at = step::call;
    std::size_t result = 0;
    bool went_async = false; ///< an async read or write ran: completion is on a fresh stack

    /// Completions inside their own initiation allowed one inside the other: each nests the
    /// caller's next operation on the stack (a coroutine resumes inside the handler), so a
    /// reader sending thousands of one-byte TLS records, each an SSL_read that completes at
    /// once, would nest thousands deep and overflow the stack. Past this depth, post.
    static constexpr unsigned max_inline_depth = 8;

    template <class Self> void operator()(Self& self, error_code ec = {}, std::size_t n = 0) {
        auto& c = *s.core_;
        switch (at) {
        case step::call:
            break;
        case step::reading:
            c.read_running = false;
            if (ec == net::error::eof) {
                c.peer_eof = true; // OpenSSL decides whether that was a clean end
                ec = {};
            }
            if (ec)
                return done(self, ec, 0);
            c.in_pos = 0;
            c.in_end = n;
            c.direct_read = n == tls_core::in_capacity;
            break;
        case step::flushing_then_call:
        case step::flushing_then_done:
            c.flushing.clear();
            if (ec) {
                c.flush_running = false;
                return done(self, ec, 0);
            }
            if (!c.pending.empty()) { // a read added some meanwhile
                start_flush(self);
                return;
            }
            c.flush_running = false;
            if (at == step::flushing_then_done)
                return done(self, {}, result);
            break;
        }
        c.fd = s.tcp_.socket().is_open() ? s.tcp_.socket().native_handle() : -1;
        c.last_errno = 0;
        ERR_clear_error();
        std::size_t bytes = 0;
        const int r = fn(c.ssl, bytes);
        const int err = r > 0 ? SSL_ERROR_NONE : SSL_get_error(c.ssl, r);
        if (err == SSL_ERROR_NONE) {
            result = bytes;
            if (flushes && !c.pending.empty()) {
                at = step::flushing_then_done;
                start_flush(self);
                return;
            }
            return done(self, {}, result);
        }
        if (err == SSL_ERROR_WANT_READ) {
            if (flushes && !c.pending.empty()) { // the peer answers only what it has got
                at = step::flushing_then_call;
                start_flush(self);
                return;
            }
            if (c.read_running) // only a renegotiation would make a write read; it is off
                return done(self, net::error::operation_not_supported, 0);
            at = step::reading;
            c.read_running = true;
            if (!c.in)
                c.in = std::make_unique<unsigned char[]>(tls_core::in_capacity);
            c.in_pos = c.in_end = 0; // nothing for OpenSSL until the read completes
            c.direct_read = false;
            went_async = true;
            s.tcp_.async_read_some(net::buffer(c.in.get(), tls_core::in_capacity), std::move(self));
            return;
        }
        if (err == SSL_ERROR_WANT_WRITE && flushes && !c.pending.empty()) {
            at = step::flushing_then_call;
            start_flush(self);
            return;
        }
        return done(self, tls_error(c, err), 0);
    }

    template <class Self> void done(Self& self, error_code ec, std::size_t n) {
        if (went_async) {
            finish(self, ec, n);
            return;
        }
        unsigned& depth = tls_inline_depth();
        if (depth >= max_inline_depth) {
            net::post(s.tcp_.get_executor(),
                      [self = std::move(self), ec, n]() mutable { finish(self, ec, n); });
            return;
        }
        ++depth;
        finish(self, ec, n);
        --depth;
    }

    template <class Self> static void finish(Self& self, error_code ec, std::size_t n) {
        if constexpr (Sized)
            self.complete(ec, n);
        else
            self.complete(ec);
    }

    template <class Self> void start_flush(Self& self) {
        auto& c = *s.core_;
        c.flush_running = true;
        went_async = true;
        c.flushing.swap(c.pending);
        net::async_write(s.tcp_, net::buffer(c.flushing), std::move(self));
    }
};

} // namespace geogate
