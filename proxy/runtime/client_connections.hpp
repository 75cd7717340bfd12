#pragma once
// Open client connections per peer address, for limits.max_connections_per_client: the accept
// loop (control thread) counts a connection in before handing it to a worker, the session
// (worker thread) counts it out when it ends. One short lock per connection, never per request.
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace geogate {

class client_connections {
public:
    /// Counts a connection from `peer` in, unless `limit` (> 0) are open from it already; then
    /// nothing changes and false is returned. limit 0 = no limit (the connection still counts).
    bool try_add(const boost::asio::ip::address& peer, std::size_t limit);
    /// Counts out a connection that try_add counted in.
    void remove(const boost::asio::ip::address& peer) noexcept;
    /// Connections open from `peer` now.
    std::size_t open_from(const boost::asio::ip::address& peer) const;

private:
    using key = std::array<unsigned char, 16>; // IPv6 bytes; IPv4 as v4-mapped
    struct key_hash {
        std::size_t operator()(const key& k) const noexcept;
    };
    static key key_of(const boost::asio::ip::address& peer) noexcept;

    mutable std::mutex mutex_;
    std::unordered_map<key, std::uint32_t, key_hash> open_;
};

} // namespace geogate
