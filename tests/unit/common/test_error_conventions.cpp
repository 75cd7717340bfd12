// The two error conventions: result<T> (common/result.hpp) outside load time, and
// diagnostics with has_errors (rules/toml/diagnostic.hpp) at load time.
#include "common/result.hpp"
#include "rules/toml/diagnostic.hpp"

#include <catch2/catch.hpp>
#include <memory>

using namespace geogate;

namespace {

result<int> port_of(int n) {
    if (n < 1 || n > 65535)
        return fail("expected a port from 1 to 65535, found " + std::to_string(n));
    return n;
}

result<void> check_even(int n) {
    if (n % 2 != 0)
        return fail("odd");
    return {};
}

diagnostic problem(diagnostic::level severity) {
    diagnostic d;
    d.severity = severity;
    d.file = "x.toml";
    d.message = "m";
    return d;
}

} // namespace

TEST_CASE("result<T> holds a value or the reason there is none") {
    auto good = port_of(443);
    REQUIRE(good);
    CHECK(good.ok());
    CHECK(*good == 443);
    auto bad = port_of(0);
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == "expected a port from 1 to 65535, found 0");
    CHECK_THROWS(bad.value()); // a caller that skipped the check does not read garbage
}

TEST_CASE("result<T> carries move-only values out") {
    auto make = [](bool ok) -> result<std::unique_ptr<int>> {
        if (!ok)
            return fail("no");
        return std::make_unique<int>(7);
    };
    auto r = make(true);
    REQUIRE(r);
    std::unique_ptr<int> p = std::move(*r);
    CHECK(*p == 7);
    CHECK(make(false).error() == "no");
}

TEST_CASE("result<void> is ok or says why not") {
    CHECK(check_even(2));
    auto r = check_even(3);
    REQUIRE_FALSE(r);
    CHECK(r.error() == "odd");
}

TEST_CASE("has_errors: warnings alone do not fail, from judges only what was added") {
    diagnostics d;
    CHECK_FALSE(has_errors(d));
    d.push_back(problem(diagnostic::level::warning));
    CHECK_FALSE(has_errors(d));
    d.push_back(problem(diagnostic::level::error));
    CHECK(has_errors(d));
    CHECK(has_errors(d, 1));
    CHECK_FALSE(has_errors(d, 2)); // a loader that added nothing after the caller's error
    d.push_back(problem(diagnostic::level::warning));
    CHECK_FALSE(has_errors(d, 2));
    CHECK_FALSE(has_errors(d, 10)); // past the end: nothing added
}
