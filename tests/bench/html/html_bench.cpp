// Injector throughput on the bench article in 16 KiB chunks, as the proxy runs it (meta CSP
// amendment on), the same page with a <meta http-equiv="Content-Security-Policy"> in its head
// (the tag rewritten), and the gzip path (decode + inject + encode).
// Run: build/tests/bench/html/geogate_bench_html
#include "proxy/html/content_coding.hpp"
#include "proxy/html/injector.hpp"

#include <benchmark/benchmark.h>
#include <cstdio>
#include <string>
#include <vector>

namespace {

std::string slurp(const char* path) {
    std::string s;
    if (std::FILE* f = std::fopen(path, "rb")) {
        char buf[65536];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
            s.append(buf, n);
        std::fclose(f);
    }
    return s;
}

const std::string& page() {
    static const std::string p = slurp(GEOGATE_BENCH_PAGE);
    return p;
}
const std::string& banner() {
    static const std::string b = slurp(GEOGATE_BANNER);
    return b;
}

// The bench article with a meta CSP right after its <meta charset>.
const std::string& page_with_meta_csp() {
    static const std::string p = [] {
        std::string s = page();
        const std::string charset = "<meta charset=\"utf-8\">";
        const auto at = s.find(charset);
        if (at != std::string::npos)
            s.insert(at + charset.size(),
                     "\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                     "'self'; img-src 'self' https://images.example.org; style-src 'self' "
                     "https://static.example.org; script-src 'self' 'nonce-abc123'; "
                     "base-uri 'none'\">");
        return s;
    }();
    return p;
}

constexpr std::size_t chunk = 16 * 1024;
// What the proxy passes: the hash of the notice's <style> (any valid source will do here).
const std::string style_hash = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

void inject(benchmark::State& state, geogate::html::position where,
            const std::string& text = page()) {
    const std::string_view p = text;
    std::vector<std::string_view> out;
    std::size_t sent = 0;
    for (auto _ : state) {
        geogate::html::injector inj{banner(), where};
        inj.amend_meta_csp(style_hash, "");
        for (std::size_t i = 0; i < p.size(); i += chunk) {
            out.clear();
            inj.feed(p.substr(i, chunk), out);
            for (auto v : out)
                sent += v.size();
        }
        out.clear();
        inj.finish(out);
        benchmark::DoNotOptimize(sent);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p.size()));
}

void BM_inject_body_start(benchmark::State& s) {
    inject(s, geogate::html::position::body_start);
}
void BM_inject_body_end(benchmark::State& s) {
    inject(s, geogate::html::position::body_end);
}
void BM_inject_body_start_meta_csp(benchmark::State& s) {
    inject(s, geogate::html::position::body_start, page_with_meta_csp());
}
void BM_inject_body_end_meta_csp(benchmark::State& s) {
    inject(s, geogate::html::position::body_end, page_with_meta_csp());
}

void BM_gzip_decode_inject_encode(benchmark::State& state) {
    using namespace geogate::html;
    std::string packed;
    {
        body_encoder enc{coding::gzip};
        enc.encode(page(), packed);
        enc.finish(packed);
    }
    const std::string_view z = packed;
    std::string plain, again;
    std::vector<std::string_view> out;
    for (auto _ : state) {
        body_decoder dec{coding::gzip};
        body_encoder enc{coding::gzip};
        injector inj{banner(), position::body_start};
        inj.amend_meta_csp(style_hash, "");
        again.clear();
        for (std::size_t i = 0; i < z.size(); i += chunk) {
            std::string_view in = z.substr(i, chunk);
            codec_status st;
            do {
                plain.clear();
                st = dec.decode(in, plain, 64 * 1024);
                out.clear();
                inj.feed(plain, out);
                for (auto v : out)
                    enc.encode(v, again);
            } while (st == codec_status::output_full);
        }
        out.clear();
        inj.finish(out);
        for (auto v : out)
            enc.encode(v, again);
        enc.finish(again);
        benchmark::DoNotOptimize(again.data());
    }
    // bytes of decoded page per second
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page().size()));
    state.counters["gzip_bytes"] = static_cast<double>(packed.size());
}

} // namespace

BENCHMARK(BM_inject_body_start);
BENCHMARK(BM_inject_body_end);
BENCHMARK(BM_inject_body_start_meta_csp);
BENCHMARK(BM_inject_body_end_meta_csp);
BENCHMARK(BM_gzip_decode_inject_encode);
BENCHMARK_MAIN();
