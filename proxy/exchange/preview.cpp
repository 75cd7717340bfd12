#include "proxy/exchange/preview.hpp"

#include "common/http_text.hpp"
#include "geoip/client_address.hpp"

namespace geogate {
namespace {

// "unknown", "RU" or "UA-43": [A-Z]{2} with an optional -[A-Z0-9]{1,3}.
bool valid_region(std::string_view r) {
    if (r == "unknown")
        return true;
    auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    if (r.size() < 2 || !upper(r[0]) || !upper(r[1]))
        return false;
    if (r.size() == 2)
        return true;
    if (r[2] != '-' || r.size() < 4 || r.size() > 6)
        return false;
    for (char c : r.substr(3))
        if (!upper(c) && !(c >= '0' && c <= '9'))
            return false;
    return true;
}

std::string_view param(std::string_view value, std::string_view key) {
    // "token=abc; region=RU"
    std::size_t pos = 0;
    while (pos < value.size()) {
        auto end = value.find(';', pos);
        auto part =
            value.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        while (!part.empty() && part.front() == ' ')
            part.remove_prefix(1);
        if (part.size() > key.size() && part.substr(0, key.size()) == key &&
            part[key.size()] == '=')
            return part.substr(key.size() + 1);
        if (end == std::string_view::npos)
            break;
        pos = end + 1;
    }
    return {};
}

// Query values: %XX decoded, '+' as space; a malformed escape is kept as typed (and then
// rejected by the character checks of serve_preview).
std::string percent_decode(std::string_view v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 &&
            hex_value(v[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2]));
            i += 2;
        } else {
            out += v[i] == '+' ? ' ' : v[i];
        }
    }
    return out;
}

http::response<http::string_body> plain(http::status s, std::string body) {
    http::response<http::string_body> res{s, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::move(body);
    return res;
}

} // namespace

std::optional<geoip::location> preview_location(std::string_view header_value,
                                                std::string_view token,
                                                const net::ip::address& peer) noexcept {
    if (token.empty() || !geoip::unmap(peer).is_loopback())
        return std::nullopt;
    if (param(header_value, "token") != token)
        return std::nullopt;
    auto region = param(header_value, "region");
    if (!valid_region(region))
        return std::nullopt;
    geoip::location loc;
    if (region == "unknown")
        return loc;
    loc.has_address = true;
    loc.found = true;
    loc.country = std::string(region.substr(0, 2));
    if (region.size() > 2)
        loc.add_subdivision(region);
    return loc;
}

awaitable<http::response<http::string_body>>
serve_preview(const http::request<http::string_body>& req, server_state& state,
              net::io_context& ioc) {
    std::string region, url, lang, host;
    auto target = std::string_view(req.target());
    auto q = target.find('?');
    std::string_view query =
        q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = pair.find('=');
        auto key = pair.substr(0, eq);
        std::string value =
            eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
        if (key == "region")
            region = value;
        else if (key == "url")
            url = value;
        else if (key == "lang")
            lang = value;
        else if (key == "host")
            host = value;
    }
    auto bad_chars = [](const std::string& s) {
        for (unsigned char c : s)
            if (c <= 0x20 || c >= 0x7f)
                return true;
        return false;
    };
    if (!valid_region(region) || url.empty() || url.front() != '/' || bad_chars(url) ||
        bad_chars(lang) || bad_chars(host))
        co_return plain(
            http::status::bad_request,
            "usage: /preview?region=RU|UA-43|unknown&url=/path[&lang=ru][&host=example.org]\n");
    if (state.http_endpoints.empty() || state.preview_token.empty())
        co_return plain(http::status::service_unavailable, "no http listener to preview through\n");
    auto ep = state.http_endpoints.front();
    if (ep.address().is_unspecified())
        ep.address(ep.address().is_v6() ? net::ip::address(net::ip::address_v6::loopback())
                                        : net::ip::address(net::ip::address_v4::loopback()));
    auto snap = state.snapshots.current();
    if (host.empty())
        host = snap->cfg->origin.host_header;

    beast::tcp_stream stream(ioc);
    stream.expires_after(snap->cfg->origin.connect_timeout + snap->cfg->origin.response_timeout);
    auto [cec] = co_await stream.async_connect(ep, use_nothrow);
    if (cec)
        co_return plain(http::status::bad_gateway, "cannot reach the http listener\n");
    http::request<http::empty_body> out{http::verb::get, url, 11};
    out.set(http::field::host, host);
    out.set("X-Geogate-Preview", "token=" + state.preview_token + "; region=" + region);
    if (!lang.empty())
        out.set(http::field::accept_language, lang);
    out.keep_alive(false);
    auto [wec, wn] = co_await http::async_write(stream, out, use_nothrow);
    if (wec)
        co_return plain(http::status::bad_gateway, "preview request failed\n");
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(32 * 1024 * 1024);
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_nothrow);
    if (rec && rec != http::error::end_of_stream)
        co_return plain(http::status::bad_gateway, "preview response failed\n");
    auto res = parser.release();
    res.set("X-Geogate-Preview-Region", region);
    res.erase(http::field::transfer_encoding);
    res.erase(http::field::connection);
    co_return res;
}

} // namespace geogate
