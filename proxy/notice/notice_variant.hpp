#pragma once
// Which representation a notice reader gets of a page: the notice (id, version, language), the
// rule's position, the reader's coding and how hard it was compressed. Each such
// representation has its own strong ETag (RFC 9110 8.8.3: one tag, one sequence of bytes): the
// origin's tag with "-gg<tag>" appended, where the tag is "<version>.<8 hex>" and the hex names
// all of the above. A rewrite that streams (compression.*) and one that is stored in the
// variant cache (cache.variant_*) differ in level, so in tag; for identity they are one.
#include "proxy/config/config.hpp"
#include "proxy/html/content_coding.hpp"
#include "proxy/notice/notice_plan.hpp"
#include "rules/rule_set.hpp"

#include <string>
#include <string_view>

namespace geogate {

struct notice_variant {
    html::compression_levels streamed_levels;
    html::compression_levels stored_levels;
    std::string streamed_tag;
    std::string stored_tag;
};

/// The variant of a notice reader's request (notice.text is not null).
notice_variant make_notice_variant(const notice_plan& notice, rules::notice_position position,
                                   const config& cfg);

/// The variant cache key: everything a stored variant's bytes depend on besides the origin's
/// representation (which the entry's validators or digest stand for).
std::string variant_key(std::string_view host, std::string_view target, const notice_plan& notice,
                        rules::notice_position position);

} // namespace geogate
