#pragma once
// The notice variant cache: rewritten pages (the origin's page with the notice inserted, in one
// coding) kept in memory, so that the next notice reader of the same page costs a conditional
// request to the origin and a write, not a decode-inject-compress.
//
// The origin stays authoritative: an entry is only ever served after the origin confirmed, for
// this very request, that the representation it was made from is still current (a 304 to the
// entry's validators, or a 200 whose bytes have the entry's digest). See
// docs/operations.md, "Notice variant cache", and proxy/cache/cache_policy.hpp for what is
// stored and how an entry is keyed.
//
// Shared by all workers (one mutex; a lookup copies a shared_ptr and moves one list node).
// Bounded by bytes: an entry is charged its body, its head and its key; the least recently
// used go when a new one would exceed the bound. Entries are immutable once stored.
#include "proxy/http/net.hpp"

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace geogate {

struct cached_variant {
    std::string key; // cache_policy.hpp, variant_key()
    std::string url; // host + origin-form target: what a purge prefix is matched against
    /// The origin's 200 head as it arrived (hop-by-hop fields are dropped when it is sent).
    http::response_header<> head;
    /// The rewrite's edits of that head (the variant ETag, Content-Type, Content-Encoding, CSP,
    /// Vary...), applied again on every hit.
    std::vector<std::string> drop;
    std::vector<std::pair<std::string, std::string>> add;
    std::string body; // the bytes every reader of this variant gets
    // What the origin's representation is known by: its validators, or the SHA-256 of its
    // body when it sent none.
    std::string etag;
    std::string last_modified;
    std::string digest;
    std::string variant_etag; // the ETag readers get ("" when the origin sent none)
    // What the rewrite did, for the access log of every hit.
    bool injector_fallback = false;
    std::uint32_t meta_csp_amended = 0;
    std::uint32_t meta_csp_untouched = 0;

    /// Bytes charged against cache.max_bytes.
    std::size_t charge() const noexcept;
};

/// SHA-256 of `bytes` (32 raw bytes): stands for an origin body that came without validators.
std::string body_digest(std::string_view bytes);

class variant_cache {
public:
    struct figures {
        std::uint64_t entries = 0;
        std::uint64_t bytes = 0;     // charged, never above the bound
        std::uint64_t evictions = 0; // entries dropped to make room (not purges, not replaces)
        std::uint64_t max_bytes = 0;
    };

    explicit variant_cache(std::uint64_t max_bytes)
        : max_bytes_atomic_(max_bytes), max_bytes_(max_bytes) {}

    /// The entry under `key`, now the most recently used; nullptr when there is none.
    std::shared_ptr<const cached_variant> find(std::string_view key);
    /// Stores `v` under v->key (replacing an entry there), evicting the least recently used
    /// until it fits. false: it alone is larger than the bound and was not stored.
    bool store(std::shared_ptr<const cached_variant> v);
    /// Drops the entry under `key` if it is `v` (a reader found it outdated).
    void drop(std::string_view key, const cached_variant* v);
    /// Drops every entry whose url starts with `url_prefix` ("" = all); returns how many.
    std::size_t purge(std::string_view url_prefix);
    /// A new bound (a reload); evicts down to it.
    void resize(std::uint64_t max_bytes);
    figures current() const;

    /// Pages to be stored are read whole before they are sent: the bytes requests hold that
    /// way are bounded across all of them (a quarter of max_bytes, at least one max entry), so
    /// many readers of distinct large pages cannot make geogate hold each page at once.
    /// false: the budget is taken; the caller streams instead (and `n` is not held).
    bool hold_filling(std::uint64_t n, std::uint64_t max_entry_bytes) noexcept;
    void release_filling(std::uint64_t n) noexcept;

    /// Stored variants are compressed on one thread: at most this many wait or run there; a
    /// page beyond it is compressed at once at the streaming levels (an attacker asking for
    /// many distinct pages costs 1-2 ms each, not a queue of 50 ms brotli jobs).
    static constexpr unsigned max_queued_compressions = 4;
    bool begin_compression() noexcept;
    void end_compression() noexcept;

private:
    using lru_list = std::list<std::shared_ptr<const cached_variant>>;
    void erase_locked(lru_list::iterator it);
    void evict_locked(std::uint64_t need);

    mutable std::mutex mutex_;
    std::atomic<std::uint64_t> max_bytes_atomic_{0}; // for hold_filling, without the lock
    std::atomic<std::uint64_t> filling_{0};
    std::atomic<unsigned> compressions_{0};
    std::uint64_t max_bytes_;
    std::uint64_t bytes_ = 0;
    std::uint64_t evictions_ = 0;
    lru_list lru_; // front: most recently used
    // Keys view the entries' own key strings, which live as long as the node.
    std::unordered_map<std::string_view, lru_list::iterator> index_;
};

} // namespace geogate
