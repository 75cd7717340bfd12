#pragma once
// The mirrors geogate's own health checks ([mirror_health], proxy/runtime/mirror_health.hpp)
// currently find failing. Plain immutable data: the prober builds a new set when a mirror changes
// state and swaps it in; decide() receives it as an input and skips these mirrors exactly like
// mirrors marked `down` in the rules. decide() stays pure: it never asks anyone whether a
// mirror is up.
#include "rules/rule_set.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace geogate::rules {

class unhealthy_mirrors {
public:
    unhealthy_mirrors() = default;
    /// Mirror bases as in mirror::base ("https://mirror-a.example.net[:port]"); duplicates and
    /// order do not matter.
    explicit unhealthy_mirrors(std::vector<std::string> bases);

    bool empty() const noexcept { return bases_.empty(); }
    bool contains(std::string_view base) const noexcept;
    bool contains(const mirror& m) const noexcept { return contains(m.base); }
    /// Sorted bytewise, without duplicates.
    const std::vector<std::string>& bases() const noexcept { return bases_; }

private:
    std::vector<std::string> bases_;
};

} // namespace geogate::rules
