#pragma once
// A small typed reader over one TOML table, shared by the config, rule and notice.toml loaders.
// Each getter marks its key as known, checks the type and appends a diagnostic such as
// "rules/a.toml:3:9: error: expected string for key 'name', found integer". finish() reports
// every key nobody asked for as an error ("unknown key 'x' in [rule]; expected one of ...") —
// a typo in a legal rule must not be silently ignored. Getters return nullopt both when the
// key is absent and when it is invalid; use has() to tell them apart.
#include "rules/toml/diagnostic.hpp"
#include "rules/toml/document.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::toml {

/// "250ms", "2s", "1m", "1h" (a non-negative integer and one unit). nullopt on anything else.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept;
/// "64KiB", "8MiB", "1GiB", "512B", "100" (bytes). nullopt on anything else or overflow.
std::optional<std::uint64_t> parse_size(std::string_view text) noexcept;

class reader {
public:
    /// `table` must outlive the reader. `where` names the table in messages: "[rule]", "[listen]".
    reader(const node& table, std::string file, std::string where, diagnostics& out);

    bool has(std::string_view key) const noexcept { return table_.find(key) != nullptr; }
    /// Any node; marks the key known. nullptr when absent.
    const node* get(std::string_view key);
    const node* table(std::string_view key); // must be a table
    const node* array(std::string_view key); // must be an array
    std::optional<std::string> string(std::string_view key);
    std::optional<bool> boolean(std::string_view key);
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
    /// An array of strings; each bad element is reported and skipped.
    std::optional<std::vector<std::string>> strings(std::string_view key);
    std::optional<std::chrono::milliseconds> duration(std::string_view key);
    /// An integer (bytes) or a size string.
    std::optional<std::uint64_t> size(std::string_view key);

    /// Reports every key of the table that no getter asked for. Call once, at the end.
    void finish();

    void error(const node& at, std::string message) { add(at.where, std::move(message), true); }
    void error_at_key(const node& at, std::string message) {
        add(at.key_where, std::move(message), true);
    }
    void warning(const node& at, std::string message) { add(at.where, std::move(message), false); }
    const std::string& file() const noexcept { return file_; }
    diagnostics& out() noexcept { return out_; }

    /// "expected string for key 'name', found integer"
    static std::string expected(std::string_view what, std::string_view key, const node& found);

private:
    void add(source_position where, std::string message, bool is_error);

    const node& table_;
    std::string file_;
    std::string where_;
    diagnostics& out_;
    std::vector<std::string> known_; // every key asked for, present or not
};

} // namespace geogate::toml
