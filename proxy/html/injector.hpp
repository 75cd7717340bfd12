#pragma once
// PURE streaming HTML transformer that inserts one fragment right after the first real
// <body ...> open tag (body_start) or right before the last real </body> (body_end).
// "Real" means what an HTML5 browser sees: never inside a comment, CDATA, <script>, <style>,
// <textarea>, <title>, or an attribute value. No Asio, no Beast: bytes in, views out.
//
// Output is byte-identical for every split of the same input (tests/unit/html feed it split
// at every offset; tests/fuzz checks the invariant). Memory is bounded by max_held.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::html {

enum class position { body_start, body_end };

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
    /// renders it: after the head, or at the start of the document).
    void finish(std::vector<std::string_view>& out);

    bool inserted() const noexcept { return inserted_; }
    /// True when the fragment went to a fallback place (no real body tag found): counted.
    bool used_fallback() const noexcept { return fallback_; }

private:
    // implementation state: see injector.cpp
    std::string fragment_;
    position where_;
    std::size_t max_held_;
    bool inserted_ = false;
    bool fallback_ = false;
};

} // namespace geogate::html
