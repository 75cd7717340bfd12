#pragma once
// Where a response goes: the reader's side of one request, implemented by the client codec
// (proxy/connection/http1_connection.hpp today; an HTTP/2 stream next). The exchange and the
// relay say what to send; the codec decides how it is framed on its connection and owns the
// socket, its deadlines and its buffers.
#include "proxy/http/header_policy.hpp"
#include "proxy/http/net.hpp"
#include "proxy/telemetry/request_record.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace geogate {

class response_sink {
public:
    /// Whether the reader asked to keep its connection for another request.
    virtual bool keep_alive_requested() const noexcept = 0;

    /// How an origin response's body reaches the reader: sets plan.framing (content_length with
    /// plan.content_length when `length` is known, the codec's own framing otherwise) and
    /// plan.close. `no_body`: HEAD, 1xx, 204, 304. Returns whether the connection can serve
    /// another request after this response.
    virtual bool frame_response(client_response_plan& plan, bool no_body,
                                std::optional<std::uint64_t> length) = 0;

    /// Writes `pieces` of the body, after the head (`head` as `plan` says) when `head` is given
    /// (the first write of a response), then the end of the body when `last`. A response cut
    /// short writes its last pieces with neither `head` nor `last`: it stays incomplete.
    /// false: the reader is gone or took nothing for limits.body_timeout. Adds to
    /// rec.bytes_out what went out.
    virtual awaitable<bool> send(const http::response_header<>* head,
                                 const client_response_plan& plan,
                                 std::span<const std::string_view> pieces, bool last,
                                 request_record& rec) = 0;

    /// Whether the last send() went out without waiting for the reader: only a reader that
    /// keeps up gets a large body in large pieces.
    virtual bool reader_keeps_up() const noexcept = 0;

    /// A complete response geogate answers itself (one HTTP/1.1 message: local_answer,
    /// error_page). Adds to rec.bytes_out what went out.
    virtual awaitable<void> answer(std::string response, request_record& rec) = 0;

    /// A WebSocket 101 from the origin, with `early` (bytes the origin sent right after it).
    /// false: the reader is gone. The codec then tunnels (exchange_outcome::tunnel).
    virtual awaitable<bool> switch_protocols(const http::response_header<>& res,
                                             net::const_buffer early, request_record& rec) = 0;

protected:
    ~response_sink() = default;
};

} // namespace geogate
