#pragma once
// A TCP connection that may or may not carry TLS, chosen at run time. Satisfies Asio's
// AsyncReadStream/AsyncWriteStream so Beast's algorithms run on it; the branch is one
// predictable `if` per operation instead of templating every session on the stream type.
#include "proxy/http/net.hpp"
#include "proxy/http/tls_stream.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <span>
#include <sys/socket.h>
#include <sys/uio.h>
#include <utility>

namespace geogate {

class any_stream {
public:
    using executor_type = beast::tcp_stream::executor_type;

    explicit any_stream(beast::tcp_stream tcp) : tcp_(std::move(tcp)) {}
    any_stream(beast::tcp_stream tcp, ssl::context& ctx)
        : tls_(std::in_place, std::move(tcp), ctx) {}

    any_stream(any_stream&&) = default;
    any_stream& operator=(any_stream&&) = delete;

    executor_type get_executor() noexcept { return tcp().get_executor(); }
    bool is_tls() const noexcept { return tls_.has_value(); }
    beast::tcp_stream& tcp() noexcept { return tls_ ? tls_->next_layer() : *tcp_; }
    tcp::socket& socket() noexcept { return tcp().socket(); }
    tls_stream& tls() noexcept { return *tls_; }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& b, Token&& token) {
        if (tls_)
            return tls_->async_read_some(b, std::forward<Token>(token));
        return tcp_->async_read_some(b, std::forward<Token>(token));
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& b, Token&& token) {
        if (tls_)
            return tls_->async_write_some(b, std::forward<Token>(token));
        return tcp_->async_write_some(b, std::forward<Token>(token));
    }

    /// Writes what the kernel takes right now, without waiting: one sendmsg(MSG_DONTWAIT) on a
    /// plain TCP stream (0 bytes on TLS, which goes through the async path). On loopback and
    /// on a healthy connection a whole response fits the send buffer, so the usual write costs
    /// one system call and no timer, completion handler or TCP_INFO look; the caller continues
    /// with an async write (and its deadline) only for what is left. `ec` is set for a real
    /// error (the peer is gone), not for "would block".
    std::size_t write_now(std::span<const net::const_buffer> buffers, error_code& ec) noexcept {
        ec = {};
        if (tls_ || buffers.empty())
            return 0;
        std::array<iovec, 16> iov;
        const std::size_t n = std::min(buffers.size(), iov.size());
        for (std::size_t i = 0; i < n; ++i)
            iov[i] = {const_cast<void*>(buffers[i].data()), buffers[i].size()};
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = n;
        for (;;) {
            const auto sent =
                ::sendmsg(socket().native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (sent >= 0)
                return static_cast<std::size_t>(sent);
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                ec = error_code(errno, net::error::get_system_category());
            return 0;
        }
    }

    /// Closes the socket now (no TLS close_notify): used on errors and at shutdown.
    void close() noexcept {
        error_code ec;
        socket().shutdown(tcp::socket::shutdown_both, ec);
        socket().close(ec);
    }

private:
    std::optional<beast::tcp_stream> tcp_;
    std::optional<tls_stream> tls_;
};

} // namespace geogate
