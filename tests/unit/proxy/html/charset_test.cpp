// Charset of the page and the notice's character references: what decides whether a
// windows-1251 or koi8-r reader sees the notice right.
#include "proxy/html/charset.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace geogate::html;

TEST_CASE("charset= in the Content-Type, quoted or not") {
    const std::pair<const char*, const char*> table[] = {
        {"text/html; charset=UTF-8", "utf-8"},
        {"text/html;charset=windows-1251", "windows-1251"},
        {"text/html; charset=\"KOI8-R\"", "koi8-r"},
        {"text/html; foo=\"a;charset=x\"; charset=latin1", "latin1"},
        {"text/html; Charset = iso-8859-1 ; q=1", "iso-8859-1"},
        {"text/html", ""},
        {"text/html; charset=", ""},
        {";;;=", ""},
        {"", ""},
    };
    for (auto [ct, want] : table) {
        INFO(ct);
        CHECK(charset_from_content_type(ct) == want);
    }
}

TEST_CASE("UTF-8 labels") {
    CHECK(is_utf8("utf-8"));
    CHECK(is_utf8("UTF8"));
    CHECK(is_utf8("unicode-1-1-utf-8"));
    CHECK_FALSE(is_utf8("windows-1251"));
    CHECK_FALSE(is_utf8(""));
}

TEST_CASE("the meta prescan finds the declared charset, not fooled by comments or attributes") {
    const std::pair<const char*, const char*> table[] = {
        {"<!doctype html><meta charset=windows-1251>", "windows-1251"},
        {"<html><head><META CHARSET=\"KOI8-R\">", "koi8-r"},
        {"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">",
         "windows-1251"},
        {"<meta content='text/html;charset=iso-8859-5' http-equiv=content-type>", "iso-8859-5"},
        {"<meta content=\"text/html; charset=koi8-r\">", ""},
        {"<!-- <meta charset=koi8-r> --><meta charset=utf-8>", "utf-8"},
        {"<a title='<meta charset=koi8-r>'><meta charset=cp1251>", "cp1251"},
        {"<meta charset=utf-16le>", "utf-8"},
        {"<metax charset=koi8-r><meta/charset=latin1>", "latin1"},
    };
    for (auto [page, want] : table) {
        INFO(page);
        bool complete = false;
        CHECK(prescan_meta_charset(page, complete) == want);
    }
    bool complete = true;
    CHECK(prescan_meta_charset("<html><!-- long comm", complete).empty());
    CHECK_FALSE(complete);
    const std::string late = std::string(1100, ' ') + "<meta charset=koi8-r>";
    CHECK(prescan_meta_charset(late, complete).empty());
    CHECK(complete);
}

TEST_CASE("the sniffer decides from header, BOM or meta, fed in pieces") {
    charset_sniffer h{"text/html; charset=windows-1251"};
    CHECK_FALSE(h.done()); // a BOM would still win
    CHECK(h.feed("<h"));
    CHECK(h.charset() == "windows-1251");
    CHECK(h.source() == "content-type");
    CHECK_FALSE(h.utf8());

    // A BOM wins over the Content-Type label, as in browsers (WHATWG Encoding "decode").
    charset_sniffer bom16{"text/html; charset=utf-8"};
    CHECK_FALSE(bom16.feed("\xFF"));
    CHECK(bom16.feed("\xFE<\0"));
    CHECK(bom16.charset() == "utf-16le");
    CHECK_FALSE(bom16.ascii_compatible());
    charset_sniffer bom8{"text/html; charset=windows-1251"};
    CHECK(bom8.feed("\xEF\xBB\xBF<html>"));
    CHECK(bom8.utf8());
    // A header label of UTF-16 under another name is not ASCII-compatible either.
    for (const char* label : {"unicode", "ucs-2", "UTF-16BE", "csunicode", "unicodefffe"}) {
        charset_sniffer l{std::string("text/html; charset=") + label};
        l.feed("<html>");
        CHECK(l.done());
        CHECK_FALSE(l.ascii_compatible());
    }
    // A page too short to tell: finish() decides from the header.
    charset_sniffer tiny{"text/html; charset=koi8-r"};
    tiny.feed("\xEF");
    tiny.finish();
    CHECK(tiny.charset() == "koi8-r");
    // <meta charset=utf-16> means UTF-8 (HTML's prescan): ASCII markup goes in.
    charset_sniffer meta16{"text/html"};
    meta16.feed("<meta charset=\"utf-16\"><body>");
    CHECK(meta16.utf8());

    const std::string page = "<html><head><meta charset=\"koi8-r\"><title>x</title>";
    charset_sniffer m{"text/html"};
    for (char c : page)
        m.feed(std::string_view(&c, 1));
    CHECK(m.done());
    CHECK(m.charset() == "koi8-r");
    CHECK(m.source() == "meta");

    charset_sniffer b{"text/html"};
    b.feed("\xEF\xBB");
    CHECK_FALSE(b.done());
    b.feed("\xBF<html>");
    CHECK(b.done());
    CHECK(b.utf8());

    charset_sniffer u{"text/html"};
    u.feed("\xFF\xFE<\0h\0");
    CHECK(u.done());
    CHECK_FALSE(u.ascii_compatible());

    charset_sniffer none{"text/html"};
    none.feed("<html><body>short page");
    CHECK_FALSE(none.done());
    none.finish();
    CHECK(none.done());
    CHECK(none.charset().empty());
    CHECK_FALSE(none.utf8());

    charset_sniffer big{""};
    CHECK(big.feed(std::string(2000, 'x')));
    CHECK(big.charset().empty());
}

TEST_CASE("non-ASCII becomes decimal character references, ASCII stays") {
    CHECK(to_character_references("Legal notice") == "Legal notice");
    CHECK(to_character_references("\xD0\x9F\xD1\x80") == "&#1055;&#1088;"); // "Пр"
    CHECK(to_character_references("a\xE2\x80\x94"
                                  "b") == "a&#8212;b"); // em dash
    CHECK(to_character_references("\xF0\x9F\x98\x80") == "&#128512;");
    CHECK(to_character_references("\xFF") == "&#65533;");
    CHECK(to_character_references("\xD0") == "&#65533;");
    CHECK(to_character_references("\xE0\x80\xAF") == "&#65533;&#65533;&#65533;");
    CHECK(to_character_references("\xED\xA0\x80") == "&#65533;&#65533;&#65533;");
}
