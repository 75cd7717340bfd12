#include "rules/region_dependence.hpp"

namespace geogate::rules {

bool may_depend_on_region(const request_view&, const rule_set& rules) noexcept {
    for (const auto& r : rules.rules)
        if (r.act != action::pass)
            return true;
    return false;
}

} // namespace geogate::rules
