#pragma once
// result<T>: a value, or a message saying why there is none. The one error convention outside
// load time (parsers, opening databases and TLS contexts, binding listeners, command lines).
//
//   result<mirror> parse_mirror_url(std::string_view url);   // value or why not
//   result<void> listen(const tcp::endpoint& ep);             // ok, or why not
//   if (auto m = parse_mirror_url(u); !m) report(m.error()); else use(*m);
//   return fail("expected ... found " + text);               // the failing side
//
// Load time (config, rules, notices) reports with `diagnostics` (rules/toml/diagnostic.hpp):
// many problems at once, each with file:line:column. Lookups that can only be absent (no
// reason to give: parse_duration, parse_listen_address, a map find) return std::optional.
// Neither exceptions nor out-parameters carry errors. (g++ 12 has no std::expected.)
#include <string>
#include <utility>
#include <variant>

namespace geogate {

/// The failing side of a result: what is wrong, in words for the operator.
struct result_error {
    std::string message;
};

inline result_error fail(std::string message) {
    return result_error{std::move(message)};
}

template <class T> class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    result(result_error f) : v_(std::in_place_index<1>, std::move(f)) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    /// Why there is no value; only when !ok().
    const std::string& error() const { return std::get<1>(v_).message; }

private:
    std::variant<T, result_error> v_;
};

template <> class [[nodiscard]] result<void> {
public:
    result() = default;
    result(result_error f) : error_(std::move(f.message)), failed_(true) {}

    bool ok() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return ok(); }
    /// Why it failed; only when !ok().
    const std::string& error() const noexcept { return error_; }

private:
    std::string error_;
    bool failed_ = false;
};

} // namespace geogate
