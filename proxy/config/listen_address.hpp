#pragma once
// "127.0.0.1:8080", "[::1]:8443", "0.0.0.0:0" -> an endpoint. Host names are not accepted:
// a listener binds an address. PURE. The one parser of listen addresses: the config loader
// stores what it returns (listen_endpoint) and the server binds that. Port: 0 to 65535, at
// most five digits, no sign. nullopt says only "not a listen address": the loader words the
// diagnostic, which names the key and file:line:column.
#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string_view>

namespace geogate {

std::optional<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text) noexcept;

} // namespace geogate
