// MIME types as a browser reads them: which Content-Type counts, which bodies get sniffed, and
// what the WHATWG rules for an unknown type say for a body's first bytes.
#include "proxy/html/mime_sniff.hpp"

#include <catch2/catch.hpp>

using namespace geogate::html;
using namespace std::string_view_literals;

TEST_CASE("mime: the browser's Content-Type is the last valid value") {
    CHECK(effective_content_type({"text/html; charset=utf-8"}) == "text/html; charset=utf-8");
    CHECK(effective_content_type({"text/plain", "text/html"}) == "text/html");
    CHECK(effective_content_type({"text/plain, text/html"}) == "text/html");
    CHECK(effective_content_type({"text/html, */*"}) == "text/html");
    CHECK(effective_content_type({"text/html", "garbage"}) == "text/html");
    CHECK(effective_content_type({"text/html; x=\"a,b\""}) == "text/html; x=\"a,b\"");
    CHECK(effective_content_type({}).empty());
    CHECK(effective_content_type({"html"}).empty());
    CHECK(effective_content_type({"*/*"}).empty());
    CHECK(effective_content_type({"text/ html"}).empty());
    // The charset of an earlier value of the same type carries over; another type drops it.
    CHECK(effective_content_type({"text/html;charset=koi8-r", "text/html"}) ==
          "text/html; charset=koi8-r");
    CHECK(effective_content_type({"text/html;charset=koi8-r", "text/plain", "text/html"}) ==
          "text/html");
}

TEST_CASE("mime: untyped and unknown types are sniffed, text/plain and real types are not") {
    for (auto t : {""sv, "html"sv, "*/*"sv, "unknown/unknown"sv, "Application/Unknown"sv,
                   "application/x-unknown-content-type"sv, "text/"sv, "/html"sv})
        CHECK(needs_sniffing(t));
    for (auto t : {"text/plain"sv, "text/html"sv, "application/octet-stream"sv, "image/png"sv,
                   "text/plain; charset=ISO-8859-1"sv})
        CHECK_FALSE(needs_sniffing(t));
    CHECK(mime_essence(" Text/HTML ; charset=x") == "text/html");
}

TEST_CASE("mime: rules for identifying an unknown type (sniff-scriptable)") {
    struct row {
        std::string_view bytes;
        std::string_view type;
    };
    for (const row& r : std::vector<row>{
             {"<!DOCTYPE html><html>", "text/html"},
             {" \t\r\n\x0C<html>", "text/html"},
             {"<HTML lang=ru>", "text/html"},
             {"<!-- c --><p>", "text/html"},
             {"<p>text", "text/html"},
             {"<b>bold", "text/html"},
             {"<script>x()</script>", "text/html"},
             {"<br>", "text/html"},
             {"<h1>x", "text/html"},
             {"<html", "text/plain"},   // no tag-terminating byte
             {"<htmlx>", "text/plain"}, // <htmlx> is not <html
             {"<h2>x", "text/plain"},   // not in the table
             {"hello <html>", "text/plain"},
             {"\xEF\xBB\xBF<html>", "text/plain"}, // the BOM is no whitespace
             {"<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">", "text/xml"},
             {"%PDF-1.7", "application/pdf"},
             {"\x89PNG\r\n\x1A\n....", "image/png"},
             {"GIF89a..", "image/gif"},
             {"\xFF\xD8\xFF\xE0", "image/jpeg"},
             {"\x1F\x8B\x08\x00", "application/x-gzip"},
             {"plain text\n", "text/plain"},
             {"", "text/plain"},
             {"\x01\x02binary", "application/octet-stream"},
         }) {
        CAPTURE(r.bytes);
        CHECK(sniff_unknown_type(r.bytes) == r.type);
    }
    // Only the resource header counts.
    CHECK(sniff_unknown_type(std::string(sniff_bytes, 'a') + "\x01") == "text/plain");
}
