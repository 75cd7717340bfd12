// The response side of the notice guarantee, case by case, through the real proxy: caching
// across a change of region, untyped HTML, documents geogate cannot rewrite, bodies cut short,
// HEAD = GET. (test_notice_guarantee.cpp checks the guarantee as a whole, with one oracle.)
#include "tests/integration/support/geo_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <set>

using namespace geogate::it;

namespace {

const char* const rules = ru_notice_rules;

using header_list = std::vector<std::pair<std::string, std::string>>;

// /custom: exactly `headers`, the body given as `fixture` (a file name) or literal `body`,
// plus raw extra query parameters (gzip=1, conditional=1, cut=N).
std::string custom(const header_list& headers, const std::string& fixture,
                   const std::string& body = "", const std::string& extra = "") {
    std::string target = "/custom?";
    target += fixture.empty() ? "body=" + url_encode(body) : "fixture=" + fixture;
    for (const auto& [k, v] : headers)
        target += "&set=" + url_encode(k + ":" + v);
    if (!extra.empty())
        target += "&" + extra;
    return target;
}

bool has_notice(const std::string& body) {
    return occurrences(body, "data-geogate-notice=") == 1;
}

const std::string html_type = "text/html; charset=utf-8";

std::string metrics(const geo_stack& s) {
    return admin_get(s.admin_port(), "/metrics").body;
}

} // namespace

TEST_CASE("Cache-Control of region-dependent responses keeps every directive with its value, "
          "private and revalidated",
          "[notice][cache]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    struct row {
        std::string origin;
        std::string expected;
    };
    for (const row& r : {
             row{"public, max-age=60", "private, no-cache, max-age=60"},
             row{"max-age=60, no-store", "private, no-cache, max-age=60, no-store"},
             row{"no-cache, max-age=0, must-revalidate",
                 "private, no-cache, max-age=0, must-revalidate"},
             row{"s-maxage=300, max-age=0", "private, no-cache, max-age=0"},
             row{"private=\"Set-Cookie\", max-age=5", "private, no-cache, private=\"Set-Cookie\", "
                                                      "max-age=5"},
         }) {
        CAPTURE(r.origin);
        const auto target =
            custom({{"Content-Type", html_type}, {"Cache-Control", r.origin}}, "index.html");
        // Notice readers and pass readers of the same page: both are region-dependent.
        for (const char* ip : {reader::ru_moscow, reader::us}) {
            CAPTURE(ip);
            const auto res = round_trip(s.port(), reader_get(target, ip));
            REQUIRE(res.status == 200);
            CHECK(res.count("Cache-Control") == 1);
            CHECK(res.header("Cache-Control") == r.expected);
        }
    }
    // No Cache-Control at all: no heuristic freshness either.
    const auto bare =
        round_trip(s.port(), reader_get(custom({{"Content-Type", html_type},
                                                {"Last-Modified", "Sat, 01 Jan 2000 00:00:00 GMT"}},
                                               "index.html"),
                                        reader::us));
    CHECK(bare.header("Cache-Control") == "private, no-cache");
    // A field that breaks the grammar: its directives cannot be known, the strictest answer.
    const auto broken = round_trip(
        s.port(), reader_get(custom({{"Content-Type", html_type}, {"Cache-Control", "max-age=60;"}},
                                    "index.html"),
                             reader::us));
    CHECK(broken.header("Cache-Control") == "private, no-store");
}

TEST_CASE("a browser's copy from another region is revalidated, and each region gets its page",
          "[notice][cache]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const std::string last_modified = "Sat, 01 Jan 2000 00:00:00 GMT";
    const auto target = custom({{"Content-Type", html_type},
                                {"Cache-Control", "public, max-age=600"},
                                {"ETag", "\"abc\""},
                                {"Last-Modified", last_modified}},
                               "index.html", "", "conditional=1");
    // Read from outside the notice regions: the origin's page, which the browser must not
    // reuse without asking again.
    const auto abroad = round_trip(s.port(), reader_get(target, reader::us));
    REQUIRE(abroad.status == 200);
    CHECK_FALSE(has_notice(abroad.body));
    CHECK(abroad.header("ETag") == "\"abc\"");
    CHECK(abroad.header("Cache-Control").find("no-cache") != std::string::npos);

    // The VPN is off, the reader is in Moscow: the browser revalidates its copy with both
    // validators; geogate does not let the origin confirm a copy without the notice.
    const std::string revalidate_abroad_copy =
        "If-None-Match: \"abc\"\r\nIf-Modified-Since: " + last_modified + "\r\n";
    const auto home =
        round_trip(s.port(), reader_get(target, reader::ru_moscow, revalidate_abroad_copy));
    REQUIRE(home.status == 200);
    CHECK(has_notice(home.body));
    const std::string variant = home.header("ETag");
    CHECK(variant != "\"abc\"");
    CHECK(home.header("Cache-Control").find("no-cache") != std::string::npos);

    // Its copy with the notice, revalidated in Moscow: 304 under the same variant.
    const auto again =
        round_trip(s.port(), reader_get(target, reader::ru_moscow,
                                        "If-None-Match: " + variant +
                                            "\r\nIf-Modified-Since: " + last_modified + "\r\n"));
    CHECK(again.status == 304);
    CHECK(again.header("ETag") == variant);
    CHECK(again.header("Cache-Control").find("no-cache") != std::string::npos);

    // Abroad again with the copy that has the notice: the origin's page, not a 304.
    const auto back =
        round_trip(s.port(), reader_get(target, reader::us,
                                        "If-None-Match: " + variant +
                                            "\r\nIf-Modified-Since: " + last_modified + "\r\n"));
    CHECK(back.status == 200);
    CHECK_FALSE(has_notice(back.body));
    CHECK(back.body == fixture_content("index.html"));
}

TEST_CASE("with a variant-keyed shared cache the browser still revalidates; the CDN gets the "
          "origin's directives",
          "[notice][cache]") {
    geo_stack s(rules,
                [](toml_config& c) { c.set("cache", "shared_cache_keys_on_variant", "true"); });
    REQUIRE(s.proxy->started());
    const auto target =
        custom({{"Content-Type", html_type}, {"Cache-Control", "public, max-age=60, s-maxage=600"}},
               "index.html");
    for (const char* ip : {reader::ru_moscow, reader::us}) {
        CAPTURE(ip);
        const auto res = round_trip(s.port(), reader_get(target, ip));
        REQUIRE(res.status == 200);
        CHECK(res.header("Cache-Control") == "no-cache, public, max-age=60, s-maxage=600");
        CHECK(res.header("CDN-Cache-Control") == "public, max-age=60, s-maxage=600");
        CHECK_FALSE(res.header("X-Geogate-Variant").empty());
    }
}

TEST_CASE("untyped HTML is identified as a browser would and gets the notice as text/html",
          "[notice][sniff]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const std::string& page = fixture_content("index.html");
    SECTION("no Content-Type, or one a browser sniffs") {
        for (const header_list& h :
             {header_list{}, header_list{{"Content-Type", "unknown/unknown"}},
              header_list{{"Content-Type", "application/unknown"}},
              header_list{{"Content-Type", "*/*"}}, header_list{{"Content-Type", "html"}},
              header_list{{"Content-Type", "text/plain"}, {"Content-Type", "text/html"}}}) {
            CAPTURE(h);
            const auto target = custom(h, "index.html");
            const auto ru = round_trip(s.port(), reader_get(target, reader::ru_moscow));
            REQUIRE(ru.status == 200);
            CHECK(ru.complete);
            CHECK(has_notice(ru.body));
            CHECK(ru.count("Content-Type") == 1);
            CHECK(ru.header("Content-Type").rfind("text/html", 0) == 0);
            // A pass reader gets it as the origin sent it.
            const auto us = round_trip(s.port(), reader_get(target, reader::us));
            CHECK(us.body == page);
        }
    }
    SECTION("compressed and untyped: identified after decoding") {
        const auto res = round_trip(
            s.port(), reader_get(custom({}, "index.html", "", "gzip=1"), reader::ru_moscow));
        REQUIRE(res.status == 200);
        CHECK(has_notice(res.body));
        CHECK(res.header("Content-Type") == "text/html");
    }
    SECTION("leading whitespace, a comment first, a short body") {
        for (std::string body : {std::string(" \r\n\t<html><body>x</body></html>"),
                                 std::string("<!-- c --><p>hello"), std::string("<b>x")}) {
            CAPTURE(body);
            const auto res =
                round_trip(s.port(), reader_get(custom({}, "", body), reader::ru_moscow));
            REQUIRE(res.status == 200);
            CHECK(has_notice(res.body));
        }
    }
    SECTION("not HTML: passes with the type identified and nosniff, so no browser disagrees") {
        struct row {
            std::string body;
            std::string type;
        };
        for (const row& r : {row{"just text, <b> not first\n", "text/plain"},
                             row{"\x89PNG\r\n\x1A\nrest", "image/png"},
                             row{std::string("\x01\x02\x03", 3), "application/octet-stream"},
                             // A UTF-16 BOM is text to a browser, never HTML.
                             row{std::string("\xFF\xFE<\0h\0", 6), "text/plain"}}) {
            CAPTURE(r.type);
            const auto res =
                round_trip(s.port(), reader_get(custom({}, "", r.body), reader::ru_moscow));
            REQUIRE(res.status == 200);
            CHECK(res.body == r.body);
            CHECK(res.header("Content-Type") == r.type);
            CHECK(res.header("X-Content-Type-Options") == "nosniff");
        }
    }
    SECTION("text/plain is never sniffed as HTML: untouched") {
        const auto res =
            round_trip(s.port(), reader_get(custom({{"Content-Type", "text/plain"}}, "index.html"),
                                            reader::ru_moscow));
        CHECK(res.body == page);
        CHECK(res.header("Content-Type") == "text/plain");
    }
    SECTION("an untyped XML document fails closed") {
        const auto res = round_trip(
            s.port(), reader_get(custom({}, "",
                                        "<?xml version=\"1.0\"?><html "
                                        "xmlns=\"http://www.w3.org/1999/xhtml\"><body>secret</body>"
                                        "</html>"),
                                 reader::ru_moscow));
        CHECK(res.status == 502);
        CHECK(res.body.find("secret") == std::string::npos);
    }
}

TEST_CASE("a document geogate cannot rewrite never reaches a notice reader: error page, counted, "
          "logged",
          "[notice][unrewritable]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const std::string& page = fixture_content("index.html");
    const std::string marker = "<body class=\"page\">"; // a byte run of the origin's page
    struct row {
        std::string what;
        std::string target;
        std::string reason;
    };
    // UTF-16LE "<html><body>secret</body></html>" with its BOM.
    std::string utf16 = "\xFF\xFE";
    for (char c : std::string("<html><body>secret</body></html>")) {
        utf16 += c;
        utf16 += '\0';
    }
    for (const row& r : {
             row{"zstd",
                 custom({{"Content-Type", html_type}, {"Content-Encoding", "zstd"}}, "index.html"),
                 "coding"},
             row{"stacked",
                 custom({{"Content-Type", html_type}, {"Content-Encoding", "gzip, br"}},
                        "index.html"),
                 "coding"},
             row{"untyped zstd", custom({{"Content-Encoding", "zstd"}}, "index.html"), "coding"},
             row{"two coding lines",
                 custom({{"Content-Type", html_type},
                         {"Content-Encoding", "gzip"},
                         {"Content-Encoding", "br"}},
                        "index.html"),
                 "coding"},
             row{"utf-16 label", custom({{"Content-Type", "text/html; charset=utf-16"}}, "", utf16),
                 "charset"},
             row{"utf-16 BOM under a utf-8 label",
                 custom({{"Content-Type", "text/html; charset=utf-8"}}, "", utf16), "charset"},
             row{"corrupt gzip",
                 custom({{"Content-Type", html_type}}, "index.html", "", "gzip=1&corrupt=1"),
                 "decode_error"},
             row{"206 (part of a page, never asked for)",
                 custom({{"Content-Type", html_type}, {"Content-Range", "bytes 0-99/4000"}},
                        "index.html", "", "status=206"),
                 "partial"},
         }) {
        CAPTURE(r.what);
        const auto before =
            metric_value(metrics(s), "geogate_unrewritable_responses_total{reason=\"" + r.reason);
        const auto res = round_trip(s.port(), reader_get(r.target, reader::ru_moscow));
        if (r.reason == "decode_error" && res.status == 200) {
            // The corruption showed after part of the page went out: incomplete, and the
            // notice is in what went out.
            CHECK_FALSE(res.complete);
            CHECK(has_notice(res.body));
        } else {
            CHECK(res.status == 502);
            CHECK(res.body.find(marker) == std::string::npos);
            CHECK(res.body.find("secret") == std::string::npos);
            CHECK(res.body.find("127.0.0.1") == std::string::npos); // no internals
        }
        // At least one more: the previous row's HEAD (answered 502 too, and counted) may be
        // recorded only after `before` was read, since a request is counted once its answer
        // is out, racing the client that read it.
        CHECK(eventually([&] {
            return metric_value(metrics(s), "geogate_unrewritable_responses_total{reason=\"" +
                                                r.reason) >= before + 1;
        }));
        // HEAD answers as GET would.
        raw_client c(s.port());
        REQUIRE(c.connected());
        c.send(reader_request("HEAD", r.target, reader::ru_moscow));
        // (A BOM or a corrupt body only shows in the body, which HEAD does not get.)
        const auto head = c.read_response(milliseconds(5000), true);
        if (r.reason == "coding" || r.reason == "partial" || r.what == "utf-16 label")
            CHECK(head.status == 502);
        // A pass reader gets the origin's response.
        CHECK(round_trip(s.port(), reader_get(r.target, reader::us)).status ==
              (r.reason == "partial" ? 206 : 200));
    }
    CHECK(eventually([&] {
        return s.proxy->event_log().find("\"event\":\"notice_unrewritable\"") != std::string::npos;
    }));
    CHECK(eventually([&] {
        return s.proxy->access_log().find("\"unrewritable\":\"coding\"") != std::string::npos;
    }));
    CHECK(round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow)).body.size() >
          page.size());
}

TEST_CASE("on_unrewritable = \"notice\" answers with the notice page", "[notice][unrewritable]") {
    geo_stack s(rules,
                [](toml_config& c) { c.set_string("notices", "on_unrewritable", "notice"); });
    REQUIRE(s.proxy->started());
    const auto res = round_trip(
        s.port(), reader_get(custom({{"Content-Type", html_type}, {"Content-Encoding", "zstd"}},
                                    "index.html"),
                             reader::ru_moscow));
    CHECK(res.status == 451);
    CHECK(res.body.find(legal_ru) != std::string::npos);
    CHECK(res.body.find("<body class=\"page\">") == std::string::npos);
}

TEST_CASE("a page cut short after part of it went out still ends with the notice",
          "[notice][unrewritable]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const std::string& page = fixture_content("index.html");
    const auto body_open = page.find("<body");
    REQUIRE(body_open != std::string::npos);
    // body-end: the page streams until </body>; the origin stops before it.
    const auto cut = std::to_string(page.find("</body>") - 10);
    // A page the variant cache may not store streams as it arrives (no-store: see below).
    const auto res = round_trip(
        s.port(), reader_get(custom({{"Content-Type", html_type}, {"Cache-Control", "no-store"}},
                                    "index.html", "", "cut=" + cut),
                             reader::ru_moscow, "", "end.test"));
    CHECK_FALSE(res.complete);
    CHECK(res.body.find("<body") != std::string::npos); // part of the page went out...
    CHECK(has_notice(res.body));                        // ...and the notice with it

    // A page it may store is read whole before anything goes out: cut short, it is a 502.
    const auto stored = round_trip(
        s.port(), reader_get(custom({{"Content-Type", html_type}}, "index.html", "", "cut=" + cut),
                             reader::ru_moscow, "", "end.test"));
    CHECK(stored.status == 502);
    CHECK(stored.body.find("<body class=\"page\">") == std::string::npos);
}

TEST_CASE("HEAD carries the header fields GET would for a notice reader", "[notice][head]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto target = custom({{"Content-Type", html_type},
                                {"ETag", "\"abc\""},
                                {"Accept-Ranges", "bytes"},
                                {"Cache-Control", "public, max-age=60"},
                                {"Content-Security-Policy", "style-src 'self'"}},
                               "index.html");
    for (std::string extra : {std::string(), std::string("Accept-Encoding: gzip\r\n")}) {
        CAPTURE(extra);
        raw_client c(s.port());
        REQUIRE(c.connected());
        c.send(reader_request("HEAD", target, reader::ru_moscow, extra));
        const auto head = c.read_response(milliseconds(5000), true);
        c.send(reader_get(target, reader::ru_moscow, extra));
        const auto get = c.read_response();
        REQUIRE(head.status == 200);
        REQUIRE(get.status == 200);
        REQUIRE(get.complete);
        // Everything but the framing of the body GET has and HEAD has not (a stored variant
        // goes with Content-Length, a streamed rewrite chunked), and the date.
        auto fields = [](const http_response& r) {
            std::multiset<std::string> out;
            for (const auto& [k, v] : r.headers) {
                std::string name = k;
                std::transform(name.begin(), name.end(), name.begin(),
                               [](unsigned char ch) { return std::tolower(ch); });
                if (name != "date" && name != "transfer-encoding" && name != "content-length")
                    out.insert(name + ": " + v);
            }
            return out;
        };
        CHECK(fields(head) == fields(get));
        CHECK_FALSE(head.has("Content-Length"));
        CHECK_FALSE(head.has("Accept-Ranges"));
        CHECK(head.header("ETag") != "\"abc\"");
    }
}

TEST_CASE("an HTML page of any status is a document: a 404 or 500 page gets the notice too",
          "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    for (int code : {404, 500, 203}) {
        CAPTURE(code);
        const auto res =
            round_trip(s.port(), reader_get(custom({{"Content-Type", html_type}}, "index.html", "",
                                                   "status=" + std::to_string(code)),
                                            reader::ru_moscow));
        CHECK(res.status == code);
        CHECK(has_notice(res.body));
    }
}
