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

// Source expressions (whole tokens, as a browser reads them) equal to 'unsafe-inline'. A
// malformed token that merely contains the text (e.g. 'x'unsafe-inline') grants nothing, and
// copying default-src's sources into a new style-src may legitimately repeat it.
std::size_t unsafe_inline_tokens(std::string_view policy) {
    std::size_t n = 0;
    std::size_t i = 0;
    while (i < policy.size()) {
        const auto end = policy.find_first_of(" \t\n\f\r;,", i);
        const auto token = policy.substr(i, end == std::string_view::npos ? end : end - i);
        if (token.size() == 15) {
            std::string lower(token);
            for (auto& c : lower)
                c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
            n += lower == "'unsafe-inline'";
        }
        if (end == std::string_view::npos)
            break;
        i = end + 1;
    }
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
    if (unsafe_inline_tokens(*after) != unsafe_inline_tokens(*before))
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
