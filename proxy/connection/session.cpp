#include "proxy/connection/session.hpp"

#include "geoip/client_address.hpp"
#include "proxy/connection/tcp_progress.hpp"
#include "proxy/exchange/classify.hpp"
#include "proxy/exchange/local_answer.hpp"
#include "proxy/exchange/preview.hpp"
#include "proxy/http/error_page.hpp"
#include "proxy/http/request_head_check.hpp"
#include "proxy/http/request_target.hpp"
#include "proxy/notice/body_transform.hpp"
#include "proxy/notice/notice_response.hpp"
#include "proxy/telemetry/access_log.hpp"
#include "proxy/telemetry/event_log.hpp"
#include "proxy/telemetry/metrics.hpp"
#include "rules/decide.hpp"

#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <charconv>
#include <cstring>

namespace geogate {
namespace {

constexpr std::size_t body_chunk = 64 * 1024;
// A length-delimited response body with more than body_chunk still to come is read in pieces
// of up to this much: the bench's 200 KB asset then takes one read and one write after the
// head instead of three of each (docs/performance.md, session 4).
constexpr std::size_t large_body_chunk = 256 * 1024;
// The client-side read buffer: a connection waiting for a request reads into a small one, like
// nginx's client_header_buffer_size (a head that does not fit takes a second read); a head
// being read, or a request body, gets a large one. An idle keep-alive connection then holds
// about 1 KiB of buffers instead of 16 KiB + a 64 KiB body buffer (issue 9: 10,000 idle
// connections in at most 100 MB).
constexpr std::size_t idle_read_buffer = 1024;
constexpr std::size_t active_read_buffer = 16 * 1024;

// Body buffers are lent to a session for the requests that need one and given back when the
// connection turns idle; a few spares per worker thread keep the busy path free of allocation
// (and of zero-filling 64 KiB).
constexpr std::size_t max_spare_body_buffers = 32;
constexpr std::size_t max_spare_large_body_buffers = 16;
thread_local std::vector<body_buffer> spare_body_buffers;
thread_local std::vector<body_buffer> spare_large_body_buffers;

void return_body_buffer(body_buffer& b) {
    if (b.empty())
        return;
    const bool large = b.size() > body_chunk;
    auto& spares = large ? spare_large_body_buffers : spare_body_buffers;
    if (spares.size() < (large ? max_spare_large_body_buffers : max_spare_body_buffers))
        spares.push_back(std::move(b));
    body_buffer().swap(b);
}

void borrow_body_buffer(body_buffer& b, std::size_t size = body_chunk) {
    if (b.size() >= size)
        return;
    return_body_buffer(b);
    auto& spares = size > body_chunk ? spare_large_body_buffers : spare_body_buffers;
    if (!spares.empty()) {
        b.swap(spares.back());
        spares.pop_back();
    } else {
        b.resize(size);
    }
}

void release_idle_buffers(body_buffer& body, beast::flat_buffer& reads) {
    return_body_buffer(body);
    if (reads.size() == 0 && reads.capacity() > idle_read_buffer)
        reads.shrink_to_fit(); // frees it: the next read allocates idle_read_buffer
}
constexpr std::size_t max_response_head = 64 * 1024;
// Request body bytes read before the origin is contacted: a malformed chunked body of up to
// this size is refused with nothing sent upstream, and a body that fits may be retried on a
// fresh connection when a pooled one turns out dead.
constexpr std::size_t body_prefetch = 64 * 1024;
// A chunk-size line's extensions (RFC 9112 7.1.1), which geogate never forwards: no client
// needs more than a few bytes of them, and a 70,000-byte one is an attack on whatever parses
// it. Longer is answered 400. A chunk-size line (or trailer) that does not end within one
// read buffer cannot be held either: see read_body_piece.
constexpr std::size_t max_chunk_extension = 4096;

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

std::string hex_size(std::size_t n) {
    char buf[20];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, n, 16);
    std::string s(buf, p);
    s += "\r\n";
    return s;
}

std::string_view region_text(const geoip::location& loc) {
    if (loc.unknown())
        return "unknown";
    if (loc.subdivision_count)
        return loc.subdivisions[0];
    return loc.country;
}

} // namespace

session::session(worker& w, any_stream stream, tcp::endpoint peer,
                 std::shared_ptr<ssl::context> tls_ctx)
    : worker_(w), tls_ctx_(std::move(tls_ctx)), stream_(std::move(stream)), peer_(peer),
      peer_text_(geoip::unmap(peer.address()).to_string()), deadline_timer_(w.ioc) {
    worker_.sessions.insert(this);
    worker_.shared.connections.fetch_add(1, std::memory_order_relaxed);
}

session::~session() {
    worker_.sessions.erase(this);
    worker_.shared.connections.fetch_sub(1, std::memory_order_relaxed);
    worker_.shared.per_client.remove(peer_.address()); // counted in by server::accept_loop
}

void session::close_if_idle() noexcept {
    if (idle_)
        stream_.close();
}

void start_session(worker& w, any_stream stream, tcp::endpoint peer,
                   std::shared_ptr<ssl::context> tls_ctx) {
    auto s = std::make_shared<session>(w, std::move(stream), peer, std::move(tls_ctx));
    net::co_spawn(
        w.ioc, [s]() -> awaitable<void> { co_await s->run(); }, net::detached);
}

void session::arm_client_deadline(std::chrono::steady_clock::time_point at,
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

std::chrono::steady_clock::time_point session::next_deadline_check() const {
    auto next = deadline_at_;
    if (deadline_window_.count() > 0) // look at the acknowledgements a few times per window
        next = std::min(next, std::chrono::steady_clock::now() +
                                  std::max<std::chrono::milliseconds>(
                                      deadline_window_ / 4, std::chrono::milliseconds(10)));
    return next;
}

void session::schedule_client_deadline() {
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
                return; // replaced by a nearer wait, or the session is gone
            if (auto s = self.lock())
                s->on_client_deadline(generation);
        });
}

void session::on_client_deadline(std::uint64_t generation) {
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

error_code session::disarm_client_deadline(error_code ec) {
    deadline_armed_ = false; // the pending wait (if any) stays: the next arm may reuse it
    if (deadline_passed_ && ec == net::error::operation_aborted)
        return beast::error::timeout;
    return ec;
}

awaitable<void> session::run() {
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
    } catch (const std::exception& e) {
        // Nothing on the data path throws by design; this is the last line of defence
        // (e.g. bad_alloc) so that one connection can never take the process down.
        event_log::error("session_exception", {{"what", e.what()}});
    }
    stream_.close();
}

awaitable<session::head_result> session::read_request_head() {
    snap_ = worker_.snapshots.current();
    const auto& snap = snap_;
    const auto& limits = snap->cfg->limits;
    // Answers to a broken or slow head run in a coroutine frame of their own: a request_record
    // (568 bytes) in this frame would stay allocated while a keep-alive connection waits.
    auto refuse = [this](unsigned status, std::string_view why) -> awaitable<void> {
        note_refused_head(status, why);
        request_record rec{};
        co_await answer_local(error_response(status, true), rec, status);
    };
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
                co_await refuse(431, "header too large");
                co_return head_result::answered;
            }
            co_return head_result::ok;
        }
        if (data.find('\0') != std::string_view::npos) {
            // A NUL can never be part of a valid head: answer now rather than at the deadline.
            co_await refuse(400, "NUL in head");
            co_return head_result::answered;
        }
        // Neither can a bare LF or CR (RFC 9112 2.2: geogate does not accept LF alone as a
        // line end): a head written with bare LFs never shows CRLFCRLF, and would otherwise
        // wait for the header deadline.
        for (std::size_t i = bare_scan_from; i < data.size(); ++i) {
            const bool bare_lf = data[i] == '\n' && (i == 0 || data[i - 1] != '\r');
            const bool bare_cr = data[i] == '\r' && i + 1 < data.size() && data[i + 1] != '\n';
            if (bare_lf || bare_cr) {
                co_await refuse(400, bare_lf ? "bare LF" : "bare CR");
                co_return head_result::answered;
            }
        }
        bare_scan_from = data.empty() ? 0 : data.size() - 1; // a CR at the end: look again
        auto line_end = data.find("\r\n");
        if ((line_end == std::string_view::npos && data.size() > limits.max_request_line) ||
            (line_end != std::string_view::npos && line_end > limits.max_request_line)) {
            co_await refuse(414, "request line too long");
            co_return head_result::answered;
        }
        if (data.size() > limits.max_header_bytes) {
            co_await refuse(431, "header too large");
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
                co_await refuse(408, "header timeout");
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

void session::note_refused_head(unsigned status, std::string_view why) {
    const auto& cfg = *snap_->cfg;
    worker_.shared.refused_heads.note(geoip::unmap(peer_.address()), status, why,
                                      cfg.log.client_ip);
}

awaitable<void> session::answer_local(std::string response, request_record& rec, unsigned status) {
    rec.status = status;
    rec.local = true;
    const net::const_buffer whole = net::buffer(response);
    co_await write_client({&whole, 1}, rec);
    if (rec.start.time_since_epoch().count() != 0)
        finish_request(rec);
    else
        worker_.shared.stats->rejected(status);
}

void session::finish_request(request_record& rec) {
    worker_.shared.stats->record(rec);
    if (worker_.shared.access)
        worker_.shared.access->write(rec);
}

awaitable<bool> session::handle_request(std::size_t head_size) {
    request_record rec;
    rec.start = std::chrono::steady_clock::now();
    rec.wall_start = std::chrono::system_clock::now();
    snap_ = worker_.snapshots.current();
    const auto snap = snap_; // one snapshot for the whole request
    const config& cfg = *snap->cfg;

    std::string_view head(static_cast<const char*>(buffer_.data().data()), head_size);
    auto verdict =
        check_request_head(head, {cfg.limits.max_request_line, cfg.limits.max_header_fields});
    if (!verdict.ok()) {
        note_refused_head(verdict.status, verdict.reason);
        bool is_head = head.substr(0, 5) == "HEAD ";
        co_await answer_local(error_response(verdict.status, true, is_head), rec, verdict.status);
        co_return false;
    }

    http::request_parser<http::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg.limits.max_header_bytes + 4));
    parser.body_limit(boost::none); // enforced below, with a 413 instead of a parse error
    // Lives in this frame, which outlives every read of the body (forward is awaited here).
    auto check_chunk_header = [](std::uint64_t, beast::string_view extensions, error_code& cec) {
        if (extensions.size() > max_chunk_extension)
            cec = http::error::bad_chunk_extension;
    };
    parser.on_chunk_header(check_chunk_header);
    error_code ec;
    auto used = parser.put(net::buffer(head.data(), head.size()), ec);
    if (ec || !parser.is_header_done()) {
        note_refused_head(400, "unparsable head");
        co_await answer_local(error_response(400, true), rec, 400);
        co_return false;
    }
    buffer_.consume(used);
    auto& req = parser.get();

    // Who and where the reader is, and what they get (proxy/exchange/classify.hpp).
    std::array<std::string_view, 16> values{};
    std::size_t nvalues = 0;
    for (auto it = req.find(cfg.client_ip.header); it != req.end() && nvalues < values.size();
         ++it) {
        if (!iequals(it->name_string(), cfg.client_ip.header))
            break;
        values[nvalues++] = it->value();
    }
    request_facts facts;
    facts.peer = peer_.address();
    facts.method = req.method_string();
    facts.target = req.target();
    facts.host_header = req[http::field::host];
    facts.client_ip_values = std::span<const std::string_view>(values.data(), nvalues);
    facts.user_agent = req[http::field::user_agent];
    facts.accept_language = req[http::field::accept_language];
    facts.accept_encoding = req[http::field::accept_encoding];
    if (auto pv = req.find("X-Geogate-Preview"); pv != req.end())
        // Only geogate's own admin listener knows the token; anyone else's header is ignored
        // (and never forwarded: header_policy drops it).
        facts.preview_region =
            preview_location(pv->value(), worker_.shared.preview_token, peer_.address());
    const auto unhealthy = worker_.shared.mirror_health.current(); // null: none failing
    const auto cls = classify(facts, *snap, unhealthy.get());
    const auto& target = cls.target;
    const auto& d = cls.decision;
    rec.method = req.method_string();
    rec.path = target.path;
    if (target.has_query)
        rec.query = target.query;
    rec.host = cls.host;
    rec.client = cls.client;
    rec.where = cls.where;
    rec.decision = d.act;
    if (d.matched)
        rec.rule = d.matched->name;

    bool has_body = parser.chunked() || (parser.content_length() && *parser.content_length() > 0);
    if (parser.content_length() && *parser.content_length() > cfg.limits.max_body_bytes) {
        co_await answer_local(error_response(413, true), rec, 413);
        co_return false;
    }

    bool close_after = !req.keep_alive() || has_body;
    switch (d.act) {
    case rules::action::redirect: {
        auto response = redirect_response(*d.matched, *d.target, target, close_after);
        rec.mirror = d.target->base;
        co_await answer_local(std::move(response), rec, d.matched->status);
        co_return !close_after;
    }
    case rules::action::block: {
        auto response = block_response(*d.matched, cls.notice, req, rec, close_after);
        co_await answer_local(std::move(response), rec, 451);
        co_return !close_after;
    }
    case rules::action::pass:
    case rules::action::notice:
        break;
    }
    rec.region_dependent = cls.region_dependent;
    co_return co_await forward(*snap, d.matched, cls.notice, parser, target, rec);
}

awaitable<bool> session::forward(const snapshot& snap, const rules::rule* rule,
                                 const notice_plan& notice_text,
                                 http::request_parser<http::buffer_body>& parser,
                                 const request_target& target, request_record& rec) {
    const config& cfg = *snap.cfg;
    auto& req = parser.get();
    bool has_body = parser.chunked() || (parser.content_length() && *parser.content_length() > 0);
    // Only a valid WebSocket handshake may open a tunnel; any other Upgrade (h2c above all:
    // HTTP/2 inside the tunnel would reach the origin unchecked) is stripped and the request
    // forwarded as a plain one.
    bool upgrade = parser.upgrade() && is_websocket_upgrade(req);
    bool notice = rec.decision == rules::action::notice;

    std::string upstream_target =
        cfg.origin.base_path + (target.path == "*" ? std::string("*") : target.origin_form());
    upstream_request_plan plan;
    plan.target = upstream_target;
    plan.client_ip = peer_text_;
    plan.peer_trusted = cfg.client_ip.policy.is_trusted(geoip::unmap(peer_.address()));
    plan.proto = stream_.is_tls() ? "https" : "http";
    std::string host_value = !target.authority.empty() ? std::string(target.authority)
                                                       : std::string(req[http::field::host]);
    plan.host = cfg.origin.preserve_host && !host_value.empty()
                    ? std::string_view(host_value)
                    : std::string_view(cfg.origin.host_header);
    plan.client_ip_header = cfg.client_ip.header;
    std::string region_value(region_text(rec.where));
    plan.region_header = cfg.client_ip.region_header;
    plan.region_value = region_value;
    plan.upgrade = upgrade;
    plan.chunked_body = parser.chunked();
    plan.keep_underscore_names = cfg.origin.forward_underscore_headers;
    if (notice && rule)
        prepare_notice_request(notice_text, req, plan);
    std::string up_head = build_upstream_request_head(req, plan);

    // Expect: 100-continue is answered here: the origin never sees Expect, and the client
    // sends its body only once geogate has decided to forward it.
    if (has_body && iequals(req[http::field::expect], "100-continue")) {
        static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
        stream_.tcp().expires_after(cfg.limits.body_timeout);
        auto [ec, n] = co_await net::async_write(stream_, net::buffer(cont), use_nothrow);
        if (ec) {
            finish_request(rec);
            co_return false;
        }
    }

    std::string prefetched;
    if (has_body && !co_await prefetch_body(parser, prefetched, rec))
        co_return false; // answered (400/408/413) or the client is gone; the origin saw nothing
    bool body_replayable = !has_body || parser.is_done();

    std::unique_ptr<upstream_connection> up;
    std::optional<http::response_parser<http::buffer_body>>
        res; // parsers are one-shot: re-emplaced
    bool fresh_only = false;
    for (int attempt = 0;; ++attempt) {
        auto acq = co_await worker_.pool.acquire(cfg.origin, fresh_only);
        if (acq.ec) {
            worker_.shared.stats->upstream_error(acq.timed_out ? "connect_timeout" : "connect");
            event_log::warning("upstream_connect_failed", {{"error", acq.ec.message()}});
            co_await answer_local(error_response(502, has_body), rec, 502);
            co_return !has_body && req.keep_alive();
        }
        up = std::move(acq.conn);
        auto up_start = std::chrono::steady_clock::now();
        // The request head usually goes out in one non-blocking write; the async write (with
        // the origin's deadline) only takes what the kernel did not.
        const net::const_buffer head_buf = net::buffer(up_head);
        error_code wec;
        const std::size_t head_sent = up->stream.write_now({&head_buf, 1}, wec);
        if (!wec && head_sent < up_head.size()) {
            up->stream.tcp().expires_after(cfg.origin.response_timeout);
            auto [async_ec, wn] =
                co_await net::async_write(up->stream, head_buf + head_sent, use_nothrow);
            wec = async_ec;
        }
        bool ok = !wec;
        if (ok && has_body) {
            if (!co_await send_body_upstream(parser, prefetched, *up, rec))
                co_return false; // client side failed; answered or closed there
        }
        auto fresh_parser = [&] {
            res.emplace();
            res->header_limit(max_response_head);
            res->body_limit(boost::none);
            if (req.method() == http::verb::head)
                res->skip(true);
        };
        fresh_parser();
        if (ok) {
            up->stream.tcp().expires_after(cfg.origin.response_timeout);
            error_code rec_ec;
            for (;;) {
                auto [rec2, rn] =
                    co_await http::async_read_header(up->stream, up->buffer, *res, use_nothrow);
                rec_ec = rec2;
                if (rec_ec)
                    break;
                auto code = res->get().result_int();
                if (code >= 100 && code < 200 && code != 101) {
                    fresh_parser(); // interim responses (103 Early Hints, a stray 100) are not
                                    // relayed
                    continue;
                }
                break;
            }
            if (!rec_ec) {
                worker_.shared.stats->origin_ok();
                rec.upstream_time = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - up_start);
                break;
            }
            ok = false;
            wec = rec_ec;
        }
        // A reused connection that the origin closed while idle fails before any response
        // byte: retry once on a fresh connection when the whole request can be sent again.
        bool nothing_received = up->buffer.size() == 0 && !res->got_some();
        if (acq.reused && attempt == 0 && body_replayable && nothing_received &&
            (wec == net::error::eof || wec == net::error::connection_reset ||
             wec == http::error::end_of_stream || wec == net::error::broken_pipe)) {
            up->stream.close();
            fresh_only = true;
            continue;
        }
        up->stream.close();
        bool timeout = wec == beast::error::timeout;
        worker_.shared.stats->upstream_error(timeout ? "response_timeout" : "bad_response");
        event_log::warning("upstream_failed", {{"error", wec.message()}});
        co_await answer_local(error_response(timeout ? 504 : 502, true), rec, timeout ? 504 : 502);
        co_return false;
    }

    rec.upstream_status = res->get().result_int();
    if (rec.upstream_status == 101) {
        if (!upgrade || !is_websocket_switch(res->get())) {
            // A switch the client did not validly ask for (or to another protocol) is never
            // relayed: the bytes after it are not HTTP, so the origin connection goes too.
            worker_.shared.stats->upstream_error("unrequested_upgrade");
            event_log::warning("upstream_unrequested_upgrade", {});
            up->stream.close();
            co_await answer_local(error_response(502, true), rec, 502);
            co_return false;
        }
        client_response_plan p;
        p.framing = body_framing::none;
        p.keep_upgrade = true;
        auto head_out = build_client_response_head(res->get(), p);
        std::vector<net::const_buffer> bufs{net::buffer(head_out)};
        if (up->buffer.size())
            bufs.push_back(up->buffer.data()); // bytes the origin sent right after its 101
        rec.status = 101;
        if (!co_await write_client(bufs, rec)) {
            up->stream.close();
            finish_request(rec);
            co_return false;
        }
        up->buffer.consume(up->buffer.size());
        finish_request(rec);
        co_await tunnel(*up);
        up->stream.close();
        co_return false;
    }

    bool reusable = false;
    bool keep = co_await relay_response(snap, rule, notice_text, req, *res, *up, rec, reusable);
    if (reusable)
        worker_.pool.release(std::move(up), cfg.origin);
    else
        up->stream.close();
    finish_request(rec);
    co_return keep;
}

awaitable<std::optional<std::size_t>>
session::read_body_piece(http::request_parser<http::buffer_body>& parser, request_record& rec) {
    const auto& snap = snap_; // the request's snapshot (no lock per write)
    const auto& limits = snap->cfg->limits;
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
        } else {
            finish_request(rec);
        }
        co_return std::nullopt;
    }
    std::size_t got = body_buf_.size() - parser.get().body().size;
    rec.bytes_in += got;
    if (rec.bytes_in > limits.max_body_bytes) {
        co_await answer_local(error_response(413, true), rec, 413);
        co_return std::nullopt;
    }
    co_return got;
}

awaitable<bool> session::prefetch_body(http::request_parser<http::buffer_body>& parser,
                                       std::string& prefetched, request_record& rec) {
    while (!parser.is_done() && prefetched.size() < body_prefetch) {
        auto got = co_await read_body_piece(parser, rec);
        if (!got)
            co_return false;
        prefetched.append(body_buf_.data(), *got);
    }
    co_return true;
}

awaitable<bool> session::send_body_upstream(http::request_parser<http::buffer_body>& parser,
                                            std::string_view prefetched, upstream_connection& up,
                                            request_record& rec) {
    const auto& snap = snap_; // the request's snapshot (no lock per write)
    bool chunked = parser.chunked();
    std::string_view piece = prefetched;
    bool first = true;
    for (;;) {
        if (!first) {
            if (parser.is_done())
                break;
            auto got = co_await read_body_piece(parser, rec);
            if (!got) {
                up.stream.close(); // the origin got part of a request: that connection is done
                co_return false;
            }
            piece = std::string_view(body_buf_.data(), *got);
        }
        first = false;
        std::string size_line;
        std::array<net::const_buffer, 4> bufs;
        std::size_t nb = 0;
        if (chunked && !piece.empty()) {
            size_line = hex_size(piece.size());
            bufs[nb++] = net::buffer(size_line);
        }
        if (!piece.empty())
            bufs[nb++] = net::buffer(piece.data(), piece.size());
        if (chunked && !piece.empty())
            bufs[nb++] = net::buffer("\r\n", 2);
        if (chunked && parser.is_done())
            bufs[nb++] = net::buffer("0\r\n\r\n", 5); // trailers are not forwarded
        if (nb == 0)
            continue;
        up.stream.tcp().expires_after(snap->cfg->origin.response_timeout);
        auto [wec, wn] =
            co_await net::async_write(up.stream, std::span(bufs.data(), nb), use_nothrow);
        if (wec) {
            up.stream.close();
            worker_.shared.stats->upstream_error("request_body");
            co_await answer_local(error_response(502, true), rec, 502);
            co_return false;
        }
    }
    co_return true;
}

awaitable<bool> session::write_client(std::span<const net::const_buffer> all, request_record& rec) {
    last_write_waited_ = false;
    error_code now_ec;
    const std::size_t sent = stream_.write_now(all, now_ec);
    rec.bytes_out += sent;
    if (now_ec)
        co_return false;
    if (sent == net::buffer_size(all))
        co_return true; // the usual case: no deadline, no completion handler
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

awaitable<bool> session::relay_response(const snapshot& snap, const rules::rule* rule,
                                        const notice_plan& notice,
                                        const http::request<http::buffer_body>& req,
                                        http::response_parser<http::buffer_body>& res,
                                        upstream_connection& up, request_record& rec,
                                        bool& reusable) {
    const config& cfg = *snap.cfg;
    auto& head = res.get();
    unsigned status = head.result_int();
    bool head_request = req.method() == http::verb::head;
    bool no_body = head_request || status == 204 || status == 304 || status < 200;
    bool client_http10 = req.version() == 10;
    bool draining = worker_.shared.draining.load(std::memory_order_relaxed);

    client_response_plan plan;
    std::unique_ptr<body_transform> transform;
    bool rewritten = false; // a notice rewrite (for HEAD: what GET would be)
    if (rec.decision == rules::action::notice && rule) {
        auto np = plan_notice_response(notice, *rule, req, head, plan, rec);
        if (np.outcome == notice_outcome::unrewritable) {
            co_await answer_unrewritable(snap, *rule, notice, req, rec);
            co_return false; // the origin's body is unread: neither connection goes on
        }
        rewritten = np.outcome == notice_outcome::rewrite;
        transform = std::move(np.transform);
    }
    if (rec.region_dependent)
        apply_region_cache_policy(cfg, head, plan, rec);
    if (stream_.is_tls() && cfg.tls && cfg.tls->hsts_max_age.count() > 0) {
        plan.drop.push_back("strict-transport-security");
        plan.add.emplace_back("Strict-Transport-Security",
                              "max-age=" + std::to_string(cfg.tls->hsts_max_age.count()));
    }

    if (no_body) {
        plan.framing = body_framing::none;
        // HEAD tells the length GET would have; a rewritten GET has none (chunked).
        if (auto cl = head.find(http::field::content_length);
            cl != head.end() && (head_request || status == 304) && !rewritten)
            plan.add.emplace_back("Content-Length", std::string(cl->value()));
        transform.reset();
    } else if (transform || !res.content_length()) {
        plan.framing = client_http10 ? body_framing::close_delimited : body_framing::chunked;
    } else {
        plan.framing = body_framing::content_length;
        plan.content_length = *res.content_length();
    }
    bool keep_client =
        req.keep_alive() && plan.framing != body_framing::close_delimited && !draining;
    plan.close = !keep_client;
    rec.status = status;

    // The head is built when the first bytes go out: until a transform lets body bytes
    // through it may still edit the plan (an untyped body identified) or fail (a UTF-16 page:
    // then nothing went out and the reader gets the on_unrewritable answer instead).
    std::string head_out;
    bool chunked = plan.framing == body_framing::chunked;

    if (no_body || res.is_done()) {
        std::vector<std::string_view> tail;
        if (transform && !transform->finish(tail)) {
            rec.unrewritable = transform->failure().empty() ? std::string_view("decode_error")
                                                            : transform->failure();
            co_await answer_unrewritable(snap, *rule, notice, req, rec);
            co_return false;
        }
        head_out = build_client_response_head(head, plan);
        std::vector<net::const_buffer> bufs{net::buffer(head_out)};
        std::string size_line;
        std::size_t total = 0;
        for (auto v : tail)
            total += v.size();
        if (chunked && total) {
            size_line = hex_size(total);
            bufs.push_back(net::buffer(size_line));
        }
        for (auto v : tail)
            if (!v.empty())
                bufs.push_back(net::buffer(v.data(), v.size()));
        if (chunked && total)
            bufs.push_back(net::buffer("\r\n", 2));
        if (chunked)
            bufs.push_back(net::buffer("0\r\n\r\n", 5));
        if (!co_await write_client(bufs, rec)) {
            rec.aborted = true;
            co_return false;
        }
        reusable = res.keep_alive() && res.is_done();
        co_return keep_client;
    }

    bool head_sent = false;
    std::vector<net::const_buffer> bufs;
    std::vector<std::string_view> pieces;
    std::string size_line;
    // A length-delimited body is relayed straight from the socket in large reads: through
    // Beast's parser it would come in flat_buffer-sized pieces and be copied twice.
    const bool raw = res.content_length().has_value();
    std::uint64_t remaining = raw ? *res.content_length() : 0;
    borrow_body_buffer(body_buf_);
    for (;;) {
        bool done = raw ? remaining == 0 : res.is_done();
        // A reader that takes what it is sent at once gets the rest of a large body in one
        // 256 KiB read; a slow one keeps the 64 KiB buffer (the memory a slow download holds).
        if (raw && !done && remaining > body_chunk && up.buffer.size() == 0 && head_sent &&
            !last_write_waited_)
            borrow_body_buffer(body_buf_, large_body_chunk);
        std::size_t got = 0;
        const char* in_data = body_buf_.data(); // where this round's `got` bytes are
        std::size_t consume_after = 0;          // of up.buffer, once this round is written
        if (!done) {
            error_code ec;
            up.stream.tcp().expires_after(cfg.origin.response_timeout);
            if (raw) {
                auto want =
                    static_cast<std::size_t>(std::min<std::uint64_t>(remaining, body_buf_.size()));
                if (up.buffer.size()) {
                    // Body bytes that arrived together with the response head: sent straight
                    // from the parser's buffer (no copy), consumed once written.
                    got = std::min(want, up.buffer.size());
                    in_data = static_cast<const char*>(up.buffer.data().data());
                    consume_after = got;
                } else {
                    auto [rec_ec, n] = co_await up.stream.async_read_some(
                        net::buffer(body_buf_.data(), want), use_nothrow);
                    ec = rec_ec;
                    got = n;
                    if (ec == net::error::eof && got == 0)
                        ec = http::error::partial_message; // closed short of Content-Length
                    else if (ec && got)
                        ec = {}; // deliver what came; the error returns on the next read
                }
                remaining -= got;
                done = remaining == 0;
            } else {
                head.body().data = body_buf_.data();
                head.body().size = body_buf_.size();
                auto [rec_ec, n] =
                    co_await http::async_read_some(up.stream, up.buffer, res, use_nothrow);
                ec = rec_ec;
                if (ec == http::error::need_buffer)
                    ec = {};
                if (ec == http::error::end_of_stream && res.is_done())
                    ec = {};
                got = body_buf_.size() - head.body().size;
                done = res.is_done();
            }
            if (ec) {
                // The origin failed mid-body. The client must see an incomplete response: no
                // terminating chunk, and the connection closes short of any Content-Length.
                worker_.shared.stats->upstream_error(ec == beast::error::timeout ? "body_timeout"
                                                                                 : "body");
                rec.aborted = true;
                if (!head_sent) {
                    // Nothing sent yet: still a clean 502/504 for the client.
                    bool timeout = ec == beast::error::timeout;
                    auto page = error_response(timeout ? 504 : 502, true);
                    std::vector<net::const_buffer> eb{net::buffer(page)};
                    rec.status = timeout ? 504 : 502;
                    co_await write_client(eb, rec);
                } else if (transform) {
                    co_await abandon_body(*transform, chunked, rec);
                }
                co_return false;
            }
        }
        bufs.clear();
        pieces.clear();
        std::string_view in(in_data, got);
        if (transform) {
            // finish() keeps the views of the write() before: the last piece of the body
            // and its end (held bytes, a fallback notice, the last chunk) go in one write.
            if ((!in.empty() && !transform->write(in, pieces)) ||
                (done && !transform->finish(pieces))) {
                rec.unrewritable = transform->failure().empty() ? std::string_view("decode_error")
                                                                : transform->failure();
                if (!head_sent) {
                    co_await answer_unrewritable(snap, *rule, notice, req, rec);
                } else {
                    note_unrewritable(rec, req[http::field::host]);
                    rec.aborted = true;
                    co_await abandon_body(*transform, chunked, rec);
                }
                co_return false;
            }
        } else if (!in.empty()) {
            pieces.push_back(in);
        }
        std::size_t total = 0;
        for (auto v : pieces)
            total += v.size();
        if (!head_sent) {
            if (transform && total == 0 && !done) {
                up.buffer.consume(consume_after); // held by the transform: nothing out yet
                continue;
            }
            head_out = build_client_response_head(head, plan);
            bufs.push_back(net::buffer(head_out));
        }
        if (chunked && total) {
            size_line = hex_size(total);
            bufs.push_back(net::buffer(size_line));
        }
        for (auto v : pieces)
            if (!v.empty())
                bufs.push_back(net::buffer(v.data(), v.size()));
        if (chunked && total)
            bufs.push_back(net::buffer("\r\n", 2));
        if (chunked && done)
            bufs.push_back(net::buffer("0\r\n\r\n", 5));
        if (!bufs.empty()) {
            if (!co_await write_client(bufs, rec)) {
                rec.aborted = true;
                co_return false;
            }
            head_sent = true;
        }
        up.buffer.consume(consume_after);
        if (done)
            break;
    }
    reusable = res.keep_alive() && up.buffer.size() == 0;
    co_return keep_client;
}

awaitable<void> session::answer_unrewritable(const snapshot& snap, const rules::rule& r,
                                             const notice_plan& notice,
                                             const http::request_header<>& req,
                                             request_record& rec) {
    note_unrewritable(rec, req[http::field::host]);
    std::string page;
    if (snap.cfg->notices.on_unrewritable == unrewritable_answer::notice) {
        page = block_response(r, notice, req, rec, true);
        rec.status = 451;
    } else {
        page = error_response(502, true, req.method() == http::verb::head);
        rec.status = 502;
    }
    const net::const_buffer whole = net::buffer(page);
    co_await write_client({&whole, 1}, rec);
}

awaitable<void> session::abandon_body(body_transform& transform, bool chunked,
                                      request_record& rec) {
    std::vector<std::string_view> tail;
    transform.abandon(tail);
    std::size_t total = 0;
    for (auto v : tail)
        total += v.size();
    if (total == 0)
        co_return;
    std::vector<net::const_buffer> bufs;
    std::string size_line;
    if (chunked) {
        size_line = hex_size(total);
        bufs.push_back(net::buffer(size_line));
    }
    for (auto v : tail)
        if (!v.empty())
            bufs.push_back(net::buffer(v.data(), v.size()));
    if (chunked)
        bufs.push_back(net::buffer("\r\n", 2)); // and no last chunk: still incomplete
    co_await write_client(bufs, rec);
}

awaitable<void> session::tunnel(upstream_connection& up) {
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
