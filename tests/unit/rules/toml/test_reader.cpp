// toml::reader: typed fields with "expected X for key 'k', found Y" at the value's position,
// unknown keys at the key's position, durations and sizes.
#include "rules/toml/reader.hpp"

#include <catch2/catch.hpp>

using namespace geogate;
using namespace geogate::toml;

TEST_CASE("reader: types, ranges and unknown keys") {
    auto doc = parse_text_isolated(R"(s = 1
b = "yes"
i = 70000
l = ["a", 2]
d = "5 s"
z = "12XB"
typo = true
ok = "fine"
)",
                                   "c.toml");
    REQUIRE(doc.root);
    diagnostics d;
    reader r(*doc.root, "c.toml", "[server]", d);
    CHECK_FALSE(r.string("s"));
    CHECK_FALSE(r.boolean("b"));
    CHECK_FALSE(r.integer("i", 1, 65535));
    CHECK_FALSE(r.strings("l"));
    CHECK_FALSE(r.duration("d"));
    CHECK_FALSE(r.size("z"));
    CHECK(r.string("ok") == "fine");
    CHECK_FALSE(r.string("absent"));
    r.finish();
    std::vector<std::string> got;
    for (const auto& x : d)
        got.push_back(x.to_string());
    REQUIRE(got.size() == 7);
    CHECK(got[0] == "c.toml:1:5: error: expected string for key 's', found integer");
    CHECK(got[1] == "c.toml:2:5: error: expected true or false for key 'b', found string");
    CHECK(got[2] ==
          "c.toml:3:5: error: expected an integer from 1 to 65535 for key 'i', found 70000");
    CHECK(got[3] == "c.toml:4:11: error: expected string in array 'l', found integer");
    CHECK(got[4].rfind("c.toml:5:5: error: expected a duration", 0) == 0);
    CHECK(got[5].rfind("c.toml:6:5: error: expected a size", 0) == 0);
    CHECK(got[6].rfind("c.toml:7:1: error: unknown key 'typo' in [server]; expected one of: s, b, "
                       "i, l, d, z, ok, absent",
                       0) == 0);
}

TEST_CASE("reader: durations and sizes") {
    using namespace std::chrono_literals;
    struct drow {
        const char* text;
        std::optional<std::chrono::milliseconds> ms;
    };
    const drow ds[] = {{"250ms", 250ms}, {"2s", 2000ms}, {"1m", 60000ms}, {"1h", 3600000ms},
                       {"0s", 0ms},      {"", {}},       {"2", {}},       {"-1s", {}},
                       {"1.5s", {}},     {"s", {}},      {"2 s", {}},     {"99999999999999h", {}}};
    for (const auto& r : ds) {
        INFO(r.text);
        CHECK(parse_duration(r.text) == r.ms);
    }
    struct srow {
        const char* text;
        std::optional<std::uint64_t> bytes;
    };
    const srow ss[] = {{"100", 100},
                       {"512B", 512},
                       {"64KiB", 65536},
                       {"8MiB", 8u << 20},
                       {"1GiB", 1u << 30},
                       {"1KB", {}},
                       {"", {}},
                       {"-1", {}},
                       {"99999999999999999999GiB", {}},
                       {"17179869184GiB", {}}};
    for (const auto& r : ss) {
        INFO(r.text);
        CHECK(parse_size(r.text) == r.bytes);
    }
}
