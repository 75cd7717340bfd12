#include "proxy/runtime/upstream_pool.hpp"

#include "proxy/http/tls_peer_name.hpp"

#include <algorithm>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

namespace geogate {

std::string origin_key(const origin_config& o) {
    return (o.tls ? "https://" : "http://") + o.host + ":" + o.port;
}

upstream_pool::upstream_pool(net::any_io_executor ex, ssl::context& tls_ctx)
    : ex_(std::move(ex)), tls_ctx_(tls_ctx), sweep_timer_(ex_) {}

bool upstream_pool::still_open(upstream_connection& c) noexcept {
    // An idle connection must have nothing to read: EOF means the origin closed it, and bytes
    // would be a response nobody asked for. Either way it cannot carry a new request.
    char byte;
    auto fd = c.stream.socket().native_handle();
    auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && c.buffer.size() == 0;
}

bool is_origin_key(std::string_view key, const origin_config& o) noexcept {
    const std::string_view scheme = o.tls ? "https://" : "http://";
    return key.size() == scheme.size() + o.host.size() + 1 + o.port.size() &&
           key.starts_with(scheme) && key.substr(scheme.size(), o.host.size()) == o.host &&
           key[scheme.size() + o.host.size()] == ':' && key.ends_with(o.port);
}

awaitable<upstream_pool::acquired> upstream_pool::acquire(const origin_config& origin,
                                                          bool fresh_only) {
    auto now = std::chrono::steady_clock::now();
    while (!fresh_only && !idle_.empty()) {
        auto entry = std::move(idle_.back());
        idle_.pop_back();
        if (!is_origin_key(entry.conn->origin_key, origin) ||
            now - entry.since > origin.idle_timeout || !still_open(*entry.conn)) {
            entry.conn->stream.close();
            continue;
        }
        co_return acquired{{}, std::move(entry.conn), true, false};
    }
    co_return co_await connect(origin);
}

awaitable<upstream_pool::acquired> upstream_pool::connect(const origin_config& origin) {
    auto key = origin_key(origin);
    acquired out;
    if (resolved_key_ != key || resolved_.empty()) {
        tcp::resolver resolver(ex_);
        auto [ec, results] = co_await resolver.async_resolve(origin.host, origin.port, use_nothrow);
        if (ec) {
            out.ec = ec;
            co_return out;
        }
        resolved_.clear();
        for (const auto& r : results)
            resolved_.push_back(r.endpoint());
        resolved_key_ = key;
    }
    beast::tcp_stream tcp_stream(ex_);
    tcp_stream.expires_after(origin.connect_timeout);
    auto [ec, ep] = co_await tcp_stream.async_connect(resolved_, use_nothrow);
    if (ec) {
        out.timed_out = ec == beast::error::timeout;
        out.ec = ec;
        resolved_.clear(); // re-resolve next time: the address may have moved
        co_return out;
    }
    error_code ignored;
    tcp_stream.socket().set_option(tcp::no_delay(true), ignored);

    if (!origin.tls) {
        out.conn = std::make_unique<upstream_connection>(any_stream(std::move(tcp_stream)));
    } else {
        auto conn =
            std::make_unique<upstream_connection>(any_stream(std::move(tcp_stream), tls_ctx_));
        auto& tls = conn->stream.tls();
        // The origin's certificate must name it (OpenSSL's own host and IP address check).
        ::ERR_clear_error();
        if (!expect_tls_peer(tls.native_handle(), origin.host)) {
            // Some refusals queue no error; a zero code would read as a connection.
            const auto e = ::ERR_get_error();
            out.ec = e ? error_code(static_cast<int>(e), net::error::get_ssl_category())
                       : error_code(net::error::invalid_argument);
            co_return out;
        }
        conn->stream.tcp().expires_after(origin.connect_timeout);
        auto [hec] = co_await tls.async_handshake(ssl::stream_base::client, use_nothrow);
        if (hec) {
            out.timed_out = hec == beast::error::timeout;
            out.ec = hec;
            co_return out;
        }
        out.conn = std::move(conn);
    }
    out.conn->origin_key = key;
    // Beast sizes each read by the buffer's free capacity (at least 512 bytes): without room,
    // a response head and a chunked body would arrive in tiny reads. 64 KiB takes a typical
    // page (head and body) in one read, relayed to the client in one write from this buffer:
    // with 16 KiB a 61 KB page cost two reads and two writes more (strace, docs/performance.md).
    out.conn->buffer.reserve(64 * 1024);
    co_return out;
}

void upstream_pool::release(std::unique_ptr<upstream_connection> conn,
                            const origin_config& origin) {
    if (idle_.size() >= origin.max_idle_connections || conn->buffer.size() != 0) {
        conn->stream.close();
        return;
    }
    conn->stream.tcp().expires_never();
    idle_.push_back({std::move(conn), std::chrono::steady_clock::now()});
    idle_timeout_ = origin.idle_timeout;
    if (!sweep_armed_)
        schedule_sweep();
}

void upstream_pool::clear() noexcept {
    for (auto& e : idle_)
        e.conn->stream.close();
    idle_.clear();
    sweep_timer_.cancel();
}

void upstream_pool::sweep() noexcept {
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(idle_, [&](idle_entry& e) {
        if (now - e.since <= idle_timeout_ && still_open(*e.conn))
            return false;
        e.conn->stream.close();
        return true;
    });
}

void upstream_pool::schedule_sweep() {
    using std::chrono::milliseconds;
    sweep_armed_ = true;
    sweep_timer_.expires_after(
        std::clamp(idle_timeout_ / 2, milliseconds(100), milliseconds(5000)));
    // The pool outlives every handler that runs: it is destroyed after its worker's thread has
    // stopped, and the io_context then discards the cancelled wait without invoking it.
    sweep_timer_.async_wait([this](error_code ec) {
        sweep_armed_ = false;
        if (ec)
            return; // cancelled by clear()
        sweep();
        if (!idle_.empty())
            schedule_sweep();
    });
}

} // namespace geogate
