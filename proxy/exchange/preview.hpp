#pragma once
// GET /preview?region=RU&url=/path[&lang=ru][&host=example.org] on the admin listener: the
// origin's page exactly as a reader in that region sees it. The admin listener sends the
// request to geogate's own http listener over loopback with an X-Geogate-Preview header
// carrying a per-process random token and the region, so the page goes through the very
// code path readers get (decide, notice transform, headers) — no second implementation.
#include "geoip/location.hpp"
#include "proxy/http/net.hpp"
#include "proxy/runtime/worker.hpp"

#include <optional>
#include <string_view>

namespace geogate {

/// "token=<hex>; region=UA-43" -> the location to use, when the token matches and the peer is
/// a loopback address; nullopt otherwise. region: "RU", "UA-43" or "unknown".
std::optional<geoip::location> preview_location(std::string_view header_value,
                                                std::string_view token,
                                                const net::ip::address& peer) noexcept;

awaitable<http::response<http::string_body>>
serve_preview(const http::request<http::string_body>& req, server_state& state,
              net::io_context& ioc);

} // namespace geogate
