// decide() with 1,000 rules (target: median <= 200 ns per decision). The rule set mixes
// countries, subdivisions, sets, tokens, hosts and paths; the requests cycle through readers
// that match early, late and never. Rules are built deterministically in memory.
#include "rules/decide.hpp"
#include "rules/rule_loader.hpp"

#include <benchmark/benchmark.h>
#include <cstdio>
#include <random>

using namespace geogate;
using namespace geogate::rules;

namespace {

std::string two_letters(unsigned i) {
    return {char('A' + (i / 26) % 26), char('A' + i % 26)};
}

rule_set make_rules(std::size_t count) {
    std::mt19937 rng(7);
    std::string text = "[regions]\noccupied = [\"UA-43\", \"UA-40\", \"UA-14\"]\n";
    for (std::size_t i = 0; i < count; ++i) {
        text += "[[rule]]\nname = \"r" + std::to_string(i) + "\"\nregions = [\"" +
                two_letters(rng() % 676) + "\", \"" + two_letters(rng() % 676) + "-" +
                std::to_string(rng() % 90 + 10) + "\"]\n";
        if (i % 3 == 0)
            text += "hosts = [\"*.site" + std::to_string(i % 7) + ".example\"]\n";
        text += "paths = [\"/section" + std::to_string(i % 11) + "\"]\naction = \"pass\"\n";
    }
    text += "[[rule]]\nname = \"occupied\"\nregions = [\"RU\", \"@occupied\"]\naction = "
            "\"notice\"\nnotice = \"n\"\n";
    text += "[[rule]]\nname = \"last\"\nregions = [\"*\"]\nexcept_regions = [\"tor\"]\n"
            "paths = [\"/never\"]\naction = \"pass\"\n";
    diagnostics d;
    auto rs = load_rule_texts({{"bench.toml", text}}, {}, d);
    if (!rs) {
        for (auto& x : d)
            std::fprintf(stderr, "%s\n", x.to_string().c_str());
        std::abort();
    }
    return std::move(*rs);
}

std::vector<geoip::location> readers() {
    std::vector<geoip::location> v;
    const char* countries[] = {"RU", "DE", "UA", "US", "IR", "CN", "FR", "BR"};
    for (int i = 0; i < 64; ++i) {
        geoip::location l;
        l.has_address = true;
        l.found = i % 16 != 15;
        if (l.found) {
            l.country = countries[i % 8];
            if (i % 4 == 0)
                l.add_subdivision(std::string(countries[(i / 4) % 8]) + "-" +
                                  std::to_string(i % 90 + 10));
            if (i % 8 == 2)
                l.add_subdivision("UA-43");
        }
        l.anonymizer.tor = i % 13 == 0;
        v.push_back(l);
    }
    return v;
}

void bm_decide(benchmark::State& state, bool indexed) {
    auto rs = make_rules(static_cast<std::size_t>(state.range(0)));
    if (!indexed)
        rs.index = {};
    auto who = readers();
    const char* paths[] = {"/section3/article", "/never/x", "/", "/section10"};
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& w = who[i % who.size()];
        request_view req{"GET", "www.site3.example", paths[i % 4], "Mozilla/5.0", i};
        benchmark::DoNotOptimize(decide(req, w, rs));
        ++i;
    }
}

} // namespace

BENCHMARK_CAPTURE(bm_decide, indexed, true)->Arg(1000)->Arg(10000);
BENCHMARK_CAPTURE(bm_decide, linear_scan, false)->Arg(1000);
BENCHMARK_MAIN();
