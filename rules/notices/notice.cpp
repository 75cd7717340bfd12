#include "rules/notices/notice.hpp"

#include "rules/notices/language_choice.hpp"

namespace geogate::notices {

const notice_text* notice::text(std::string_view language) const noexcept {
    for (const auto& t : texts)
        if (t.language == language)
            return &t;
    return nullptr;
}

const notice_text* notice::choose(std::string_view accept_language) const noexcept {
    if (servable_.empty())
        return nullptr;
    return &texts[servable_[choose_language(accept_language, servable_languages_,
                                            servable_default_)]];
}

void notice::set_servable(bool require_approval) {
    servable_.clear();
    servable_languages_.clear();
    servable_default_ = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const notice_text& t = texts[i];
        if (require_approval && !t.approved)
            continue;
        if (t.language == default_language)
            servable_default_ = servable_.size();
        servable_.push_back(i);
        servable_languages_.push_back(t.language);
    }
}

} // namespace geogate::notices
