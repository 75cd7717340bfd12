#pragma once
// One problem found while loading configuration, rules or notices, pointing at file:line:column.
// Load time reports with `diagnostics` (every problem at once, warnings beside errors); a
// loader returns std::optional and has failed when has_errors(). Outside load time the
// convention is result<T> (common/result.hpp).
#include <cstddef>
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

/// Whether d[from..] holds an error (warnings alone do not fail a load). `from` lets a loader
/// that appends to a caller's list judge only what it added.
bool has_errors(const diagnostics& d, std::size_t from = 0) noexcept;

} // namespace geogate
