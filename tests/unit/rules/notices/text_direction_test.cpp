#include "rules/notices/text_direction.hpp"

#include <catch2/catch.hpp>

using geogate::notices::text_direction;

TEST_CASE("Languages written left to right", "[notices][direction]") {
    for (const char* tag :
         {"ru",      "uk", "en", "be", "kk", "ka", "hy", "zh-hant", "pt-br", "sr-latn", "ku",
          "ku-latn", "az", "uz", "pa", "x",  "",   "-",  "arx",     "heb",   "ru-"})
        CHECK(text_direction(tag) == "ltr");
}

TEST_CASE("Languages written right to left", "[notices][direction]") {
    for (const char* tag : {"ar", "AR", "ar-eg", "he", "he-IL", "iw", "fa", "fa-af", "prs", "ur",
                            "ps", "yi", "ckb", "ug", "dv", "sd", "syr"})
        CHECK(text_direction(tag) == "rtl");
}

TEST_CASE("A script subtag decides over the language's usual script", "[notices][direction]") {
    CHECK(text_direction("az-arab") == "rtl");
    CHECK(text_direction("ku-arab") == "rtl");
    CHECK(text_direction("pa-arab-pk") == "rtl");
    CHECK(text_direction("uz-Arab") == "rtl");
    CHECK(text_direction("ar-latn") == "ltr");
    CHECK(text_direction("he-latn-il") == "ltr");
    CHECK(text_direction("zh-yue-arab") == "rtl"); // after an extended language subtag
    CHECK(text_direction("ar-419") == "rtl");      // a region, not a script
    CHECK(text_direction("sd-deva") == "ltr");
}
