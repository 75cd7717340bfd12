#include "proxy/connection/h2_session.hpp"

#include "proxy/connection/h2_stream.hpp"
#include "proxy/exchange/exchange.hpp"
#include "proxy/exchange/request_scope.hpp"
#include "proxy/http/error_page.hpp"
#include "proxy/telemetry/event_log.hpp"
#include "proxy/telemetry/metrics.hpp"

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <nghttp2/nghttp2.h>

namespace geogate {
namespace {

using steady = std::chrono::steady_clock;

// What one read from the socket takes at most, and how much of nghttp2's output one write
// carries: a TLS record is 16 KiB, a write of four of them is one system call.
constexpr std::size_t read_size = 16 * 1024;
constexpr std::size_t write_batch = 64 * 1024;

// How often the watchdog looks at the connection's deadlines.
constexpr std::chrono::milliseconds watchdog_tick{250};

// DATA frames with neither payload nor END_STREAM cost geogate work and carry nothing
// (CVE-2019-9518, "empty frames flood"): more than this many on one connection end it.
constexpr std::uint64_t max_empty_frames = 1000;

// CVE-2023-44487 (rapid reset): RST_STREAM frames beyond this burst, refilled at this rate per
// second, end the connection with GOAWAY (nghttp2's token bucket; these are its defaults,
// written out so that they are a decision here). nghttp2 1.52 counts only some resets, so
// geogate keeps its own token bucket too (note_reset): twice [http2] max_concurrent_streams
// resets at once, refilled at max_concurrent_streams per second; past that the connection
// ends (a browser cancels a few image loads on a navigation, not hundreds a second). A bucket,
// not a count per second: a flood that geogate reads slowly (a busy or sanitizer-built
// process) must trip it as surely as a fast one. Requests of reset streams also keep
// counting against max_concurrent_streams until their exchange has ended (start_request), and
// a stream reset in the same read as its HEADERS never reaches the exchange (serve).
constexpr std::uint64_t reset_burst = 1000;
constexpr std::uint64_t reset_rate = 33;
constexpr std::size_t max_outbound_acks = 1000;

} // namespace

// nghttp2's callbacks: user_data is the session.
struct h2_session::callbacks {
    static h2_session& of(void* user) { return *static_cast<h2_session*>(user); }

    static h2_stream* stream(nghttp2_session* s, std::int32_t id) {
        return static_cast<h2_stream*>(nghttp2_session_get_stream_user_data(s, id));
    }

    static int on_begin_headers(nghttp2_session* s, const nghttp2_frame* frame, void* user) {
        if (frame->hd.type != NGHTTP2_HEADERS)
            return 0;
        auto& self = of(user);
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
            auto st = std::make_shared<h2_stream>(self, frame->hd.stream_id);
            nghttp2_session_set_stream_user_data(s, frame->hd.stream_id, st.get());
            self.streams_.emplace(frame->hd.stream_id, std::move(st));
        } else if (auto* st = stream(s, frame->hd.stream_id)) {
            st->head().trailers_begin();
        }
        return 0;
    }

    static int on_header(nghttp2_session* s, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                         std::uint8_t, void* user) {
        if (frame->hd.type != NGHTTP2_HEADERS)
            return 0;
        auto* st = stream(s, frame->hd.stream_id);
        if (!st)
            return 0;
        if (st->malformed())
            return 0; // already reset: the rest of its head is ignored
        const auto& limits = of(user).snap_->cfg->limits;
        switch (st->head().add_field({reinterpret_cast<const char*>(name), namelen},
                                     {reinterpret_cast<const char*>(value), valuelen},
                                     {limits.max_header_bytes, limits.max_header_fields})) {
        case h2_request::field_verdict::ok:
            return 0;
        case h2_request::field_verdict::stream_error:
            // Malformed (RFC 9113 8.1.1): a stream error, and the request never starts.
            st->mark_malformed();
            nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                      NGHTTP2_PROTOCOL_ERROR);
            return 0;
        case h2_request::field_verdict::connection_error:
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
        return 0;
    }

    static int on_frame_recv(nghttp2_session* s, const nghttp2_frame* frame, void* user) {
        auto& self = of(user);
        self.got_frame_ = true;
        const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
        if (frame->hd.type == NGHTTP2_DATA && frame->hd.length == 0 && !end_stream &&
            ++self.empty_frames_ > max_empty_frames)
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        if (frame->hd.type == NGHTTP2_RST_STREAM && !self.note_reset())
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
            return 0;
        auto* st = stream(s, frame->hd.stream_id);
        if (!st)
            return 0;
        if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
            if (end_stream)
                st->end_body();
            if (!st->malformed())
                self.start_request(self.streams_.at(frame->hd.stream_id));
            return 0;
        }
        if (end_stream)
            st->end_body();
        return 0;
    }

    static int on_data_chunk(nghttp2_session* s, std::uint8_t, std::int32_t id,
                             const std::uint8_t* data, std::size_t len, void*) {
        if (auto* st = stream(s, id))
            st->add_body({reinterpret_cast<const char*>(data), len});
        else
            nghttp2_session_consume_connection(s, len); // a stream geogate no longer reads
        return 0;
    }

    static int send_data(nghttp2_session*, nghttp2_frame*, const std::uint8_t* frame_head,
                         std::size_t length, nghttp2_data_source* source, void* user) {
        return static_cast<h2_stream*>(source->ptr)
            ->emit(frame_head, length, static_cast<h2_session*>(user)->out_);
    }

    static int on_stream_close(nghttp2_session* s, std::int32_t id, std::uint32_t error_code,
                               void* user) {
        (void)s;
        of(user).stream_closed(id, error_code);
        return 0;
    }
};

h2_session::h2_session(worker& w, any_stream& stream, const tcp::endpoint& peer,
                       std::string_view peer_text)
    : worker_(w), stream_(stream), peer_(peer), peer_text_(peer_text), snap_(w.snapshots.current()),
      write_wake_(stream.get_executor()), streams_done_(stream.get_executor()) {}

h2_session::~h2_session() {
    if (session_)
        nghttp2_session_del(session_);
}

bool h2_session::start_session() {
    nghttp2_session_callbacks* cbs = nullptr;
    if (nghttp2_session_callbacks_new(&cbs) != 0)
        return false;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, callbacks::on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, callbacks::on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, callbacks::on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, callbacks::on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, callbacks::on_stream_close);
    nghttp2_session_callbacks_set_send_data_callback(cbs, callbacks::send_data);
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    // The reader's window opens as the origin takes the body (h2_stream::read), not on receipt.
    nghttp2_option_set_no_auto_window_update(opt, 1);
    nghttp2_option_set_stream_reset_rate_limit(opt, reset_burst, reset_rate);
    // A reader that sends SETTINGS or PING without reading the ACKs: at this many unsent ACKs
    // the connection ends (nghttp2's default, spelled out because it bounds our memory).
    nghttp2_option_set_max_outbound_ack(opt, max_outbound_acks);
    const int rv = nghttp2_session_server_new2(&session_, cbs, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    if (rv != 0)
        return false;
    const auto& cfg = *snap_->cfg;
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, cfg.http2.max_concurrent_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(body_chunk)},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
         static_cast<std::uint32_t>(cfg.limits.max_header_bytes)},
    };
    return nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings,
                                   sizeof settings / sizeof settings[0]) == 0;
}

awaitable<void> h2_session::run(std::string_view already_read) {
    using namespace net::experimental::awaitable_operators;
    started_ = last_activity_ = steady::now();
    if (start_session() && (already_read.empty() || receive(already_read))) {
        want_write();
        co_await (read_loop() || write_loop() || watchdog());
    }
    end_connection();
    // The exchanges still running hold this session's streams; they end quickly now (their
    // reads and sends fail), except one waiting for its origin, bounded by the origin timeout.
    while (running_ > 0) {
        streams_done_.expires_at(steady::time_point::max());
        co_await streams_done_.async_wait(use_nothrow);
    }
}

void h2_session::close_if_idle() noexcept {
    if (ended_ || goaway_sent_ || !session_)
        return;
    goaway_sent_ = true;
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                          nullptr, 0);
    want_write();
}

bool h2_session::receive(std::string_view bytes) {
    const auto n = nghttp2_session_mem_recv(
        session_, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    if (n < 0) {
        // A connection error (bad preface, flood, HPACK bomb, CONTINUATION flood, rapid reset):
        // nghttp2 has queued its GOAWAY where the protocol has one.
        if (n == NGHTTP2_ERR_CALLBACK_FAILURE || n == NGHTTP2_ERR_FLOODED)
            nghttp2_session_terminate_session(session_, NGHTTP2_ENHANCE_YOUR_CALM);
        else if (n != NGHTTP2_ERR_BAD_CLIENT_MAGIC)
            nghttp2_session_terminate_session(session_, NGHTTP2_PROTOCOL_ERROR);
        return false;
    }
    return true;
}

void h2_session::want_write() noexcept {
    write_wanted_ = true;
    write_wake_.cancel();
}

awaitable<void> h2_session::read_loop() {
    std::unique_ptr<char[]> buf(new char[read_size]);
    for (;;) {
        auto [ec, n] =
            co_await stream_.async_read_some(net::buffer(buf.get(), read_size), use_nothrow);
        if (ec)
            co_return; // the reader is gone: nothing more can reach it either
        last_activity_ = steady::now();
        if (!receive({buf.get(), n})) {
            // Let the write loop send the GOAWAY, then end: it ends the connection.
            stop_reading_ = true;
            want_write();
            net::steady_timer forever(stream_.get_executor(), steady::time_point::max());
            co_await forever.async_wait(use_nothrow);
            co_return;
        }
        want_write(); // SETTINGS and PING acknowledgements, window updates, resets
    }
}

awaitable<void> h2_session::write_loop() {
    // DATA payloads reach `out` from the exchange's buffers in send_data (h2_stream::emit),
    // between the frames mem_send hands out: one copy, not one into nghttp2 and one out.
    std::string& out = out_;
    for (;;) {
        write_wanted_ = false;
        out.clear();
        while (out.size() < write_batch) {
            const std::uint8_t* data = nullptr;
            const auto n = nghttp2_session_mem_send(session_, &data);
            if (n < 0)
                co_return;
            if (n == 0)
                break;
            out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
        }
        if (out.empty()) {
            if (stop_reading_ ||
                (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)))
                co_return; // GOAWAY went out and no stream is left
            if (!write_wanted_) {
                write_wake_.expires_at(steady::time_point::max());
                co_await write_wake_.async_wait(use_nothrow);
                if ((co_await net::this_coro::cancellation_state).cancelled() !=
                    net::cancellation_type::none)
                    co_return;
            }
            continue;
        }
        writing_ = true;
        write_started_ = steady::now();
        // One non-blocking write first: whether the socket took the whole batch tells a
        // reader that keeps up from one that does not (h2_stream::reader_keeps_up).
        const net::const_buffer batch = net::buffer(out);
        error_code ec;
        const std::size_t sent = stream_.write_now({&batch, 1}, ec);
        socket_keeps_up_ = !ec && sent == out.size();
        if (!ec && sent < out.size()) {
            auto [rest_ec, n] = co_await net::async_write(stream_, batch + sent, use_nothrow);
            ec = rest_ec;
        }
        writing_ = false;
        if (ec)
            co_return;
        last_activity_ = steady::now();
    }
}

awaitable<void> h2_session::watchdog() {
    net::steady_timer tick(stream_.get_executor());
    for (;;) {
        tick.expires_after(watchdog_tick);
        auto [ec] = co_await tick.async_wait(use_nothrow);
        if (ec)
            co_return;
        const auto now = steady::now();
        const auto& limits = snap_->cfg->limits;
        if (writing_ && now - write_started_ > limits.body_timeout)
            co_return; // the reader stopped taking bytes at the TCP level
        if (!got_frame_ && now - started_ > limits.header_timeout)
            co_return; // no preface and SETTINGS in time (slowloris)
        const bool idle = streams_.empty() && running_ == 0;
        if (worker_.shared.draining.load(std::memory_order_relaxed) ||
            (idle && now - last_activity_ > limits.keepalive_timeout))
            close_if_idle();
    }
}

bool h2_session::note_reset() noexcept {
    const double rate = snap_->cfg->http2.max_concurrent_streams;
    const double burst = 2 * rate;
    const auto now = steady::now();
    if (reset_tokens_ < 0) // first reset of the connection: a full bucket
        reset_tokens_ = burst;
    else
        reset_tokens_ =
            std::min(burst, reset_tokens_ +
                                rate * std::chrono::duration<double>(now - reset_refill_).count());
    reset_refill_ = now;
    if (reset_tokens_ >= 1) {
        reset_tokens_ -= 1;
        return true;
    }
    worker_.shared.stats->rejected(429);
    return false;
}

void h2_session::end_connection() noexcept {
    ended_ = true;
    for (auto& [id, st] : streams_)
        st->closed();
    streams_.clear();
}

void h2_session::start_request(const std::shared_ptr<h2_stream>& s) {
    const auto& cfg = *snap_->cfg;
    const int verdict = s->head().finish();
    if (verdict < 0) {
        s->mark_malformed();
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id(), NGHTTP2_PROTOCOL_ERROR);
        worker_.shared.stats->rejected(400);
        want_write();
        return;
    }
    if (running_ >= cfg.http2.max_concurrent_streams) {
        // Streams reset by the reader whose requests are still running count here: a reset
        // does not free the origin's work, so it must not free a slot for more.
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id(), NGHTTP2_REFUSED_STREAM);
        want_write();
        return;
    }
    ++running_;
    // Posted, not spawned here: co_spawn dispatches, so the exchange would start inside this
    // nghttp2 callback, before nghttp2 has read the rest of the bytes at hand, where a
    // RST_STREAM for this very stream may wait (rapid reset sends them together).
    net::post(stream_.get_executor(), [self = shared_from_this(), s, verdict] {
        net::co_spawn(
            self->stream_.get_executor(),
            [self, s, verdict]() -> awaitable<void> { co_await self->serve(s, verdict); },
            net::detached);
    });
}

awaitable<void> h2_session::serve(std::shared_ptr<h2_stream> s, int refusal) {
    struct count_out {
        h2_session& self;
        ~count_out() {
            if (--self.running_ == 0)
                self.streams_done_.cancel();
        }
    } guard{*this};
    // Started after nghttp2 had processed the rest of the read (start_request posts it): a
    // stream reset in the same read as its HEADERS (rapid reset) never reaches the exchange.
    if (s->is_closed() || ended_)
        co_return;
    request_scope scope(worker_.shared);
    auto& rec = scope.record();
    rec.protocol = client_protocol::http2;
    const auto snap = worker_.snapshots.current(); // one snapshot for the whole request
    if (refusal > 0) {
        rec.status = static_cast<unsigned>(refusal);
        rec.local = true;
        co_await s->answer(error_response(rec.status, false), rec);
    } else {
        const exchange_client client{peer_, peer_text_, stream_.is_tls(), false,
                                     *s,    *s,         s->buffer()};
        exchange ex(worker_, *snap, s->request(), client, rec);
        co_await ex.run();
    }
    scope.finish();
    return_body_buffer(s->buffer());
    if (s->is_closed() || ended_)
        co_return;
    if (!s->response_complete()) {
        // Cut short (origin failure mid-body, or the reader stopped taking it): the reader must
        // not take a truncated body for a whole one.
        s->abandon();
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id(), NGHTTP2_INTERNAL_ERROR);
    } else if (!s->body_complete()) {
        // Answered before the request body ended: the reader can stop sending (RFC 9113 8.1).
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id(), NGHTTP2_NO_ERROR);
    }
    want_write();
}

void h2_session::stream_closed(std::int32_t id, std::uint32_t) {
    const auto it = streams_.find(id);
    if (it == streams_.end())
        return;
    // Body bytes nobody will read: give the connection window back.
    if (const auto left = it->second->unconsumed(); left > 0)
        nghttp2_session_consume_connection(session_, left);
    it->second->closed();
    streams_.erase(it);
}

} // namespace geogate
