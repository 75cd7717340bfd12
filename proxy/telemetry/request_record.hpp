#pragma once
// What one request did, filled in as it goes and handed to the access log and metrics at the
// end. Every request reaches that step, whatever happened to it.
#include "geoip/location.hpp"
#include "rules/rule_set.hpp"

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace geogate {

/// The protocol the reader's request came in (access log "protocol", metrics by protocol).
enum class client_protocol : std::uint8_t { http1, http2 };

struct request_record {
    std::chrono::steady_clock::time_point start;
    client_protocol protocol = client_protocol::http1;
    std::chrono::system_clock::time_point wall_start;
    std::string method;
    std::string host;
    std::string path;
    std::string query;
    std::optional<boost::asio::ip::address> client; // the resolved client address
    geoip::location where;
    rules::action decision = rules::action::pass;
    std::string rule; // "" when no rule matched
    std::string notice_id;
    std::string notice_lang;
    std::string notice_version;
    std::string mirror;
    unsigned status = 0; // what the client got (0: connection closed before a status)
    unsigned upstream_status = 0;
    std::uint64_t bytes_in = 0;                 // request body bytes
    std::uint64_t bytes_out = 0;                // response bytes written, head included
    std::chrono::microseconds upstream_time{0}; // until the upstream response head
    bool injected = false;
    bool injector_fallback = false; // no real body tag: fragment at the fallback place
    // Notice decision, but a document geogate cannot rewrite ("coding", "charset", "xml",
    // "decode_error"): the reader got the on_unrewritable answer instead. "" = none.
    std::string_view unrewritable;
    bool aborted = false; // response cut short (client or upstream failure)
    bool local = false;   // answered by geogate (redirect, block, error)
    bool region_dependent =
        false; // another region could get a different response: not shared-cacheable
    // <meta http-equiv="Content-Security-Policy"> tags before the notice that got our style's
    // hash, and <meta> tags left as they were (longer than the injector's bound, or a policy
    // with a character reference it does not resolve exactly).
    std::uint32_t meta_csp_amended = 0;
    std::uint32_t meta_csp_untouched = 0;
    // The notice variant cache (proxy/cache/variant_cache.hpp), for notice requests forwarded
    // to the origin: "hit", "miss" or "bypass"; "" for every other request.
    std::string_view cache;
    // hit: "not_modified" (the origin's 304) or "digest" (its 200 had the entry's bytes).
    // miss: "absent" (no entry), "changed" (the origin sent another representation), or why
    // the response could not be stored ("status", "no_store", "private", "set_cookie",
    // "partial", "vary", "untyped", "too_large", "unrewritable", "incomplete", "busy": the
    // bytes that requests may hold while pages are read whole were all taken).
    // bypass: "off", "method", "authorization", "no_store".
    std::string_view cache_reason;
    bool cache_revalidated = false; // an entry's validators went to the origin
    bool cache_stored = false;      // this response is now the entry of its variant
};

} // namespace geogate
