// The isolated TOML parser: the tree comes back whole (types, keys, positions), and a child
// that crashes, hangs or answers garbage turns into a diagnostic naming the file.
#include "rules/toml/document.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace geogate;
using namespace geogate::toml;

TEST_CASE("isolated parser: values, keys and positions survive the trip") {
    auto r = parse_text_isolated(R"(title = "héllo"
n = -42
f = 1.5
yes = true
when = 1979-05-27T07:32:00Z
day = 1979-05-27
[t]
  list = [1, "two", [3]]
[[arr]]
x = 1
)",
                                 "doc.toml");
    REQUIRE(r.root);
    const node& root = *r.root;
    REQUIRE(root.find("title"));
    CHECK(root.find("title")->text == "héllo");
    CHECK(root.find("title")->where.line == 1);
    CHECK(root.find("title")->where.column == 9);
    CHECK(root.find("n")->integer == -42);
    CHECK(root.find("n")->key_where.line == 2);
    CHECK(root.find("n")->key_where.column == 1);
    CHECK(root.find("f")->floating == 1.5);
    CHECK(root.find("yes")->boolean);
    CHECK(root.find("when")->type == node::kind::date_time);
    CHECK(root.find("when")->text == "1979-05-27T07:32:00Z");
    CHECK(root.find("day")->text == "1979-05-27");
    const node* list = root.find("t")->find("list");
    REQUIRE(list);
    REQUIRE(list->children.size() == 3);
    CHECK(list->children[1].text == "two");
    CHECK(list->children[2].children[0].integer == 3);
    CHECK(list->where.line == 8);
    CHECK(root.find("arr")->is_array());
    CHECK(root.find("arr")->children[0].find("x")->integer == 1);
    // keys keep document order
    CHECK(root.children[0].key == "title");
}

TEST_CASE("isolated parser: syntax errors name the file and position") {
    auto r = parse_text_isolated("a = 1\nb = = 2\n", "x.toml");
    REQUIRE_FALSE(r.root);
    CHECK(r.error.file == "x.toml");
    CHECK(r.error.where.line == 2);
    CHECK(r.error.where.column > 0);
    CHECK(r.error.message.rfind("invalid TOML: ", 0) == 0);
}

TEST_CASE("isolated parser: limits and failures become diagnostics") {
    SECTION("input too large") {
        parse_limits lim;
        lim.max_input_bytes = 10;
        auto r = parse_text_isolated("a = \"0123456789\"", "big.toml", lim);
        REQUIRE_FALSE(r.root);
        CHECK(r.error.message.find("at most 10 bytes") != std::string::npos);
    }
    SECTION("answer too large") {
        parse_limits lim;
        lim.max_output_bytes = 16;
        auto r = parse_text_isolated("a = \"0123456789012345678901234567890\"", "o.toml", lim);
        REQUIRE_FALSE(r.root);
        CHECK(r.error.file == "o.toml");
    }
    SECTION("missing file") {
        auto r = parse_file_isolated("/nonexistent/geogate/rules.toml");
        REQUIRE_FALSE(r.root);
        CHECK(r.error.to_string().rfind("/nonexistent/geogate/rules.toml: error: cannot open", 0) ==
              0);
    }
    SECTION("a directory is not a rule file") {
        auto r = parse_file_isolated("/");
        REQUIRE_FALSE(r.root);
        CHECK(r.error.message == "not a regular file");
    }
}

TEST_CASE("isolated parser: decode() refuses garbage instead of trusting it") {
    node root;
    root.children.push_back({});
    root.children[0].type = node::kind::string;
    root.children[0].key = "k";
    root.children[0].text = "v";
    std::string bytes = encode(root);
    REQUIRE(decode(bytes));
    CHECK(decode(bytes)->find("k")->text == "v");
    for (std::size_t cut = 0; cut < bytes.size(); ++cut)
        CHECK_FALSE(decode(std::string_view(bytes).substr(0, cut)));
    std::string huge_count = bytes;
    huge_count[21] = '\xff'; // children count of the root
    huge_count[22] = '\xff';
    CHECK_FALSE(decode(huge_count));
    CHECK_FALSE(decode(bytes + "x"));
    std::string deep;
    for (int i = 0; i < 2000; ++i)
        deep += std::string("\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\0\0\0", 25);
    CHECK_FALSE(decode(deep));
}
