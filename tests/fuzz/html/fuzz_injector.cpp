// Split invariance: the injector's output for the page fed in pieces equals its output for
// the page in one piece, the fragment is inserted exactly once, and held bytes stay bounded.
// Input: byte 0 = position and max_held, byte 1 = number of cuts, then 2 bytes per cut, then
// the page.
#include "proxy/html/injector.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr std::string_view frag = "\x01<div id=n>N</div>\x01";

std::string run(std::string_view page, const std::vector<std::size_t>& cuts,
                geogate::html::position where, std::size_t max_held) {
    geogate::html::injector inj{std::string(frag), where, max_held};
    std::string text;
    std::vector<std::string_view> out;
    std::size_t from = 0;
    auto take = [&] {
        for (auto v : out)
            text.append(v);
        out.clear();
    };
    for (std::size_t cut : cuts) {
        inj.feed(page.substr(from, cut - from), out);
        take();
        if (inj.held() > std::max<std::size_t>(max_held, 64))
            std::abort();
        from = cut;
    }
    inj.feed(page.substr(from), out);
    take();
    inj.finish(out);
    take();
    if (!inj.inserted())
        std::abort();
    return text;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    const auto where =
        (data[0] & 1) ? geogate::html::position::body_end : geogate::html::position::body_start;
    const std::size_t max_held = 64 + (data[0] >> 1);
    std::size_t ncuts = data[1] % 16;
    std::size_t pos = 2;
    std::vector<std::uint16_t> raw;
    while (ncuts-- > 0 && pos + 2 <= size) {
        raw.push_back(static_cast<std::uint16_t>(data[pos] | (data[pos + 1] << 8)));
        pos += 2;
    }
    const std::string_view page(reinterpret_cast<const char*>(data + pos), size - pos);
    std::vector<std::size_t> cuts;
    for (auto r : raw)
        cuts.push_back(page.empty() ? 0 : r % (page.size() + 1));
    std::sort(cuts.begin(), cuts.end());

    const std::string whole = run(page, {}, where, max_held);
    if (run(page, cuts, where, max_held) != whole)
        std::abort();
    std::vector<std::size_t> ones;
    for (std::size_t k = 1; k < page.size() && page.size() < 512; ++k)
        ones.push_back(k);
    if (run(page, ones, where, max_held) != whole)
        std::abort();
    // apart from the fragment the page is byte-identical
    if (whole.size() != page.size() + frag.size())
        std::abort();
    const auto at = whole.find(frag);
    std::string back;
    bool ok = false;
    for (auto p = at; p != std::string::npos; p = whole.find(frag, p + 1)) {
        back = whole;
        back.erase(p, frag.size());
        ok = ok || back == page;
    }
    if (!ok)
        std::abort();
    return 0;
}
