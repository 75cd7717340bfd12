#include "proxy/notice/notice_variant.hpp"

#include "rules/notices/notice_text.hpp"

#include <array>
#include <charconv>
#include <cstdint>

namespace geogate {
namespace {

// FNV-1a: the tag tells representations apart, it does not guard anything.
struct fnv1a {
    std::uint32_t h = 2166136261u;
    void add(std::string_view s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 16777619u;
        }
        h ^= 0xff; // a separator no text contains
        h *= 16777619u;
    }
};

// Everything a tag depends on but the compression level: hashed once for both of a
// variant's tags (one rewritten page's bytes, streamed or stored, differ only by the level).
fnv1a representation_hash(const notice_plan& notice, rules::notice_position position) {
    const auto& text = *notice.text;
    fnv1a f;
    f.add(text.notice_id);
    f.add(text.version);
    f.add(text.language);
    f.add(rules::to_string(position));
    f.add(html::to_string(notice.coding));
    return f;
}

std::string tag_for(fnv1a f, const notice_plan& notice, html::compression_levels levels) {
    int level = notice.coding == html::coding::gzip ? levels.gzip
                : notice.coding == html::coding::br ? levels.brotli
                                                    : 0; // identity: no level
    std::array<char, 12> digits_of_level;
    const auto printed = std::to_chars(digits_of_level.data(),
                                       digits_of_level.data() + digits_of_level.size(), level);
    f.add(std::string_view(digits_of_level.data(), printed.ptr - digits_of_level.data()));
    static constexpr char digits[] = "0123456789abcdef";
    const auto& version = notice.text->version;
    std::string tag;
    tag.reserve(version.size() + 9);
    tag += version;
    tag += '.';
    for (int shift = 28; shift >= 0; shift -= 4)
        tag += digits[(f.h >> shift) & 15];
    return tag;
}

} // namespace

notice_variant make_notice_variant(const notice_plan& notice, rules::notice_position position,
                                   const config& cfg) {
    notice_variant v;
    v.streamed_levels = {cfg.compression.gzip_level, cfg.compression.brotli_quality};
    v.stored_levels = {cfg.cache.variant_gzip_level, cfg.cache.variant_brotli_quality};
    const auto representation = representation_hash(notice, position);
    v.streamed_tag = tag_for(representation, notice, v.streamed_levels);
    v.stored_tag = tag_for(representation, notice, v.stored_levels);
    return v;
}

std::string variant_key(std::string_view host, std::string_view target, const notice_plan& notice,
                        rules::notice_position position) {
    const auto& text = *notice.text;
    std::string key;
    key.reserve(host.size() + target.size() + 64);
    for (std::string_view part :
         {host, target, std::string_view(text.notice_id), std::string_view(text.version),
          std::string_view(text.language), std::string_view(rules::to_string(position)),
          html::to_string(notice.coding), html::to_string(notice.origin_coding)}) {
        key += part;
        key += '\n'; // no part holds a newline (a target or Host with one never parses)
    }
    return key;
}

} // namespace geogate
