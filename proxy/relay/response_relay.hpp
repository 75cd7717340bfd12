#pragma once
// An origin response relayed to the reader, once its head is in: the response head fixed
// (notice rewrite, region cache policy, HSTS), the body read from the origin and written
// through the sink, through the notice transform when the decision says so. A length-delimited
// body is read straight from the socket (up to large_body_chunk for a reader that keeps up);
// any other goes through Beast's parser. What goes wrong before anything reached the reader
// is returned as a value: the exchange answers it (docs/request-flow.md, "relay").
#include "proxy/cache/variant_cache.hpp"
#include "proxy/config/config.hpp"
#include "proxy/http/net.hpp"
#include "proxy/notice/notice_plan.hpp"
#include "proxy/notice/notice_variant.hpp"
#include "proxy/relay/body_buffers.hpp"
#include "proxy/relay/response_sink.hpp"
#include "proxy/runtime/upstream_pool.hpp"
#include "proxy/telemetry/request_record.hpp"
#include "rules/rule_set.hpp"

namespace geogate {

class metrics;
class body_transform;

enum class relay_end : std::uint8_t {
    complete,      // the whole response went out
    cut,           // part of it went out (or the reader left): both connections are done
    unrewritable,  // a notice reader's document geogate cannot rewrite; nothing went out
    origin_failed, // the origin failed before anything went out (origin_error says how)
};

struct relay_result {
    relay_end end = relay_end::complete;
    bool keep_client = false; // complete, and the reader's connection can go on
    bool reusable = false;    // complete, and the origin connection can go back to the pool
    error_code origin_error;  // origin_failed
};

/// The variant cache's part in one notice request (docs/operations.md, "Notice variant cache"):
/// filled by the exchange, which sent `entry`'s validators to the origin.
struct variant_lookup {
    variant_cache& cache;
    std::string key;                             // notice_variant.hpp, variant_key()
    std::string url;                             // host + origin-form target (purge prefixes)
    std::shared_ptr<const cached_variant> entry; // null: none yet
};

/// A place on the compression thread (variant_cache::begin_compression), given back once the
/// page is compressed, or when the request ends first.
class compression_slot {
public:
    compression_slot() = default;
    compression_slot(const compression_slot&) = delete;
    compression_slot& operator=(const compression_slot&) = delete;
    ~compression_slot() { give_back(); }
    bool take(variant_cache& cache) noexcept;
    void give_back() noexcept;
    explicit operator bool() const noexcept { return cache_ != nullptr; }

private:
    variant_cache* cache_ = nullptr;
};

/// Bytes of a page read whole, held against variant_cache::hold_filling's budget until the
/// request ends (or release()).
class filling_hold {
public:
    filling_hold() = default;
    filling_hold(const filling_hold&) = delete;
    filling_hold& operator=(const filling_hold&) = delete;
    ~filling_hold() { release(); }
    bool add(variant_cache& cache, std::uint64_t n, std::uint64_t max_entry) noexcept;
    void release() noexcept;

private:
    variant_cache* cache_ = nullptr;
    std::uint64_t bytes_ = 0;
};

/// What the relay needs of the request: all of it outlives run().
struct relay_request {
    const config& cfg;
    metrics& stats;
    bool tls_reader; // the reader came over TLS (HSTS)
    const rules::rule* rule;
    const notice_plan& notice;
    const notice_variant& variant; // a notice decision's representation (tags, levels)
    const http::request_header<>& head;
    variant_lookup* lookup; // null: the cache takes no part (not a notice request, bypass)
    net::thread_pool* compression = nullptr; // where a stored variant is compressed
};

class response_relay {
public:
    response_relay(const relay_request& req, http::response_parser<http::buffer_body>& res,
                   upstream_connection& up, response_sink& sink, body_buffer& buf,
                   request_record& rec) noexcept
        : req_(req), res_(res), up_(up), sink_(sink), buf_(buf), rec_(rec) {}

    awaitable<relay_result> run();

private:
    /// A piece of the origin's body: `data` is valid until the next read; `consume_after`
    /// bytes of up_.buffer go once it is used.
    struct body_piece {
        std::string_view data;
        std::size_t consume_after = 0;
        bool done = false;
        error_code ec;
    };
    awaitable<body_piece> read_piece(bool large);

    /// A stored response's page: the whole origin body was read into `raw` (at most
    /// cache.max_entry_bytes), rewritten at once, sent with its length and stored.
    awaitable<relay_result> rewrite_whole(body_transform& transform, client_response_plan& plan,
                                          const client_response_plan& rewrite, std::string raw,
                                          compression_slot& slot);

    /// The stored variant, which the origin just confirmed (`via`: "not_modified", "digest").
    awaitable<relay_result> serve_stored(const cached_variant& v, std::string_view via);

    /// Region cache policy and HSTS, the same for every response.
    void finish_plan(const http::response_header<>& head, client_response_plan& plan);

    /// The transform failed or the origin did after part of the body went out: what the
    /// transform still owes the reader (the notice) goes out, and no end of body.
    awaitable<void> abandon(body_transform& transform, const client_response_plan& plan);

    const relay_request& req_;
    http::response_parser<http::buffer_body>& res_;
    upstream_connection& up_;
    response_sink& sink_;
    body_buffer& buf_;
    request_record& rec_;
    bool raw_ = false;            // a length-delimited body, read from the socket directly
    std::uint64_t remaining_ = 0; // of it
};

} // namespace geogate
