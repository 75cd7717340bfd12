#include "proxy/server/admin_server.hpp"

#include "common/http_text.hpp"
#include "proxy/exchange/preview.hpp"
#include "proxy/telemetry/access_log.hpp"
#include "proxy/telemetry/event_log.hpp"

#include <chrono>
#include <optional>

namespace geogate {
namespace {} // namespace

result<std::string> purge_prefix(std::string_view query) {
    if (query.empty())
        return std::string();
    constexpr std::string_view key = "prefix=";
    if (!query.starts_with(key))
        return fail("the only parameter is prefix");
    const auto value = query.substr(key.size());
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '&')
            return fail("the only parameter is prefix");
        if (c == '%') {
            if (i + 2 >= value.size() || hex_value(value[i + 1]) < 0 || hex_value(value[i + 2]) < 0)
                return fail("malformed %-escape in prefix");
            out += static_cast<char>(hex_value(value[i + 1]) * 16 + hex_value(value[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    if (out.empty())
        return fail("empty prefix (leave the query out to purge everything)");
    for (unsigned char c : out)
        if (c <= 0x20 || c == 0x7f)
            return fail("control character or space in prefix");
    if (out.starts_with("http://") || out.starts_with("https://"))
        return fail("prefix is a host and path without the scheme, e.g. news.example/world/");
    return out;
}

admin_server::admin_server(net::io_context& control, server_state& state, metrics& stats,
                           reloader& reload, std::vector<std::unique_ptr<worker>>& workers)
    : control_(control), state_(state), stats_(stats), reload_(reload), workers_(workers),
      acceptor_(control) {}

result<void> admin_server::listen(const tcp::endpoint& ep) {
    error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec)
        acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor_.bind(ep, ec);
    if (!ec)
        acceptor_.listen(64, ec);
    if (ec)
        return fail(ec.message());
    auto local = acceptor_.local_endpoint(ec);
    std::string shown = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                                : local.address().to_string();
    event_log::info("listening", {{"listener", "admin"},
                                  {"address", shown + ":" + std::to_string(local.port())}});
    net::co_spawn(control_, accept_loop(), net::detached);
    return {};
}

void admin_server::stop() {
    error_code ignored;
    acceptor_.close(ignored);
}

awaitable<void> admin_server::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
        if (ec) {
            if (!acceptor_.is_open())
                co_return;
            continue;
        }
        net::co_spawn(control_, serve(std::move(socket)), net::detached);
    }
}

awaitable<void> admin_server::serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(64 * 1024);
    stream.expires_after(std::chrono::seconds(5));
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
    if (ec)
        co_return;
    http::response<http::string_body> res;
    try {
        res = co_await handle(parser.get());
    } catch (const std::exception&) {
        res = {http::status::internal_server_error, 11};
        res.body() = "internal error\n";
    }
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(false);
    res.prepare_payload();
    stream.expires_after(std::chrono::seconds(30));
    co_await http::async_write(stream, res, use_nothrow);
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

awaitable<bool> admin_server::origin_reachable() {
    const auto snap = state_.snapshots.current();
    const auto& o = snap->cfg->origin;
    tcp::resolver resolver(control_);
    auto [rec, results] = co_await resolver.async_resolve(o.host, o.port, use_nothrow);
    if (rec)
        co_return false;
    beast::tcp_stream s(control_);
    s.expires_after(o.connect_timeout);
    auto [ec, ep] = co_await s.async_connect(results, use_nothrow);
    co_return !ec;
}

std::string admin_server::render_metrics() const {
    std::string out = stats_.render();
    auto snap = state_.snapshots.current();
    out += "# HELP geogate_active_connections Client connections open now.\n# TYPE "
           "geogate_active_connections gauge\n";
    out += "geogate_active_connections " + std::to_string(state_.connections.load()) + "\n";
    out += "# HELP geogate_snapshot_generation Generation of the live "
           "config+rules+notices+databases snapshot.\n"
           "# TYPE geogate_snapshot_generation gauge\n";
    out += "geogate_snapshot_generation " + std::to_string(snap ? snap->generation : 0) + "\n";
    out += "# HELP geogate_geoip_build_epoch_seconds Build time of each GeoIP database (metadata "
           "build_epoch).\n"
           "# TYPE geogate_geoip_build_epoch_seconds gauge\n";
    out += "# HELP geogate_geoip_lookup_errors_total Lookups that failed inside a database (region "
           "unknown).\n"
           "# TYPE geogate_geoip_lookup_errors_total counter\n";
    if (snap) {
        for (const auto& db : snap->geo->databases()) {
            std::string path;
            for (char c : db.path) {
                if (c == '"' || c == '\\')
                    path += '\\';
                path += c;
            }
            out += "geogate_geoip_build_epoch_seconds{database=\"" + path + "\"} " +
                   std::to_string(db.build_epoch) + "\n";
        }
        out += "geogate_geoip_lookup_errors_total " + std::to_string(snap->geo->lookup_errors()) +
               "\n";
    }
    const auto cache = state_.variants.current();
    auto gauge = [&](const char* name, const char* type, const char* help, std::uint64_t v) {
        metrics::render_single(out, name, type, help, v);
    };
    gauge("geogate_variant_cache_entries", "gauge", "Rewritten notice pages held now.",
          cache.entries);
    gauge("geogate_variant_cache_bytes", "gauge",
          "Bytes the variant cache holds now (bodies, heads, keys, per-entry overhead).",
          cache.bytes);
    gauge("geogate_variant_cache_max_bytes", "gauge",
          "The bound of the variant cache (cache.max_bytes).", cache.max_bytes);
    gauge("geogate_variant_cache_evictions_total", "counter",
          "Entries dropped to make room for newer ones (not purges, reloads or replacements).",
          cache.evictions);
    if (state_.access) {
        out += "# HELP geogate_access_log_dropped_total Access log lines dropped because the "
               "writer fell behind.\n"
               "# TYPE geogate_access_log_dropped_total counter\n";
        out +=
            "geogate_access_log_dropped_total " + std::to_string(state_.access->dropped()) + "\n";
    }
    return out;
}

// POST /cache/purge[?prefix=<percent-encoded host + path prefix>]: the prefix is matched
// against each entry's url, e.g. "news.example/world/". Strict: one optional parameter, valid
// %XX escapes ('+' is a plus: it is one in paths), no controls or spaces, no scheme.
http::response<http::string_body>
admin_server::purge_cache(const http::request<http::string_body>& req) {
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    if (req.method() != http::verb::post) {
        res.result(http::status::method_not_allowed);
        res.set(http::field::allow, "POST");
        res.body() = "use POST\n";
        return res;
    }
    const auto target = std::string_view(req.target());
    const auto q = target.find('?');
    const auto query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    auto prefix = purge_prefix(query);
    if (!prefix) {
        res.result(http::status::bad_request);
        res.body() = "usage: POST /cache/purge[?prefix=<percent-encoded host and path prefix, "
                     "e.g. news.example%2Fworld%2F>]\n" +
                     prefix.error() + "\n";
        return res;
    }
    const std::size_t n = state_.variants.purge(*prefix);
    event_log::info("cache_purged", {{"prefix", *prefix}, {"count", std::to_string(n)}});
    res.set(http::field::content_type, "application/json");
    res.body() = "{\"purged\":" + std::to_string(n) + "}\n";
    return res;
}

awaitable<http::response<http::string_body>>
admin_server::handle(const http::request<http::string_body>& req) {
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    auto target = std::string_view(req.target());
    auto path = target.substr(0, target.find('?'));
    if (path == "/healthz") {
        res.body() = "ok\n";
    } else if (path == "/readyz") {
        auto snap = state_.snapshots.current();
        bool ready = snap && !state_.draining &&
                     (stats_.origin_ok_recently() || co_await origin_reachable());
        if (!ready)
            res.result(http::status::service_unavailable);
        res.body() = ready ? "ready\n" : "not ready\n";
    } else if (path == "/metrics") {
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() = render_metrics();
    } else if (path == "/reload") {
        if (req.method() != http::verb::post) {
            res.result(http::status::method_not_allowed);
            res.set(http::field::allow, "POST");
            res.body() = "use POST\n";
        } else {
            // co_spawn wants a default-constructible value: the result travels in an optional.
            auto done = co_await net::co_spawn(
                reload_.executor(),
                [this]() -> awaitable<std::optional<result<std::string>>> {
                    co_return reload_.reload_now("admin");
                },
                net::use_awaitable);
            const result<std::string>& outcome = *done;
            res.result(outcome ? http::status::ok : http::status::unprocessable_entity);
            res.body() =
                outcome ? "reloaded\n" + *outcome
                        : "reload failed; the previous snapshot keeps serving\n" + outcome.error();
        }
    } else if (path == "/cache/purge") {
        co_return purge_cache(req);
    } else if (path == "/preview") {
        co_return co_await serve_preview(req, state_, control_);
    } else {
        res.result(http::status::not_found);
        res.body() = "not found\n";
    }
    co_return res;
}

} // namespace geogate
