// variant_cache: find/store/replace, least-recently-used eviction under a byte bound that
// holds under a flood, purge by URL prefix, resize.
#include "proxy/cache/variant_cache.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <string>

using namespace geogate;

namespace {

std::shared_ptr<const cached_variant> entry(const std::string& key, const std::string& url,
                                            std::size_t body_bytes, char fill = 'x') {
    auto v = std::make_shared<cached_variant>();
    v->key = key;
    v->url = url;
    v->head.result(http::status::ok);
    v->head.set(http::field::content_type, "text/html; charset=utf-8");
    v->body.assign(body_bytes, fill);
    v->etag = "\"o1\"";
    v->variant_etag = "\"o1-gg1.0badcafe\"";
    return v;
}

} // namespace

TEST_CASE("variant_cache: a stored entry is found under its key, replaced by a newer one") {
    variant_cache c(1 << 20);
    CHECK(c.find("k") == nullptr);
    auto a = entry("k", "news.example/a", 1000, 'a');
    REQUIRE(c.store(a));
    auto found = c.find("k");
    REQUIRE(found);
    CHECK(found->body == std::string(1000, 'a'));
    CHECK(c.find("k2") == nullptr);
    CHECK(c.current().entries == 1);
    CHECK(c.current().bytes == a->charge());

    auto b = entry("k", "news.example/a", 3000, 'b');
    REQUIRE(c.store(b));
    CHECK(c.find("k")->body == std::string(3000, 'b'));
    const auto f = c.current();
    CHECK(f.entries == 1);
    CHECK(f.bytes == b->charge());
    CHECK(f.evictions == 0); // a replacement is not an eviction
}

TEST_CASE("variant_cache: an entry is charged its body, head, key and an overhead") {
    auto small = entry("k", "u", 0);
    auto big = entry("k", "u", 10000);
    CHECK(big->charge() - small->charge() == 10000);
    CHECK(small->charge() > small->key.size() + small->url.size()); // never free
}

TEST_CASE("variant_cache: the least recently used entry goes first; a find makes it recent") {
    const auto a = entry("a", "s/a", 1000), b = entry("b", "s/b", 1000),
               c = entry("c", "s/c", 1000);
    // Room for three entries, not four.
    variant_cache cache(a->charge() * 3 + a->charge() / 2);
    REQUIRE(cache.store(a));
    REQUIRE(cache.store(b));
    REQUIRE(cache.store(c));
    REQUIRE(cache.find("a")); // now b is the least recently used
    REQUIRE(cache.store(entry("d", "s/d", 1000)));
    CHECK(cache.find("b") == nullptr);
    CHECK(cache.find("a"));
    CHECK(cache.find("c"));
    CHECK(cache.find("d"));
    CHECK(cache.current().evictions == 1);
    CHECK(cache.current().entries == 3);
}

TEST_CASE("variant_cache: the byte bound holds under a flood of 10,000 distinct pages") {
    constexpr std::uint64_t bound = 4 << 20;
    variant_cache cache(bound);
    std::mt19937 rng(16);
    std::uniform_int_distribution<std::size_t> size(0, 200 * 1024);
    constexpr int n = 10000;
    std::vector<std::uint64_t> charges;
    for (int i = 0; i < n; ++i) {
        auto v = entry("k" + std::to_string(i), "site.test/p" + std::to_string(i), size(rng));
        charges.push_back(v->charge());
        REQUIRE(cache.store(v)); // each one alone fits
        REQUIRE(cache.current().bytes <= bound);
    }
    const auto f = cache.current();
    CHECK(f.max_bytes == bound);
    CHECK(f.entries > 10);
    CHECK(f.evictions == n - f.entries); // every page that is gone was evicted
    // The survivors are the newest pages, and the bytes are exactly theirs.
    std::uint64_t sum = 0;
    for (int i = n - 1; i >= 0 && sum + charges[i] <= f.bytes; --i) {
        CHECK(cache.find("k" + std::to_string(i)));
        sum += charges[i];
    }
    CHECK(sum == f.bytes);
    CHECK(cache.find("k0") == nullptr);
}

TEST_CASE("variant_cache: an entry larger than the bound is refused, and nothing is evicted") {
    auto small = entry("small", "s/small", 100);
    variant_cache cache(small->charge() + 4096);
    REQUIRE(cache.store(small));
    CHECK_FALSE(cache.store(entry("huge", "s/huge", 8192)));
    CHECK(cache.find("huge") == nullptr);
    CHECK(cache.find("small"));
    CHECK(cache.current().evictions == 0);
    CHECK(cache.current().bytes == small->charge());
    // Too large to replace an entry: the outdated one does not stay behind.
    CHECK_FALSE(cache.store(entry("small", "s/small", 8192)));
    CHECK(cache.find("small") == nullptr);
    CHECK(cache.current().bytes == 0);
}

TEST_CASE("variant_cache: purge by URL prefix, and purge of everything") {
    variant_cache cache(1 << 20);
    for (const auto& [key, url] :
         std::vector<std::pair<std::string, std::string>>{{"w1-gzip", "news.example/world/a.html"},
                                                          {"w1-br", "news.example/world/a.html"},
                                                          {"w2", "news.example/world/b.html?x=1"},
                                                          {"sport", "news.example/sport/x.html"},
                                                          {"worldwide", "news.example/worldwide/"},
                                                          {"other", "other.example/world/a.html"}})
        REQUIRE(cache.store(entry(key, url, 100)));
    CHECK(cache.purge("news.example/world/") == 3);
    CHECK(cache.find("w1-gzip") == nullptr);
    CHECK(cache.find("w2") == nullptr);
    CHECK(cache.find("worldwide"));
    CHECK(cache.purge("nothing.example/") == 0);
    CHECK(cache.current().entries == 3);
    CHECK(cache.current().evictions == 0); // a purge is not an eviction
    CHECK(cache.purge("") == 3);
    const auto f = cache.current();
    CHECK(f.entries == 0);
    CHECK(f.bytes == 0);
    CHECK(cache.purge("") == 0);
}

TEST_CASE("variant_cache: drop removes only the entry the reader found") {
    variant_cache cache(1 << 20);
    auto old = entry("k", "s/k", 100);
    REQUIRE(cache.store(old));
    auto newer = entry("k", "s/k", 200);
    REQUIRE(cache.store(newer));
    cache.drop("k", old.get()); // a reader of the old one is late: the newer one stays
    CHECK(cache.find("k") == newer);
    cache.drop("k", newer.get());
    CHECK(cache.find("k") == nullptr);
    CHECK(cache.current().bytes == 0);
}

TEST_CASE("variant_cache: resize evicts the least recently used down to the new bound") {
    const auto one = entry("x", "s/x", 1000)->charge();
    variant_cache cache(one * 10);
    for (int i = 0; i < 10; ++i)
        REQUIRE(cache.store(entry(std::to_string(i), "s/" + std::to_string(i), 1000)));
    REQUIRE(cache.find("0")); // recent again
    cache.resize(one * 4);
    const auto f = cache.current();
    CHECK(f.max_bytes == one * 4);
    CHECK(f.entries == 4);
    CHECK(f.bytes <= one * 4);
    CHECK(f.evictions == 6);
    CHECK(cache.find("0"));
    CHECK(cache.find("9"));
    CHECK(cache.find("1") == nullptr);
    cache.resize(0); // cache.max_bytes = 0: nothing is kept
    CHECK(cache.current().entries == 0);
    CHECK_FALSE(cache.store(entry("y", "s/y", 0)));
}

TEST_CASE("variant_cache: pages read whole share one budget, a quarter of max_bytes") {
    variant_cache cache(400'000); // budget 100,000 (max entry below it)
    REQUIRE(cache.hold_filling(60'000, 50'000));
    REQUIRE(cache.hold_filling(40'000, 50'000)); // exactly the budget
    CHECK_FALSE(cache.hold_filling(1, 50'000));  // that reader streams instead
    cache.release_filling(40'000);
    CHECK(cache.hold_filling(40'000, 50'000));
    cache.release_filling(100'000);
    // At least one largest page always fits, whatever max_bytes says.
    variant_cache small(1000);
    CHECK(small.hold_filling(8'000, 8'000));
    CHECK_FALSE(small.hold_filling(1, 8'000));
}

TEST_CASE("variant_cache: at most max_queued_compressions wait for the compression thread") {
    variant_cache cache(1000);
    for (unsigned i = 0; i < variant_cache::max_queued_compressions; ++i)
        REQUIRE(cache.begin_compression());
    CHECK_FALSE(cache.begin_compression()); // compressed at the streaming levels instead
    cache.end_compression();
    CHECK(cache.begin_compression());
}
