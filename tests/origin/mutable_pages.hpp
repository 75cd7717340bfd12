#pragma once
// Pages whose content and validators a test changes while geogate runs (the notice variant
// cache's tests): /_set stores a page, /mutable/<name> serves it, conditionally, and /_served
// counts what was sent for it, so a test can tell a 304 from a full body at the origin.
// Thread-safe: the origin serves each connection on its own thread.
#include "tests/origin/origin_io.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace geogate::test {

class mutable_pages {
public:
    /// GET /_set?name=...: stores the page the query describes (origin_server.hpp); the answer
    /// is a whole response ("stored <name>\n").
    std::string set(const origin_request& req, bool keep_alive);
    /// GET|HEAD /mutable/<name>: the page (200), a 304 for a matching conditional, or a 404.
    std::string serve(const origin_request& req, bool keep_alive);
    /// GET /_served?name=...: `full N\nnot_modified N\nhead N\n` then the last conditionals
    /// received for it: `if_none_match V\nif_modified_since V\n` ("" when absent).
    std::string served(const origin_request& req, bool keep_alive);

private:
    struct page {
        std::string body;
        std::string type; // "" = no Content-Type
        std::string etag, last_modified, cache_control, set_cookie, vary;
        // gzip=negotiate: gzip for a request whose Accept-Encoding names it, with its own
        // ETag ("v1" becomes "v1-gz", as Apache does) and Vary: Accept-Encoding.
        bool negotiate_gzip = false;
        std::uint64_t full = 0, not_modified = 0, head = 0;
        std::string last_inm, last_ims, last_coding;
    };

    std::mutex mutex_;
    std::map<std::string, page> pages_;
};

} // namespace geogate::test
