#include "proxy/cli/cli_cache.hpp"

#include "common/result.hpp"
#include "proxy/config/config.hpp"
#include "proxy/config/listen_address.hpp"
#include "proxy/http/net.hpp"

#include <chrono>
#include <cstdio>

namespace geogate {
namespace {

constexpr auto connect_timeout = std::chrono::seconds(5);
constexpr auto answer_timeout = std::chrono::seconds(30);

// Query value: all but unreserved characters and '/' as %XX (the endpoint decodes them).
std::string percent_encode(std::string_view s) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

struct admin_target {
    std::string host; // address or name to connect to
    std::string port;
    std::string shown; // for messages
};

// "127.0.0.1:9090", "[::1]:9090", "localhost:9090".
result<admin_target> parse_admin(const std::string& text) {
    if (auto ep = parse_listen_address(text)) {
        if (ep->port() == 0)
            return fail("admin address " + text + " has port 0");
        auto address = ep->address();
        // A listener on every interface is reached through loopback.
        if (address.is_unspecified())
            address = address.is_v6() ? net::ip::address(net::ip::address_v6::loopback())
                                      : net::ip::address(net::ip::address_v4::loopback());
        return admin_target{address.to_string(), std::to_string(ep->port()), text};
    }
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size() ||
        text.find_first_not_of("0123456789", colon + 1) != std::string::npos ||
        text.size() - colon - 1 > 5 || text.find('[') != std::string::npos)
        return fail("expected --admin HOST:PORT like 127.0.0.1:9090, found \"" + text + "\"");
    return admin_target{text.substr(0, colon), text.substr(colon + 1), text};
}

struct answer {
    unsigned status = 0;
    std::string body;
    std::string error; // transport failure, in the system's words
};

awaitable<void> post(const admin_target& to, const std::string& target, answer& out) {
    auto ex = co_await net::this_coro::executor;
    tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(to.host, to.port, use_nothrow);
    if (rec) {
        out.error = rec.message();
        co_return;
    }
    beast::tcp_stream stream(ex);
    stream.expires_after(connect_timeout);
    auto [cec, ep] = co_await stream.async_connect(endpoints, use_nothrow);
    if (cec) {
        out.error = cec == beast::error::timeout ? "no answer within 5 s" : cec.message();
        co_return;
    }
    http::request<http::empty_body> req{http::verb::post, target, 11};
    req.set(http::field::host, to.shown);
    req.set(http::field::user_agent, "geogate-cli");
    req.keep_alive(false);
    stream.expires_after(answer_timeout);
    if (auto [wec, n] = co_await http::async_write(stream, req, use_nothrow); wec) {
        out.error = wec.message();
        co_return;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    if (auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow); ec) {
        out.error = ec == beast::error::timeout ? "no answer within 30 s" : ec.message();
        co_return;
    }
    out.status = parser.get().result_int();
    out.body = std::move(parser.get().body());
}

} // namespace

int cmd_cache_purge(const cache_purge_options& o) {
    if (o.admin.empty() && o.config_path.empty()) {
        std::fputs("geogate: cache purge needs --config FILE or --admin HOST:PORT\n", stderr);
        return 2;
    }
    std::string prefix = o.prefix.value_or("");
    if (o.prefix && prefix.empty()) {
        std::fputs("geogate: cache purge: --prefix is empty (leave it out to purge everything)\n",
                   stderr);
        return 2;
    }
    // The cache's URLs have no scheme (one entry serves http and https readers alike).
    for (std::string_view scheme : {"http://", "https://"})
        if (prefix.starts_with(scheme))
            prefix.erase(0, scheme.size());

    std::string admin = o.admin;
    if (admin.empty()) {
        diagnostics d;
        auto cfg = load_config(o.config_path, d);
        for (const auto& x : d)
            std::fprintf(stderr, "%s\n", x.to_string().c_str());
        if (!cfg)
            return 1;
        if (!cfg->listen.admin) {
            std::fprintf(stderr,
                         "geogate: cache purge: the admin listener is off in %s (listen.admin "
                         "is not set): set it, or give --admin HOST:PORT\n",
                         o.config_path.c_str());
            return 1;
        }
        admin = cfg->listen.admin->text;
    }
    auto to = parse_admin(admin);
    if (!to) {
        std::fprintf(stderr, "geogate: cache purge: %s\n", to.error().c_str());
        return o.admin.empty() ? 1 : 2;
    }

    std::string target = "/cache/purge";
    if (!prefix.empty())
        target += "?prefix=" + percent_encode(prefix);
    net::io_context ioc;
    answer got;
    net::co_spawn(ioc, post(*to, target, got), net::detached);
    ioc.run();
    if (!got.error.empty()) {
        std::fprintf(stderr, "geogate: cache purge: cannot reach the admin listener at %s: %s\n",
                     to->shown.c_str(), got.error.c_str());
        return 1;
    }
    if (got.status != 200) {
        std::fprintf(stderr, "geogate: cache purge: the admin listener at %s answered %u: %s",
                     to->shown.c_str(), got.status, got.body.c_str());
        if (got.body.empty() || got.body.back() != '\n')
            std::fputc('\n', stderr);
        return 1;
    }
    // {"purged":N}
    const auto colon = got.body.find(':');
    const auto count =
        colon == std::string::npos
            ? std::string("?")
            : got.body.substr(colon + 1,
                              got.body.find_first_not_of("0123456789", colon + 1) - colon - 1);
    if (prefix.empty())
        std::printf("purged %s entries\n", count.c_str());
    else
        std::printf("purged %s entries under %s\n", count.c_str(), prefix.c_str());
    return 0;
}

} // namespace geogate
