#pragma once
// One HTTP/2 stream of an h2_session (proxy/connection/h2_session.hpp): the request as nghttp2
// delivers it (pseudo-header and field checks, RFC 9113 8.2 and 8.3), then the exchange's two
// ends for that request: its body (request_body_source, with flow control: the reader's window
// opens only as the origin takes the body) and its response (response_sink: HEADERS, then DATA
// through nghttp2's data provider, each send waiting until nghttp2 has taken its bytes).
#include "proxy/exchange/request_body_source.hpp"
#include "proxy/http/h2_request.hpp"
#include "proxy/http/net.hpp"
#include "proxy/relay/body_buffers.hpp"
#include "proxy/relay/response_sink.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace geogate {

class h2_session;

class h2_stream final : public request_body_source, public response_sink {
public:
    h2_stream(h2_session& session, std::int32_t id);
    h2_stream(const h2_stream&) = delete;
    h2_stream& operator=(const h2_stream&) = delete;

    std::int32_t id() const noexcept { return id_; }

    // --- the request, as nghttp2 decodes it (proxy/http/h2_request.hpp)
    h2_request& head() noexcept { return head_; }
    void mark_malformed() noexcept { malformed_ = true; }
    bool malformed() const noexcept { return malformed_; }
    void add_body(std::string_view bytes);
    void end_body() noexcept;
    /// nghttp2 closed the stream: nothing more goes out; waiting sends and reads end.
    void closed() noexcept;
    bool is_closed() const noexcept { return closed_; }

    const http::request_header<>& request() const noexcept { return head_.request(); }
    body_buffer& buffer() noexcept { return relay_buffer_; }
    /// Whether the response went out whole (its END_STREAM was handed to nghttp2).
    bool response_complete() const noexcept { return eof_sent_; }
    bool body_complete() const noexcept { return body_end_; }
    /// Request body bytes received but not taken by the exchange (connection window to give
    /// back when the stream ends).
    std::size_t unconsumed() const noexcept { return body_in_.size(); }
    /// The exchange is over and its response incomplete: nothing more may be read from
    /// memory the exchange owned.
    void abandon() noexcept;

    // request_body_source
    bool has_body() const noexcept override;
    std::optional<std::uint64_t> declared_length() const noexcept override;
    bool chunked() const noexcept override { return has_body() && !head_.declared_length(); }
    bool done() const noexcept override { return body_end_ && body_in_.empty(); }
    awaitable<std::optional<std::string_view>> read(request_record& rec) override;

    // response_sink
    bool keep_alive_requested() const noexcept override { return true; }
    bool frame_response(client_response_plan& plan, bool no_body,
                        std::optional<std::uint64_t> length) override;
    awaitable<bool> send(const http::response_header<>* head, const client_response_plan& plan,
                         std::span<const std::string_view> pieces, bool last,
                         request_record& rec) override;
    bool reader_keeps_up() const noexcept override;
    awaitable<void> answer(std::string response, request_record& rec) override;
    awaitable<bool> switch_protocols(const http::response_header<>&, net::const_buffer,
                                     request_record&) override {
        co_return false; // no upgrade over HTTP/2 (exchange_client::upgrade_requested is false)
    }

    /// nghttp2's data provider: says how much of what send() queued the next DATA frame
    /// carries (NO_COPY: the bytes are not copied into nghttp2's buffer).
    long provide(std::size_t length, std::uint32_t* flags);
    /// nghttp2's send_data callback for that frame: appends its 9-byte header and `length`
    /// bytes of the queued pieces to the connection's output. 0, or a nghttp2 error.
    int emit(const std::uint8_t* frame_head, std::size_t length, std::string& out);

private:
    /// Bytes of send()'s pieces not yet emitted, counted up to at least `enough`.
    std::size_t queued(std::size_t enough) const noexcept;
    bool submit_head(const http::response_header<>& head, const client_response_plan& plan,
                     bool with_body, request_record& rec);
    /// Waits for a wake() or until `deadline`; false when the deadline passed.
    awaitable<bool> wait_until(std::chrono::steady_clock::time_point deadline);
    void wake() noexcept { wake_.cancel(); }

    h2_session& session_;
    std::int32_t id_;
    h2_request head_;
    bool malformed_ = false;
    bool continue_sent_ = false; // the 100 (Continue) for an Expect: 100-continue went out

    std::string body_in_;  // received, not yet taken by read()
    std::string body_out_; // what the last read() returned
    bool body_end_ = false;
    bool closed_ = false;
    bool abandoned_ = false;

    // The response body being handed to nghttp2: send()'s pieces, as far as taken.
    std::vector<std::string_view> pending_;
    std::size_t pending_index_ = 0;
    std::size_t pending_offset_ = 0;
    bool pending_last_ = false;
    bool deferred_ = false; // the data provider said DEFERRED: resume when more is queued
    bool eof_sent_ = false;
    bool head_sent_ = false;
    std::uint64_t taken_ = 0; // body bytes nghttp2 has taken (progress for body_timeout)

    body_buffer relay_buffer_;
    net::steady_timer wake_;
};

} // namespace geogate
