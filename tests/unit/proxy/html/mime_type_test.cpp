#include "proxy/html/mime_type.hpp"

#include <catch2/catch.hpp>

using geogate::html::extract_mime_type;

namespace {

struct row {
    std::vector<std::string_view> fields;
    bool valid;
    const char* essence;
    const char* charset;
};

} // namespace

TEST_CASE("Content-Type is read as browsers read it: the last valid type of every field") {
    const std::vector<row> rows = {
        {{}, false, "", ""},
        {{"text/html"}, true, "text/html", ""},
        {{"TEXT/HTML; Charset=UTF-8"}, true, "text/html", "UTF-8"},
        {{"text/html ; charset=\"windows-1251\""}, true, "text/html", "windows-1251"},
        {{"text/plain", "text/html"}, true, "text/html", ""},
        {{"text/plain, text/html"}, true, "text/html", ""},
        {{"text/html, */*"}, true, "text/html", ""}, // */* is skipped
        {{"*/*"}, false, "", ""},                    // ... so browsers sniff
        {{"text/html;charset=koi8-r", "text/html"}, true, "text/html", "koi8-r"}, // inherited
        {{"text/html;charset=koi8-r", "text/plain", "text/html"}, true, "text/html", ""},
        {{"text/html; x=\"a,text/plain\""}, true, "text/html", ""}, // comma inside quotes
        {{"text/html", "garbage"}, true, "text/html", ""}, // an unparsable value is skipped
        {{"text/html", "text/"}, true, "text/html", ""},
        {{"nonsense"}, false, "", ""},
        {{"text/html; charset=utf-8; charset=koi8-r"}, true, "text/html", "utf-8"},
        {{"application/xhtml+xml"}, true, "application/xhtml+xml", ""},
        {{"text/h tml"}, false, "", ""},
    };
    for (const auto& r : rows) {
        std::string shown;
        for (auto f : r.fields)
            shown += "[" + std::string(f) + "]";
        INFO(shown);
        const auto t = extract_mime_type(r.fields);
        CHECK(t.valid == r.valid);
        CHECK(t.essence == r.essence);
        CHECK(t.charset == r.charset);
    }
}

TEST_CASE("browsers sniff untyped and unknown types; HTML means text/html or XHTML") {
    using geogate::html::browsers_sniff;
    using geogate::html::is_html_essence;
    CHECK(browsers_sniff(extract_mime_type({})));
    CHECK(browsers_sniff(extract_mime_type({"unknown/unknown"})));
    CHECK(browsers_sniff(extract_mime_type({"application/unknown"})));
    CHECK(browsers_sniff(extract_mime_type({"*/*"})));
    CHECK_FALSE(browsers_sniff(extract_mime_type({"text/plain"})));
    CHECK(is_html_essence("text/html"));
    CHECK(is_html_essence("application/xhtml+xml"));
    CHECK_FALSE(is_html_essence("text/plain"));
}
