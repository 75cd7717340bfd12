#include "proxy/relay/response_relay.hpp"

#include "proxy/cache/cache_policy.hpp"
#include "proxy/notice/body_transform.hpp"
#include "proxy/notice/notice_response.hpp"
#include "proxy/telemetry/metrics.hpp"
#include "rules/notices/notice_text.hpp"

#include <algorithm>
#include <memory>
#include <string_view>
#include <vector>

namespace geogate {
namespace {

// RFC 9111 4.3.4: a 304 updates the stored response's fields, except those that describe the
// stored bytes themselves (and the hop-by-hop ones, which never leave this connection).
bool updated_by_304(std::string_view lower_name) {
    for (std::string_view keep : {"content-length", "content-encoding", "content-type",
                                  "content-range", "etag", "transfer-encoding", "connection",
                                  "keep-alive", "proxy-connection", "te", "trailer", "upgrade"})
        if (lower_name == keep)
            return false;
    return true;
}

// An entity-tag without its weak indicator: what weak comparison compares (RFC 9110 8.8.3.2).
std::string_view without_weak(std::string_view etag) {
    return etag.starts_with("W/") ? etag.substr(2) : etag;
}

// The origin's 304 is for the entry's representation: it names the entry's ETag, or none.
bool confirms(const cached_variant& v, const http::response_header<>& res) {
    auto etag = res[http::field::etag];
    if (etag.empty() || v.etag.empty())
        return true;
    return without_weak(etag) == without_weak(v.etag);
}

// Whether the reader's If-None-Match names `etag` (weak comparison; "*" is not taken: the
// reader then gets the page, which is always right).
bool names_etag(std::string_view list, std::string_view etag) {
    const auto want = without_weak(etag);
    std::size_t i = 0;
    while (i < list.size()) {
        if (list[i] == ' ' || list[i] == '\t' || list[i] == ',') {
            ++i;
            continue;
        }
        std::size_t open = list.substr(i, 2) == "W/" ? i + 2 : i;
        if (open >= list.size() || list[open] != '"')
            return false;
        auto close = list.find('"', open + 1);
        if (close == std::string_view::npos)
            return false;
        if (list.substr(open, close - open + 1) == want)
            return true;
        i = close + 1;
    }
    return false;
}

} // namespace

bool compression_slot::take(variant_cache& cache) noexcept {
    if (!cache_ && cache.begin_compression())
        cache_ = &cache;
    return cache_ != nullptr;
}

void compression_slot::give_back() noexcept {
    if (cache_)
        std::exchange(cache_, nullptr)->end_compression();
}

bool filling_hold::add(variant_cache& cache, std::uint64_t n, std::uint64_t max_entry) noexcept {
    if (!cache.hold_filling(n, max_entry))
        return false;
    cache_ = &cache;
    bytes_ += n;
    return true;
}

void filling_hold::release() noexcept {
    if (cache_ && bytes_)
        cache_->release_filling(std::exchange(bytes_, 0));
}

void response_relay::finish_plan(const http::response_header<>& head, client_response_plan& plan) {
    const config& cfg = req_.cfg;
    if (rec_.region_dependent)
        apply_region_cache_policy(cfg, head, plan, rec_);
    if (req_.tls_reader && cfg.tls && cfg.tls->hsts_max_age.count() > 0) {
        plan.drop.push_back("strict-transport-security");
        plan.add.emplace_back("Strict-Transport-Security",
                              "max-age=" + std::to_string(cfg.tls->hsts_max_age.count()));
    }
}

awaitable<relay_result> response_relay::run() {
    const config& cfg = req_.cfg;
    const auto& req = req_.head;
    auto& head = res_.get();
    const unsigned status = head.result_int();
    const bool head_request = req.method() == http::verb::head;
    const bool no_body = head_request || status == 204 || status == 304 || status < 200;
    relay_result result;
    auto* lookup = req_.lookup;
    raw_ = res_.content_length().has_value();
    remaining_ = raw_ ? *res_.content_length() : 0;

    if (lookup && lookup->entry && status == 304) {
        if (confirms(*lookup->entry, head))
            co_return co_await serve_stored(*lookup->entry, "not_modified");
        // A 304 for another representation than the one the entry was made from: there is
        // nothing to serve, and the entry is not what the origin has.
        lookup->cache.drop(lookup->key, lookup->entry.get());
        rec_.cache = "miss";
        rec_.cache_reason = "changed";
        rec_.unrewritable = "revalidation";
        result.end = relay_end::unrewritable;
        co_return result;
    }

    client_response_plan plan; // the sniffing transform keeps a reference: lives in this frame
    std::unique_ptr<body_transform> transform;
    bool rewritten = false;       // a notice rewrite (for HEAD: what GET would be)
    bool whole = false;           // rewritten whole, for the variant cache
    client_response_plan rewrite; // the rewrite's own header edits (what an entry keeps)
    compression_slot slot;        // the compression thread's, for a stored variant
    const bool notice = rec_.decision == rules::action::notice && req_.rule;
    if (notice && lookup) {
        // HEAD fills no entry, but gets the fields (the tag) GET would.
        auto why = status == 304 || status == 204 || status < 200 ? std::string_view("status")
                                                                  : not_storable_reason(head);
        rec_.cache = head_request ? "bypass" : "miss";
        rec_.cache_reason = head_request    ? "method"
                            : !why.empty()  ? why
                            : lookup->entry ? "changed"
                                            : "absent";
        whole = why.empty();
    }
    // The header edits and the transform, at the variant cache's levels or the streaming ones
    // (planned again, from the origin's head, when a page to be stored must stream after all).
    auto plan_response = [&](bool stored_levels) {
        plan = {};
        auto np = plan_notice_response(req_.notice, req_.variant, stored_levels, *req_.rule, req,
                                       head, plan, rec_);
        rewritten = np.outcome == notice_outcome::rewrite;
        transform = std::move(np.transform);
        return np.outcome;
    };
    if (notice) {
        // The high levels need a place on the compression thread; without one the page is
        // stored as compressed at the streaming levels (its tag says which).
        const bool stored_levels = whole && (req_.notice.coding == html::coding::identity ||
                                             head_request || slot.take(lookup->cache));
        const auto outcome = plan_response(stored_levels);
        if (outcome == notice_outcome::unrewritable) {
            if (lookup)
                rec_.cache_reason = "unrewritable";
            result.end = relay_end::unrewritable; // the origin's body is unread
            co_return result;
        }
        if (whole && outcome != notice_outcome::rewrite) {
            // Untyped (sniffed) or not a document: streamed as it is decided, never stored.
            whole = false;
            rec_.cache_reason = outcome == notice_outcome::sniff ? "untyped" : "status";
            if (outcome == notice_outcome::untouched)
                rec_.cache = {}; // not a page the cache makes
        }
        if (whole)
            rewrite = plan;
        else if (lookup && lookup->entry && !head_request && status != 304)
            lookup->cache.drop(lookup->key, lookup->entry.get()); // outdated, not replaced
    }
    finish_plan(head, plan);

    if (no_body || res_.is_done()) {
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
        if (whole && transform)
            co_return co_await rewrite_whole(*transform, plan, rewrite, {}, slot);
        const bool keep_client = sink_.frame_response(plan, no_body, length);
        rec_.status = status;
        std::vector<std::string_view> tail;
        if (transform && !transform->finish(tail)) {
            rec_.unrewritable = transform->failure().empty() ? std::string_view("decode_error")
                                                             : transform->failure();
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

    borrow_body_buffer(buf_);
    std::string carried;
    filling_hold held; // the bytes read whole, against the cache's budget for them
    if (whole) {
        // Read it all (bounded) before anything goes out: rewritten once, at the variant
        // levels, sent with its length and stored. A body above the bound, or beyond the
        // budget all such reads share, streams instead (planned again at the streaming
        // levels: its tag says so), and is not stored.
        std::string raw;
        for (;;) {
            auto piece = co_await read_piece(false);
            if (piece.ec) {
                req_.stats.upstream_error(piece.ec == beast::error::timeout ? "body_timeout"
                                                                            : "body");
                rec_.aborted = true;
                rec_.cache_reason = "incomplete";
                result.end = relay_end::origin_failed; // nothing went out: a clean 502/504
                result.origin_error = piece.ec;
                co_return result;
            }
            const bool room = raw.size() + piece.data.size() <= cfg.cache.max_entry_bytes;
            if (room && !held.add(lookup->cache, piece.data.size(), cfg.cache.max_entry_bytes)) {
                rec_.cache_reason = "busy";
                carried = std::move(raw);
                carried.append(piece.data); // streams: held only as long as the first piece
                up_.buffer.consume(piece.consume_after);
                break;
            }
            raw.append(piece.data);
            up_.buffer.consume(piece.consume_after);
            if (piece.done && room)
                co_return co_await rewrite_whole(*transform, plan, rewrite, std::move(raw), slot);
            if (!room) {
                rec_.cache_reason = "too_large";
                if (lookup->entry)
                    lookup->cache.drop(lookup->key, lookup->entry.get());
                carried = std::move(raw);
                break;
            }
        }
        held.release();
        slot.give_back();
        // (nothing of the body has gone through the transform yet: planned afresh)
        plan_response(false);
        finish_plan(head, plan);
    }

    // Streamed: through the transform when there is one, `carried` first (bytes of the body
    // read already, when a page to be stored turned out larger than the bound).
    std::optional<std::uint64_t> length;
    if (!transform && raw_) // a transform changes the length: unknown
        length = remaining_;
    body_transform* const stream_transform = transform.get();

    const bool keep_client = sink_.frame_response(plan, false, length);
    rec_.status = head.result_int();
    auto unrewritable = [&] {
        rec_.unrewritable = stream_transform->failure().empty() ? std::string_view("decode_error")
                                                                : stream_transform->failure();
    };

    // The head goes out with the first bytes: until a transform lets body bytes through it
    // may still edit the plan (an untyped body identified) or fail (a UTF-16 page: then
    // nothing went out and the reader gets the on_unrewritable answer instead).
    bool head_sent = false;
    bool first = true;
    std::vector<std::string_view> pieces;
    borrow_body_buffer(buf_);
    for (;;) {
        body_piece piece;
        if (first && !carried.empty()) {
            piece.data = carried; // read already, the body goes on after it
        } else {
            piece = co_await read_piece(head_sent && sink_.reader_keeps_up());
            if (piece.ec) {
                // The origin failed mid-body. The reader must see an incomplete response: no
                // end of body, and the connection closes short of any Content-Length.
                req_.stats.upstream_error(piece.ec == beast::error::timeout ? "body_timeout"
                                                                            : "body");
                rec_.aborted = true;
                if (!head_sent) {
                    result.end = relay_end::origin_failed; // still a clean 502/504
                    result.origin_error = piece.ec;
                    co_return result;
                }
                if (stream_transform)
                    co_await abandon(*stream_transform, plan);
                result.end = relay_end::cut;
                co_return result;
            }
        }
        first = false;
        const bool done = piece.done;
        pieces.clear();
        if (stream_transform) {
            // finish() keeps the views of the write() before: the last piece of the body
            // and its end (held bytes, a fallback notice, the last chunk) go in one write.
            if ((!piece.data.empty() && !stream_transform->write(piece.data, pieces)) ||
                (done && !stream_transform->finish(pieces))) {
                unrewritable();
                if (!head_sent) {
                    result.end = relay_end::unrewritable;
                    co_return result;
                }
                note_unrewritable(rec_, req_.head[http::field::host]);
                rec_.aborted = true;
                co_await abandon(*stream_transform, plan);
                result.end = relay_end::cut;
                co_return result;
            }
        } else if (!piece.data.empty()) {
            pieces.push_back(piece.data);
        }
        bool any = false;
        for (auto v : pieces)
            any = any || !v.empty();
        if (!head_sent && transform && !any && !done) {
            up_.buffer.consume(piece.consume_after); // held by the transform: nothing out yet
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
        up_.buffer.consume(piece.consume_after);
        if (done)
            break;
    }
    result.keep_client = keep_client;
    result.reusable = res_.keep_alive() && up_.buffer.size() == 0;
    co_return result;
}

awaitable<response_relay::body_piece> response_relay::read_piece(bool large) {
    body_piece p;
    auto& head = res_.get();
    p.done = raw_ ? remaining_ == 0 : res_.is_done();
    if (p.done)
        co_return p;
    // A reader that takes what it is sent at once gets the rest of a large body in one
    // 256 KiB read; a slow one keeps the 64 KiB buffer (the memory a slow download holds).
    if (large && raw_ && remaining_ > body_chunk && up_.buffer.size() == 0)
        borrow_body_buffer(buf_, large_body_chunk);
    up_.stream.tcp().expires_after(req_.cfg.origin.response_timeout);
    if (raw_) {
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, buf_.size()));
        std::size_t got = 0;
        if (up_.buffer.size()) {
            // Body bytes that arrived together with the response head: sent straight from
            // the parser's buffer (no copy), consumed once written.
            got = std::min(want, up_.buffer.size());
            p.data = {static_cast<const char*>(up_.buffer.data().data()), got};
            p.consume_after = got;
        } else {
            auto [ec, n] =
                co_await up_.stream.async_read_some(net::buffer(buf_.data(), want), use_nothrow);
            got = n;
            if (ec == net::error::eof && got == 0)
                p.ec = http::error::partial_message; // closed short of Content-Length
            else if (!(ec && got))
                p.ec = ec; // with bytes: deliver them; the error returns on the next read
            p.data = {buf_.data(), got};
        }
        remaining_ -= got;
        p.done = remaining_ == 0;
        co_return p;
    }
    head.body().data = buf_.data();
    head.body().size = buf_.size();
    auto [ec, n] = co_await http::async_read_some(up_.stream, up_.buffer, res_, use_nothrow);
    if (ec == http::error::need_buffer)
        ec = {};
    if (ec == http::error::end_of_stream && res_.is_done())
        ec = {};
    p.ec = ec;
    p.data = {buf_.data(), buf_.size() - head.body().size};
    p.done = res_.is_done();
    co_return p;
}

awaitable<relay_result> response_relay::rewrite_whole(body_transform& transform,
                                                      client_response_plan& plan,
                                                      const client_response_plan& rewrite,
                                                      std::string raw, compression_slot& slot) {
    auto& head = res_.get();
    auto& lookup = *req_.lookup;
    relay_result result;
    const bool validators = head.find(http::field::etag) != head.end() ||
                            head.find(http::field::last_modified) != head.end();
    std::string digest;
    if (!validators) {
        digest = body_digest(raw);
        const auto& entry = lookup.entry;
        if (entry && !entry->digest.empty() && entry->digest == digest) {
            result = co_await serve_stored(*entry, "digest"); // the same bytes: no rewrite
            result.reusable = res_.keep_alive() && up_.buffer.size() == 0;
            co_return result;
        }
    }
    auto v = std::make_shared<cached_variant>();
    bool rewritten = false;
    auto rewrite_all = [&] {
        std::vector<std::string_view> out;
        rewritten = (raw.empty() || transform.write(raw, out)) && transform.finish(out);
        std::size_t size = 0;
        for (auto piece : out)
            size += piece.size();
        v->body.reserve(size);
        for (auto piece : out)
            v->body += piece;
    };
    if (slot && req_.compression) {
        // Compressed once for every later reader, at a high level: on the compression
        // thread, while this worker serves its other readers. Nothing else touches this
        // frame meanwhile (the request waits here).
        co_await net::co_spawn(
            *req_.compression,
            [&]() -> awaitable<void> {
                rewrite_all();
                co_return;
            },
            use_nothrow);
    } else {
        rewrite_all(); // identity, or the streaming levels: cheap enough here
    }
    slot.give_back();
    if (!rewritten) {
        rec_.unrewritable =
            transform.failure().empty() ? std::string_view("decode_error") : transform.failure();
        rec_.cache_reason = "unrewritable";
        result.end = relay_end::unrewritable; // nothing went out
        co_return result;
    }

    if (rec_.injected && v->body.size() <= req_.cfg.cache.max_entry_bytes) {
        v->key = lookup.key;
        v->url = lookup.url;
        v->head = head.base();
        v->drop.assign(rewrite.drop.begin(), rewrite.drop.end());
        v->add = rewrite.add;
        v->etag = head[http::field::etag];
        v->last_modified = head[http::field::last_modified];
        v->digest = std::move(digest);
        for (const auto& [name, value] : rewrite.add)
            if (iequals(name, "etag"))
                v->variant_etag = value;
        v->injector_fallback = rec_.injector_fallback;
        v->meta_csp_amended = rec_.meta_csp_amended;
        v->meta_csp_untouched = rec_.meta_csp_untouched;
        rec_.cache_stored = lookup.cache.store(v);
        if (!rec_.cache_stored)
            rec_.cache_reason = "too_large";
    } else {
        if (rec_.injected)
            rec_.cache_reason = "too_large";
        if (lookup.entry)
            lookup.cache.drop(lookup.key, lookup.entry.get()); // outdated, not replaced
    }
    const bool keep_client = sink_.frame_response(plan, false, v->body.size());
    rec_.status = head.result_int();
    const std::string_view body = v->body;
    if (!co_await sink_.send(&head, plan, {&body, 1}, true, rec_)) {
        rec_.aborted = true;
        result.end = relay_end::cut;
        co_return result;
    }
    result.keep_client = keep_client;
    result.reusable = res_.keep_alive() && up_.buffer.size() == 0;
    co_return result;
}

awaitable<relay_result> response_relay::serve_stored(const cached_variant& v,
                                                     std::string_view via) {
    relay_result result;
    const auto& req = req_.head;
    const auto* text = req_.notice.text;
    const http::response_header<>& fresh = res_.get(); // the 304, when via == not_modified
    const bool refreshed = via == "not_modified";
    client_response_plan plan;
    plan.drop.assign(v.drop.begin(), v.drop.end());
    plan.add = v.add;
    rec_.notice_id = text->notice_id;
    rec_.notice_lang = text->language;
    rec_.notice_version = text->version;
    rec_.injected = true;
    rec_.injector_fallback = v.injector_fallback;
    rec_.meta_csp_amended = v.meta_csp_amended;
    rec_.meta_csp_untouched = v.meta_csp_untouched;
    rec_.cache = "hit";
    rec_.cache_reason = via;
    // The region policy starts from the Cache-Control the 304 refreshed (RFC 9111 4.3.4).
    const bool fresh_cc = refreshed && fresh.find(http::field::cache_control) != fresh.end();
    std::optional<http::response_header<>> policy_head;
    if (fresh_cc) {
        policy_head.emplace();
        for (const auto* h : {&fresh, &v.head})
            for (const auto& f : *h)
                if ((h == &fresh && f.name() == http::field::cache_control) ||
                    iequals(f.name_string(), "cdn-cache-control") ||
                    iequals(f.name_string(), "surrogate-control"))
                    policy_head->insert(f.name_string(), f.value());
    }
    finish_plan(fresh_cc ? *policy_head : v.head, plan);
    // The 304's other fields replace the stored ones: as plan edits, so the stored head is
    // sent as it is, never copied. Fields the rewrite or the policy own stay theirs.
    std::vector<std::string> refreshed_names;
    if (refreshed) {
        refreshed_names.reserve(std::distance(fresh.begin(), fresh.end()));
        const auto owned = plan.drop.size();
        // Beast keeps the lines of one name together, in the order they came: a name's run
        // starts where it differs from the line before, and is taken or left whole.
        std::string_view run; // the name of the run being walked (no field name is empty)
        bool taking = false;
        for (const auto& f : fresh) {
            if (!iequals(run, f.name_string())) {
                run = f.name_string();
                auto name = to_lower(run);
                taking = updated_by_304(name) &&
                         std::find(plan.drop.begin(), plan.drop.begin() + owned, name) ==
                             plan.drop.begin() + owned;
                if (taking) {
                    refreshed_names.push_back(std::move(name)); // reserved: views stay valid
                    plan.drop.push_back(refreshed_names.back());
                }
            }
            if (taking)
                plan.add.emplace_back(std::string(f.name_string()), std::string(f.value()));
        }
    }

    // The reader's copy is this very variant: it keeps it.
    const bool has_it =
        !v.variant_etag.empty() && names_etag(req[http::field::if_none_match], v.variant_etag);
    const bool head_request = req.method() == http::verb::head;
    const std::string_view body = v.body;
    bool keep_client = false;
    std::optional<http::response_header<>> not_modified; // the stored head, as a 304
    if (has_it) {
        not_modified.emplace(v.head);
        not_modified->result(http::status::not_modified);
        keep_client = sink_.frame_response(plan, true, std::nullopt);
    } else if (head_request) {
        plan.add.emplace_back("Content-Length", std::to_string(body.size()));
        keep_client = sink_.frame_response(plan, true, std::nullopt);
    } else {
        keep_client = sink_.frame_response(plan, false, body.size());
    }
    const auto& head = not_modified ? *not_modified : v.head;
    rec_.status = head.result_int();
    const bool with_body = !has_it && !head_request;
    if (!co_await sink_.send(&head, plan, {&body, with_body ? 1u : 0u}, true, rec_)) {
        rec_.aborted = true;
        result.end = relay_end::cut;
        co_return result;
    }
    result.keep_client = keep_client;
    result.reusable = res_.keep_alive() && res_.is_done();
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
