#pragma once
// One client connection: every accepted socket starts here (accounting, TLS handshake); one
// whose reader chose HTTP/2 (ALPN h2, or h2c prior knowledge) goes on in an h2_session
// (proxy/connection/h2_session.hpp). Otherwise it is the HTTP/1.1 codec in front of the exchange:
// read a request head (limits, deadline), check it strictly, parse it, hand the request to an
// exchange (proxy/exchange/exchange.hpp), and loop for the next request on a keep-alive connection.
// It owns everything of the reader's connection: the socket (TLS handshake and close_notify), the
// read buffer, the body buffers, the client deadlines, the framing of responses (Content-Length,
// chunked, close-delimited), Expect: 100-continue and the WebSocket tunnel. It implements the
// exchange's two ends: the request body (request_body_source) and the response (response_sink).
// The request flow is written down in docs/request-flow.md with these function names.
#include "proxy/exchange/request_body_source.hpp"
#include "proxy/http/any_stream.hpp"
#include "proxy/http/chunked_framing.hpp"
#include "proxy/http/header_policy.hpp"
#include "proxy/http/net.hpp"
#include "proxy/relay/body_buffers.hpp"
#include "proxy/relay/response_sink.hpp"
#include "proxy/runtime/worker.hpp"
#include "proxy/telemetry/request_record.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace geogate {

class h2_session;

class http1_connection final : public std::enable_shared_from_this<http1_connection>,
                               private request_body_source,
                               private response_sink {
public:
    http1_connection(worker& w, any_stream stream, tcp::endpoint peer,
                     std::shared_ptr<ssl::context> tls_ctx);
    ~http1_connection();
    http1_connection(const http1_connection&) = delete;
    http1_connection& operator=(const http1_connection&) = delete;

    /// Runs the connection to its end. Never throws.
    awaitable<void> run();

    /// Shutdown: closes the connection now if it is waiting for a request; otherwise the
    /// current request finishes and the connection closes after it.
    void close_if_idle() noexcept;

private:
    using request_parser = http::request_parser<http::buffer_body>;
    enum class head_result { ok, closed, answered };
    awaitable<head_result> read_request_head();
    /// A head refused before it was parsed: answered, counted as rejected (no access-log
    /// record) and a rate-limited request_refused event (refusal_log).
    awaitable<void> refuse_head(unsigned status, std::string_view why);
    void note_refused_head(unsigned status, std::string_view why);
    /// Checks and reads the head, runs the exchange and records the request.
    awaitable<bool> handle_request(std::size_t head_size);
    awaitable<void> answer_local(std::string response, request_record& rec, unsigned status);
    awaitable<void> tunnel(upstream_connection& up);
    /// The rest of the connection is HTTP/2 (ALPN h2, or h2c prior knowledge with `already`
    /// the bytes of it read so far): proxy/connection/h2_session.hpp.
    awaitable<void> serve_h2(std::string_view already);
    /// TLS: close_notify before the socket closes (bounded: a reader that does not answer it
    /// costs at most tls_close_bound); then the socket goes.
    awaitable<void> close_stream();

    // request_body_source: the body of the request being served (parser_).
    bool has_body() const noexcept override;
    std::optional<std::uint64_t> declared_length() const noexcept override;
    bool chunked() const noexcept override;
    bool done() const noexcept override;
    awaitable<std::optional<std::string_view>> read(request_record& rec) override;

    // response_sink: HTTP/1.1 framing of the response to the request being served.
    bool keep_alive_requested() const noexcept override;
    bool frame_response(client_response_plan& plan, bool no_body,
                        std::optional<std::uint64_t> length) override;
    awaitable<bool> send(const http::response_header<>* head, const client_response_plan& plan,
                         std::span<const std::string_view> pieces, bool last,
                         request_record& rec) override;
    bool reader_keeps_up() const noexcept override { return !last_write_waited_; }
    awaitable<void> answer(std::string response, request_record& rec) override;
    awaitable<bool> switch_protocols(const http::response_header<>& res, net::const_buffer early,
                                     request_record& rec) override;

    /// Every client write starts here: one non-blocking write, no coroutine frame and no
    /// deadline (the usual case: the kernel takes it all). `sent`: how much went.
    enum class write_progress : std::uint8_t { done, partial, failed };
    write_progress try_write(std::span<const net::const_buffer> all, std::size_t& sent,
                             request_record& rec);
    /// What try_write() did not take of `all` (`sent` bytes went), with a progress deadline.
    awaitable<bool> write_rest(std::span<const net::const_buffer> all, std::size_t sent,
                               request_record& rec);

    // Client-side deadlines. Beast's own (tcp_stream::expires_after) closes the socket when it
    // passes, which leaves no way to answer 408, and it measures a whole write, which a reader
    // that is slowly but steadily reading can take far longer than body_timeout to finish. These
    // cancel the pending operation and keep the socket; with a progress window, every byte the
    // client acknowledges moves the deadline to now + window (limits.body_timeout: "no progress
    // for this long"). Arm right before one client operation; disarm right after it, which
    // turns the cancellation it caused into beast::error::timeout.
    void arm_client_deadline(std::chrono::steady_clock::time_point at,
                             std::chrono::milliseconds progress_window = {});
    error_code disarm_client_deadline(error_code ec);
    void schedule_client_deadline();
    std::chrono::steady_clock::time_point next_deadline_check() const;
    void on_client_deadline(std::uint64_t generation);

    worker& worker_;
    std::shared_ptr<ssl::context>
        tls_ctx_; // keeps the context of a TLS stream alive across reloads
    any_stream stream_;
    tcp::endpoint peer_;
    std::string peer_text_;
    std::shared_ptr<const snapshot> snap_; // of the request being read or answered
    beast::flat_buffer buffer_;
    body_buffer body_buf_; // lent while a body is relayed (body_buffers.hpp)
    const http::request_header<>* request_ = nullptr; // the request being served
    bool request_keep_alive_ = false;    // its head asks for keep-alive (no parser_: no body)
    request_parser* parser_ = nullptr;   // its body's parser: null for a request without one
    std::vector<net::const_buffer> out_; // the buffers of one send(), reused
    chunk_framer framer_;                // its chunk-size line
    net::steady_timer deadline_timer_;
    std::chrono::steady_clock::time_point deadline_at_;
    std::chrono::milliseconds deadline_window_{0};
    std::chrono::steady_clock::time_point deadline_timer_at_; // when the pending wait fires
    std::uint64_t deadline_generation_ = 0; // of the pending wait: a replaced one does nothing
    std::uint64_t deadline_acked_ = 0;
    bool deadline_armed_ = false;         // a client operation is being watched
    bool deadline_timer_pending_ = false; // deadline_timer_ has a wait that will fire
    bool deadline_passed_ = false;
    bool idle_ = true;
    bool first_request_ = true;
    bool last_write_waited_ = false; // send() had to wait for the reader
    bool expect_continue_ = false;   // the reader waits for 100 Continue before its body
    std::shared_ptr<h2_session> h2_; // the connection speaks HTTP/2
};

/// Starts a connection coroutine on worker `w`; call on that worker's thread. `tls_ctx` is
/// the server TLS context the stream was made with (nullptr for plain TCP).
void start_http1_connection(worker& w, any_stream stream, tcp::endpoint peer,
                            std::shared_ptr<ssl::context> tls_ctx);

} // namespace geogate
