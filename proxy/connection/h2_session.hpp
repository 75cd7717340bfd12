#pragma once
// HTTP/2 to readers (RFC 9113): the second client codec in front of the exchange. nghttp2 does
// the framing, HPACK and flow control; this file turns each stream into one request through
// the same classify/decide/exchange as HTTP/1.1 (proxy/exchange/exchange.hpp), with the stream
// as the exchange's request_body_source and response_sink. The origin side stays HTTP/1.1.
//
// An h2_session runs inside the http1_connection that accepted the socket (which owns it, its
// accounting and its TLS handshake): after ALPN chose h2, or on h2c prior knowledge when
// [http2] cleartext is on. What the session defends against, and how, is listed in
// docs/request-flow.md ("HTTP/2").
#include "proxy/http/any_stream.hpp"
#include "proxy/http/net.hpp"
#include "proxy/runtime/worker.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string_view>

struct nghttp2_session;

namespace geogate {

class h2_stream;

class h2_session final : public std::enable_shared_from_this<h2_session> {
public:
    /// `stream` (already past its TLS handshake) and `peer` outlive the session's run().
    h2_session(worker& w, any_stream& stream, const tcp::endpoint& peer,
               std::string_view peer_text);
    ~h2_session();
    h2_session(const h2_session&) = delete;
    h2_session& operator=(const h2_session&) = delete;

    /// Runs the connection to its end: `already_read` are bytes the HTTP/1.1 codec read before
    /// it knew (h2c: the connection preface). Returns once every stream's request has ended.
    awaitable<void> run(std::string_view already_read);

    /// Shutdown: GOAWAY now; requests in flight finish, then the connection closes.
    void close_if_idle() noexcept;

private:
    friend class h2_stream;
    struct callbacks; // nghttp2's C callbacks, which reach into the session

    bool start_session();
    awaitable<void> read_loop();
    awaitable<void> write_loop();
    awaitable<void> watchdog();
    /// Feeds bytes read to nghttp2; false: the connection must end.
    bool receive(std::string_view bytes);
    void want_write() noexcept; // wakes the write loop
    void end_connection() noexcept;
    /// A RST_STREAM from the reader; false: too many this second (rapid reset), end.
    bool note_reset() noexcept;
    /// A request whose head is complete: starts its exchange (or refuses it).
    void start_request(const std::shared_ptr<h2_stream>& s);
    /// The stream's request through the exchange; `refusal` (431, 405, 400): answered so.
    awaitable<void> serve(std::shared_ptr<h2_stream> s, int refusal);
    void stream_closed(std::int32_t id, std::uint32_t error_code);

    worker& worker_;
    any_stream& stream_;
    const tcp::endpoint& peer_;
    std::string_view peer_text_;
    std::shared_ptr<const snapshot> snap_; // the connection's limits; each request takes its own
    nghttp2_session* session_ = nullptr;
    std::map<std::int32_t, std::shared_ptr<h2_stream>> streams_; // open in nghttp2
    unsigned running_ = 0;         // exchanges still running (reset streams included)
    bool ended_ = false;           // the socket is done: no more reads or writes
    bool write_wanted_ = false;    // the write loop has work (set before it is woken)
    bool writing_ = false;         // a write to the socket is in progress
    bool socket_keeps_up_ = false; // the last write went out at once (h2_stream: large reads)
    bool stop_reading_ = false;    // a connection error: flush the GOAWAY, then end
    bool goaway_sent_ = false;
    bool got_frame_ = false; // the preface and a first frame arrived
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point write_started_;
    std::chrono::steady_clock::time_point last_activity_;
    std::uint64_t empty_frames_ = 0; // DATA without payload or END_STREAM (a CPU flood)
    double reset_tokens_ = -1;       // note_reset's bucket; -1: not started
    std::chrono::steady_clock::time_point reset_refill_;
    std::string out_; // the next write: frames from mem_send, DATA payloads from emit()
    net::steady_timer write_wake_;
    net::steady_timer streams_done_; // run() waits on it for the running exchanges
};

} // namespace geogate
