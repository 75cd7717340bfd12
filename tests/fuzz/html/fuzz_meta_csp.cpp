// One meta tag rewrite on arbitrary bytes: never crashes; an amended tag differs from the
// input only in its content attribute, whose decoded value is exactly the policy amendment of
// the old one (never a new 'unsafe-inline'), and which the browser reads back as written;
// escaping round-trips through the decoder.
// Input: byte 0 bit 0 = our <style> carries nonce "n0nce"; then the tag's bytes after "<meta ".
#include "proxy/html/csp.hpp"
#include "proxy/html/meta_csp.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

constexpr std::string_view hash = "'sha256-FuZz='";

std::size_t occurrences(std::string_view s, std::string_view what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string_view::npos; p = s.find(what, p + 1))
        ++n;
    return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace geogate::html;
    if (size < 1)
        return 0;
    const std::string nonce = (data[0] & 1) ? "n0nce" : "";
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

    // escape -> decode is the identity (no NUL: the browser replaces it)
    if (rest.find('\0') == std::string_view::npos) {
        const auto back = decode_attribute_value(escape_attribute_value(rest));
        if (!back || *back != rest)
            std::abort();
    }

    const std::string tag = "<meta " + std::string(rest);
    std::string out;
    const auto r = rewrite_meta_csp(tag, hash, nonce, out);
    if (r != meta_csp_result::amended)
        return 0;
    const auto raw = raw_attribute(tag, "content");
    const auto raw_out = raw_attribute(out, "content");
    if (!raw || !raw_out || raw_attribute(out, "http-equiv") != raw_attribute(tag, "http-equiv"))
        std::abort();
    const auto before = decode_attribute_value(*raw);
    const auto after = decode_attribute_value(*raw_out);
    if (!before || !after)
        std::abort();
    if (amend_meta_csp_for_style(*before, hash, nonce) != *after)
        std::abort();
    if (occurrences(*after, "'unsafe-inline'") != occurrences(*before, "'unsafe-inline'"))
        std::abort();
    // bytes outside the old value and its quotes are kept
    const std::size_t vb = static_cast<std::size_t>(raw->data() - tag.data());
    const std::size_t ve = vb + raw->size();
    const std::size_t head = vb > 0 ? vb - 1 : 0;
    const std::size_t tail = ve + 1 < tag.size() ? tag.size() - ve - 1 : 0;
    if (out.compare(0, head, tag, 0, head) != 0 ||
        out.compare(out.size() - tail, tail, tag, tag.size() - tail, tail) != 0)
        std::abort();
    // and the rewritten tag is still the same pragma
    std::string again;
    if (rewrite_meta_csp(out, hash, nonce, again) == meta_csp_result::not_csp)
        std::abort();
    return 0;
}
