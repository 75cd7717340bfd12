#include "proxy/connection/h2_stream.hpp"

#include "proxy/config/config.hpp"
#include "proxy/connection/h2_session.hpp"
#include "proxy/http/error_page.hpp"
#include "proxy/http/header_policy.hpp"

#include <algorithm>
#include <deque>
#include <nghttp2/nghttp2.h>

namespace geogate {
h2_stream::h2_stream(h2_session& session, std::int32_t id)
    : session_(session), id_(id), wake_(session.stream_.get_executor()) {}

void h2_stream::add_body(std::string_view bytes) {
    body_in_.append(bytes);
    wake(); // a read() may be waiting
}

void h2_stream::end_body() noexcept {
    body_end_ = true;
    wake();
}

void h2_stream::closed() noexcept {
    closed_ = true;
    wake();
}

void h2_stream::abandon() noexcept {
    abandoned_ = true;
    pending_.clear();
}

bool h2_stream::has_body() const noexcept {
    if (const auto length = head_.declared_length())
        return *length > 0;
    return !body_end_ || !body_in_.empty();
}

std::optional<std::uint64_t> h2_stream::declared_length() const noexcept {
    return head_.declared_length();
}

awaitable<bool> h2_stream::wait_until(std::chrono::steady_clock::time_point deadline) {
    wake_.expires_at(deadline);
    auto [ec] = co_await wake_.async_wait(use_nothrow);
    co_return ec == net::error::operation_aborted; // woken (cancel), not expired
}

awaitable<std::optional<std::string_view>> h2_stream::read(request_record& rec) {
    const auto& limits = session_.snap_->cfg->limits;
    if (head_.expect_continue() && !continue_sent_) {
        continue_sent_ = true;
        const nghttp2_nv nv[] = {
            {(std::uint8_t*)":status", (std::uint8_t*)"100", 7, 3, NGHTTP2_NV_FLAG_NONE}};
        nghttp2_submit_headers(session_.session_, NGHTTP2_FLAG_NONE, id_, nullptr, nv, 1, nullptr);
        session_.want_write();
    }
    auto deadline = std::chrono::steady_clock::now() + limits.body_timeout;
    while (body_in_.empty() && !body_end_ && !closed_) {
        if (!co_await wait_until(deadline) && body_in_.empty() && !body_end_ && !closed_) {
            co_await answer(error_response(408, false), rec);
            rec.status = 408;
            rec.local = true;
            co_return std::nullopt;
        }
    }
    if (closed_ && !body_end_)
        co_return std::nullopt; // the reader reset the stream
    body_out_.swap(body_in_);
    body_in_.clear();
    if (!body_out_.empty()) {
        // The reader may send as much again: its window opens as the origin takes the body.
        nghttp2_session_consume(session_.session_, id_, body_out_.size());
        session_.want_write();
    }
    rec.bytes_in += body_out_.size();
    const auto declared = head_.declared_length();
    if (rec.bytes_in > limits.max_body_bytes || (declared && *declared > limits.max_body_bytes)) {
        co_await answer(error_response(413, false), rec);
        rec.status = 413;
        rec.local = true;
        co_return std::nullopt;
    }
    co_return std::string_view(body_out_);
}

bool h2_stream::frame_response(client_response_plan& plan, bool no_body,
                               std::optional<std::uint64_t> length) {
    // DATA frames and END_STREAM frame the body: content-length is informative only.
    plan.framing = !no_body && length ? body_framing::content_length : body_framing::none;
    plan.content_length = length.value_or(0);
    plan.close = false;
    return true;
}

bool h2_stream::submit_head(const http::response_header<>& head, const client_response_plan& plan,
                            bool with_body, request_record& rec) {
    // nghttp2 copies names and values at submit: the storage lives until then.
    std::deque<std::string> store;
    std::vector<nghttp2_nv> nv;
    auto add = [&](std::string name, std::string_view value) {
        const std::string& n = store.emplace_back(std::move(name));
        const std::string& v = store.emplace_back(value);
        nv.push_back({(std::uint8_t*)n.data(), (std::uint8_t*)v.data(), n.size(), v.size(),
                      NGHTTP2_NV_FLAG_NONE});
        rec.bytes_out += n.size() + v.size();
    };
    add(":status", std::to_string(head.result_int()));
    for_each_client_response_field(head, plan, [&](std::string_view name, std::string_view value) {
        std::string lower = to_lower(name);
        if (!h2_connection_specific(lower))
            add(std::move(lower), value);
    });
    if (plan.framing == body_framing::content_length)
        add("content-length", std::to_string(plan.content_length));
    nghttp2_data_provider provider{};
    provider.source.ptr = this;
    provider.read_callback = [](nghttp2_session*, std::int32_t, std::uint8_t*, std::size_t length,
                                std::uint32_t* flags, nghttp2_data_source* src, void*) -> ssize_t {
        return static_cast<h2_stream*>(src->ptr)->provide(length, flags);
    };
    const int rv = nghttp2_submit_response(session_.session_, id_, nv.data(), nv.size(),
                                           with_body ? &provider : nullptr);
    head_sent_ = rv == 0;
    if (rv == 0 && !with_body)
        eof_sent_ = true;
    return rv == 0;
}

std::size_t h2_stream::queued(std::size_t enough) const noexcept {
    std::size_t n = 0;
    for (std::size_t i = pending_index_; i < pending_.size() && n < enough; ++i)
        n += pending_[i].size() - (i == pending_index_ ? pending_offset_ : 0);
    return n;
}

long h2_stream::provide(std::size_t length, std::uint32_t* flags) {
    if (abandoned_)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; // RST_STREAM: the exchange is gone
    const std::size_t available = queued(length);
    const std::size_t n = std::min(available, length);
    if (n == available && pending_last_) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        eof_sent_ = true;
    }
    if (n == 0 && !eof_sent_) {
        deferred_ = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    // The pieces stay valid until emit(): nghttp2 calls it in the same mem_send, and send()
    // waits until every piece has been emitted.
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    return static_cast<long>(n);
}

int h2_stream::emit(const std::uint8_t* frame_head, std::size_t length, std::string& out) {
    const std::size_t available = queued(length);
    if (abandoned_ || available < length)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; // RST_STREAM; cannot happen by design
    out.append(reinterpret_cast<const char*>(frame_head), 9);
    std::size_t copied = 0;
    while (copied < length) {
        const std::string_view piece = pending_[pending_index_].substr(pending_offset_);
        const std::size_t n = std::min(piece.size(), length - copied);
        out.append(piece.data(), n);
        copied += n;
        pending_offset_ += n;
        if (pending_offset_ == pending_[pending_index_].size()) {
            ++pending_index_;
            pending_offset_ = 0;
        }
    }
    taken_ += length;
    if (pending_index_ == pending_.size())
        wake(); // send() may return: its pieces are no longer needed
    return 0;
}

awaitable<bool> h2_stream::send(const http::response_header<>* head,
                                const client_response_plan& plan,
                                std::span<const std::string_view> pieces, bool last,
                                request_record& rec) {
    if (closed_ || abandoned_)
        co_return false;
    std::size_t total = 0;
    for (auto p : pieces)
        total += p.size();
    if (head) {
        if (!submit_head(*head, plan, !(last && total == 0), rec))
            co_return false;
        if (last && total == 0) {
            session_.want_write();
            co_return true;
        }
    } else if (!head_sent_) {
        co_return false; // a body without a head: the exchange cut the response short
    }
    pending_.assign(pieces.begin(), pieces.end());
    pending_index_ = 0;
    pending_offset_ = 0;
    pending_last_ = last;
    if (deferred_) {
        deferred_ = false;
        nghttp2_session_resume_data(session_.session_, id_);
    }
    session_.want_write();
    const auto& limits = session_.snap_->cfg->limits;
    std::uint64_t progress = taken_;
    auto deadline = std::chrono::steady_clock::now() + limits.body_timeout;
    // Until nghttp2 has taken every byte (into DATA frames: the window allowed them), the
    // stream closed, or the reader took nothing for body_timeout.
    while (!closed_ && (pending_index_ < pending_.size() || (last && !eof_sent_))) {
        if (!co_await wait_until(deadline)) {
            if (taken_ == progress) {
                pending_.clear();
                co_return false; // the reader's window stayed shut (zero-window stall)
            }
        }
        if (taken_ != progress) {
            progress = taken_;
            deadline = std::chrono::steady_clock::now() + limits.body_timeout;
        }
    }
    const bool ok = !closed_ || (pending_index_ == pending_.size() && (!last || eof_sent_));
    pending_.clear();
    pending_index_ = 0;
    if (ok)
        rec.bytes_out += total;
    co_return ok;
}

// Unlike HTTP/1.1, every send() waits (for the session's writer), so waiting tells nothing.
// A reader that keeps up takes the session's writes at once (its socket is not backed up) and
// has the window for a large piece right now: otherwise a large read from the origin would
// only sit in memory here, 256 KiB per stream instead of 64. (A closed stream's window is -1.)
bool h2_stream::reader_keeps_up() const noexcept {
    const auto session = session_.session_;
    return session_.socket_keeps_up_ &&
           std::min(nghttp2_session_get_stream_remote_window_size(session, id_),
                    nghttp2_session_get_remote_window_size(session)) >=
               static_cast<std::int32_t>(large_body_chunk);
}

awaitable<void> h2_stream::answer(std::string response, request_record& rec) {
    // geogate's own answers come as one HTTP/1.1 message (local_answer, error_page).
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    if (request().method() == http::verb::head)
        parser.skip(true);
    error_code ec;
    parser.put(net::buffer(response), ec);
    if (ec || !parser.is_header_done()) {
        abandon();
        co_return;
    }
    const auto& msg = parser.get();
    const std::string_view body = msg.body();
    client_response_plan plan;
    frame_response(plan, body.empty(), body.size());
    const std::string_view pieces[] = {body};
    co_await send(&msg.base(), plan,
                  std::span<const std::string_view>(pieces, body.empty() ? 0 : 1), true, rec);
}

} // namespace geogate
