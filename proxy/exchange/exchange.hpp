#pragma once
// One request, whatever protocol carried it: classify it (proxy/exchange/classify.hpp), answer
// locally (redirect, block, errors: local_answer.hpp, error_page.hpp) or forward it to the
// origin (a pooled connection, the request head and body, the response head, one retry on a
// fresh connection when a pooled one turns out dead) and hand the response to the relay
// (proxy/relay/response_relay.hpp). The client codec owns the connection and implements the
// two ends the exchange talks to: request_body_source and response_sink. The exchange never
// sees the reader's socket, framing or connection semantics; the origin side is HTTP/1.1.
#include "proxy/exchange/classify.hpp"
#include "proxy/exchange/request_body_source.hpp"
#include "proxy/http/net.hpp"
#include "proxy/relay/body_buffers.hpp"
#include "proxy/relay/response_sink.hpp"
#include "proxy/runtime/upstream_pool.hpp"
#include "proxy/runtime/worker.hpp"
#include "proxy/telemetry/request_record.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace geogate {

/// The reader's side of one exchange, as its codec knows it. Everything outlives the exchange.
struct exchange_client {
    const tcp::endpoint& peer;
    std::string_view peer_text; // the peer's address as text (X-Forwarded-For)
    bool tls;                   // the reader came over TLS
    bool upgrade_requested;     // the head asks for a protocol switch
    request_body_source& body;
    response_sink& sink;
    body_buffer& buffer; // lent by the codec for relaying the response body
};

struct exchange_outcome {
    bool keep = false; // the reader's connection can serve another request
    /// A WebSocket 101 went out: the codec tunnels between the reader and this connection.
    std::unique_ptr<upstream_connection> tunnel;
};

class exchange {
public:
    /// `req`, `snap` and `rec` outlive the exchange (the codec's request frame holds them).
    exchange(worker& w, const snapshot& snap, const http::request_header<>& req,
             const exchange_client& client, request_record& rec) noexcept
        : worker_(w), snap_(snap), req_(req), client_(client), rec_(rec) {}
    exchange(const exchange&) = delete;
    exchange& operator=(const exchange&) = delete;

    /// Runs the request to its end; the outcome is then in outcome(). The record is filled in
    /// but not finished (request_scope). Never throws on the data path.
    awaitable<void> run();
    exchange_outcome& outcome() noexcept { return outcome_; }

private:
    awaitable<void> forward();
    awaitable<bool> send_body_upstream(std::string_view prefetched, upstream_connection& up);
    /// A response geogate answers itself (rec.local), then `keep` or not.
    awaitable<void> answer(std::string response, unsigned status, bool keep);
    /// The origin failed before anything reached the reader: 504 when it timed out, else 502.
    awaitable<void> answer_origin_failure(const error_code& ec);
    /// The notices.on_unrewritable answer (error page or notice page), logged; nothing of the
    /// origin's response went out.
    awaitable<void> answer_unrewritable();

    worker& worker_;
    const snapshot& snap_;
    const http::request_header<>& req_;
    const exchange_client& client_;
    request_record& rec_;
    classification cls_;
    exchange_outcome outcome_;
};

} // namespace geogate
