#pragma once
// An origin response relayed to the reader, once its head is in: the response head fixed
// (notice rewrite, region cache policy, HSTS), the body read from the origin and written
// through the sink, through the notice transform when the decision says so. A length-delimited
// body is read straight from the socket (up to large_body_chunk for a reader that keeps up);
// any other goes through Beast's parser. What goes wrong before anything reached the reader
// is returned as a value: the exchange answers it (docs/request-flow.md, "relay").
#include "proxy/config/config.hpp"
#include "proxy/http/net.hpp"
#include "proxy/notice/notice_plan.hpp"
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

/// What the relay needs of the request: all of it outlives run().
struct relay_request {
    const config& cfg;
    metrics& stats;
    bool tls_reader; // the reader came over TLS (HSTS)
    const rules::rule* rule;
    const notice_plan& notice;
    const http::request_header<>& head;
};

class response_relay {
public:
    response_relay(const relay_request& req, http::response_parser<http::buffer_body>& res,
                   upstream_connection& up, response_sink& sink, body_buffer& buf,
                   request_record& rec) noexcept
        : req_(req), res_(res), up_(up), sink_(sink), buf_(buf), rec_(rec) {}

    awaitable<relay_result> run();

private:
    /// The transform failed or the origin did after part of the body went out: what the
    /// transform still owes the reader (the notice) goes out, and no end of body.
    awaitable<void> abandon(body_transform& transform, const client_response_plan& plan);

    const relay_request& req_;
    http::response_parser<http::buffer_body>& res_;
    upstream_connection& up_;
    response_sink& sink_;
    body_buffer& buf_;
    request_record& rec_;
};

} // namespace geogate
