#include "proxy/html/injector.hpp"

#include "common/http_text.hpp"
#include "proxy/html/meta_csp.hpp"

#include <algorithm>
#include <cstring>

namespace geogate::html {

enum class injector::st : std::uint8_t {
    data,
    tag_open,
    end_tag_open,
    tag_name,
    before_attr_name,
    attr_name,
    after_attr_name,
    before_attr_value,
    value_dq,
    value_sq,
    value_unq,
    after_value_quoted,
    self_closing,
    markup_decl,
    comment_start,
    comment_start_dash,
    comment,
    comment_end_dash,
    comment_end,
    comment_end_bang,
    bogus_comment,
    cdata,
    cdata_bracket,
    cdata_end,
    rawtext,
    raw_lt,
    raw_end_name,
    plaintext,
    script,
    script_lt,
    script_end_name,
    esc_start,
    esc_start_dash,
    esc,
    esc_dash,
    esc_dash_dash,
    esc_lt,
    esc_end_name,
    dbl_start,
    dbl,
    dbl_dash,
    dbl_dash_dash,
    dbl_lt,
    dbl_end,
    passthrough,
};

namespace {

constexpr bool is_ws(char c) noexcept {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f';
}
constexpr bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr std::string_view script_name = "script";
constexpr std::string_view cdata_open = "[CDATA[";
constexpr unsigned char bom_bytes[3] = {0xEF, 0xBB, 0xBF};

// Start tags that the "in head" insertion mode accepts without opening the body.
bool head_ok(std::string_view n) noexcept {
    static constexpr std::string_view names[] = {
        "html",     "head",  "base",   "basefont", "bgsound",  "link",     "meta",  "title",
        "noframes", "style", "script", "noscript", "template", "frameset", "frame", "body"};
    return std::find(std::begin(names), std::end(names), n) != std::end(names);
}

// HTML start tags that break out of SVG/MathML content.
bool breaks_foreign(std::string_view n) noexcept {
    static constexpr std::string_view names[] = {
        "b",      "big",  "blockquote", "body",  "br",   "center", "code",    "dd",   "div",
        "dl",     "dt",   "em",         "embed", "h1",   "h2",     "h3",      "h4",   "h5",
        "h6",     "head", "hr",         "i",     "img",  "li",     "listing", "menu", "meta",
        "nobr",   "ol",   "p",          "pre",   "ruby", "s",      "small",   "span", "strong",
        "strike", "sub",  "sup",        "table", "tt",   "u",      "ul",      "var"};
    return std::find(std::begin(names), std::end(names), n) != std::end(names);
}

} // namespace

injector::injector(std::string fragment, position where, std::size_t max_held)
    : fragment_(std::move(fragment)), where_(where), max_held_(std::max<std::size_t>(max_held, 64)),
      state_(st::data) {}

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
    state_ = st::passthrough;
    stop_ = true;
}

bool injector::hold_start(std::uint64_t& abs) const noexcept {
    if (inserted_)
        return false;
    if (meta_ && base_ + in_.size() - lt_ <= max_meta_) {
        abs = lt_;
        return true;
    }
    if (meta_on_ && state_ == st::tag_name && !is_end_ && !have_cand_ && template_depth_ == 0 &&
        name_len_ <= 4 &&
        std::string_view("meta", name_len_) == std::string_view(name_, name_len_)) {
        abs = lt_; // a <meta> start tag, maybe: its bytes may have to be rewritten
        return true;
    }
    if (where_ == position::body_end) {
        if (have_cand_) {
            abs = cand_;
            return true;
        }
        const bool body_prefix =
            name_len_ <= 4 && std::string_view("body").substr(0, name_len_) ==
                                  std::string_view(name_, std::min<std::size_t>(name_len_, 4));
        switch (state_) {
        case st::tag_open:
        case st::end_tag_open:
            abs = lt_;
            return true;
        case st::tag_name:
            if (is_end_ && body_prefix) {
                abs = lt_;
                return true;
            }
            return false;
        case st::before_attr_name:
        case st::attr_name:
        case st::after_attr_name:
        case st::before_attr_value:
        case st::value_dq:
        case st::value_sq:
        case st::value_unq:
        case st::after_value_quoted:
        case st::self_closing:
            if (is_end_ && name_is("body") && base_ + in_.size() - lt_ <= max_held_) {
                abs = lt_;
                return true;
            }
            return false;
        default:
            return false;
        }
    }
    if (template_depth_ != 0)
        return false;
    if (state_ == st::tag_open || state_ == st::end_tag_open ||
        (state_ == st::tag_name && name_len_ <= (is_end_ ? 4 : 8))) {
        abs = lt_;
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
    const char* p = in.data();
    const char* const end = p + in.size();
    while (p < end && state_ != st::passthrough) {
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
    switch (state_) {
    case st::comment_start:
    case st::comment_start_dash:
    case st::comment:
    case st::comment_end_dash:
    case st::comment_end:
    case st::comment_end_bang:
    case st::markup_decl:
        c = "-->"; // every comment state (and "<!" itself) ends at "-->"
        break;
    case st::bogus_comment:
        c = ">";
        break;
    case st::cdata:
    case st::cdata_bracket:
    case st::cdata_end:
        c = "]]>";
        break;
    case st::script:
    case st::script_lt:
    case st::script_end_name:
    case st::esc_start:
    case st::esc_start_dash:
    case st::esc:
    case st::esc_dash:
    case st::esc_dash_dash:
    case st::esc_lt:
    case st::esc_end_name:
    case st::dbl_start:
    case st::dbl:
    case st::dbl_dash:
    case st::dbl_dash_dash:
    case st::dbl_lt:
    case st::dbl_end:
        // "-->" leaves the (double-)escaped states for plain script data, where "</script>"
        // ends the element; on a line of its own "-->" is a comment to JavaScript too.
        c = "\n--></script>";
        break;
    case st::rawtext:
    case st::raw_lt:
    case st::raw_end_name:
        c = "</" + std::string(raw_name_, raw_len_) + ">";
        break;
    case st::value_dq:
        c = "\">";
        break;
    case st::value_sq:
        c = "'>";
        break;
    case st::end_tag_open: // "</" then "<div" would be a bogus comment up to its '>'
    case st::tag_name:
    case st::before_attr_name:
    case st::attr_name:
    case st::after_attr_name:
    case st::before_attr_value:
    case st::value_unq:
    case st::after_value_quoted:
    case st::self_closing:
        c = ">";
        break;
    case st::data:
    case st::tag_open:  // a lone '<' before "<div" is text
    case st::plaintext: // nothing ends <plaintext>: the notice shows as text
    case st::passthrough:
        break;
    }
    // Inside a <template> the fragment would be inert content: close each open one (bounded:
    // a page nesting more than this is not one a browser renders sensibly either).
    for (std::uint32_t i = 0; i < std::min<std::uint32_t>(template_depth_, 256); ++i)
        c += "</template>";
    return c;
}

void injector::name_done() {
    if (where_ != position::body_start || template_depth_ != 0)
        return;
    const std::string_view n(name_, std::min<std::size_t>(name_len_, sizeof name_));
    if (is_end_) {
        if (name_len_ <= 4 && (n == "body" || n == "html" || n == "br")) {
            fallback_ = true;
            insert_at(lt_);
        }
    } else if (name_len_ > 8 || !head_ok(n)) {
        fallback_ = true;
        insert_at(lt_);
    }
}

void injector::meta_done(const char* gt) {
    meta_ = false;
    const std::uint64_t end = at(gt) + 1;
    if (end - lt_ > max_meta_) {
        ++meta_counts_.too_long;
        return;
    }
    // Held since its '<' (hold_start), so none of it is out yet.
    if (lt_ < emitted_)
        return;
    std::string_view tag;
    if (lt_ >= base_) {
        tag = in_.substr(lt_ - base_, end - lt_);
    } else {
        const std::uint64_t held_base = base_ - cur_held_.size();
        meta_buf_.assign(cur_held_, lt_ - held_base, std::string::npos);
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
    flush_to(lt_);
    meta_out_.push_back(std::move(rewritten));
    out_->emplace_back(meta_out_.back());
    emitted_ = end;
}

void injector::tag_done(const char* gt) {
    if (meta_)
        meta_done(gt);
    const std::string_view n(name_, std::min<std::size_t>(name_len_, sizeof name_));
    const bool ok_len = name_len_ <= sizeof name_;
    state_ = st::data;
    if (is_end_) {
        if (!ok_len)
            return;
        if (n == "template" && template_depth_ > 0 && foreign_depth_ == 0)
            --template_depth_;
        else if ((n == "svg" || n == "math") && foreign_depth_ > 0)
            --foreign_depth_;
        else if (n == "body" && where_ == position::body_end && template_depth_ == 0 &&
                 at(gt) + 1 - lt_ <= max_held_) {
            have_cand_ = true;
            cand_ = lt_;
            stop_ = true; // feed() recomputes the hold bound
        }
        return;
    }
    if (!ok_len)
        return;
    if (foreign_depth_ > 0) {
        if (breaks_foreign(n))
            foreign_depth_ = 0;
        else {
            if ((n == "svg" || n == "math") && !self_closing_)
                ++foreign_depth_;
            return;
        }
    }
    if (n == "body") {
        if (where_ == position::body_start && template_depth_ == 0)
            insert_at(at(gt) + 1);
        return;
    }
    if (n == "svg" || n == "math") {
        if (!self_closing_)
            ++foreign_depth_;
        return;
    }
    if (n == "template") {
        ++template_depth_;
        return;
    }
    if (n == "script") {
        state_ = st::script;
        return;
    }
    if (n == "plaintext") {
        state_ = st::plaintext;
        return;
    }
    static constexpr std::string_view raw[] = {"style",    "xmp",      "iframe", "noembed",
                                               "noframes", "noscript", "title",  "textarea"};
    for (auto r : raw) {
        if (n == r) {
            raw_name_ = r.data();
            raw_len_ = static_cast<std::uint8_t>(r.size());
            state_ = st::rawtext;
            return;
        }
    }
}

// Byte-at-a-time HTML5 tokenizer subset. `continue` without ++p re-consumes the byte in the
// new state. Returns where it stopped (end, or right after an event when stop_ is set).
const char* injector::scan(const char* p, const char* end) {
    while (p < end) {
        if (stop_)
            return p;
        const char c = *p;
        switch (state_) {
        case st::passthrough:
            return end;
        case st::data:
            if (where_ == position::body_start && template_depth_ == 0) {
                // before the body: every non-whitespace text byte opens it implicitly
                if (c == '<') {
                    lt_ = at(p);
                    state_ = st::tag_open;
                    ++p;
                    bom_ = false;
                    continue;
                }
                if (bom_ && at(p) < 3 && static_cast<unsigned char>(c) == bom_bytes[at(p)]) {
                    ++p;
                    continue;
                }
                bom_ = false;
                if (is_ws(c)) {
                    ++p;
                    continue;
                }
                fallback_ = true;
                insert_at(at(p));
                return p;
            }
            {
                const void* lt = std::memchr(p, '<', static_cast<std::size_t>(end - p));
                if (!lt)
                    return end;
                p = static_cast<const char*>(lt);
                lt_ = at(p);
                state_ = st::tag_open;
                ++p;
            }
            continue;
        case st::tag_open:
            if (c == '!') {
                state_ = st::markup_decl;
                match_ = 0;
                ++p;
            } else if (c == '/') {
                state_ = st::end_tag_open;
                ++p;
            } else if (is_alpha(c)) {
                state_ = st::tag_name;
                is_end_ = false;
                self_closing_ = false;
                name_len_ = 0;
            } else if (c == '?') {
                state_ = st::bogus_comment;
            } else {
                // the '<' was text
                state_ = st::data;
                if (where_ == position::body_start && template_depth_ == 0) {
                    fallback_ = true;
                    insert_at(lt_);
                    return p;
                }
            }
            continue;
        case st::end_tag_open:
            if (is_alpha(c)) {
                state_ = st::tag_name;
                is_end_ = true;
                self_closing_ = false;
                name_len_ = 0;
            } else if (c == '>') {
                state_ = st::data;
                ++p;
            } else {
                state_ = st::bogus_comment;
            }
            continue;
        case st::tag_name:
            if (is_ws(c) || c == '/' || c == '>') {
                name_done();
                if (stop_)
                    return p;
                meta_ =
                    meta_on_ && !is_end_ && !have_cand_ && template_depth_ == 0 && name_is("meta");
                if (c == '>') {
                    tag_done(p);
                } else {
                    state_ = c == '/' ? st::self_closing : st::before_attr_name;
                }
                ++p;
            } else {
                if (name_len_ < sizeof name_)
                    name_[name_len_] = ascii_lower(c);
                if (name_len_ < 255)
                    ++name_len_;
                ++p;
                // a start tag name longer than any head element decides the fallback now
                if (where_ == position::body_start && !is_end_ && name_len_ == 9) {
                    name_done();
                    if (stop_)
                        return p;
                }
            }
            continue;
        case st::before_attr_name:
            if (is_ws(c)) {
                ++p;
            } else if (c == '/' || c == '>') {
                state_ = st::after_attr_name;
            } else {
                state_ = st::attr_name;
                ++p; // '=' here is part of the name
            }
            continue;
        case st::attr_name:
            if (is_ws(c) || c == '/' || c == '>') {
                state_ = st::after_attr_name;
            } else if (c == '=') {
                state_ = st::before_attr_value;
                ++p;
            } else {
                ++p;
            }
            continue;
        case st::after_attr_name:
            if (is_ws(c)) {
                ++p;
            } else if (c == '/') {
                state_ = st::self_closing;
                ++p;
            } else if (c == '=') {
                state_ = st::before_attr_value;
                ++p;
            } else if (c == '>') {
                tag_done(p);
                ++p;
            } else {
                state_ = st::attr_name;
            }
            continue;
        case st::before_attr_value:
            if (is_ws(c)) {
                ++p;
            } else if (c == '"') {
                state_ = st::value_dq;
                ++p;
            } else if (c == '\'') {
                state_ = st::value_sq;
                ++p;
            } else if (c == '>') {
                tag_done(p);
                ++p;
            } else {
                state_ = st::value_unq;
            }
            continue;
        case st::value_dq:
        case st::value_sq: {
            const void* q = std::memchr(p, state_ == st::value_dq ? '"' : '\'',
                                        static_cast<std::size_t>(end - p));
            if (!q)
                return end;
            p = static_cast<const char*>(q) + 1;
            state_ = st::after_value_quoted;
            continue;
        }
        case st::value_unq:
            if (is_ws(c)) {
                state_ = st::before_attr_name;
            } else if (c == '>') {
                tag_done(p);
            }
            ++p;
            continue;
        case st::after_value_quoted:
            if (is_ws(c)) {
                state_ = st::before_attr_name;
                ++p;
            } else if (c == '/') {
                state_ = st::self_closing;
                ++p;
            } else if (c == '>') {
                tag_done(p);
                ++p;
            } else {
                state_ = st::before_attr_name;
            }
            continue;
        case st::self_closing:
            if (c == '>') {
                self_closing_ = true;
                tag_done(p);
                ++p;
            } else {
                state_ = st::before_attr_name;
            }
            continue;
        case st::markup_decl:
            if (match_ == 0) {
                if (c == '-') {
                    md_cdata_ = false;
                    match_ = 1;
                    ++p;
                } else if (c == '[' && foreign_depth_ > 0) {
                    md_cdata_ = true;
                    match_ = 1;
                    ++p;
                } else {
                    state_ = st::bogus_comment;
                }
            } else if (!md_cdata_) {
                if (c == '-') {
                    state_ = st::comment_start;
                    ++p;
                } else {
                    state_ = st::bogus_comment;
                }
            } else if (c == cdata_open[match_]) {
                ++p;
                if (++match_ == cdata_open.size())
                    state_ = st::cdata;
            } else {
                state_ = st::bogus_comment;
            }
            continue;
        case st::comment_start:
            if (c == '-') {
                state_ = st::comment_start_dash;
                ++p;
            } else if (c == '>') {
                state_ = st::data;
                ++p;
            } else {
                state_ = st::comment;
            }
            continue;
        case st::comment_start_dash:
            if (c == '-') {
                state_ = st::comment_end;
                ++p;
            } else if (c == '>') {
                state_ = st::data;
                ++p;
            } else {
                state_ = st::comment;
            }
            continue;
        case st::comment: {
            const void* d = std::memchr(p, '-', static_cast<std::size_t>(end - p));
            if (!d)
                return end;
            p = static_cast<const char*>(d) + 1;
            state_ = st::comment_end_dash;
            continue;
        }
        case st::comment_end_dash:
            state_ = c == '-' ? st::comment_end : st::comment;
            if (c == '-')
                ++p;
            continue;
        case st::comment_end:
            if (c == '>') {
                state_ = st::data;
                ++p;
            } else if (c == '!') {
                state_ = st::comment_end_bang;
                ++p;
            } else if (c == '-') {
                ++p;
            } else {
                state_ = st::comment;
            }
            continue;
        case st::comment_end_bang:
            if (c == '-') {
                state_ = st::comment_end_dash;
                ++p;
            } else if (c == '>') {
                state_ = st::data;
                ++p;
            } else {
                state_ = st::comment;
            }
            continue;
        case st::bogus_comment: {
            const void* g = std::memchr(p, '>', static_cast<std::size_t>(end - p));
            if (!g)
                return end;
            p = static_cast<const char*>(g) + 1;
            state_ = st::data;
            continue;
        }
        case st::cdata: {
            const void* b = std::memchr(p, ']', static_cast<std::size_t>(end - p));
            if (!b)
                return end;
            p = static_cast<const char*>(b) + 1;
            state_ = st::cdata_bracket;
            continue;
        }
        case st::cdata_bracket:
            if (c == ']') {
                state_ = st::cdata_end;
                ++p;
            } else {
                state_ = st::cdata;
            }
            continue;
        case st::cdata_end:
            if (c == '>') {
                state_ = st::data;
                ++p;
            } else if (c == ']') {
                ++p;
            } else {
                state_ = st::cdata;
            }
            continue;
        case st::rawtext: {
            const void* lt = std::memchr(p, '<', static_cast<std::size_t>(end - p));
            if (!lt)
                return end;
            p = static_cast<const char*>(lt);
            lt_ = at(p);
            ++p;
            state_ = st::raw_lt;
            continue;
        }
        case st::raw_lt:
            if (c == '/') {
                state_ = st::raw_end_name;
                match_ = 0;
                ++p;
            } else {
                state_ = st::rawtext;
            }
            continue;
        case st::raw_end_name:
            if (match_ < raw_len_) {
                if (ascii_lower(c) == raw_name_[match_]) {
                    ++match_;
                    ++p;
                } else {
                    state_ = st::rawtext;
                }
            } else if (is_ws(c) || c == '/' || c == '>') {
                std::memcpy(name_, raw_name_, raw_len_);
                name_len_ = raw_len_;
                is_end_ = true;
                self_closing_ = false;
                state_ = st::tag_name;
            } else {
                state_ = st::rawtext;
            }
            continue;
        case st::plaintext:
            return end;
        case st::script: {
            const void* lt = std::memchr(p, '<', static_cast<std::size_t>(end - p));
            if (!lt)
                return end;
            p = static_cast<const char*>(lt);
            lt_ = at(p);
            ++p;
            state_ = st::script_lt;
            continue;
        }
        case st::script_lt:
            if (c == '/') {
                state_ = st::script_end_name;
                match_ = 0;
                ++p;
            } else if (c == '!') {
                state_ = st::esc_start;
                ++p;
            } else {
                state_ = st::script;
            }
            continue;
        case st::script_end_name:
        case st::esc_end_name: {
            const st back = state_ == st::script_end_name ? st::script : st::esc;
            if (match_ < script_name.size()) {
                if (ascii_lower(c) == script_name[match_]) {
                    ++match_;
                    ++p;
                } else {
                    state_ = back;
                }
            } else if (is_ws(c) || c == '/' || c == '>') {
                std::memcpy(name_, script_name.data(), script_name.size());
                name_len_ = static_cast<std::uint8_t>(script_name.size());
                is_end_ = true;
                self_closing_ = false;
                state_ = st::tag_name;
            } else {
                state_ = back;
            }
            continue;
        }
        case st::esc_start:
            if (c == '-') {
                state_ = st::esc_start_dash;
                ++p;
            } else {
                state_ = st::script;
            }
            continue;
        case st::esc_start_dash:
            if (c == '-') {
                state_ = st::esc_dash_dash;
                ++p;
            } else {
                state_ = st::script;
            }
            continue;
        case st::esc:
            if (c == '-') {
                state_ = st::esc_dash;
            } else if (c == '<') {
                lt_ = at(p);
                state_ = st::esc_lt;
            }
            ++p;
            continue;
        case st::esc_dash:
            if (c == '-') {
                state_ = st::esc_dash_dash;
            } else if (c == '<') {
                lt_ = at(p);
                state_ = st::esc_lt;
            } else {
                state_ = st::esc;
            }
            ++p;
            continue;
        case st::esc_dash_dash:
            if (c == '<') {
                lt_ = at(p);
                state_ = st::esc_lt;
            } else if (c == '>') {
                state_ = st::script;
            } else if (c != '-') {
                state_ = st::esc;
            }
            ++p;
            continue;
        case st::esc_lt:
            if (c == '/') {
                state_ = st::esc_end_name;
                match_ = 0;
                ++p;
            } else if (is_alpha(c)) {
                state_ = st::dbl_start;
                match_ = 0;
                mismatch_ = false;
            } else {
                state_ = st::esc;
            }
            continue;
        case st::dbl_start:
        case st::dbl_end: {
            const bool starting = state_ == st::dbl_start;
            if (is_ws(c) || c == '/' || c == '>') {
                const bool is_script = !mismatch_ && match_ == script_name.size();
                state_ = (is_script == starting) ? st::dbl : st::esc;
                ++p;
            } else if (is_alpha(c)) {
                if (!mismatch_ && match_ < script_name.size() &&
                    ascii_lower(c) == script_name[match_])
                    ++match_;
                else
                    mismatch_ = true;
                ++p;
            } else {
                state_ = starting ? st::esc : st::dbl;
            }
            continue;
        }
        case st::dbl:
            if (c == '-') {
                state_ = st::dbl_dash;
            } else if (c == '<') {
                state_ = st::dbl_lt;
            }
            ++p;
            continue;
        case st::dbl_dash:
            if (c == '-') {
                state_ = st::dbl_dash_dash;
            } else if (c == '<') {
                state_ = st::dbl_lt;
            } else {
                state_ = st::dbl;
            }
            ++p;
            continue;
        case st::dbl_dash_dash:
            if (c == '<') {
                state_ = st::dbl_lt;
            } else if (c == '>') {
                state_ = st::script;
            } else if (c != '-') {
                state_ = st::dbl;
            }
            ++p;
            continue;
        case st::dbl_lt:
            if (c == '/') {
                state_ = st::dbl_end;
                match_ = 0;
                mismatch_ = false;
                ++p;
            } else {
                state_ = st::dbl;
            }
            continue;
        }
    }
    return p;
}

} // namespace geogate::html
