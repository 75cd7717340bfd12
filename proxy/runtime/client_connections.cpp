#include "proxy/runtime/client_connections.hpp"

#include <cstring>

namespace geogate {

std::size_t client_connections::key_hash::operator()(const key& k) const noexcept {
    std::uint64_t a, b; // FNV-style mix of the two halves; addresses are not secret
    std::memcpy(&a, k.data(), 8);
    std::memcpy(&b, k.data() + 8, 8);
    return static_cast<std::size_t>((a * 0x100000001b3ull) ^
                                    (b + 0x9e3779b97f4a7c15ull + (a << 6)));
}

client_connections::key client_connections::key_of(const boost::asio::ip::address& peer) noexcept {
    if (peer.is_v4())
        return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, peer.to_v4())
            .to_bytes();
    return peer.to_v6().to_bytes(); // a v4-mapped v6 peer lands on the same key as its v4 form
}

bool client_connections::try_add(const boost::asio::ip::address& peer, std::size_t limit) {
    const key k = key_of(peer);
    std::lock_guard lock(mutex_);
    auto& n = open_[k];
    if (limit > 0 && n >= limit)
        return false; // n > 0 here: the entry existed, nothing to undo
    ++n;
    return true;
}

void client_connections::remove(const boost::asio::ip::address& peer) noexcept {
    const key k = key_of(peer);
    std::lock_guard lock(mutex_);
    auto it = open_.find(k);
    if (it == open_.end())
        return;
    if (--it->second == 0)
        open_.erase(it);
}

std::size_t client_connections::open_from(const boost::asio::ip::address& peer) const {
    std::lock_guard lock(mutex_);
    auto it = open_.find(key_of(peer));
    return it == open_.end() ? 0 : it->second;
}

} // namespace geogate
