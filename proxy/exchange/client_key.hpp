#pragma once
// The stable key of a client address that picks its mirror (rules::request_view::client_key).
// FNV-1a over the address bytes: the same on every geogate instance and across restarts, so a
// reader keeps their mirror whichever instance answers. 0 when there is no address. A v4-mapped
// IPv6 address (what a dual-stack "[::]" listener sees) is keyed as the IPv4 address it maps.
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>

namespace geogate {

inline std::uint64_t client_key_of(const std::optional<boost::asio::ip::address>& a) noexcept {
    if (!a)
        return 0;
    std::uint64_t h = 14695981039346656037ull; // FNV-1a 64 offset basis
    auto mix = [&h](const auto& bytes) {
        for (auto b : bytes) {
            h ^= static_cast<std::uint8_t>(b);
            h *= 1099511628211ull;
        }
    };
    if (a->is_v4())
        mix(a->to_v4().to_bytes());
    else if (a->to_v6().is_v4_mapped())
        mix(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a->to_v6()).to_bytes());
    else
        mix(a->to_v6().to_bytes());
    return h;
}

} // namespace geogate
