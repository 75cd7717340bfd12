#pragma once
// The usual integration setup: a test origin with geogate in front of it, configured by
// default_config() plus the test's own changes.
#include "tests/integration/support/geogate_process.hpp"
#include "tests/integration/support/raw_client.hpp"
#include "tests/integration/support/test_origin.hpp"

#include <functional>

namespace geogate::it {

struct stack {
    test_origin origin;
    geogate_process proxy;

    explicit stack(const std::function<void(toml_config&)>& tweak = {})
        : proxy(configure(origin, tweak)) {}

private:
    static toml_config configure(const test_origin& origin,
                                 const std::function<void(toml_config&)>& tweak) {
        toml_config c = default_config(origin.url());
        if (tweak)
            tweak(c);
        return c;
    }
};

} // namespace geogate::it
