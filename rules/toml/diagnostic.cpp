#include "rules/toml/diagnostic.hpp"

namespace geogate {

std::string diagnostic::to_string() const {
    std::string s = file.empty() ? std::string("<input>") : file;
    if (where.line != 0) {
        s += ':';
        s += std::to_string(where.line);
        if (where.column != 0) {
            s += ':';
            s += std::to_string(where.column);
        }
    }
    s += severity == level::error ? ": error: " : ": warning: ";
    s += message;
    return s;
}

bool has_errors(const diagnostics& d, std::size_t from) noexcept {
    for (std::size_t i = from; i < d.size(); ++i)
        if (d[i].severity == diagnostic::level::error)
            return true;
    return false;
}

} // namespace geogate
