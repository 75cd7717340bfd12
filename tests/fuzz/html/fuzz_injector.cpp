// Split invariance: the injector's output for the page fed in pieces equals its output for
// the page in one piece, the fragment is inserted exactly once, and held bytes stay bounded;
// with meta CSP amendment on, the meta CSP counts are split-invariant too, and a page whose
// meta tags were not amended comes out as without it.
// Input: byte 0 = position and max_held, byte 1 = number of cuts (low 4 bits), meta CSP on
// (0x10), a nonce on our <style> (0x20), max_tag 64 instead of max_held (0x40); then 2 bytes
// per cut, then the page.
#include "proxy/html/injector.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr std::string_view frag = "\x01<div id=n>N</div>\x01";
constexpr std::string_view hash = "'sha256-FuZz='";

struct config {
    geogate::html::position where;
    std::size_t max_held;
    bool meta = false;
    std::string nonce;
    std::size_t max_tag = 0;
};

struct result {
    std::string text;
    geogate::html::meta_csp_counts meta;
};

bool same(const geogate::html::meta_csp_counts& a, const geogate::html::meta_csp_counts& b) {
    return a.amended == b.amended && a.unchanged == b.unchanged && a.undecodable == b.undecodable &&
           a.too_long == b.too_long;
}

std::size_t occurrences(std::string_view s, std::string_view what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string_view::npos; p = s.find(what, p + 1))
        ++n;
    return n;
}

result run(std::string_view page, const std::vector<std::size_t>& cuts, const config& c) {
    geogate::html::injector inj{std::string(frag), c.where, c.max_held};
    if (c.meta)
        inj.amend_meta_csp(std::string(hash), c.nonce, c.max_tag);
    result r;
    std::vector<std::string_view> out;
    std::size_t from = 0;
    auto take = [&] {
        for (auto v : out)
            r.text.append(v);
        out.clear();
    };
    for (std::size_t cut : cuts) {
        inj.feed(page.substr(from, cut - from), out);
        take();
        if (inj.held() > std::max<std::size_t>(c.max_held, 64))
            std::abort();
        from = cut;
    }
    inj.feed(page.substr(from), out);
    inj.finish(out); // must keep the last feed()'s views valid: read only now
    take();
    if (!inj.inserted())
        std::abort();
    r.meta = inj.meta_csp();
    return r;
}

// What end_of_document_closer() may put before a fragment appended at the very end: the bytes
// that end one construct, then "</template>"s.
bool is_closer(std::string_view c) {
    constexpr std::string_view tmpl = "</template>";
    while (c.size() >= tmpl.size() && c.substr(c.size() - tmpl.size()) == tmpl)
        c.remove_suffix(tmpl.size());
    if (c.empty() || c == "-->" || c == ">" || c == "]]>" || c == "\n--></script>" || c == "\">" ||
        c == "'>")
        return true;
    if (c.size() < 4 || c.substr(0, 2) != "</" || c.back() != '>')
        return false;
    for (char ch : c.substr(2, c.size() - 3))
        if (ch < 'a' || ch > 'z')
            return false;
    return true; // "</style>", "</textarea>", ...: a raw-text element's end tag
}

// apart from the fragment (and, when it is appended at the end, a closer before it) the page
// is byte-identical
void check_only_fragment_added(std::string_view page, const std::string& whole) {
    if (whole.size() > page.size() + frag.size() && whole.compare(0, page.size(), page) == 0 &&
        whole.compare(whole.size() - frag.size(), frag.size(), frag) == 0 &&
        is_closer(
            std::string_view(whole).substr(page.size(), whole.size() - page.size() - frag.size())))
        return;
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
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    config c;
    c.where =
        (data[0] & 1) ? geogate::html::position::body_end : geogate::html::position::body_start;
    c.max_held = 64 + (data[0] >> 1);
    c.meta = (data[1] & 0x10) != 0;
    if (data[1] & 0x20)
        c.nonce = "n0nce";
    c.max_tag = (data[1] & 0x40) ? 64 : c.max_held;
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

    const result whole = run(page, {}, c);
    const result split = run(page, cuts, c);
    if (split.text != whole.text || !same(split.meta, whole.meta))
        std::abort();
    std::vector<std::size_t> ones;
    for (std::size_t k = 1; k < page.size() && page.size() < 512; ++k)
        ones.push_back(k);
    const result bytewise = run(page, ones, c);
    if (bytewise.text != whole.text || !same(bytewise.meta, whole.meta))
        std::abort();

    if (!c.meta) {
        check_only_fragment_added(page, whole.text);
        return 0;
    }
    // Meta CSP on: without amended tags the output is the one without amendment; with them,
    // each amended tag carries our hash once more.
    config off = c;
    off.meta = false;
    const result plain = run(page, {}, off);
    check_only_fragment_added(page, plain.text);
    if (whole.meta.amended == 0) {
        if (whole.text != plain.text)
            std::abort();
    } else if (occurrences(whole.text, hash) < occurrences(page, hash) + whole.meta.amended) {
        std::abort();
    }
    return 0;
}
