#include "proxy/config/listen_address.hpp"

#include <charconv>
#include <string>

namespace geogate {

namespace net = boost::asio;
using tcp = net::ip::tcp;

std::optional<tcp::endpoint> parse_listen_address(std::string_view text) noexcept {
    std::string_view host, port;
    const bool bracketed = !text.empty() && text.front() == '[';
    if (bracketed) {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos)
            return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos)
            return std::nullopt; // bare IPv6 needs brackets
    }
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value > 65535 || port.empty() ||
        port.size() > 5)
        return std::nullopt;
    boost::system::error_code aec;
    auto addr = net::ip::make_address(std::string(host), aec);
    if (aec || bracketed != addr.is_v6())
        return std::nullopt; // "[192.0.2.1]:80" is not an address either
    return tcp::endpoint(addr, static_cast<unsigned short>(value));
}

} // namespace geogate
