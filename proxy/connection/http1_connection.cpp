#include "proxy/connection/http1_connection.hpp"

#include "geoip/client_address.hpp"
#include "proxy/connection/h2_session.hpp"
#include "proxy/connection/tcp_progress.hpp"
#include "proxy/exchange/exchange.hpp"
#include "proxy/exchange/request_scope.hpp"
#include "proxy/http/error_page.hpp"
#include "proxy/http/request_head_check.hpp"
#include "proxy/http/request_head_read.hpp"
#include "proxy/telemetry/event_log.hpp"
#include "proxy/telemetry/metrics.hpp"

#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>

namespace geogate {
namespace {

// The client-side read buffer: a connection waiting for a request reads into a small one, like
// nginx's client_header_buffer_size (a head that does not fit takes a second read); a head
// being read, or a request body, gets a large one. An idle keep-alive connection then holds
// about 1 KiB of buffers instead of 16 KiB + a 64 KiB body buffer (docs/performance.md, "Idle
// keep-alive connections": 10,000 idle connections in at most 100 MB).
constexpr std::size_t idle_read_buffer = 1024;
constexpr std::size_t active_read_buffer = 16 * 1024;

// A chunk-size line's extensions (RFC 9112 7.1.1), which geogate never forwards: no client
// needs more than a few bytes of them, and a 70,000-byte one is an attack on whatever parses
// it. Longer is answered 400. A chunk-size line (or trailer) that does not end within one
// read buffer cannot be held either: see read().
constexpr std::size_t max_chunk_extension = 4096;

// How long a TLS connection waits for the reader's close_notify after sending its own before
// the socket goes anyway (Beast server-flex shuts down the same way, with a longer bound).
constexpr std::chrono::milliseconds tls_close_bound{1000};

void release_idle_buffers(body_buffer& body, beast::flat_buffer& reads) {
    return_body_buffer(body);
    if (reads.size() == 0 && reads.capacity() > idle_read_buffer)
        reads.shrink_to_fit(); // frees it: the next read allocates idle_read_buffer
}

// Errors that only mean "the peer went away" or "we cancelled": not worth an event line.
// (Beast server-flex's fail(): stream_truncated is the TLS peer closing without close_notify.)
bool benign(const error_code& ec) {
    return ec == net::error::eof || ec == net::error::operation_aborted ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe ||
           ec == net::ssl::error::stream_truncated || ec == beast::error::timeout ||
           ec == http::error::end_of_stream;
}

// Drops the first `n` bytes of `buffers` (what a partial write sent).
void drop_front(std::vector<net::const_buffer>& buffers, std::size_t n) {
    std::size_t whole = 0;
    while (whole < buffers.size() && n >= buffers[whole].size())
        n -= buffers[whole++].size();
    buffers.erase(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(whole));
    if (n && !buffers.empty())
        buffers.front() += n;
}

} // namespace

http1_connection::http1_connection(worker& w, any_stream stream, tcp::endpoint peer,
                                   std::shared_ptr<ssl::context> tls_ctx)
    : worker_(w), tls_ctx_(std::move(tls_ctx)), stream_(std::move(stream)), peer_(peer),
      peer_text_(geoip::unmap(peer.address()).to_string()), deadline_timer_(w.ioc) {
    worker_.connections.insert(this);
    worker_.shared.connections.fetch_add(1, std::memory_order_relaxed);
}

http1_connection::~http1_connection() {
    worker_.connections.erase(this);
    worker_.shared.connections.fetch_sub(1, std::memory_order_relaxed);
    worker_.shared.per_client.remove(peer_.address()); // counted in by server::accept_loop
}

void http1_connection::close_if_idle() noexcept {
    if (h2_)
        h2_->close_if_idle(); // GOAWAY; the streams in flight finish
    else if (idle_)
        stream_.close();
}

void start_http1_connection(worker& w, any_stream stream, tcp::endpoint peer,
                            std::shared_ptr<ssl::context> tls_ctx) {
    auto c = std::make_shared<http1_connection>(w, std::move(stream), peer, std::move(tls_ctx));
    net::co_spawn(
        w.ioc, [c]() -> awaitable<void> { co_await c->run(); }, net::detached);
}

void http1_connection::arm_client_deadline(std::chrono::steady_clock::time_point at,
                                           std::chrono::milliseconds progress_window) {
    stream_.tcp().expires_never(); // Beast's deadline would close the socket
    deadline_armed_ = true;
    deadline_at_ = at;
    deadline_window_ = progress_window;
    deadline_passed_ = false;
    if (progress_window.count() > 0)
        deadline_acked_ = tcp_bytes_acked(stream_.socket().native_handle()).value_or(0);
    schedule_client_deadline();
}

std::chrono::steady_clock::time_point http1_connection::next_deadline_check() const {
    auto next = deadline_at_;
    if (deadline_window_.count() > 0) // look at the acknowledgements a few times per window
        next = std::min(next, std::chrono::steady_clock::now() +
                                  std::max<std::chrono::milliseconds>(
                                      deadline_window_ / 4, std::chrono::milliseconds(10)));
    return next;
}

void http1_connection::schedule_client_deadline() {
    // The timer is moved only when it would fire too late. A keep-alive connection arms a
    // later deadline for every request, and the wait already pending then fires early, finds
    // the deadline moved and waits again: one timer wake-up per deadline period instead of a
    // timer insert and a cancellation (with its completion handler) per request.
    const auto next = next_deadline_check();
    if (deadline_timer_pending_ && deadline_timer_at_ <= next)
        return;
    deadline_timer_pending_ = true;
    deadline_timer_at_ = next;
    deadline_timer_.expires_at(next); // a pending wait completes with operation_aborted
    deadline_timer_.async_wait(
        [self = weak_from_this(), generation = ++deadline_generation_](error_code ec) {
            if (ec)
                return; // replaced by a nearer wait, or the connection is gone
            if (auto s = self.lock())
                s->on_client_deadline(generation);
        });
}

void http1_connection::on_client_deadline(std::uint64_t generation) {
    if (generation != deadline_generation_)
        return; // a nearer wait replaced this one
    deadline_timer_pending_ = false;
    if (!deadline_armed_)
        return; // nothing to watch until the next arm
    const auto now = std::chrono::steady_clock::now();
    if (deadline_window_.count() > 0) {
        auto acked = tcp_bytes_acked(stream_.socket().native_handle());
        if (acked && *acked != deadline_acked_) {
            deadline_acked_ = *acked; // the client took more of our data: progress
            deadline_at_ = now + deadline_window_;
        }
    }
    if (now < deadline_at_) {
        schedule_client_deadline();
        return;
    }
    deadline_passed_ = true;
    deadline_armed_ = false;
    error_code ignored;
    stream_.socket().cancel(ignored); // the operation ends with operation_aborted
}

error_code http1_connection::disarm_client_deadline(error_code ec) {
    deadline_armed_ = false; // the pending wait (if any) stays: the next arm may reuse it
    if (deadline_passed_ && ec == net::error::operation_aborted)
        return beast::error::timeout;
    return ec;
}

awaitable<void> http1_connection::run() {
    try {
        const auto snap = worker_.snapshots.current();
        const auto& limits = snap->cfg->limits;
        if (stream_.is_tls()) {
            stream_.tcp().expires_after(limits.header_timeout);
            auto [ec] =
                co_await stream_.tls().async_handshake(ssl::stream_base::server, use_nothrow);
            if (ec) {
                worker_.shared.stats->tls_handshake_failed();
                stream_.close();
                co_return;
            }
            const unsigned char* alpn = nullptr;
            unsigned alpn_size = 0;
            SSL_get0_alpn_selected(stream_.tls().native_handle(), &alpn, &alpn_size);
            if (std::string_view(reinterpret_cast<const char*>(alpn), alpn_size) == "h2") {
                co_await serve_h2({});
                co_await close_stream();
                stream_.close();
                co_return;
            }
        }
        for (;;) {
            idle_ = true;
            release_idle_buffers(body_buf_, buffer_);
            if (worker_.shared.draining.load(std::memory_order_relaxed))
                break;
            auto r = co_await read_request_head();
            if (r != head_result::ok)
                break;
            idle_ = false;
            // h2c with prior knowledge (RFC 9113 3.3), when [http2] cleartext is on: the
            // preface's first line reads as a request head. Never by Upgrade.
            static constexpr std::string_view h2_preface = "PRI * HTTP/2.0\r\n\r\n";
            if (first_request_ && !stream_.is_tls() && snap_->cfg->http2.cleartext &&
                std::string_view(static_cast<const char*>(buffer_.data().data()), buffer_.size())
                        .substr(0, h2_preface.size()) == h2_preface) {
                co_await serve_h2(
                    {static_cast<const char*>(buffer_.data().data()), buffer_.size()});
                break;
            }
            std::size_t head_size = 0;
            {
                std::string_view data(static_cast<const char*>(buffer_.data().data()),
                                      buffer_.size());
                head_size = data.find("\r\n\r\n") + 4;
            }
            if (!co_await handle_request(head_size))
                break;
            first_request_ = false;
        }
        co_await close_stream();
    } catch (const std::exception& e) {
        // Nothing on the data path throws by design; this is the last line of defence
        // (e.g. bad_alloc) so that one connection can never take the process down.
        event_log::error("session_exception", {{"what", e.what()}});
    }
    stream_.close();
}

awaitable<void> http1_connection::serve_h2(std::string_view already) {
    idle_ = false;
    stream_.tcp().expires_never(); // the handshake's deadline: the session keeps its own

    release_idle_buffers(body_buf_, buffer_);
    h2_ = std::make_shared<h2_session>(worker_, stream_, peer_, peer_text_);
    co_await h2_->run(already); // takes `already` before its first wait
    buffer_.consume(buffer_.size());
    h2_.reset();
}

awaitable<void> http1_connection::close_stream() {
    if (stream_.is_tls() && stream_.socket().is_open()) {
        // close_notify tells the reader the connection ended here rather than being cut (a
        // close-delimited body is complete only then); the reader's answer is awaited briefly.
        stream_.tcp().expires_after(tls_close_bound);
        co_await stream_.tls().async_shutdown(use_nothrow);
    }
    stream_.close();
}

awaitable<http1_connection::head_result> http1_connection::read_request_head() {
    snap_ = worker_.snapshots.current();
    const auto& snap = snap_;
    const auto& limits = snap->cfg->limits;
    std::size_t scan_from = 0;
    std::size_t bare_scan_from = 0;
    bool deadline_set = false;
    auto deadline = std::chrono::steady_clock::now();
    if (buffer_.size() == 0) {
        // Waiting for a request: the keep-alive idle timeout (the first request of a new
        // connection gets the header deadline instead, so an idle connect cannot sit forever).
        deadline += first_request_ ? limits.header_timeout : limits.keepalive_timeout;
    } else {
        deadline += limits.header_timeout;
        deadline_set = true;
    }
    for (;;) {
        std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
        // RFC 9112 2.2: ignore at least one empty line before a request-line (a lone LF too:
        // `echo | openssl s_client` sends one; only a LF inside the head is refused below).
        while (scan_from == 0 && !data.empty() &&
               (data.front() == '\n' || data.substr(0, 2) == "\r\n")) {
            buffer_.consume(data.front() == '\n' ? 1 : 2);
            bare_scan_from = 0;
            data =
                std::string_view(static_cast<const char*>(buffer_.data().data()), buffer_.size());
        }
        auto end = data.find("\r\n\r\n", scan_from);
        if (end != std::string_view::npos) {
            if (end + 4 > limits.max_header_bytes) {
                co_await refuse_head(431, "header too large");
                co_return head_result::answered;
            }
            co_return head_result::ok;
        }
        if (data.find('\0') != std::string_view::npos) {
            // A NUL can never be part of a valid head: answer now rather than at the deadline.
            co_await refuse_head(400, "NUL in head");
            co_return head_result::answered;
        }
        // Neither can a bare LF or CR (RFC 9112 2.2: geogate does not accept LF alone as a
        // line end): a head written with bare LFs never shows CRLFCRLF, and would otherwise
        // wait for the header deadline.
        for (std::size_t i = bare_scan_from; i < data.size(); ++i) {
            const bool bare_lf = data[i] == '\n' && (i == 0 || data[i - 1] != '\r');
            const bool bare_cr = data[i] == '\r' && i + 1 < data.size() && data[i + 1] != '\n';
            if (bare_lf || bare_cr) {
                co_await refuse_head(400, bare_lf ? "bare LF" : "bare CR");
                co_return head_result::answered;
            }
        }
        bare_scan_from = data.empty() ? 0 : data.size() - 1; // a CR at the end: look again
        auto line_end = data.find("\r\n");
        if ((line_end == std::string_view::npos && data.size() > limits.max_request_line) ||
            (line_end != std::string_view::npos && line_end > limits.max_request_line)) {
            co_await refuse_head(414, "request line too long");
            co_return head_result::answered;
        }
        if (data.size() > limits.max_header_bytes) {
            co_await refuse_head(431, "header too large");
            co_return head_result::answered;
        }
        scan_from = data.size() >= 3 ? data.size() - 3 : 0;
        arm_client_deadline(deadline);
        auto [read_ec, n] = co_await stream_.async_read_some(
            buffer_.prepare(buffer_.size() ? active_read_buffer : idle_read_buffer), use_nothrow);
        const auto ec = disarm_client_deadline(read_ec);
        buffer_.commit(n);
        if (ec) {
            // The deadline left the socket open: a partial head can still be told 408.
            if (ec == beast::error::timeout && buffer_.size() > 0) {
                co_await refuse_head(408, "header timeout");
                co_return head_result::answered;
            }
            co_return head_result::closed;
        }
        if (!deadline_set && buffer_.size() > 0) {
            // The first byte of a request starts the whole-head deadline (slowloris).
            deadline = std::chrono::steady_clock::now() + limits.header_timeout;
            deadline_set = true;
        }
    }
}

awaitable<void> http1_connection::refuse_head(unsigned status, std::string_view why) {
    // Runs in a coroutine frame of its own: a request_record (568 bytes) in read_request_head's
    // frame would stay allocated while a keep-alive connection waits.
    note_refused_head(status, why);
    request_record rec{};
    co_await answer(error_response(status, true), rec);
    worker_.shared.stats->rejected(status);
}

void http1_connection::note_refused_head(unsigned status, std::string_view why) {
    const auto& cfg = *snap_->cfg;
    worker_.shared.refused_heads.note(geoip::unmap(peer_.address()), status, why,
                                      cfg.log.client_ip);
}

awaitable<void> http1_connection::answer_local(std::string response, request_record& rec,
                                               unsigned status) {
    rec.status = status;
    rec.local = true;
    return answer(std::move(response), rec);
}

awaitable<bool> http1_connection::handle_request(std::size_t head_size) {
    request_scope scope(worker_.shared);
    auto& rec = scope.record();
    snap_ = worker_.snapshots.current();
    const auto snap = snap_; // one snapshot for the whole request
    const config& cfg = *snap->cfg;

    // A request without a body (nearly every one) is read without Beast's parser
    // (request_head_read.hpp); one with a body gets the parser, which frames the body.
    http::request<http::empty_body> bodyless;
    std::optional<request_parser> parser;
    // Lives in this frame, which outlives every read of the body (the exchange is awaited here).
    auto check_chunk_header = [](std::uint64_t, beast::string_view extensions, error_code& cec) {
        if (extensions.size() > max_chunk_extension)
            cec = http::error::bad_chunk_extension;
    };

    bool keep = false;
    std::unique_ptr<upstream_connection> tunnel_to;
    std::string_view head(static_cast<const char*>(buffer_.data().data()), head_size);
    auto verdict =
        check_request_head(head, {cfg.limits.max_request_line, cfg.limits.max_header_fields});
    const http::request_header<>* req = nullptr;
    bool upgrade = false; // the head asks for a protocol switch (exchange_client)
    if (!verdict.ok()) {
        note_refused_head(verdict.status, verdict.reason);
        const bool is_head = head.substr(0, 5) == "HEAD ";
        co_await answer_local(error_response(verdict.status, true, is_head), rec, verdict.status);
    } else if (read_bodyless_request_head(head, bodyless)) {
        buffer_.consume(head.size());
        req = &bodyless;
        request_keep_alive_ = bodyless.keep_alive();
        upgrade = connection_lists_upgrade(bodyless);
    } else {
        parser.emplace();
        parser->header_limit(static_cast<std::uint32_t>(cfg.limits.max_header_bytes + 4));
        parser->body_limit(boost::none); // enforced in read(), with a 413 instead of a parse error
        parser->on_chunk_header(check_chunk_header);
        error_code ec;
        const auto used = parser->put(net::buffer(head.data(), head.size()), ec);
        if (ec || !parser->is_header_done()) {
            note_refused_head(400, "unparsable head");
            co_await answer_local(error_response(400, true), rec, 400);
        } else {
            buffer_.consume(used);
            parser_ = &*parser;
            req = &parser->get();
            upgrade = parser->upgrade();
        }
    }
    if (req) {
        request_ = req;
        // Expect: 100-continue is answered here, before the first read of the body: the origin
        // never sees Expect, and the reader sends its body only once geogate forwards it.
        expect_continue_ = has_body() && iequals((*req)[http::field::expect], "100-continue");
        const exchange_client client{peer_, peer_text_, stream_.is_tls(), upgrade,
                                     *this, *this,      body_buf_};
        exchange ex(worker_, *snap, *req, client, rec);
        co_await ex.run();
        parser_ = nullptr;
        request_ = nullptr;
        keep = ex.outcome().keep;
        tunnel_to = std::move(ex.outcome().tunnel);
    }
    scope.finish(); // the one place a request is recorded, whatever happened to it
    if (tunnel_to) {
        co_await tunnel(*tunnel_to);
        tunnel_to->stream.close();
        co_return false;
    }
    co_return keep;
}

// Without a parser_, the request declared no body (read_bodyless_request_head).
bool http1_connection::has_body() const noexcept {
    return parser_ &&
           (parser_->chunked() || (parser_->content_length() && *parser_->content_length() > 0));
}

std::optional<std::uint64_t> http1_connection::declared_length() const noexcept {
    auto length = parser_ ? parser_->content_length() : boost::none;
    return length ? std::optional<std::uint64_t>(*length) : std::nullopt;
}

bool http1_connection::chunked() const noexcept {
    return parser_ && parser_->chunked();
}

bool http1_connection::done() const noexcept {
    return !parser_ || parser_->is_done();
}

awaitable<std::optional<std::string_view>> http1_connection::read(request_record& rec) {
    if (!parser_)
        co_return std::nullopt; // no body to read: done() was true (never called then)
    auto& parser = *parser_;
    const auto& snap = snap_; // the request's snapshot (no lock per read)
    const auto& limits = snap->cfg->limits;
    if (expect_continue_) {
        expect_continue_ = false;
        static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
        stream_.tcp().expires_after(limits.body_timeout);
        auto [ec, n] = co_await net::async_write(stream_, net::buffer(cont), use_nothrow);
        if (ec)
            co_return std::nullopt;
    }
    borrow_body_buffer(body_buf_);
    if (buffer_.capacity() < active_read_buffer)
        buffer_.reserve(active_read_buffer); // Beast reads as much as the free capacity
    parser.get().body().data = body_buf_.data();
    parser.get().body().size = body_buf_.size();
    // The parser consumes body bytes as they come; what stays in buffer_ while it asks for more
    // is an unfinished chunk-size line or trailer. Bounding buffer_ to one more read buffer
    // bounds that line: a longer one ends the read with buffer_overflow (400) instead of
    // growing the buffer for as long as the client keeps sending.
    const std::size_t unbounded = buffer_.max_size();
    buffer_.max_size(std::max(buffer_.capacity(), buffer_.size() + active_read_buffer));
    arm_client_deadline(std::chrono::steady_clock::now() + limits.body_timeout);
    auto [read_ec, n] = co_await http::async_read_some(stream_, buffer_, parser, use_nothrow);
    buffer_.max_size(unbounded);
    auto ec = disarm_client_deadline(read_ec);
    if (ec == http::error::need_buffer)
        ec = {};
    if (ec) {
        // A broken or cut body: 400 (bad chunk), 408 (too slow: the socket is still open to
        // say so) or nothing (client gone).
        if (!benign(ec) || ec == beast::error::timeout) {
            unsigned status = ec == beast::error::timeout ? 408 : 400;
            co_await answer_local(error_response(status, true), rec, status);
        }
        co_return std::nullopt;
    }
    std::size_t got = body_buf_.size() - parser.get().body().size;
    rec.bytes_in += got;
    if (rec.bytes_in > limits.max_body_bytes) {
        co_await answer_local(error_response(413, true), rec, 413);
        co_return std::nullopt;
    }
    co_return std::string_view(body_buf_.data(), got);
}

// With a body, read from the message after it: Beast adds a chunked body's trailer fields to
// it, and a trailer's Connection: close has always ended the connection.
bool http1_connection::keep_alive_requested() const noexcept {
    return parser_ ? parser_->get().keep_alive() : request_keep_alive_;
}

bool http1_connection::frame_response(client_response_plan& plan, bool no_body,
                                      std::optional<std::uint64_t> length) {
    const auto& req = *request_;
    if (no_body) {
        plan.framing = body_framing::none;
    } else if (!length) {
        // HTTP/1.0 knows no chunked coding: the end of the body is the end of the connection.
        plan.framing = req.version() == 10 ? body_framing::close_delimited : body_framing::chunked;
    } else {
        plan.framing = body_framing::content_length;
        plan.content_length = *length;
    }
    const bool keep = keep_alive_requested() && plan.framing != body_framing::close_delimited &&
                      !worker_.shared.draining.load(std::memory_order_relaxed);
    plan.close = !keep;
    return keep;
}

// send(), answer() and switch_protocols() each try one non-blocking write first: the usual
// response goes out with no deadline, completion handler or second coroutine frame.
awaitable<bool> http1_connection::send(const http::response_header<>* head,
                                       const client_response_plan& plan,
                                       std::span<const std::string_view> pieces, bool last,
                                       request_record& rec) {
    std::string head_out;
    out_.clear();
    if (head) {
        head_out = build_client_response_head(*head, plan);
        out_.push_back(net::buffer(head_out));
    }
    framer_.frame(pieces, plan.framing == body_framing::chunked, last,
                  [this](net::const_buffer b) { out_.push_back(b); });
    std::size_t sent = 0;
    if (const auto now = try_write(out_, sent, rec); now != write_progress::partial)
        co_return now == write_progress::done;
    co_return co_await write_rest(out_, sent, rec);
}

awaitable<void> http1_connection::answer(std::string response, request_record& rec) {
    const net::const_buffer whole = net::buffer(response);
    std::size_t sent = 0;
    if (try_write({&whole, 1}, sent, rec) == write_progress::partial)
        co_await write_rest({&whole, 1}, sent, rec);
}

http1_connection::write_progress http1_connection::try_write(std::span<const net::const_buffer> all,
                                                             std::size_t& sent,
                                                             request_record& rec) {
    last_write_waited_ = false;
    error_code ec;
    sent = stream_.write_now(all, ec);
    rec.bytes_out += sent;
    if (ec)
        return write_progress::failed;
    return sent == net::buffer_size(all) ? write_progress::done : write_progress::partial;
}

awaitable<bool> http1_connection::switch_protocols(const http::response_header<>& res,
                                                   net::const_buffer early, request_record& rec) {
    client_response_plan plan;
    plan.framing = body_framing::none;
    plan.keep_upgrade = true;
    const auto head_out = build_client_response_head(res, plan);
    out_.clear();
    out_.push_back(net::buffer(head_out));
    if (early.size())
        out_.push_back(early); // bytes the origin sent right after its 101
    std::size_t sent = 0;
    if (const auto now = try_write(out_, sent, rec); now != write_progress::partial)
        co_return now == write_progress::done;
    co_return co_await write_rest(out_, sent, rec);
}

awaitable<bool> http1_connection::write_rest(std::span<const net::const_buffer> all,
                                             std::size_t sent, request_record& rec) {
    last_write_waited_ = true;
    std::vector<net::const_buffer> buffers(all.begin(), all.end());
    drop_front(buffers, sent);
    const auto& snap = snap_; // the request's snapshot (no lock per write)
    // body_timeout is "no progress for this long": every byte the reader acknowledges counts,
    // not only a completed write (a slow but steady reader may need longer than that).
    const auto window = snap->cfg->limits.body_timeout;
    arm_client_deadline(std::chrono::steady_clock::now() + window, window);
    auto [write_ec, n] = co_await net::async_write(stream_, buffers, use_nothrow);
    const auto ec = disarm_client_deadline(write_ec);
    rec.bytes_out += n;
    co_return !ec;
}

awaitable<void> http1_connection::tunnel(upstream_connection& up) {
    using namespace net::experimental::awaitable_operators;
    const auto& snap = snap_; // the request's snapshot (no lock per write)
    auto idle = snap->cfg->limits.keepalive_timeout;
    // Bytes already buffered from the client (sent right after the upgrade request) go first.
    if (buffer_.size()) {
        auto [ec, n] = co_await net::async_write(up.stream, buffer_.data(), use_nothrow);
        buffer_.consume(buffer_.size());
        if (ec)
            co_return;
    }
    auto pump = [idle](any_stream& from, any_stream& to) -> awaitable<void> {
        std::array<char, 16 * 1024> buf;
        for (;;) {
            from.tcp().expires_after(idle);
            auto [ec, n] = co_await from.async_read_some(net::buffer(buf), use_nothrow);
            if (n) {
                to.tcp().expires_after(idle);
                auto [wec, wn] =
                    co_await net::async_write(to, net::buffer(buf.data(), n), use_nothrow);
                if (wec)
                    co_return;
            }
            if (ec)
                co_return;
        }
    };
    co_await (pump(stream_, up.stream) || pump(up.stream, stream_));
}

} // namespace geogate
