#include "proxy/cache/variant_cache.hpp"

#include <algorithm>
#include <openssl/evp.h>

namespace geogate {

std::string body_digest(std::string_view bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr) != 1)
        return {}; // no digest: the entry never matches
    return std::string(reinterpret_cast<const char*>(md), n);
}

std::size_t cached_variant::charge() const noexcept {
    // The body dominates; the rest is charged at what it holds plus the containers' own
    // overhead (an estimate: a flood of tiny entries must still hit the bound).
    constexpr std::size_t per_entry = 512;
    constexpr std::size_t per_field = 64;
    std::size_t n = per_entry + body.size() + key.size() + url.size() + etag.size() +
                    last_modified.size() + digest.size() + variant_etag.size();
    for (const auto& f : head)
        n += per_field + f.name_string().size() + f.value().size();
    for (const auto& d : drop)
        n += per_field + d.size();
    for (const auto& [name, value] : add)
        n += per_field + name.size() + value.size();
    return n;
}

std::shared_ptr<const cached_variant> variant_cache::find(std::string_view key) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end())
        return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return *it->second;
}

bool variant_cache::store(std::shared_ptr<const cached_variant> v) {
    const std::uint64_t size = v->charge();
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(v->key); it != index_.end())
        erase_locked(it->second);
    if (size > max_bytes_)
        return false;
    evict_locked(size);
    lru_.push_front(std::move(v));
    index_.emplace(lru_.front()->key, lru_.begin());
    bytes_ += size;
    return true;
}

void variant_cache::drop(std::string_view key, const cached_variant* v) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key); it != index_.end() && it->second->get() == v)
        erase_locked(it->second);
}

std::size_t variant_cache::purge(std::string_view url_prefix) {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (auto it = lru_.begin(); it != lru_.end();) {
        auto next = std::next(it);
        if ((*it)->url.starts_with(url_prefix)) {
            erase_locked(it);
            ++n;
        }
        it = next;
    }
    return n;
}

void variant_cache::resize(std::uint64_t max_bytes) {
    std::lock_guard lock(mutex_);
    max_bytes_ = max_bytes;
    max_bytes_atomic_.store(max_bytes, std::memory_order_relaxed);
    evict_locked(0);
}

bool variant_cache::hold_filling(std::uint64_t n, std::uint64_t max_entry_bytes) noexcept {
    const auto budget =
        std::max(max_bytes_atomic_.load(std::memory_order_relaxed) / 4, max_entry_bytes);
    auto held = filling_.load(std::memory_order_relaxed);
    do {
        if (held + n > budget)
            return false;
    } while (!filling_.compare_exchange_weak(held, held + n, std::memory_order_relaxed));
    return true;
}

void variant_cache::release_filling(std::uint64_t n) noexcept {
    filling_.fetch_sub(n, std::memory_order_relaxed);
}

bool variant_cache::begin_compression() noexcept {
    if (compressions_.fetch_add(1, std::memory_order_relaxed) < max_queued_compressions)
        return true;
    compressions_.fetch_sub(1, std::memory_order_relaxed);
    return false;
}

void variant_cache::end_compression() noexcept {
    compressions_.fetch_sub(1, std::memory_order_relaxed);
}

variant_cache::figures variant_cache::current() const {
    std::lock_guard lock(mutex_);
    return {lru_.size(), bytes_, evictions_, max_bytes_};
}

void variant_cache::erase_locked(lru_list::iterator it) {
    bytes_ -= (*it)->charge();
    index_.erase((*it)->key);
    lru_.erase(it);
}

void variant_cache::evict_locked(std::uint64_t need) {
    while (!lru_.empty() && bytes_ + need > max_bytes_) {
        erase_locked(std::prev(lru_.end()));
        ++evictions_;
    }
}

} // namespace geogate
