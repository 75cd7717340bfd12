#include "proxy/notice/notice_response.hpp"

#include "proxy/html/charset.hpp"
#include "proxy/html/content_coding.hpp"
#include "proxy/html/csp.hpp"
#include "proxy/html/injector.hpp"
#include "proxy/html/mime_sniff.hpp"
#include "proxy/http/cache_control.hpp"
#include "proxy/telemetry/event_log.hpp"
#include "rules/notices/notice_catalog.hpp"

#include <atomic>
#include <chrono>
#include <functional>

namespace geogate {
namespace {

std::string_view media_type(std::string_view content_type) {
    auto semi = content_type.find(';');
    auto t = content_type.substr(0, semi);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
        t.remove_suffix(1);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t'))
        t.remove_prefix(1);
    return t;
}

bool is_html(std::string_view content_type) {
    auto t = html::mime_essence(content_type);
    return t == "text/html" || t == "application/xhtml+xml";
}

bool is_attachment(std::string_view disposition) {
    auto t = media_type(disposition);
    return iequals(t, "attachment");
}

// decode -> (prescan charset) -> inject -> encode, streaming, bounded.
class notice_transform final : public body_transform {
public:
    notice_transform(const notices::notice_text& text, html::position where, html::coding in,
                     html::coding out, html::compression_levels levels,
                     std::string_view content_type, std::string nonce, request_record& rec)
        : text_(text), where_(where), decoder_(in), in_coding_(in), out_coding_(out),
          encoder_(out, levels), sniffer_(content_type), nonce_(std::move(nonce)), rec_(rec) {}

    bool write(std::string_view in, std::vector<std::string_view>& out) override {
        std::string_view plain = in;
        if (in_coding_ != html::coding::identity) {
            decoded_.clear();
            for (;;) {
                auto st = decoder_.decode(in, decoded_, 256 * 1024);
                if (st == html::codec_status::error || st == html::codec_status::too_large) {
                    failure_ = "decode_error";
                    return false;
                }
                if (st != html::codec_status::output_full)
                    break; // need_input: all of `in` consumed; finished: the stream ended
            }
            plain = decoded_;
        }
        return push(plain, out, false);
    }

    bool finish(std::vector<std::string_view>& out) override {
        if (in_coding_ != html::coding::identity &&
            decoder_.finish() != html::codec_status::finished) {
            failure_ = "decode_error";
            return false;
        }
        return push({}, out, true);
    }

    std::string_view failure() const noexcept override { return failure_; }

    void abandon(std::vector<std::string_view>& out) override {
        // What went out is a prefix of the page: end it with the notice where a browser
        // renders it (the injector's fallback), unless the notice is in it already.
        if (abandoned_ || failure_ == "charset" || (injector_ && injector_->inserted()))
            return;
        abandoned_ = true;
        push({}, out, true);
    }

private:
    // false: the page is UTF-16/32, where ASCII markup cannot go: it must not reach a notice
    // reader without the notice, so the response fails (before any body byte went out).
    bool start_injector() {
        started_ = true;
        if (!sniffer_.ascii_compatible()) {
            failure_ = "charset";
            return false;
        }
        std::string fragment = text_.fragment(sniffer_.utf8());
        if (!nonce_.empty()) {
            // The page's CSP allows inline style by nonce: reuse it on our <style>.
            auto pos = fragment.find("<style>");
            if (pos != std::string::npos)
                fragment.replace(pos, 7, "<style nonce=\"" + nonce_ + "\">");
        }
        injector_.emplace(std::move(fragment), where_);
        // A policy in <meta http-equiv="Content-Security-Policy"> is enforced too: amended the
        // same way, given the nonce (if any) our <style> now carries.
        injector_->amend_meta_csp(text_.style_hash, nonce_);
        return true;
    }

    bool push(std::string_view plain, std::vector<std::string_view>& out, bool last) {
        views_.clear();
        if (!started_) {
            // Still looking for <meta charset> in the first bytes: hold them (at most 1024).
            prefix_.append(plain);
            bool known = sniffer_.feed(plain);
            if (!known && !last)
                return true;
            if (!known)
                sniffer_.finish();
            if (!start_injector())
                return false;
            plain = prefix_;
        }
        if (!injector_) {
            if (!plain.empty())
                views_.push_back(plain);
        } else if (!plain.empty()) {
            injector_->feed(plain, views_);
        }
        if (last && injector_) {
            injector_->finish(views_);
            rec_.injected = injector_->inserted();
            rec_.injector_fallback = injector_->used_fallback();
            const auto& meta = injector_->meta_csp();
            rec_.meta_csp_amended = meta.amended;
            rec_.meta_csp_untouched = meta.too_long + meta.undecodable;
        }
        if (out_coding_ == html::coding::identity) {
            out.insert(out.end(), views_.begin(), views_.end());
            return true;
        }
        // The end has a buffer of its own: the output of the write() before stays valid.
        std::string& encoded = last ? encoded_end_ : encoded_;
        encoded.clear();
        for (auto v : views_)
            if (encoder_.encode(v, encoded, false) == html::codec_status::error)
                return false;
        // Flush at every upstream read so a streamed page renders progressively.
        if (!last && encoder_.encode({}, encoded, true) == html::codec_status::error)
            return false;
        if (last && encoder_.finish(encoded) == html::codec_status::error)
            return false;
        if (!encoded.empty())
            out.push_back(encoded);
        return true;
    }

    const notices::notice_text& text_;
    html::position where_;
    html::body_decoder decoder_;
    html::coding in_coding_;
    html::coding out_coding_;
    html::body_encoder encoder_;
    html::charset_sniffer sniffer_;
    bool started_ = false;
    std::string nonce_;
    request_record& rec_;
    std::string_view failure_;
    bool abandoned_ = false;
    std::optional<html::injector> injector_;
    std::string prefix_;
    std::string decoded_;
    std::string encoded_;
    std::string encoded_end_;
    std::vector<std::string_view> views_;
};

// An untyped body for a notice reader: held (at most the WHATWG resource header, decoded)
// until it can be identified as a browser would, then either rewritten as text/html (the
// notice transform takes over, the held bytes first) or passed with the identified type and
// X-Content-Type-Options: nosniff, so no browser identifies it differently. Headers are
// edited in `plan` before the first byte goes out: the caller sends the head with the first
// bytes this lets through.
class sniff_transform final : public body_transform {
public:
    using html_factory = std::function<std::unique_ptr<body_transform>()>;

    sniff_transform(html::coding in, client_response_plan& plan, html_factory make_html)
        : in_coding_(in), decoder_(in), plan_(plan), make_html_(std::move(make_html)) {}

    bool write(std::string_view in, std::vector<std::string_view>& out) override {
        if (decided_)
            return forward(in, out);
        held_.append(in);
        if (in_coding_ == html::coding::identity) {
            if (held_.size() < html::sniff_bytes)
                return true;
            return decide(held_, out);
        }
        while (!in.empty() && sniffed_.size() < html::sniff_bytes) {
            auto st = decoder_.decode(in, sniffed_, html::sniff_bytes - sniffed_.size());
            if (st == html::codec_status::error || st == html::codec_status::too_large) {
                failure_ = "decode_error";
                return false;
            }
            if (st == html::codec_status::finished)
                break;
        }
        if (sniffed_.size() < html::sniff_bytes && held_.size() < max_held)
            return true;
        return decide(sniffed_, out);
    }

    bool finish(std::vector<std::string_view>& out) override {
        if (!decided_ && !decide(in_coding_ == html::coding::identity ? held_ : sniffed_, out))
            return false;
        if (html_ && !html_->finish(out)) {
            failure_ = html_->failure().empty() ? "decode_error" : html_->failure();
            return false;
        }
        return true;
    }

    std::string_view failure() const noexcept override { return failure_; }

    void abandon(std::vector<std::string_view>& out) override {
        if (html_)
            html_->abandon(out);
    }

private:
    static constexpr std::size_t max_held = 64 * 1024; // coded bytes held while decoding

    bool decide(std::string_view first, std::vector<std::string_view>& out) {
        decided_ = true;
        auto type = html::sniff_unknown_type(first);
        if (type == "text/xml") {
            // A browser renders an XML document (XHTML, SVG inside): not one to rewrite.
            failure_ = "xml";
            return false;
        }
        if (type == "text/html") {
            html_ = make_html_(); // Content-Type: text/html among its header edits
        } else {
            plan_.drop.push_back("content-type");
            plan_.drop.push_back("x-content-type-options");
            plan_.add.emplace_back("Content-Type", std::string(type));
            plan_.add.emplace_back("X-Content-Type-Options", "nosniff");
        }
        return forward(held_, out);
    }

    bool forward(std::string_view in, std::vector<std::string_view>& out) {
        if (!html_) {
            if (!in.empty())
                out.push_back(in);
            return true;
        }
        if (html_->write(in, out))
            return true;
        failure_ = html_->failure().empty() ? "decode_error" : html_->failure();
        return false;
    }

    html::coding in_coding_;
    html::body_decoder decoder_;
    client_response_plan& plan_;
    html_factory make_html_;
    std::unique_ptr<body_transform> html_;
    std::string held_;    // the coded bytes as received
    std::string sniffed_; // their decoded start (coded bodies)
    std::string_view failure_;
    bool decided_ = false;
};

// One event line per second at most: a misconfigured origin makes every request fail closed.
void log_unrewritable(std::string_view reason, std::string_view host) {
    static std::atomic<std::int64_t> last_ms{0};
    static std::atomic<std::uint64_t> suppressed{0};
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count();
    auto last = last_ms.load(std::memory_order_relaxed);
    if (now - last < 1000 || !last_ms.compare_exchange_strong(last, now)) {
        suppressed.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    auto skipped = std::to_string(suppressed.exchange(0, std::memory_order_relaxed));
    event_log::warning("notice_unrewritable",
                       {{"reason", reason}, {"host", host}, {"suppressed", skipped}});
}

} // namespace

std::string variant_etag(std::string_view etag, std::string_view tag) {
    bool weak = etag.substr(0, 2) == "W/";
    auto quoted = weak ? etag.substr(2) : etag;
    if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"')
        return {};
    std::string out = weak ? "W/" : "";
    out += quoted.substr(0, quoted.size() - 1);
    out += "-gg";
    out += tag;
    out += '"';
    return out;
}

std::string origin_if_none_match(std::string_view value,
                                 std::initializer_list<std::string_view> tags) {
    // Walk the list by entity-tags, not by commas: ',' is a legal etagc (RFC 9110 8.8.3).
    auto our_suffix = [&](std::string_view opaque) -> std::size_t {
        for (auto tag : tags)
            if (opaque.size() >= tag.size() + 3 && opaque.ends_with(tag) &&
                opaque.substr(opaque.size() - tag.size() - 3, 3) == "-gg")
                return tag.size() + 3;
        return 0;
    };
    std::string out;
    std::size_t i = 0;
    while (i < value.size()) {
        char c = value[i];
        if (c == ' ' || c == '\t' || c == ',') {
            ++i;
            continue;
        }
        std::string kept;
        if (c == '*') {
            ++i; // "*" matches any copy, one without the notice too: never forwarded
        } else {
            bool weak = value.substr(i, 2) == "W/";
            std::size_t open = weak ? i + 2 : i;
            if (open >= value.size() || value[open] != '"')
                break; // malformed: nothing after it reaches the origin
            auto close = value.find('"', open + 1);
            if (close == std::string_view::npos)
                break;
            auto opaque = value.substr(open + 1, close - open - 1);
            if (auto n = our_suffix(opaque))
                kept = std::string(weak ? "W/\"" : "\"") +
                       std::string(opaque.substr(0, opaque.size() - n)) + "\"";
            i = close + 1;
        }
        if (kept.empty())
            continue; // a copy without this notice version must not be revalidated
        if (!out.empty())
            out += ", ";
        out += kept;
    }
    return out;
}

void prepare_notice_request(const notice_plan& notice, const notice_variant& variant,
                            const http::request_header<>& req, upstream_request_plan& plan) {
    plan.whole_representation = true;
    const auto* text = notice.text;
    if (auto inm = req.find(http::field::if_none_match); inm != req.end())
        plan.if_none_match =
            text ? origin_if_none_match(inm->value(), {variant.streamed_tag, variant.stored_tag})
                 : std::string();
    plan.accept_encoding = std::string(html::to_string(notice.origin_coding)); // "identity" too
}

void apply_region_cache_policy(const config& cfg, const http::response_header<>& res,
                               client_response_plan& plan, const request_record& rec) {
    std::vector<std::string_view> lines;
    for (auto it = res.find(http::field::cache_control);
         it != res.end() && it->name() == http::field::cache_control; ++it)
        lines.push_back(it->value());
    plan.drop.push_back("cache-control");
    if (cfg.cache.shared_cache_keys_on_variant) {
        // The cache in front keys on this value (docs/operations.md, "CDN and caching") and
        // reads the origin's directives from CDN-Cache-Control; the browser, which keys on
        // nothing of the kind, revalidates every reuse.
        std::string variant = rules::to_string(rec.decision);
        if (!rec.notice_version.empty())
            variant += ";notice=" + rec.notice_id + "@" + rec.notice_version;
        plan.drop.push_back("x-geogate-variant");
        plan.add.emplace_back("X-Geogate-Variant", std::move(variant));
        if (!lines.empty() && res.find("CDN-Cache-Control") == res.end() &&
            res.find("Surrogate-Control") == res.end()) {
            std::string joined;
            for (auto l : lines)
                joined += joined.empty() ? std::string(l) : ", " + std::string(l);
            plan.add.emplace_back("CDN-Cache-Control", std::move(joined));
        }
        plan.add.emplace_back("Cache-Control", browser_revalidating_cache_control(lines));
        return;
    }
    plan.add.emplace_back("Cache-Control", region_private_cache_control(lines));
}

namespace {

// The header edits of a rewritten HTML response, the same for GET and HEAD (RFC 9110 9.3.2:
// HEAD answers with the fields GET would); the transform for a body (nullptr for HEAD).
std::unique_ptr<body_transform>
plan_rewrite(const notices::notice_text& text, html::coding out, html::compression_levels levels,
             std::string_view tag, const rules::rule& r, const http::request_header<>& req,
             const http::response_header<>& res, std::string content_type, html::coding in,
             client_response_plan& plan, request_record& rec) {

    // CSP: our <style> must be allowed, by the page's nonce or by our hash; never weakened.
    std::vector<std::string_view> enforce, report_only;
    for (const auto& f : res) {
        if (iequals(f.name_string(), "content-security-policy"))
            enforce.push_back(f.value());
        else if (iequals(f.name_string(), "content-security-policy-report-only"))
            report_only.push_back(f.value());
    }
    std::string nonce;
    if (!enforce.empty() || !report_only.empty()) {
        auto amended = html::amend_csp_for_style(enforce, report_only, text.style_hash);
        nonce = amended.nonce;
        if (amended.changed) {
            plan.drop.push_back("content-security-policy");
            plan.drop.push_back("content-security-policy-report-only");
            for (auto& v : amended.enforce)
                plan.add.emplace_back("Content-Security-Policy", std::move(v));
            for (auto& v : amended.report_only)
                plan.add.emplace_back("Content-Security-Policy-Report-Only", std::move(v));
        }
    }

    for (auto name : {"etag", "accept-ranges", "content-md5", "digest", "content-digest",
                      "repr-digest", "content-encoding", "content-type"})
        plan.drop.push_back(name);
    // One Content-Type, the one a browser reads (several values: the last valid one).
    plan.add.emplace_back("Content-Type", content_type);
    if (auto etag = res.find(http::field::etag); etag != res.end())
        if (auto v = variant_etag(etag->value(), tag); !v.empty())
            plan.add.emplace_back("ETag", v);
    if (out != html::coding::identity)
        plan.add.emplace_back("Content-Encoding", std::string(html::to_string(out)));
    // The body now depends on Accept-Encoding (we may compress where the origin did not).
    bool vary_has_ae = false;
    for (auto it = res.find(http::field::vary); it != res.end() && it->name() == http::field::vary;
         ++it)
        for (auto t : http::token_list(it->value()))
            if (iequals(t, "accept-encoding") || t == "*")
                vary_has_ae = true;
    if (!vary_has_ae)
        plan.add.emplace_back("Vary", "Accept-Encoding");

    if (req.method() == http::verb::head)
        return nullptr;
    auto where = r.position == rules::notice_position::body_end ? html::position::body_end
                                                                : html::position::body_start;
    return std::make_unique<notice_transform>(text, where, in, out, levels, content_type,
                                              std::move(nonce), rec);
}

} // namespace

notice_rewrite plan_notice_response(const notice_plan& notice, const notice_variant& variant,
                                    bool stored, const rules::rule& r,
                                    const http::request_header<>& req,
                                    const http::response_header<>& res, client_response_plan& plan,
                                    request_record& rec) {
    notice_rewrite result;
    const auto* text = notice.text;
    const auto out = notice.coding;
    const auto levels = stored ? variant.stored_levels : variant.streamed_levels;
    const std::string_view tag = stored ? variant.stored_tag : variant.streamed_tag;
    if (!text) {
        // Not reachable with a loaded snapshot (every notice rule names a notice with a text),
        // but a notice decision never fails open.
        result.outcome = notice_outcome::unrewritable;
        rec.unrewritable = "no_text";
        return result;
    }
    rec.notice_id = text->notice_id;
    rec.notice_lang = text->language;
    rec.notice_version = text->version;

    // A 304 answers a conditional request that carried our variant tag: the reader's copy
    // has this very notice version, so it keeps it, under the same variant ETag.
    if (res.result_int() == 304) {
        // ... and only then: geogate forwards no other validator (prepare_notice_request), so
        // a 304 to anything else (an origin or cache layer that answers 304 regardless) would
        // let the browser show a copy it holds from another decision, without the notice.
        // The reader's copy is the representation whose tag its If-None-Match named.
        const auto inm = req[http::field::if_none_match];
        std::string_view matched;
        for (std::string_view t :
             {std::string_view(variant.streamed_tag), std::string_view(variant.stored_tag)})
            if (matched.empty() && !origin_if_none_match(inm, {t}).empty())
                matched = t;
        if (matched.empty()) {
            result.outcome = notice_outcome::unrewritable;
            rec.unrewritable = "revalidation";
            return result;
        }
        if (auto etag = res.find(http::field::etag); etag != res.end()) {
            plan.drop.push_back("etag");
            if (auto v = variant_etag(etag->value(), matched); !v.empty())
                plan.add.emplace_back("ETag", v);
        }
        return result;
    }
    // Browsers render the body of any status (a 404 page, a 500 page) as a document.
    const unsigned status = res.result_int();
    if (status < 200 || status == 204 || is_attachment(res[http::field::content_disposition]))
        return result;
    std::vector<std::string_view> types;
    for (auto it = res.find(http::field::content_type);
         it != res.end() && it->name() == http::field::content_type; ++it)
        types.push_back(it->value());
    std::string content_type = html::effective_content_type(types);
    const bool sniff = html::needs_sniffing(content_type);
    if (!sniff && !is_html(content_type))
        return result;
    // A 206 answers a Range, which notice requests never carry (prepare_notice_request): an
    // origin that sends one anyway sends part of a page, which cannot be rewritten whole, and
    // a browser may still render it. Typed or untyped alike, it is withheld.
    if (status == 206) {
        result.outcome = notice_outcome::unrewritable;
        rec.unrewritable = "partial";
        return result;
    }
    // A document geogate cannot rewrite never reaches a notice reader (the caller answers
    // per notices.on_unrewritable); an untyped body in a coding geogate cannot decode cannot
    // even be identified.
    // Every Content-Encoding line counts (two lines are a stacked coding, as in one list).
    std::string codings;
    for (auto it = res.find(http::field::content_encoding);
         it != res.end() && it->name() == http::field::content_encoding; ++it) {
        if (!codings.empty())
            codings += ", ";
        codings += it->value();
    }
    auto in = html::parse_content_encoding(codings);
    if (in == html::coding::unsupported) {
        result.outcome = notice_outcome::unrewritable;
        rec.unrewritable = "coding";
        return result;
    }
    if (sniff && req.method() == http::verb::head) {
        // What GET would send depends on the body, which HEAD does not get; it would have no
        // Content-Length (a transformed body is chunked) and, if HTML, a variant ETag: send no
        // length and no validator rather than the origin's, which GET may not carry.
        for (auto name :
             {"etag", "accept-ranges", "content-md5", "digest", "content-digest", "repr-digest"})
            plan.drop.push_back(name);
        result.outcome = notice_outcome::rewrite; // no origin Content-Length (relay_response)
        return result;
    }
    if (auto label = html::charset_from_content_type(content_type);
        !sniff && (html::is_utf16_label(label) || label == "utf-32")) {
        result.outcome = notice_outcome::unrewritable;
        rec.unrewritable = "charset";
        return result;
    }
    if (sniff) {
        result.outcome = notice_outcome::sniff;
        result.transform = std::make_unique<sniff_transform>(
            in, plan, [text, out, levels, tag, &r, &req, &res, in, &plan, &rec]() {
                return plan_rewrite(*text, out, levels, tag, r, req, res, "text/html", in, plan,
                                    rec);
            });
        return result;
    }
    result.outcome = notice_outcome::rewrite;
    result.transform =
        plan_rewrite(*text, out, levels, tag, r, req, res, content_type, in, plan, rec);
    return result;
}

void note_unrewritable(const request_record& rec, std::string_view host) {
    if (!rec.unrewritable.empty())
        log_unrewritable(rec.unrewritable, host);
}

} // namespace geogate
