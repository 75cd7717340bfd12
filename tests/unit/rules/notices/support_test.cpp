// The small pieces: digests, UTF-8, word diff, region names.
#include "rules/notices/digest.hpp"
#include "rules/notices/region_display_names.hpp"
#include "rules/notices/utf8.hpp"
#include "rules/notices/word_diff.hpp"

#include <catch2/catch.hpp>

using namespace geogate::notices;

TEST_CASE("sha256, hex and base64 match the standard vectors", "[notices][digest]") {
    CHECK(to_hex(sha256("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_base64("") == "");
    CHECK(to_base64("f") == "Zg==");
    CHECK(to_base64("fo") == "Zm8=");
    CHECK(to_base64("foo") == "Zm9v");
    CHECK(to_base64("foobar") == "Zm9vYmFy");
    // The CSP hash of an empty style element, as browsers report it.
    CHECK(csp_hash_source("") == "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
}

TEST_CASE("Character references keep non-UTF-8 pages readable", "[notices][utf8]") {
    CHECK(to_character_references("abc <p>") == "abc <p>");
    CHECK(to_character_references("Жё") == "&#1046;&#1105;");
    CHECK(to_character_references("«x»") == "&#171;x&#187;");
    CHECK(to_character_references("\xF0\x9F\x98\x80") == "&#128512;"); // 4-byte sequence
    CHECK(to_character_references("a\xFFz") == "a&#65533;z");
    CHECK(find_invalid_utf8("ok Жё") == std::string_view::npos);
    CHECK(find_invalid_utf8("ok\xE2\x82") == 2);       // truncated
    CHECK(find_invalid_utf8("\xE0\x80\xAF") == 0);     // overlong
    CHECK(find_invalid_utf8("\xF4\x90\x80\x80") == 0); // past U+10FFFF
}

TEST_CASE("Word diff shows what changed since approval", "[notices][diff]") {
    auto d = word_diff("<p>Reading is not an offence.</p>", "<p>Reading is not a crime.</p>");
    std::string shown;
    for (const auto& p : d)
        shown += p.what == diff_piece::kind::same      ? p.text
                 : p.what == diff_piece::kind::removed ? "[-" + p.text + "-]"
                                                       : "{+" + p.text + "+}";
    CHECK(shown == "<p>Reading is not [-an offence-]{+a crime+}.</p>");

    auto same = word_diff("<p>x y</p>", "<p>x y</p>");
    REQUIRE(same.size() == 1);
    CHECK(same[0].what == diff_piece::kind::same);

    auto tag = word_diff("<p class=\"a\">x</p>", "<p class=\"b\">x</p>");
    REQUIRE(tag.size() == 3);
    CHECK(tag[0].text == "<p class=\"a\">");
    CHECK(tag[0].what == diff_piece::kind::removed);

    // Big rewrites stay bounded: everything removed, everything added.
    std::string a, b;
    for (int i = 0; i < 3000; ++i) {
        a += "a" + std::to_string(i) + " ";
        b += "b" + std::to_string(i) + " ";
    }
    auto big = word_diff(a, b);
    REQUIRE(big.size() == 3); // removed, added, the common trailing space
    CHECK(big[0].what == diff_piece::kind::removed);
    CHECK(big[1].what == diff_piece::kind::added);
}

TEST_CASE("Regions read as names, with occupation status where it matters", "[notices][regions]") {
    CHECK(region_tables_sorted());
    CHECK(country_name("RU") == "Russia");
    CHECK(country_name("UA") == "Ukraine");
    CHECK(country_name("ZZ") == "");
    CHECK(describe_region("RU") == "Russia (RU)");
    CHECK(describe_region("UA-43") ==
          "Autonomous Republic of Crimea, Ukraine (UA-43) \xE2\x80\x94 under Russian "
          "occupation since 2014");
    CHECK(describe_region("UA-40").find("Sevastopol") == 0);
    CHECK(describe_region("UA-14").find("largely under Russian occupation") != std::string::npos);
    CHECK(describe_region("UA-65").find("partly") != std::string::npos);
    CHECK(describe_region("UA-46") == "Lviv Oblast, Ukraine (UA-46)");
    CHECK(describe_region("RU-MOW") == "Moscow, Russia (RU-MOW)");
    CHECK(describe_region("DE-BY") == "a subdivision of Germany (DE-BY)");
    CHECK(describe_region("QQ") == "QQ (unknown code)");
}
