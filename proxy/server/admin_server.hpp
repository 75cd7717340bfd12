#pragma once
// The admin listener (localhost by default): GET /metrics (Prometheus text), /healthz (alive),
// /readyz (a snapshot is loaded and the origin answered recently), POST /reload,
// POST /cache/purge[?prefix=news.example%2Fworld%2F] (drops notice variant cache entries), and
// GET /preview?region=RU&url=/path[&lang=ru] (the page as a reader in that region sees it).
// It runs on the control thread: small, one request per connection, strict limits.
#include "common/result.hpp"
#include "proxy/http/net.hpp"
#include "proxy/runtime/worker.hpp"
#include "proxy/server/reloader.hpp"
#include "proxy/telemetry/metrics.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace geogate {

/// The decoded prefix of a /cache/purge query ("" = no query: everything), or why the query is
/// refused (a 400).
result<std::string> purge_prefix(std::string_view query);

class admin_server {
public:
    admin_server(net::io_context& control, server_state& state, metrics& stats, reloader& reload,
                 std::vector<std::unique_ptr<worker>>& workers);
    /// Binds and starts accepting; says why not (the system's words) when it cannot.
    result<void> listen(const tcp::endpoint& ep);
    void stop();

private:
    awaitable<void> accept_loop();
    awaitable<void> serve(tcp::socket socket);
    awaitable<http::response<http::string_body>>
    handle(const http::request<http::string_body>& req);
    http::response<http::string_body> purge_cache(const http::request<http::string_body>& req);
    awaitable<bool> origin_reachable();
    std::string render_metrics() const;

    net::io_context& control_;
    server_state& state_;
    metrics& stats_;
    reloader& reload_;
    std::vector<std::unique_ptr<worker>>& workers_;
    tcp::acceptor acceptor_;
};

} // namespace geogate
