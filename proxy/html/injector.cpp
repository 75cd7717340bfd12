#include "proxy/html/injector.hpp"

#include "common/http_text.hpp"
#include "proxy/html/meta_csp.hpp"

#include <algorithm>
#include <cstring>

namespace geogate::html {

namespace {

// Start tags that the "in head" insertion mode accepts without opening the body.
bool head_ok(std::string_view n) noexcept {
    static constexpr std::string_view names[] = {
        "html",     "head",  "base",   "basefont", "bgsound",  "link",     "meta",  "title",
        "noframes", "style", "script", "noscript", "template", "frameset", "frame", "body"};
    return std::find(std::begin(names), std::end(names), n) != std::end(names);
}

} // namespace

injector::injector(std::string fragment, position where, std::size_t max_held)
    : fragment_(std::move(fragment)), where_(where), max_held_(std::max<std::size_t>(max_held, 64)),
      tok_() {
    text_events();
}

void injector::amend_meta_csp(std::string hash_source, std::string style_nonce,
                              std::size_t max_tag) {
    meta_on_ = !hash_source.empty();
    meta_hash_ = std::move(hash_source);
    meta_nonce_ = std::move(style_nonce);
    max_meta_ = std::clamp<std::size_t>(max_tag, 64, max_held_);
}

void injector::flush_to(std::uint64_t abs) {
    if (abs <= emitted_)
        return;
    // During feed() the bytes kept by the call before are in cur_held_; finish() reads what
    // the last feed() kept from held_ directly (see there).
    const std::string& held = finished_ ? held_ : cur_held_;
    const std::uint64_t held_base = base_ - held.size();
    if (emitted_ < base_) {
        const std::uint64_t stop = std::min(abs, base_);
        out_->emplace_back(held.data() + (emitted_ - held_base), stop - emitted_);
        emitted_ = stop;
    }
    if (abs > emitted_) {
        out_->emplace_back(in_.data() + (emitted_ - base_), abs - emitted_);
        emitted_ = abs;
    }
}

void injector::insert_at(std::uint64_t abs) {
    flush_to(abs);
    out_->emplace_back(fragment_);
    inserted_ = true;
    have_cand_ = false;
    stop_ = true;
    text_events();
}

// body_start looks at text bytes until the body opens: outside a <template>, the first
// one that is not whitespace opens it implicitly.
void injector::text_events() noexcept {
    tok_.text_events(where_ == position::body_start && template_depth_ == 0 && !inserted_);
}

bool injector::hold_start(std::uint64_t& abs) const noexcept {
    if (inserted_)
        return false;
    const html_tag& t = tok_.tag();
    const tag_phase phase = tok_.phase();
    if (meta_ && base_ + in_.size() - t.lt <= max_meta_) {
        abs = t.lt;
        return true;
    }
    if (meta_on_ && phase == tag_phase::name && !t.end && !have_cand_ && template_depth_ == 0 &&
        t.name_len <= 4 && std::string_view("meta", t.name_len) == t.name()) {
        abs = t.lt; // a <meta> start tag, maybe: its bytes may have to be rewritten
        return true;
    }
    if (where_ == position::body_end) {
        if (have_cand_) {
            abs = cand_;
            return true;
        }
        switch (phase) {
        case tag_phase::open:
            abs = t.lt;
            return true;
        case tag_phase::name:
            if (t.end && t.name_len <= 4 && std::string_view("body", t.name_len) == t.name()) {
                abs = t.lt;
                return true;
            }
            return false;
        case tag_phase::attrs:
            if (t.end && t.is("body") && base_ + in_.size() - t.lt <= max_held_) {
                abs = t.lt;
                return true;
            }
            return false;
        case tag_phase::none:
            return false;
        }
        return false;
    }
    if (template_depth_ != 0)
        return false;
    if (phase == tag_phase::open || (phase == tag_phase::name && t.name_len <= (t.end ? 4 : 8))) {
        abs = t.lt;
        return true;
    }
    return false;
}

void injector::feed(std::string_view in, std::vector<std::string_view>& out) {
    if (finished_)
        return;
    out_ = &out;
    cur_held_.swap(held_);
    held_.clear();
    meta_out_.clear();
    in_ = in;
    tok_.begin_chunk(in.data(), base_);
    const char* p = in.data();
    const char* const end = p + in.size();
    while (p < end && !inserted_) {
        const char* seg_end = end;
        if (have_cand_) {
            const std::uint64_t limit = cand_ + max_held_;
            if (at(p) >= limit) {
                insert_at(cand_);
                break;
            }
            if (limit < at(end))
                seg_end = in.data() + (limit - base_);
        }
        stop_ = false;
        p = scan(p, seg_end);
    }
    std::uint64_t keep = base_ + in.size();
    hold_start(keep);
    keep = std::max(keep, emitted_);
    flush_to(keep);
    // keep [keep, chunk end) for the next call
    const std::uint64_t held_base = base_ - cur_held_.size();
    if (keep < base_)
        held_.append(cur_held_, keep - held_base, std::string::npos);
    const std::uint64_t from = std::max(keep, base_);
    if (from < base_ + in.size())
        held_.append(in.data() + (from - base_), in.size() - (from - base_));
    base_ += in.size();
    out_ = nullptr;
}

void injector::finish(std::vector<std::string_view>& out) {
    if (finished_)
        return;
    finished_ = true;
    out_ = &out;
    // Emit what the last feed() kept straight from held_: the views that feed() returned (into
    // cur_held_ and meta_out_) stay valid, so the caller can send both in one write.
    in_ = std::string_view();
    if (!inserted_ && have_cand_) {
        insert_at(cand_);
    }
    flush_to(base_);
    if (!inserted_) {
        // Appended at the end of the document: if that end is inside a comment, a script, a
        // raw-text element, a tag or a <template>, the browser would swallow the fragment. The
        // bytes that end that construct go first (the page was cut short or malformed there
        // anyway), so the notice is rendered whatever the page's last bytes were.
        closer_ = end_of_document_closer();
        if (!closer_.empty())
            out.emplace_back(closer_);
        out.emplace_back(fragment_);
        inserted_ = true;
        fallback_ = true;
    }
    out_ = nullptr;
}

std::string injector::end_of_document_closer() const {
    std::string c;
    tok_.append_closer(c);
    // Inside a <template> the fragment would be inert content: close each open one (bounded:
    // a page nesting more than this is not one a browser renders sensibly either).
    for (std::uint32_t i = 0; i < std::min<std::uint32_t>(template_depth_, 256); ++i)
        c += "</template>";
    return c;
}

// A tag name is complete (or a start tag's is already longer than any head element's).
inline void injector::on_tag_name(const html_tag& t) {
    if (where_ == position::body_start && template_depth_ == 0) {
        const std::string_view n = t.name();
        if (t.end ? t.name_len <= 4 && (n == "body" || n == "html" || n == "br")
                  : t.name_len > 8 || !head_ok(n)) {
            fallback_ = true;
            insert_at(t.lt);
            return;
        }
    }
    meta_ = meta_on_ && !t.end && !have_cand_ && template_depth_ == 0 && t.is("meta");
}

void injector::meta_done(std::uint64_t end) {
    meta_ = false;
    const std::uint64_t lt = tok_.tag().lt;
    if (end - lt > max_meta_) {
        ++meta_counts_.too_long;
        return;
    }
    // Held since its '<' (hold_start), so none of it is out yet.
    if (lt < emitted_)
        return;
    std::string_view tag;
    if (lt >= base_) {
        tag = in_.substr(lt - base_, end - lt);
    } else {
        const std::uint64_t held_base = base_ - cur_held_.size();
        meta_buf_.assign(cur_held_, lt - held_base, std::string::npos);
        meta_buf_.append(in_.data(), end - base_);
        tag = meta_buf_;
    }
    if (!may_be_http_equiv(tag))
        return;
    std::string rewritten;
    switch (rewrite_meta_csp(tag, meta_hash_, meta_nonce_, rewritten)) {
    case meta_csp_result::not_csp:
        return;
    case meta_csp_result::unchanged:
        ++meta_counts_.unchanged;
        return;
    case meta_csp_result::undecodable:
        ++meta_counts_.undecodable;
        return;
    case meta_csp_result::amended:
        break;
    }
    ++meta_counts_.amended;
    flush_to(lt);
    meta_out_.push_back(std::move(rewritten));
    out_->emplace_back(meta_out_.back());
    emitted_ = end;
}

// A tag's '>' was read.
inline void injector::on_tag(const html_tag& t) {
    if (meta_)
        meta_done(t.end_offset);
    if (!t.name_fits())
        return;
    const std::string_view n = t.name();
    if (t.end) {
        if (n == "template" && template_depth_ > 0 && !t.in_foreign) {
            --template_depth_;
            text_events();
        } else if (n == "body" && where_ == position::body_end && template_depth_ == 0 &&
                   t.end_offset - t.lt <= max_held_) {
            have_cand_ = true;
            cand_ = t.lt;
            stop_ = true; // feed() recomputes the hold bound
        }
        return;
    }
    if (t.in_foreign)
        return;
    if (n == "body") {
        if (where_ == position::body_start && template_depth_ == 0)
            insert_at(t.end_offset);
        return;
    }
    if (n == "template") {
        ++template_depth_;
        text_events();
    }
}

// The tokenizer's sink: each event goes to the policy; true makes the tokenizer return so
// feed() can act (fragment inserted, or a </body> candidate moved the hold bound).
struct injector::sink {
    injector& self;
    bool on_text(std::uint64_t at) {
        // only reported before the body opens (text_events()): this text opens it implicitly
        self.fallback_ = true;
        self.insert_at(at);
        return true;
    }
    [[gnu::always_inline]] bool on_tag_name(const html_tag& t) {
        self.on_tag_name(t);
        return self.stop_;
    }
    [[gnu::always_inline]] bool on_tag(const html_tag& t) {
        self.on_tag(t);
        return self.stop_;
    }
};

const char* injector::scan(const char* p, const char* end) {
    sink events{*this};
    return tok_.scan(p, end, events);
}

} // namespace geogate::html
