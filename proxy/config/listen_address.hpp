#pragma once
// "127.0.0.1:8080", "[::1]:8443", "0.0.0.0:0" -> an endpoint. Host names are not accepted:
// a listener binds an address. PURE.
#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string_view>

namespace geogate {

std::optional<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text) noexcept;

} // namespace geogate
