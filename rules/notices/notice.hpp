#pragma once
// One notice: its metadata from notice.toml and one checked, rendered text per language.
#include "rules/notices/notice_text.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::notices {

class notice {
public:
    static constexpr std::size_t max_languages = 32;

    std::string id;                 // folder name: [a-z0-9][a-z0-9._-]*, at most 64 characters
    std::string dir;                // the folder
    std::string file;               // its notice.toml
    std::string title;              // for people: the review sheet, the 451 page <title>
    std::string description;        // optional: why the notice exists (shown on the review sheet)
    std::string default_language;   // one of languages
    std::vector<notice_text> texts; // in the order notice.toml lists its languages

    /// The text of one language (exact tag, lower-case), or nullptr.
    const notice_text* text(std::string_view language) const noexcept;

    /// The text a reader with this Accept-Language gets (see language_choice.hpp), among the
    /// servable texts: all of them, or with require_approval only the approved ones. When the
    /// header names none of them: the default language if servable, else the first servable
    /// one. nullptr only when no text is servable (a notice no rule may use then: see
    /// unapproved_in_use()).
    const notice_text* choose(std::string_view accept_language) const noexcept;

    /// Called by the catalog once texts are final: which texts choose() may return.
    void set_servable(bool require_approval);

private:
    std::vector<std::string> servable_languages_; // parallel to servable_
    std::vector<std::size_t> servable_;           // indices into texts (copy-safe)
    std::size_t servable_default_ = 0;
};

} // namespace geogate::notices
