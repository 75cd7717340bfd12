#pragma once
// A TCP connection that may or may not carry TLS, chosen at run time. Satisfies Asio's
// AsyncReadStream/AsyncWriteStream so Beast's algorithms run on it; the branch is one
// predictable `if` per operation instead of templating every session on the stream type.
#include "proxy/net.hpp"

#include <memory>
#include <optional>
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
    beast::tcp_stream& tcp() noexcept { return tls_ ? beast::get_lowest_layer(*tls_) : *tcp_; }
    tcp::socket& socket() noexcept { return tcp().socket(); }
    beast::ssl_stream<beast::tcp_stream>& tls() noexcept { return *tls_; }

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

    /// Closes the socket now (no TLS close_notify): used on errors and at shutdown.
    void close() noexcept {
        error_code ec;
        socket().shutdown(tcp::socket::shutdown_both, ec);
        socket().close(ec);
    }

private:
    std::optional<beast::tcp_stream> tcp_;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

} // namespace geogate
