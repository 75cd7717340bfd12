#include "rules/toml/reader.hpp"

#include <algorithm>
#include <charconv>

namespace geogate::toml {

namespace {

std::optional<std::uint64_t> leading_number(std::string_view& text) noexcept {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p == text.data())
        return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(p - text.data()));
    return v;
}

} // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept {
    if (text.empty() || text.front() < '0' || text.front() > '9')
        return std::nullopt;
    auto n = leading_number(text);
    if (!n)
        return std::nullopt;
    std::uint64_t factor;
    if (text == "ms")
        factor = 1;
    else if (text == "s")
        factor = 1000;
    else if (text == "m")
        factor = 60'000;
    else if (text == "h")
        factor = 3'600'000;
    else
        return std::nullopt;
    // Keep far below the range of std::chrono::milliseconds and of any timer arithmetic.
    if (*n > (std::uint64_t(1) << 40) / factor)
        return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(*n * factor));
}

std::optional<std::uint64_t> parse_size(std::string_view text) noexcept {
    if (text.empty() || text.front() < '0' || text.front() > '9')
        return std::nullopt;
    auto n = leading_number(text);
    if (!n)
        return std::nullopt;
    unsigned shift;
    if (text.empty() || text == "B")
        shift = 0;
    else if (text == "KiB")
        shift = 10;
    else if (text == "MiB")
        shift = 20;
    else if (text == "GiB")
        shift = 30;
    else if (text == "TiB")
        shift = 40;
    else
        return std::nullopt;
    if (shift != 0 && *n > (~std::uint64_t(0) >> shift))
        return std::nullopt;
    return *n << shift;
}

reader::reader(const node& table, std::string file, std::string where, diagnostics& out)
    : table_(table), file_(std::move(file)), where_(std::move(where)), out_(out) {}

void reader::add(source_position where, std::string message, bool is_error) {
    diagnostic d;
    d.severity = is_error ? diagnostic::level::error : diagnostic::level::warning;
    d.file = file_;
    d.where = where;
    d.message = std::move(message);
    out_.push_back(std::move(d));
}

std::string reader::expected(std::string_view what, std::string_view key, const node& found) {
    return "expected " + std::string(what) + " for key '" + std::string(key) + "', found " +
           node::kind_name(found.type);
}

const node* reader::get(std::string_view key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end())
        known_.emplace_back(key);
    return table_.find(key);
}

const node* reader::table(std::string_view key) {
    const node* n = get(key);
    if (n && !n->is_table()) {
        error(*n, expected("a table", key, *n));
        return nullptr;
    }
    return n;
}

const node* reader::array(std::string_view key) {
    const node* n = get(key);
    if (n && !n->is_array()) {
        error(*n, expected("an array", key, *n));
        return nullptr;
    }
    return n;
}

std::optional<std::string> reader::string(std::string_view key) {
    const node* n = get(key);
    if (!n)
        return std::nullopt;
    if (!n->is_string()) {
        error(*n, expected("string", key, *n));
        return std::nullopt;
    }
    return n->text;
}

std::optional<bool> reader::boolean(std::string_view key) {
    const node* n = get(key);
    if (!n)
        return std::nullopt;
    if (n->type != node::kind::boolean) {
        error(*n, expected("true or false", key, *n));
        return std::nullopt;
    }
    return n->boolean;
}

std::optional<std::int64_t> reader::integer(std::string_view key, std::int64_t min,
                                            std::int64_t max) {
    const node* n = get(key);
    if (!n)
        return std::nullopt;
    if (n->type != node::kind::integer) {
        error(*n, expected("integer", key, *n));
        return std::nullopt;
    }
    if (n->integer < min || n->integer > max) {
        error(*n, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                      " for key '" + std::string(key) + "', found " + std::to_string(n->integer));
        return std::nullopt;
    }
    return n->integer;
}

std::optional<std::vector<std::string>> reader::strings(std::string_view key) {
    const node* n = get(key);
    if (!n)
        return std::nullopt;
    if (!n->is_array()) {
        error(*n, expected("an array of strings", key, *n));
        return std::nullopt;
    }
    std::vector<std::string> v;
    v.reserve(n->children.size());
    bool ok = true;
    for (const auto& e : n->children) {
        if (!e.is_string()) {
            error(e, "expected string in array '" + std::string(key) + "', found " +
                         node::kind_name(e.type));
            ok = false;
            continue;
        }
        v.push_back(e.text);
    }
    if (!ok)
        return std::nullopt;
    return v;
}

std::optional<std::chrono::milliseconds> reader::duration(std::string_view key) {
    const node* n = get(key);
    if (!n)
        return std::nullopt;
    if (!n->is_string()) {
        error(*n, expected("a duration string like \"250ms\", \"2s\", \"1m\"", key, *n));
        return std::nullopt;
    }
    auto d = parse_duration(n->text);
    if (!d)
        error(*n, "expected a duration like \"250ms\", \"2s\", \"1m\" or \"1h\" for key '" +
                      std::string(key) + "', found \"" + n->text + "\"");
    return d;
}

std::optional<std::uint64_t> reader::size(std::string_view key) {
    const node* n = get(key);
    if (!n)
        return std::nullopt;
    if (n->type == node::kind::integer) {
        if (n->integer < 0) {
            error(*n, "expected a size of at least 0 bytes for key '" + std::string(key) +
                          "', found " + std::to_string(n->integer));
            return std::nullopt;
        }
        return static_cast<std::uint64_t>(n->integer);
    }
    if (!n->is_string()) {
        error(*n, expected("a size (bytes, or a string like \"64KiB\")", key, *n));
        return std::nullopt;
    }
    auto s = parse_size(n->text);
    if (!s)
        error(*n, "expected a size like 1024, \"64KiB\", \"8MiB\" or \"1GiB\" for key '" +
                      std::string(key) + "', found \"" + n->text + "\"");
    return s;
}

void reader::finish() {
    for (const auto& c : table_.children) {
        if (std::find(known_.begin(), known_.end(), c.key) != known_.end())
            continue;
        std::string msg = "unknown key '" + c.key + "' in " + where_;
        if (!known_.empty()) {
            msg += "; expected one of: ";
            for (std::size_t i = 0; i < known_.size(); ++i)
                msg += (i ? ", " : "") + known_[i];
        }
        error_at_key(c, std::move(msg));
    }
}

} // namespace geogate::toml
