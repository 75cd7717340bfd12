#pragma once
// A streaming subset of the HTML5 tokenizer: it walks bytes and reports where tags are, never
// what a policy should do with them (proxy/html/injector.hpp decides). It tells real tags
// from the text of comments (including <!-->, <!--->, bogus comments <!x> <?x>, doctypes),
// CDATA in SVG/MathML, <script> (with the script-data escaped / double-escaped states),
// <style>, <textarea>, <title>, <xmp>, <iframe>, <noembed>, <noframes>, <noscript>
// (scripting enabled), <plaintext> and attribute values. Tag names are ASCII
// case-insensitive. Like lol-html it simulates the one piece of tree building tokenizing
// depends on: SVG/MathML (foreign) content, where CDATA is allowed and <style> is not raw text.
//
// Push style, like lol-html: scan() hands events to a sink whose calls the compiler inlines
// (the sink is a template parameter: no virtual call, no return to the caller per tag, so the
// split costs nothing against one hand-merged loop). A sink has three members, each returning
// true to make scan() return right after the event:
//   bool on_text(std::uint64_t at)       text_events() is on and the byte at `at` is text
//                                        (not whitespace or a leading UTF-8 BOM; or a '<'
//                                        that is text)
//   bool on_tag_name(const html_tag& t)  t's name is complete (or, for a start tag, has just
//                                        reached long_name bytes)
//   bool on_tag(const html_tag& t)       t's '>' was read; the tokenizer is already in the
//                                        state after it (script, raw text, ...)
// Resumable at any byte: a chunk may end inside a tag name, a comment opener or an end tag
// ("</scr" + "ipt>"), and scan() may be called again after a sink stopped it. No allocation:
// a tag's name is kept in a 16-byte buffer (longer names are only counted).
#include "common/http_text.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace geogate::html {

/// The tag being read, or the last one.
struct html_tag {
    static constexpr std::size_t max_name = 16;

    char name_buf[max_name] = {};
    std::uint8_t name_len = 0; // saturates at 255
    bool end = false;          // </name>
    bool self_closing = false; // <name/>
    /// tag event: a start tag swallowed by SVG/MathML content (no HTML meaning); an end tag
    /// read inside SVG/MathML content.
    bool in_foreign = false;
    std::uint64_t lt = 0;         // offset of its '<'
    std::uint64_t end_offset = 0; // tag event: offset right after its '>'

    /// Lower-case; the first max_name bytes when longer.
    std::string_view name() const noexcept {
        return {name_buf, name_len < max_name ? name_len : max_name};
    }
    bool name_fits() const noexcept { return name_len <= max_name; }
    bool is(std::string_view n) const noexcept { return name_len == n.size() && name() == n; }
};

/// Where the tokenizer is in a tag, for a caller that must hold its bytes back.
enum class tag_phase : std::uint8_t {
    none,  // not in a tag
    open,  // after "<" or "</"
    name,  // reading the name
    attrs, // after the name, before '>'
};

class html_tokenizer {
public:
    /// A start tag name this long fires an early tag_name event: no element a policy singles
    /// out before the body is longer than 8 bytes, so it can decide without holding more.
    static constexpr std::uint8_t long_name = 9;

    html_tokenizer();

    /// Sets the chunk scan() reads from: `data` is at offset `base` in the document.
    void begin_chunk(const char* data, std::uint64_t base) noexcept {
        chunk_ = data;
        base_ = base;
    }

    /// Reads from `p` (inside the chunk) up to `end`, handing events to `sink`; returns
    /// `end`, or where a sink call that returned true left it.
    template <class Sink> const char* scan(const char* p, const char* end, Sink& sink);

    /// Text events: on, the tokenizer looks at every text byte outside tags (skipping a UTF-8
    /// BOM and whitespace) instead of jumping to the next '<'.
    void text_events(bool on) noexcept { text_events_ = on; }

    const html_tag& tag() const noexcept { return tag_; }
    tag_phase phase() const noexcept;

    /// Appends the bytes that end whatever construct the document stops inside (comment,
    /// script, raw-text element, tag), so what follows them is read as markup again. Nothing
    /// for text and for <plaintext>, which nothing ends.
    void append_closer(std::string& out) const;

private:
    enum class st : std::uint8_t;

    std::uint64_t at(const char* p) const noexcept {
        return base_ + static_cast<std::uint64_t>(p - chunk_);
    }
    void start_tag_name(bool end) noexcept;
    void end_tag_named(std::string_view name) noexcept;
    void tag_end(const char* gt) noexcept;
    template <class Sink> bool close_tag(const char* gt, Sink& sink);
    static bool breaks_foreign(std::string_view n) noexcept;

    st state_;
    html_tag tag_;
    bool text_events_ = false;
    bool bom_ = true;
    bool md_cdata_ = false;
    bool mismatch_ = false;
    std::uint8_t match_ = 0;
    std::string_view raw_name_; // the element whose end tag ends the raw text
    std::uint32_t foreign_depth_ = 0;
    const char* chunk_ = nullptr;
    std::uint64_t base_ = 0;
};

namespace tokenizer_detail {
constexpr bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool ends_name(char c) noexcept {
    return is_ascii_ws(c) || c == '/' || c == '>';
}
constexpr std::string_view script_name = "script";
constexpr std::string_view cdata_open = "[CDATA[";
constexpr unsigned char bom_bytes[3] = {0xEF, 0xBB, 0xBF};
constexpr bool is_foreign_root(std::string_view n) noexcept {
    return n == "svg" || n == "math";
}
} // namespace tokenizer_detail

enum class html_tokenizer::st : std::uint8_t {
    data,
    tag_open,
    end_tag_open,
    tag_name,
    name_end, // the byte after the name, reported as tag_name and read on the next call
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
};

inline void html_tokenizer::start_tag_name(bool end) noexcept {
    state_ = st::tag_name;
    tag_.end = end;
    tag_.self_closing = false;
    tag_.name_len = 0;
}

inline void html_tokenizer::end_tag_named(std::string_view name) noexcept {
    std::memcpy(tag_.name_buf, name.data(), name.size());
    tag_.name_len = static_cast<std::uint8_t>(name.size());
    tag_.end = true;
    tag_.self_closing = false;
    state_ = st::tag_name; // re-reads the byte after the name
}

// The tree-building feedback the tokenizer needs: foreign content depth and the text state a
// start tag switches to.
[[gnu::always_inline]] inline void html_tokenizer::tag_end(const char* gt) noexcept {
    using namespace tokenizer_detail;
    tag_.end_offset = at(gt) + 1;
    state_ = st::data;
    const std::string_view n = tag_.name();
    if (tag_.end) {
        tag_.in_foreign = foreign_depth_ > 0;
        if (foreign_depth_ > 0 && tag_.name_fits() && is_foreign_root(n))
            --foreign_depth_;
        return;
    }
    tag_.in_foreign = false;
    if (!tag_.name_fits())
        return;
    if (foreign_depth_ > 0) {
        if (breaks_foreign(n)) {
            foreign_depth_ = 0;
        } else {
            if (is_foreign_root(n) && !tag_.self_closing)
                ++foreign_depth_;
            tag_.in_foreign = true;
            return;
        }
    }
    if (is_foreign_root(n)) {
        if (!tag_.self_closing)
            ++foreign_depth_;
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
            raw_name_ = r;
            state_ = st::rawtext;
            return;
        }
    }
}

// Out of line, so the byte loop stays small: one call per tag, like a hand-merged loop.
template <class Sink> [[gnu::noinline]] bool html_tokenizer::close_tag(const char* gt, Sink& sink) {
    tag_end(gt);
    return sink.on_tag(tag_);
}

// Byte-at-a-time HTML5 tokenizer subset. `continue` without ++p re-consumes the byte in the
// new state; the quiet states (text, comments, raw text, script, values) jump with memchr.
template <class Sink> const char* html_tokenizer::scan(const char* p, const char* end, Sink& sink) {
    using namespace tokenizer_detail;
    while (p < end) {
        const char c = *p;
        switch (state_) {
        case st::data:
            if (text_events_) {
                if (c == '<') {
                    tag_.lt = at(p);
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
                if (is_ascii_ws(c)) {
                    ++p;
                    continue;
                }
                if (sink.on_text(at(p)))
                    return p + 1;
                ++p;
                continue;
            }
            {
                const void* lt = std::memchr(p, '<', static_cast<std::size_t>(end - p));
                if (!lt)
                    return end;
                p = static_cast<const char*>(lt);
                tag_.lt = at(p);
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
                start_tag_name(false);
            } else if (c == '?') {
                state_ = st::bogus_comment;
            } else {
                state_ = st::data; // the '<' was text: re-read as data
                if (text_events_ && sink.on_text(tag_.lt))
                    return p;
            }
            continue;
        case st::end_tag_open:
            if (is_alpha(c)) {
                start_tag_name(true);
            } else if (c == '>') {
                state_ = st::data;
                ++p;
            } else {
                state_ = st::bogus_comment;
            }
            continue;
        case st::tag_name:
            if (ends_name(c)) {
                if (sink.on_tag_name(tag_)) {
                    state_ = st::name_end; // the delimiter is read on the next call
                    return p;
                }
                ++p;
                if (c == '>') {
                    if (close_tag(p - 1, sink))
                        return p;
                } else {
                    state_ = c == '/' ? st::self_closing : st::before_attr_name;
                }
                continue;
            }
            if (tag_.name_len < html_tag::max_name)
                tag_.name_buf[tag_.name_len] = ascii_lower(c);
            if (tag_.name_len < 255)
                ++tag_.name_len;
            ++p;
            if (!tag_.end && tag_.name_len == long_name && sink.on_tag_name(tag_))
                return p;
            continue;
        case st::name_end:
            if (c == '>') {
                if (close_tag(p, sink))
                    return p + 1;
            } else {
                state_ = c == '/' ? st::self_closing : st::before_attr_name;
            }
            ++p;
            continue;
        case st::before_attr_name:
            if (is_ascii_ws(c)) {
                ++p;
            } else if (c == '/' || c == '>') {
                state_ = st::after_attr_name;
            } else {
                state_ = st::attr_name;
                ++p; // '=' here is part of the name
            }
            continue;
        case st::attr_name:
            if (ends_name(c)) {
                state_ = st::after_attr_name;
            } else if (c == '=') {
                state_ = st::before_attr_value;
                ++p;
            } else {
                ++p;
            }
            continue;
        case st::after_attr_name:
            if (is_ascii_ws(c)) {
                ++p;
            } else if (c == '/') {
                state_ = st::self_closing;
                ++p;
            } else if (c == '=') {
                state_ = st::before_attr_value;
                ++p;
            } else if (c == '>') {
                if (close_tag(p, sink))
                    return p + 1;
                ++p;
                continue;
            } else {
                state_ = st::attr_name;
            }
            continue;
        case st::before_attr_value:
            if (is_ascii_ws(c)) {
                ++p;
            } else if (c == '"') {
                state_ = st::value_dq;
                ++p;
            } else if (c == '\'') {
                state_ = st::value_sq;
                ++p;
            } else if (c == '>') {
                if (close_tag(p, sink))
                    return p + 1;
                ++p;
                continue;
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
            if (is_ascii_ws(c)) {
                state_ = st::before_attr_name;
            } else if (c == '>') {
                if (close_tag(p, sink))
                    return p + 1;
                ++p;
                continue;
            }
            ++p;
            continue;
        case st::after_value_quoted:
            if (is_ascii_ws(c)) {
                state_ = st::before_attr_name;
                ++p;
            } else if (c == '/') {
                state_ = st::self_closing;
                ++p;
            } else if (c == '>') {
                if (close_tag(p, sink))
                    return p + 1;
                ++p;
                continue;
            } else {
                state_ = st::before_attr_name;
            }
            continue;
        case st::self_closing:
            if (c == '>') {
                tag_.self_closing = true;
                if (close_tag(p, sink))
                    return p + 1;
                ++p;
                continue;
            }
            state_ = st::before_attr_name;
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
            tag_.lt = at(p);
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
            if (match_ < raw_name_.size()) {
                if (ascii_lower(c) == raw_name_[match_]) {
                    ++match_;
                    ++p;
                } else {
                    state_ = st::rawtext;
                }
            } else if (ends_name(c)) {
                end_tag_named(raw_name_);
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
            tag_.lt = at(p);
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
            } else if (ends_name(c)) {
                end_tag_named(script_name);
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
                tag_.lt = at(p);
                state_ = st::esc_lt;
            }
            ++p;
            continue;
        case st::esc_dash:
            if (c == '-') {
                state_ = st::esc_dash_dash;
            } else if (c == '<') {
                tag_.lt = at(p);
                state_ = st::esc_lt;
            } else {
                state_ = st::esc;
            }
            ++p;
            continue;
        case st::esc_dash_dash:
            if (c == '<') {
                tag_.lt = at(p);
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
            if (ends_name(c)) {
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
