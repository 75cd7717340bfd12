#pragma once
// One problem found while loading configuration, rules or notices, pointing at file:line:column.
#include <cstdint>
#include <string>
#include <vector>

namespace geogate {

struct source_position {
    std::uint32_t line = 0;   // 1-based; 0 = unknown
    std::uint32_t column = 0; // 1-based; 0 = unknown
};

struct diagnostic {
    enum class level { error, warning };
    level severity = level::error;
    std::string file;
    source_position where;
    std::string message; // says what was found and what was expected

    /// "rules/10-notice.toml:12:9: error: ..." (gcc style, so editors can jump to it).
    std::string to_string() const;
};

using diagnostics = std::vector<diagnostic>;

inline bool has_errors(const diagnostics& d) {
    for (const auto& x : d)
        if (x.severity == diagnostic::level::error)
            return true;
    return false;
}

} // namespace geogate
