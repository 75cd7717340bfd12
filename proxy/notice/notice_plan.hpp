#pragma once
// The notice a notice or block decision serves one reader: chosen once, when the request is
// classified (proxy/exchange/classify.hpp), and carried unchanged to the request sent to the
// origin, the rewrite of its response and the 451 page.
#include "proxy/html/content_coding.hpp"

namespace geogate {

namespace notices {
struct notice_text;
}

struct notice_plan {
    /// In the reader's language (Accept-Language). nullptr: no servable text, which a loaded
    /// snapshot never has for a notice rule; a notice decision then fails closed.
    const notices::notice_text* text = nullptr;
    /// The one coding the reader gets a rewritten page in (Accept-Encoding).
    html::coding coding = html::coding::identity;
    /// The coding asked of the origin (html::choose_origin_coding): identity for a navigation,
    /// else `coding`. A stored variant is keyed on it too: the origin's representations differ.
    html::coding origin_coding = html::coding::identity;
};

} // namespace geogate
