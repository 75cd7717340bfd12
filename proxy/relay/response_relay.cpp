#include "proxy/relay/response_relay.hpp"

#include "proxy/notice/body_transform.hpp"
#include "proxy/notice/notice_response.hpp"
#include "proxy/telemetry/metrics.hpp"

#include <algorithm>
#include <memory>
#include <string_view>
#include <vector>

namespace geogate {

awaitable<relay_result> response_relay::run() {
    const config& cfg = req_.cfg;
    const auto& req = req_.head;
    auto& head = res_.get();
    const unsigned status = head.result_int();
    const bool head_request = req.method() == http::verb::head;
    const bool no_body = head_request || status == 204 || status == 304 || status < 200;
    relay_result result;

    client_response_plan plan; // the sniffing transform keeps a reference: lives in this frame
    std::unique_ptr<body_transform> transform;
    bool rewritten = false; // a notice rewrite (for HEAD: what GET would be)
    if (rec_.decision == rules::action::notice && req_.rule) {
        auto np = plan_notice_response(req_.notice, *req_.rule, req, head, plan, rec_);
        if (np.outcome == notice_outcome::unrewritable) {
            result.end = relay_end::unrewritable; // the origin's body is unread
            co_return result;
        }
        rewritten = np.outcome == notice_outcome::rewrite;
        transform = std::move(np.transform);
    }
    if (rec_.region_dependent)
        apply_region_cache_policy(cfg, head, plan, rec_);
    if (req_.tls_reader && cfg.tls && cfg.tls->hsts_max_age.count() > 0) {
        plan.drop.push_back("strict-transport-security");
        plan.add.emplace_back("Strict-Transport-Security",
                              "max-age=" + std::to_string(cfg.tls->hsts_max_age.count()));
    }

    std::optional<std::uint64_t> length;
    if (no_body) {
        // HEAD tells the length GET would have; a rewritten GET has none (chunked).
        if (auto cl = head.find(http::field::content_length);
            cl != head.end() && (head_request || status == 304) && !rewritten)
            plan.add.emplace_back("Content-Length", std::string(cl->value()));
        transform.reset();
    } else if (!transform) {
        if (auto cl = res_.content_length()) // a transform changes the length: unknown
            length = *cl;
    }
    const bool keep_client = sink_.frame_response(plan, no_body, length);
    rec_.status = status;
    auto unrewritable = [&] {
        rec_.unrewritable =
            transform->failure().empty() ? std::string_view("decode_error") : transform->failure();
    };

    // The head goes out with the first bytes: until a transform lets body bytes through it
    // may still edit the plan (an untyped body identified) or fail (a UTF-16 page: then
    // nothing went out and the reader gets the on_unrewritable answer instead).
    if (no_body || res_.is_done()) {
        std::vector<std::string_view> tail;
        if (transform && !transform->finish(tail)) {
            unrewritable();
            result.end = relay_end::unrewritable;
            co_return result;
        }
        if (!co_await sink_.send(&head, plan, tail, true, rec_)) {
            rec_.aborted = true;
            result.end = relay_end::cut;
            co_return result;
        }
        result.keep_client = keep_client;
        result.reusable = res_.keep_alive() && res_.is_done();
        co_return result;
    }

    bool head_sent = false;
    std::vector<std::string_view> pieces;
    // A length-delimited body is relayed straight from the socket in large reads: through
    // Beast's parser it would come in flat_buffer-sized pieces and be copied twice.
    const bool raw = res_.content_length().has_value();
    std::uint64_t remaining = raw ? *res_.content_length() : 0;
    borrow_body_buffer(buf_);
    for (;;) {
        bool done = raw ? remaining == 0 : res_.is_done();
        // A reader that takes what it is sent at once gets the rest of a large body in one
        // 256 KiB read; a slow one keeps the 64 KiB buffer (the memory a slow download holds).
        if (raw && !done && remaining > body_chunk && up_.buffer.size() == 0 && head_sent &&
            sink_.reader_keeps_up())
            borrow_body_buffer(buf_, large_body_chunk);
        std::size_t got = 0;
        const char* in_data = buf_.data(); // where this round's `got` bytes are
        std::size_t consume_after = 0;     // of up_.buffer, once this round is written
        if (!done) {
            error_code ec;
            up_.stream.tcp().expires_after(cfg.origin.response_timeout);
            if (raw) {
                auto want =
                    static_cast<std::size_t>(std::min<std::uint64_t>(remaining, buf_.size()));
                if (up_.buffer.size()) {
                    // Body bytes that arrived together with the response head: sent straight
                    // from the parser's buffer (no copy), consumed once written.
                    got = std::min(want, up_.buffer.size());
                    in_data = static_cast<const char*>(up_.buffer.data().data());
                    consume_after = got;
                } else {
                    auto [read_ec, n] = co_await up_.stream.async_read_some(
                        net::buffer(buf_.data(), want), use_nothrow);
                    ec = read_ec;
                    got = n;
                    if (ec == net::error::eof && got == 0)
                        ec = http::error::partial_message; // closed short of Content-Length
                    else if (ec && got)
                        ec = {}; // deliver what came; the error returns on the next read
                }
                remaining -= got;
                done = remaining == 0;
            } else {
                head.body().data = buf_.data();
                head.body().size = buf_.size();
                auto [read_ec, n] =
                    co_await http::async_read_some(up_.stream, up_.buffer, res_, use_nothrow);
                ec = read_ec;
                if (ec == http::error::need_buffer)
                    ec = {};
                if (ec == http::error::end_of_stream && res_.is_done())
                    ec = {};
                got = buf_.size() - head.body().size;
                done = res_.is_done();
            }
            if (ec) {
                // The origin failed mid-body. The reader must see an incomplete response: no
                // end of body, and the connection closes short of any Content-Length.
                req_.stats.upstream_error(ec == beast::error::timeout ? "body_timeout" : "body");
                rec_.aborted = true;
                if (!head_sent) {
                    result.end = relay_end::origin_failed; // still a clean 502/504
                    result.origin_error = ec;
                    co_return result;
                }
                if (transform)
                    co_await abandon(*transform, plan);
                result.end = relay_end::cut;
                co_return result;
            }
        }
        pieces.clear();
        std::string_view in(in_data, got);
        if (transform) {
            // finish() keeps the views of the write() before: the last piece of the body
            // and its end (held bytes, a fallback notice, the last chunk) go in one write.
            if ((!in.empty() && !transform->write(in, pieces)) ||
                (done && !transform->finish(pieces))) {
                unrewritable();
                if (!head_sent) {
                    result.end = relay_end::unrewritable;
                    co_return result;
                }
                note_unrewritable(rec_, req[http::field::host]);
                rec_.aborted = true;
                co_await abandon(*transform, plan);
                result.end = relay_end::cut;
                co_return result;
            }
        } else if (!in.empty()) {
            pieces.push_back(in);
        }
        bool any = false;
        for (auto v : pieces)
            any = any || !v.empty();
        if (!head_sent && transform && !any && !done) {
            up_.buffer.consume(consume_after); // held by the transform: nothing out yet
            continue;
        }
        if (!head_sent || any || done) {
            if (!co_await sink_.send(head_sent ? nullptr : &head, plan, pieces, done, rec_)) {
                rec_.aborted = true;
                result.end = relay_end::cut;
                co_return result;
            }
            head_sent = true;
        }
        up_.buffer.consume(consume_after);
        if (done)
            break;
    }
    result.keep_client = keep_client;
    result.reusable = res_.keep_alive() && up_.buffer.size() == 0;
    co_return result;
}

awaitable<void> response_relay::abandon(body_transform& transform,
                                        const client_response_plan& plan) {
    std::vector<std::string_view> tail;
    transform.abandon(tail);
    for (auto v : tail)
        if (!v.empty()) {
            co_await sink_.send(nullptr, plan, tail, false, rec_);
            co_return;
        }
}

} // namespace geogate
