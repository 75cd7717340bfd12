#pragma once
// PURE streaming HTML transformer that inserts one fragment right after the first real
// <body ...> open tag (body_start) or right before the last real </body> (body_end).
// "Real" means what an HTML5 browser sees: never inside a comment (including <!-->, <!--->,
// bogus comments <!x> <?x> and doctypes), CDATA in SVG/MathML, <script> (with the script-data
// escaped / double-escaped states), <style>, <textarea>, <title>, <xmp>, <iframe>, <noembed>,
// <noframes>, <noscript> (scripting enabled), <plaintext>, a <template>, or an attribute value.
// Tag names are ASCII case-insensitive; <bodyx> is not a body; <body/> is one.
// No Asio, no Beast: bytes in, views out. What is real is html_tokenizer's (one streaming
// pass, events pulled per tag); this class is the policy: where the fragment goes, what is
// held back, which <meta> tags are amended.
//
// Fallback (no real body tag):
//  - body_start: the browser opens the body implicitly at the first thing that cannot live in
//    the head: non-whitespace text, a start tag other than html/head/base/basefont/bgsound/
//    link/meta/noframes/noscript/script/style/template/title/frameset, or an end tag
//    </body> </html> </br>. The fragment goes right BEFORE that text or tag (so it is the first
//    thing in the implicit body). A page that never opens a body (head-only, empty, frameset)
//    gets the fragment appended at the end of the document, where the browser adds it to the
//    body. Whitespace, comments, the doctype and a UTF-8 BOM never trigger the fallback.
//  - body_end: no real </body> -> the fragment is appended at the end of the document.
//  In both cases used_fallback() is true. If the document ends inside an unclosed comment,
//  script, raw-text element, tag or <template>, the bytes that end it ("-->", "</script>",
//  "</style>", "\">", "</template>", ...) go right before the appended fragment, so the
//  browser renders it (end_of_document_closer). Only <plaintext> cannot be ended.
//
// Bounded memory (held bytes <= max_held, clamped to >= 64):
//  - body_start holds at most the few bytes of a tag name split across chunks.
//  - body_end holds everything after a </body> candidate. When the byte at offset
//    candidate + max_held arrives and no later real </body> was seen, the fragment is committed
//    before that candidate and the rest streams through untouched; a </body ...> end tag longer
//    than max_held bytes is never a candidate. Both rules depend only on byte offsets, so the
//    output is still the same for every split.
//
// Meta CSP (amend_meta_csp() turns it on): a browser enforces a policy delivered in
// <meta http-equiv="Content-Security-Policy" content="..."> in <head> as well as the header's,
// so each real <meta> start tag before the insertion point (for body_end: before the first
// </body> candidate; a meta after that is outside <head> and ignored by browsers) is held
// until its '>' and handed to rewrite_meta_csp (proxy/html/meta_csp.hpp), which amends the
// policy with the header's logic. "Real" is the tokenizer's: a meta in a comment, <script>,
// <noscript>, <template> or an attribute is text, never touched. A <meta> tag longer than
// max_tag bytes ('<' to '>') is passed through untouched and counted (too_long): the decision
// depends only on the tag's length, so the output is still the same for every split.
//
// Output is byte-identical for every split of the same input (tests/unit/html feed it split
// at every offset; tests/fuzz checks the invariant). Apart from the fragment (with its closer) and
// amended meta CSP tags, the output is the input.
#include "proxy/html/html_tokenizer.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::html {

enum class position { body_start, body_end };

/// What the injector did with <meta http-equiv="Content-Security-Policy"> tags.
struct meta_csp_counts {
    std::uint32_t amended = 0;     // rewritten: our style's hash added to its policy
    std::uint32_t unchanged = 0;   // its policy already allows our <style>
    std::uint32_t undecodable = 0; // a character reference not resolved exactly: untouched
    std::uint32_t too_long = 0;    // a <meta> tag longer than max_tag: passed untouched
};

/// The default bound on one <meta> tag held for the meta CSP check ('<' to '>').
inline constexpr std::size_t default_max_meta_tag = 16 * 1024;

class injector {
public:
    /// `fragment` is copied. `max_held` bounds the bytes held back while a decision about the
    /// insertion point is pending (tag spanning chunks, text after a </body> candidate).
    injector(std::string fragment, position where, std::size_t max_held = 64 * 1024);

    /// Consumes `in`. Appends to `out` the views to send, in order: slices of `in`, the
    /// fragment, or bytes held inside the injector. They stay valid until the next call to
    /// feed() or finish(). The common case (no insertion in this chunk) is `out = {in}`, no copy.
    void feed(std::string_view in, std::vector<std::string_view>& out);

    /// End of the body. Flushes what is held; inserts the fragment at the fallback place if it
    /// was not inserted yet (a page without a body tag still gets the notice where a browser
    /// renders it: see "Fallback" above). Further feed()/finish() calls are no-ops. The views
    /// of the feed() right before stay valid too: the last piece and the end go out together.
    void finish(std::vector<std::string_view>& out);

    /// Before the first feed(): amend meta CSP policies so that our <style> (with content hash
    /// `hash_source`, "'sha256-...'", carrying nonce `style_nonce`, "" none) is allowed.
    /// `max_tag` is clamped to [64, max_held].
    void amend_meta_csp(std::string hash_source, std::string style_nonce,
                        std::size_t max_tag = default_max_meta_tag);
    const meta_csp_counts& meta_csp() const noexcept { return meta_counts_; }

    bool inserted() const noexcept { return inserted_; }
    /// True when the fragment went to a fallback place (no real body tag found): counted.
    bool used_fallback() const noexcept { return fallback_; }
    /// Bytes currently held back (for metrics and tests); always <= max_held.
    std::size_t held() const noexcept { return held_.size(); }

private:
    struct sink;
    const char* scan(const char* p, const char* end);
    // the policy: what each tokenizer event means for the insertion point (inlined into the
    // tokenizer's loop: they run for every tag)
    [[gnu::always_inline]] inline void on_tag_name(const html_tag& t);
    [[gnu::always_inline]] inline void on_tag(const html_tag& t);
    void meta_done(std::uint64_t end);
    void text_events() noexcept;
    /// The bytes that end whatever construct the document ends inside (comment, script,
    /// raw-text element, tag, <template>), so a fragment appended after them is rendered.
    std::string end_of_document_closer() const;
    // emission
    void insert_at(std::uint64_t abs);
    void flush_to(std::uint64_t abs);
    bool hold_start(std::uint64_t& abs) const noexcept;
    std::uint64_t at(const char* p) const noexcept {
        return base_ + static_cast<std::uint64_t>(p - in_.data());
    }

    std::string fragment_;
    std::string closer_; // end_of_document_closer(), kept for the views finish() returns
    position where_;
    std::size_t max_held_;
    bool inserted_ = false;
    bool fallback_ = false;
    bool finished_ = false;

    // emission: bytes [0, emitted_) are out; cur_held_ holds [base_ - size, base_) during a
    // call; held_ collects what is kept for the next call (two buffers keep views valid).
    std::string held_;
    std::string cur_held_;
    std::uint64_t emitted_ = 0;
    std::uint64_t base_ = 0;
    std::string_view in_;
    std::vector<std::string_view>* out_ = nullptr;

    html_tokenizer tok_;
    bool stop_ = false; // scan() returns early so feed() re-evaluates the hold bound
    std::uint32_t template_depth_ = 0;
    bool have_cand_ = false;
    std::uint64_t cand_ = 0; // body_end: offset of the '<' of the last real </body>

    // meta CSP
    bool meta_on_ = false;
    bool meta_ = false; // inside a <meta> start tag that starts at tok_.tag().lt
    std::size_t max_meta_ = default_max_meta_tag;
    std::string meta_hash_;
    std::string meta_nonce_;
    std::string meta_buf_;             // a tag that spans chunks, made contiguous
    std::deque<std::string> meta_out_; // rewritten tags of this call (stable addresses)
    meta_csp_counts meta_counts_;
};

} // namespace geogate::html
