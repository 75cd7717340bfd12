#include "proxy/connection/h2_stream.hpp"

#include "common/http_text.hpp"
#include "proxy/config/config.hpp"
#include "proxy/connection/h2_session.hpp"
#include "proxy/http/error_page.hpp"
#include "proxy/http/header_policy.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <nghttp2/nghttp2.h>

namespace geogate {
namespace {

// RFC 7541 4.1: a field's size in the header list is its name, its value and 32.
constexpr std::size_t field_overhead = 32;

// A decoded head larger than this many times limits.max_header_bytes ends the connection: the
// 431 already stands, and an HPACK bomb (small frames referring to large table entries over and
// over) would otherwise make geogate decode without end.
constexpr std::size_t head_bomb_factor = 4;

// A request-target byte as the HTTP/1.1 request line to the origin may carry it: visible ASCII.
// A space or control character in :path would split that line (request smuggling).
bool visible_ascii(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// :authority = host [ ":" port ], no userinfo (RFC 9113 8.3.1): what goes out as Host.
bool plausible_authority(std::string_view a) noexcept {
    return !a.empty() && visible_ascii(a) && a.find_first_of("/?#@\\") == std::string_view::npos;
}

// Fields HTTP/2 forbids (RFC 9113 8.2.2); nghttp2 refuses them too, this is the second check.
bool connection_specific(std::string_view name) noexcept {
    for (std::string_view f :
         {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"})
        if (name == f)
            return true;
    return false;
}

} // namespace

h2_stream::h2_stream(h2_session& session, std::int32_t id)
    : session_(session), id_(id), wake_(session.stream_.get_executor()) {}

h2_stream::field_verdict h2_stream::add_field(std::string_view name, std::string_view value,
                                              const config& cfg) {
    if (in_trailers_ || malformed_)
        return field_verdict::ok; // trailers are not forwarded (docs/request-flow.md)
    head_bytes_ += name.size() + value.size() + field_overhead;
    if (head_bytes_ > head_bomb_factor * cfg.limits.max_header_bytes)
        return field_verdict::connection_error;
    if (head_bytes_ > cfg.limits.max_header_bytes)
        head_too_large_ = true;
    if (head_too_large_)
        return field_verdict::ok; // counted, not kept: answered 431 at the end of the head
    if (!name.empty() && name.front() == ':') {
        if (pseudo_done_)
            return field_verdict::stream_error; // RFC 9113 8.3: pseudo-fields come first
        std::string* slot = name == ":method"      ? &method_
                            : name == ":scheme"    ? &scheme_
                            : name == ":authority" ? &authority_
                            : name == ":path"      ? &path_
                                                   : nullptr;
        if (!slot || !slot->empty())
            return field_verdict::stream_error; // unknown or repeated
        *slot = value;
        return field_verdict::ok;
    }
    pseudo_done_ = true;
    if (++head_fields_ > cfg.limits.max_header_fields) {
        head_too_large_ = true;
        return field_verdict::ok;
    }
    if (connection_specific(name) || (name == "te" && value != "trailers"))
        return field_verdict::stream_error;
    if (name == "cookie") {
        // RFC 9113 8.2.3: cookie crumbs are joined with "; " for HTTP/1.1.
        if (!cookie_.empty())
            cookie_ += "; ";
        cookie_ += value;
        return field_verdict::ok;
    }
    if (name == "content-length") {
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc{} || end != value.data() + value.size() ||
            (declared_length_ && *declared_length_ != n))
            return field_verdict::stream_error;
        declared_length_ = n;
    }
    if (name == "expect") {
        expect_continue_ = iequals(value, "100-continue");
        return field_verdict::ok; // answered here (100), never forwarded
    }
    fields_.emplace_back(name, value);
    return field_verdict::ok;
}

int h2_stream::finish_head(const config& cfg) {
    (void)cfg;
    if (head_too_large_)
        return 431;
    if (method_ == "CONNECT")
        return 405; // geogate is no forward proxy; WebSocket over HTTP/2 (RFC 8441) is not offered
    if (method_.empty() || scheme_.empty() || path_.empty() || !is_token(method_))
        return -1;
    const bool asterisk = path_ == "*" && method_ == "OPTIONS";
    if ((!asterisk && path_.front() != '/') || !visible_ascii(path_))
        return -1;
    if (!authority_.empty() && !plausible_authority(authority_))
        return -1;
    std::string_view host;
    for (const auto& [n, v] : fields_)
        if (n == "host") {
            if (!host.empty())
                return -1; // two Host fields
            host = v;
        }
    if (!authority_.empty() && !host.empty() && !iequals(authority_, host))
        return -1; // RFC 9113 8.3.1: a Host naming another entity makes the request malformed
    if (authority_.empty() && host.empty())
        return 400;
    req_.method_string(method_);
    req_.target(path_);
    req_.version(20);
    req_.set(http::field::host, authority_.empty() ? host : std::string_view(authority_));
    for (const auto& [n, v] : fields_)
        if (n != "host")
            req_.insert(n, v);
    if (!cookie_.empty())
        req_.insert(http::field::cookie, cookie_);
    if (declared_length_)
        req_.set(http::field::content_length, std::to_string(*declared_length_));
    fields_.clear();
    fields_.shrink_to_fit();
    return 0;
}

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
    if (declared_length_)
        return *declared_length_ > 0;
    return !body_end_ || !body_in_.empty();
}

std::optional<std::uint64_t> h2_stream::declared_length() const noexcept {
    return declared_length_;
}

awaitable<bool> h2_stream::wait_until(std::chrono::steady_clock::time_point deadline) {
    wake_.expires_at(deadline);
    auto [ec] = co_await wake_.async_wait(use_nothrow);
    co_return ec == net::error::operation_aborted; // woken (cancel), not expired
}

awaitable<std::optional<std::string_view>> h2_stream::read(request_record& rec) {
    const auto& limits = session_.snap_->cfg->limits;
    if (expect_continue_) {
        expect_continue_ = false;
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
    if (rec.bytes_in > limits.max_body_bytes ||
        (declared_length_ && *declared_length_ > limits.max_body_bytes)) {
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
        if (!connection_specific(lower))
            add(std::move(lower), value);
    });
    if (plan.framing == body_framing::content_length)
        add("content-length", std::to_string(plan.content_length));
    nghttp2_data_provider provider{};
    provider.source.ptr = this;
    provider.read_callback = [](nghttp2_session*, std::int32_t, std::uint8_t* buf,
                                std::size_t length, std::uint32_t* flags, nghttp2_data_source* src,
                                void*) -> ssize_t {
        return static_cast<h2_stream*>(src->ptr)->provide(buf, length, flags);
    };
    const int rv = nghttp2_submit_response(session_.session_, id_, nv.data(), nv.size(),
                                           with_body ? &provider : nullptr);
    head_sent_ = rv == 0;
    if (rv == 0 && !with_body)
        eof_sent_ = true;
    return rv == 0;
}

long h2_stream::provide(std::uint8_t* out, std::size_t length, std::uint32_t* flags) {
    if (abandoned_)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; // RST_STREAM: the exchange is gone
    std::size_t copied = 0;
    while (copied < length && pending_index_ < pending_.size()) {
        const std::string_view piece = pending_[pending_index_].substr(pending_offset_);
        const std::size_t n = std::min(piece.size(), length - copied);
        std::memcpy(out + copied, piece.data(), n);
        copied += n;
        pending_offset_ += n;
        if (pending_offset_ == pending_[pending_index_].size()) {
            ++pending_index_;
            pending_offset_ = 0;
        }
    }
    taken_ += copied;
    const bool all_taken = pending_index_ == pending_.size();
    if (all_taken && pending_last_) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        eof_sent_ = true;
    }
    if (all_taken)
        wake(); // send() may return: its pieces are no longer needed
    if (copied == 0 && !eof_sent_) {
        deferred_ = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    return static_cast<long>(copied);
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
    waited_ = false;
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
        waited_ = true;
    }
    const bool ok = !closed_ || (pending_index_ == pending_.size() && (!last || eof_sent_));
    pending_.clear();
    pending_index_ = 0;
    if (ok)
        rec.bytes_out += total;
    co_return ok;
}

bool h2_stream::reader_keeps_up() const noexcept {
    return !waited_;
}

awaitable<void> h2_stream::answer(std::string response, request_record& rec) {
    // geogate's own answers come as one HTTP/1.1 message (local_answer, error_page).
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    if (req_.method() == http::verb::head)
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
