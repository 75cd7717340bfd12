// The path rules match against: no spelling of a path may slip past a rule for /news.
#include "proxy/request_target.hpp"

#include <catch2/catch.hpp>

using geogate::normalize_path_for_rules;

TEST_CASE(
    "rule paths: dot segments, encoded dots and doubled slashes resolve as the origin would") {
    struct row {
        const char* in;
        const char* out;
    };
    const row rows[] = {
        {"/", "/"},
        {"/news", "/news"},
        {"/news/", "/news/"},
        {"/a/../news/x", "/news/x"},
        {"//news//x", "/news/x"},
        {"/%2e%2e/news", "/news"},
        {"/a/%2E%2E/news", "/news"},
        {"/./news/./x", "/news/x"},
        {"/news/x/..", "/news/"},
        {"/a/b/../../..", "/"},
        {"/news%2fx", "/news%2fx"}, // an encoded slash is not a separator
    };
    for (const auto& r : rows) {
        CAPTURE(r.in);
        CHECK(normalize_path_for_rules(r.in) == r.out);
    }
}
