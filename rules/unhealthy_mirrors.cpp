#include "rules/unhealthy_mirrors.hpp"

#include <algorithm>

namespace geogate::rules {

unhealthy_mirrors::unhealthy_mirrors(std::vector<std::string> bases) : bases_(std::move(bases)) {
    std::sort(bases_.begin(), bases_.end());
    bases_.erase(std::unique(bases_.begin(), bases_.end()), bases_.end());
}

bool unhealthy_mirrors::contains(std::string_view base) const noexcept {
    auto it = std::lower_bound(bases_.begin(), bases_.end(), base,
                               [](const std::string& a, std::string_view b) { return a < b; });
    return it != bases_.end() && *it == base;
}

} // namespace geogate::rules
