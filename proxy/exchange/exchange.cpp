#include "proxy/exchange/exchange.hpp"

#include "geoip/client_address.hpp"
#include "proxy/cache/cache_policy.hpp"
#include "proxy/exchange/local_answer.hpp"
#include "proxy/exchange/preview.hpp"
#include "proxy/http/chunked_framing.hpp"
#include "proxy/http/error_page.hpp"
#include "proxy/http/header_policy.hpp"
#include "proxy/notice/notice_response.hpp"
#include "proxy/relay/response_relay.hpp"
#include "proxy/telemetry/event_log.hpp"
#include "proxy/telemetry/metrics.hpp"

#include <array>
#include <optional>
#include <utility>
#include <vector>

namespace geogate {
namespace {

constexpr std::size_t max_response_head = 64 * 1024;
// Request body bytes read before the origin is contacted: a malformed chunked body of up to
// this size is refused with nothing sent upstream, and a body that fits may be retried on a
// fresh connection when a pooled one turns out dead.
constexpr std::size_t body_prefetch = 64 * 1024;

std::string_view region_text(const geoip::location& loc) {
    if (loc.unknown())
        return "unknown";
    if (loc.subdivision_count)
        return loc.subdivisions[0];
    return loc.country;
}

} // namespace

// Not a coroutine: classifying is synchronous, and what follows is one coroutine (a local
// answer or the forward), so a request costs no extra coroutine frame here.
awaitable<void> exchange::run() {
    const config& cfg = *snap_.cfg;
    const auto& req = req_;

    // Who and where the reader is, and what they get (proxy/exchange/classify.hpp), read in
    // one pass over the fields (six tree look-ups cost more than the walk).
    // Every line of the client-IP header counts: the trusted proxy's own is the last, so a cap
    // would let a client that sends many lines name its own address (and region). Up to 16
    // lines fit on the stack; more (the head allows limits.max_header_fields) go to the heap.
    // Beast keeps the lines of one name together, in the order they came.
    std::array<std::string_view, 16> values{};
    std::vector<std::string_view> many;
    std::size_t nvalues = 0;
    request_facts facts;
    const auto ip_field = http::string_to_field(cfg.client_ip.header);
    bool host = false, agent = false, language = false, encoding = false, accept = false,
         preview = false;
    std::string_view preview_value;
    for (const auto& f : req) {
        const auto name = f.name();
        bool client_ip = false;
        switch (name) {
        case http::field::host:
            if (!std::exchange(host, true))
                facts.host_header = f.value();
            break;
        case http::field::user_agent:
            if (!std::exchange(agent, true))
                facts.user_agent = f.value();
            break;
        case http::field::accept_language:
            if (!std::exchange(language, true))
                facts.accept_language = f.value();
            break;
        case http::field::accept_encoding:
            if (!std::exchange(encoding, true))
                facts.accept_encoding = f.value();
            break;
        case http::field::accept:
            if (!std::exchange(accept, true))
                facts.accept = f.value();
            break;
        case http::field::unknown:
            client_ip =
                ip_field == http::field::unknown && iequals(f.name_string(), cfg.client_ip.header);
            if (!client_ip && !preview && iequals(f.name_string(), "X-Geogate-Preview")) {
                preview = true;
                preview_value = f.value();
            }
            break;
        default:
            break;
        }
        if (!client_ip && (name != ip_field || name == http::field::unknown))
            continue;
        if (nvalues == values.size())
            many.assign(values.begin(), values.end());
        if (nvalues >= values.size())
            many.push_back(f.value());
        else
            values[nvalues] = f.value();
        ++nvalues;
    }
    facts.peer = client_.peer.address();
    facts.method = req.method_string();
    facts.target = req.target();
    facts.client_ip_values = many.empty()
                                 ? std::span<const std::string_view>(values.data(), nvalues)
                                 : std::span<const std::string_view>(many);
    if (preview)
        // Only geogate's own admin listener knows the token; anyone else's header is ignored
        // (and never forwarded: header_policy drops it).
        facts.preview_region =
            preview_location(preview_value, worker_.shared.preview_token, client_.peer.address());
    const auto unhealthy = worker_.shared.mirror_health.current(); // null: none failing
    cls_ = classify(facts, snap_, unhealthy.get());
    const auto& target = cls_.target;
    const auto& d = cls_.decision;
    rec_.method = req.method_string();
    rec_.path = target.path;
    if (target.has_query)
        rec_.query = target.query;
    rec_.host = cls_.host;
    rec_.client = cls_.client;
    rec_.where = cls_.where;
    rec_.decision = d.act;
    if (d.matched)
        rec_.rule = d.matched->name;

    const auto& body = client_.body;
    if (auto length = body.declared_length(); length && *length > cfg.limits.max_body_bytes)
        return answer(error_response(413, true), 413, false);

    // A local answer leaves a request body unread: the connection cannot go on after it.
    const bool close_after = !client_.sink.keep_alive_requested() || body.has_body();
    switch (d.act) {
    case rules::action::redirect:
        rec_.mirror = d.target->base;
        return answer(redirect_response(*d.matched, *d.target, target, close_after),
                      d.matched->status, !close_after);
    case rules::action::block:
        return answer(block_response(*d.matched, cls_.notice, req, rec_, close_after), 451,
                      !close_after);
    case rules::action::pass:
    case rules::action::notice:
        break;
    }
    rec_.region_dependent = cls_.region_dependent;
    return forward();
}

awaitable<void> exchange::answer(std::string response, unsigned status, bool keep) {
    rec_.status = status;
    rec_.local = true;
    outcome_.keep = keep;
    co_await client_.sink.answer(std::move(response), rec_);
}

awaitable<void> exchange::answer_origin_failure(const error_code& ec) {
    const unsigned status = ec == beast::error::timeout ? 504 : 502;
    rec_.status = status;
    co_await client_.sink.answer(error_response(status, true), rec_);
}

awaitable<void> exchange::answer_unrewritable() {
    note_unrewritable(rec_, req_[http::field::host]);
    std::string page;
    if (snap_.cfg->notices.on_unrewritable == unrewritable_answer::notice) {
        page = block_response(*cls_.decision.matched, cls_.notice, req_, rec_, true);
        rec_.status = 451;
    } else {
        page = error_response(502, true, req_.method() == http::verb::head);
        rec_.status = 502;
    }
    co_await client_.sink.answer(std::move(page), rec_);
}

// GCC 12 takes the release of this coroutine's frame (Asio's aligned_alloc/aligned_delete
// pair, seen through inlining) for a mismatched new/delete; the frame is Asio's own.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
awaitable<void> exchange::forward() {
    const config& cfg = *snap_.cfg;
    const auto& req = req_;
    auto& body = client_.body;
    const auto& target = cls_.target;
    const rules::rule* rule = cls_.decision.matched;
    const bool has_body = body.has_body();
    // Only a valid WebSocket handshake may open a tunnel; any other Upgrade (h2c above all:
    // HTTP/2 inside the tunnel would reach the origin unchecked) is stripped and the request
    // forwarded as a plain one.
    const bool upgrade = client_.upgrade_requested && is_websocket_upgrade(req);
    const bool notice = rec_.decision == rules::action::notice;

    std::string upstream_target =
        cfg.origin.base_path + (target.path == "*" ? std::string("*") : target.origin_form());
    upstream_request_plan plan;
    plan.target = upstream_target;
    plan.client_ip = client_.peer_text;
    plan.peer_trusted = cfg.client_ip.policy.is_trusted(geoip::unmap(client_.peer.address()));
    plan.proto = client_.tls ? "https" : "http";
    std::string host_value = !target.authority.empty() ? std::string(target.authority)
                                                       : std::string(req[http::field::host]);
    plan.host = cfg.origin.preserve_host && !host_value.empty()
                    ? std::string_view(host_value)
                    : std::string_view(cfg.origin.host_header);
    plan.client_ip_header = cfg.client_ip.header;
    std::string region_value(region_text(rec_.where));
    plan.region_header = cfg.client_ip.region_header;
    plan.region_value = region_value;
    plan.upgrade = upgrade;
    plan.chunked_body = body.chunked();
    plan.keep_underscore_names = cfg.origin.forward_underscore_headers;
    // A notice reader's page: its representation (tags, levels), and the variant cache's
    // entry for it, whose validators the origin is asked to confirm (docs/operations.md,
    // "Notice variant cache").
    notice_variant variant;
    std::optional<variant_lookup> lookup;
    if (notice && rule) {
        if (cls_.notice.text) {
            variant = make_notice_variant(cls_.notice, rule->position, cfg);
            auto why = !cfg.cache.variants ? std::string_view("off") : cache_bypass_reason(req);
            if (why.empty()) {
                const auto origin_form = target.origin_form();
                lookup.emplace(variant_lookup{
                    worker_.shared.variants,
                    variant_key(host_value, origin_form, cls_.notice, rule->position),
                    host_value + std::string(origin_form), nullptr});
                lookup->entry = lookup->cache.find(lookup->key);
            } else {
                rec_.cache = "bypass";
                rec_.cache_reason = why;
            }
        }
        prepare_notice_request(cls_.notice, variant, req, plan);
        if (lookup && lookup->entry) {
            // The reader's own conditionals go: the entry's decide, and the reader's tag is
            // compared with the entry's variant once the origin confirmed it.
            plan.if_none_match = lookup->entry->etag;
            plan.if_modified_since = lookup->entry->last_modified;
            rec_.cache_revalidated =
                !plan.if_none_match->empty() || !plan.if_modified_since.empty();
        }
    }
    std::string up_head = build_upstream_request_head(req, plan);

    std::string prefetched;
    while (has_body && !body.done() && prefetched.size() < body_prefetch) {
        auto piece = co_await body.read(rec_);
        if (!piece)
            co_return; // answered (400/408/413) or the reader is gone; the origin saw nothing
        prefetched.append(*piece);
    }
    const bool body_replayable = !has_body || body.done();

    auto& stats = *worker_.shared.stats;
    std::unique_ptr<upstream_connection> up;
    std::optional<http::response_parser<http::buffer_body>> res; // one-shot: re-emplaced
    bool fresh_only = false;
    for (int attempt = 0;; ++attempt) {
        auto acq = co_await worker_.pool.acquire(cfg.origin, fresh_only);
        if (acq.ec) {
            stats.upstream_error(acq.timed_out ? "connect_timeout" : "connect");
            event_log::warning("upstream_connect_failed", {{"error", acq.ec.message()}});
            co_await answer(error_response(502, has_body), 502,
                            !has_body && client_.sink.keep_alive_requested());
            co_return;
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
        if (ok && has_body && !co_await send_body_upstream(prefetched, *up))
            co_return; // the reader's side failed; answered or gone there
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
            error_code read_ec;
            for (;;) {
                auto [ec, n] =
                    co_await http::async_read_header(up->stream, up->buffer, *res, use_nothrow);
                read_ec = ec;
                if (read_ec)
                    break;
                auto code = res->get().result_int();
                if (code >= 100 && code < 200 && code != 101) {
                    // Interim responses (103 Early Hints, a stray 100) are not relayed.
                    fresh_parser();
                    continue;
                }
                break;
            }
            if (!read_ec) {
                stats.origin_ok();
                rec_.upstream_time = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - up_start);
                break;
            }
            ok = false;
            wec = read_ec;
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
        const bool timeout = wec == beast::error::timeout;
        stats.upstream_error(timeout ? "response_timeout" : "bad_response");
        event_log::warning("upstream_failed", {{"error", wec.message()}});
        rec_.local = true;
        co_await answer_origin_failure(wec);
        co_return;
    }

    rec_.upstream_status = res->get().result_int();
    if (rec_.upstream_status == 101) {
        if (!upgrade || !is_websocket_switch(res->get())) {
            // A switch the reader did not validly ask for (or to another protocol) is never
            // relayed: the bytes after it are not HTTP, so the origin connection goes too.
            stats.upstream_error("unrequested_upgrade");
            event_log::warning("upstream_unrequested_upgrade", {});
            up->stream.close();
            co_await answer(error_response(502, true), 502, false);
            co_return;
        }
        rec_.status = 101;
        if (!co_await client_.sink.switch_protocols(res->get(), up->buffer.data(), rec_)) {
            up->stream.close();
            co_return;
        }
        up->buffer.consume(up->buffer.size());
        outcome_.tunnel = std::move(up);
        co_return;
    }

    relay_request relay_req{cfg,         stats,   client_.tls, rule,
                            cls_.notice, variant, req,         lookup ? &*lookup : nullptr};
    relay_req.compression = &worker_.shared.compression;
    response_relay relay(relay_req, *res, *up, client_.sink, client_.buffer, rec_);
    const auto relayed = co_await relay.run();
    if (relayed.end == relay_end::unrewritable)
        co_await answer_unrewritable();
    else if (relayed.end == relay_end::origin_failed)
        co_await answer_origin_failure(relayed.origin_error);
    if (relayed.reusable)
        worker_.pool.release(std::move(up), cfg.origin);
    else
        up->stream.close();
    outcome_.keep = relayed.keep_client;
}
#pragma GCC diagnostic pop

awaitable<bool> exchange::send_body_upstream(std::string_view prefetched, upstream_connection& up) {
    auto& body = client_.body;
    const bool chunked = body.chunked();
    std::string_view piece = prefetched;
    bool first = true;
    chunk_framer framer;
    for (;;) {
        if (!first) {
            if (body.done())
                break;
            auto got = co_await body.read(rec_);
            if (!got) {
                up.stream.close(); // the origin got part of a request: that connection is done
                co_return false;
            }
            piece = *got;
        }
        first = false;
        std::array<net::const_buffer, 4> bufs;
        std::size_t nb = 0;
        // Trailers are not forwarded.
        framer.frame({&piece, 1}, chunked, body.done(),
                     [&](net::const_buffer b) { bufs[nb++] = b; });
        if (nb == 0)
            continue;
        up.stream.tcp().expires_after(snap_.cfg->origin.response_timeout);
        auto [wec, wn] =
            co_await net::async_write(up.stream, std::span(bufs.data(), nb), use_nothrow);
        if (wec) {
            up.stream.close();
            worker_.shared.stats->upstream_error("request_body");
            co_await answer(error_response(502, true), 502, false);
            co_return false;
        }
    }
    co_return true;
}

} // namespace geogate
