// The notice variant cache end to end (issue 16; the contract: docs/operations.md "Notice
// variant cache"): the real geogate between the test origin's mutable pages and a reader in
// Moscow. Every reuse is confirmed by the origin (its counters show the 304s), the reader gets
// the same bytes as a fresh rewrite would give, and the access log says hit, miss or bypass
// and why. Invalidation, memory, concurrency and the off switch: test_variant_cache_limits.cpp.
#include "tests/integration/support/cache_fixture.hpp"
#include "tests/integration/support/notice_oracle.hpp"
#include "tests/origin/digest.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace geogate::it;

namespace {

const std::string last_modified = url_encode("Sat, 01 Jan 2000 00:00:00 GMT");
const std::string later = url_encode("Sun, 02 Jan 2000 00:00:00 GMT");

std::string content_length_of(const http_response& res) {
    return res.header("Content-Length");
}

// A first and a second reader of a page that has not changed: what both see.
struct two_reads {
    cache_read first, second;
};

two_reads read_twice(cache_stack& c, const std::string& target, const std::string& extra = "") {
    two_reads r;
    r.first = c.read(target, extra);
    r.second = c.read(target, extra);
    return r;
}

// The second reader got exactly the first one's page: bytes, length, validator.
void check_same_page(const two_reads& r) {
    REQUIRE(r.first.res.status == 200);
    REQUIRE(r.second.res.status == 200);
    CHECK(r.first.res.complete);
    CHECK(r.second.res.complete);
    CHECK(page_with_notice(r.second.res.body));
    CHECK(r.second.res.body == r.first.res.body);
    CHECK(r.second.res.header("ETag") == r.first.res.header("ETag"));
    // Stored pages are rewritten whole and go out with their length, the first reader's too.
    CHECK(content_length_of(r.first.res) == std::to_string(r.first.res.body.size()));
    CHECK(content_length_of(r.second.res) == std::to_string(r.second.res.body.size()));
    CHECK_FALSE(r.second.res.has("Transfer-Encoding"));
    // A stored page is still a page for one region: no shared cache or browser reuses it
    // unasked, and it carries the notice as a browser reads it.
    CHECK(check_browser_reuse(r.second.res).empty());
    CHECK(check_notice_guarantee(r.second.res, false).violation.empty());
}

} // namespace

TEST_CASE("the second notice reader of an ETag page gets the stored variant after the origin's "
          "304",
          "[cache]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("a", "etag=%22v1%22&body=first%20story"));
    const auto r = read_twice(c, mutable_target("a"));
    check_same_page(r);
    CHECK(page_with_notice(r.first.res.body));
    CHECK(r.first.res.body.find("first story") != std::string::npos);
    // The variant has its own validator, derived from the origin's.
    const std::string etag = r.first.res.header("ETag");
    CHECK(etag.rfind("\"v1-gg", 0) == 0);
    CHECK(r.first.cache == "miss");
    CHECK(r.first.reason == "absent");
    CHECK(r.second.cache == "hit");
    CHECK(r.second.reason == "not_modified");
    // The origin was asked, conditionally, with its own ETag, and answered 304.
    const auto counts = c.served("a");
    CHECK(counts.full == 1);
    CHECK(counts.not_modified == 1);
    CHECK(counts.if_none_match == "\"v1\"");

    // A reader outside the notice regions is not a cache matter: no cache field.
    const auto us = c.read(mutable_target("a"), "", reader::us);
    CHECK(us.res.status == 200);
    CHECK(us.logged);
    CHECK(us.cache.empty());
    CHECK(us.res.body.find("data-geogate-notice=") == std::string::npos);
}

TEST_CASE("a page changed at the origin reaches the next reader, then is reused", "[cache]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("a", "etag=%22v1%22&body=first%20story"));
    const auto old_page = read_twice(c, mutable_target("a"));
    check_same_page(old_page);
    CHECK(old_page.second.cache == "hit");

    REQUIRE(c.set_page("a", "etag=%22v2%22&body=second%20story"));
    const auto r = read_twice(c, mutable_target("a"));
    check_same_page(r);
    CHECK(r.first.res.body.find("second story") != std::string::npos);
    CHECK(r.first.res.body.find("first story") == std::string::npos);
    CHECK(r.first.res.header("ETag").rfind("\"v2-gg", 0) == 0);
    CHECK(r.first.cache == "miss");
    CHECK(r.first.reason == "changed");
    CHECK(r.second.cache == "hit");
    CHECK(r.second.reason == "not_modified");
    const auto counts = c.served("a");
    CHECK(counts.full == 2);
    CHECK(counts.not_modified == 2);
    CHECK(counts.if_none_match == "\"v2\"");
}

TEST_CASE("revalidation by Last-Modified alone, by the page's digest, and with a weak ETag",
          "[cache]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());

    SECTION("Last-Modified only: If-Modified-Since") {
        REQUIRE(c.set_page("lm", "lm=" + last_modified + "&body=dated%20story"));
        const auto r = read_twice(c, mutable_target("lm"));
        check_same_page(r);
        CHECK(r.first.cache == "miss");
        CHECK(r.second.cache == "hit");
        CHECK(r.second.reason == "not_modified");
        auto counts = c.served("lm");
        CHECK(counts.full == 1);
        CHECK(counts.not_modified == 1);
        CHECK(counts.if_modified_since == "Sat, 01 Jan 2000 00:00:00 GMT");
        CHECK(counts.if_none_match.empty());
        // A later page: the origin sends it, the reader gets it.
        REQUIRE(c.set_page("lm", "lm=" + later + "&body=newer%20story"));
        const auto changed = c.read(mutable_target("lm"));
        REQUIRE(changed.res.status == 200);
        CHECK(page_with_notice(changed.res.body));
        CHECK(changed.res.body.find("newer story") != std::string::npos);
        CHECK(changed.cache == "miss");
        CHECK(changed.reason == "changed");
        CHECK(c.read(mutable_target("lm")).cache == "hit");
    }
    SECTION("no validators: the origin sends the page, the same bytes are a hit by digest") {
        REQUIRE(c.set_page("nv", "body=plain%20story"));
        const auto r = read_twice(c, mutable_target("nv"));
        check_same_page(r);
        CHECK(r.first.cache == "miss");
        CHECK(r.first.reason == "absent");
        CHECK(r.second.cache == "hit");
        CHECK(r.second.reason == "digest");
        auto counts = c.served("nv");
        CHECK(counts.full == 2); // nothing to ask conditionally with
        CHECK(counts.not_modified == 0);
        CHECK(counts.if_none_match.empty());
        CHECK(counts.if_modified_since.empty());
        // Other bytes: a new page.
        REQUIRE(c.set_page("nv", "body=edited%20story"));
        const auto changed = c.read(mutable_target("nv"));
        REQUIRE(changed.res.status == 200);
        CHECK(page_with_notice(changed.res.body));
        CHECK(changed.res.body.find("edited story") != std::string::npos);
        CHECK(changed.res.body.find("plain story") == std::string::npos);
        CHECK(changed.cache == "miss");
        CHECK(changed.reason == "changed");
    }
    SECTION("weak ETag: revalidated, and the variant's ETag stays weak") {
        REQUIRE(c.set_page("w", "etag=" + url_encode("W/\"w1\"") + "&body=weak%20story"));
        const auto r = read_twice(c, mutable_target("w"));
        check_same_page(r);
        CHECK(r.first.res.header("ETag").rfind("W/\"w1-gg", 0) == 0);
        CHECK(r.second.cache == "hit");
        CHECK(r.second.reason == "not_modified");
        const auto counts = c.served("w");
        CHECK(counts.not_modified == 1);
        CHECK(counts.if_none_match == "W/\"w1\"");
    }
}

TEST_CASE("pages a shared cache must not keep, and requests it must not answer, are never "
          "reused",
          "[cache]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    struct row {
        std::string name;
        std::string page;    // /_set query besides the ETag
        std::string request; // extra request header lines
        std::string method;
        std::string cache;  // expected, both readers
        std::string reason; // expected, both readers
    };
    const std::vector<row> rows = {
        {"no-store", "cc=no-store", "", "GET", "miss", "no_store"},
        {"private", "cc=private%2C%20max-age%3D60", "", "GET", "miss", "private"},
        {"cookie", "sc=" + url_encode("session=abc; Path=/"), "", "GET", "miss", "set_cookie"},
        {"vary", "vary=Cookie", "", "GET", "miss", "vary"},
        {"auth", "", "Authorization: Basic dXNlcjpwYXNz\r\n", "GET", "bypass", "authorization"},
        {"req-no-store", "", "Cache-Control: no-store\r\n", "GET", "bypass", "no_store"},
        // HEAD never fills an entry (the lead's 9ed79f0: it may be answered from one; the
        // first contract said bypass/method): without a GET before it, never a hit.
        {"head", "", "", "HEAD", "", ""},
    };
    for (const row& r : rows) {
        CAPTURE(r.name);
        REQUIRE(c.set_page(r.name, "etag=%22s1%22&body=story%20" + r.name +
                                       (r.page.empty() ? "" : "&" + r.page)));
        for (int i = 0; i < 2; ++i) {
            CAPTURE(i);
            const auto got = c.read(mutable_target(r.name), r.request, reader::ru_moscow, r.method);
            REQUIRE(got.res.status == 200);
            if (r.method != "HEAD")
                CHECK(page_with_notice(got.res.body));
            if (r.method == "HEAD") {
                CHECK((got.cache == "bypass" || got.cache == "miss"));
            } else {
                CHECK(got.cache == r.cache);
                CHECK(got.reason == r.reason);
            }
        }
        // The origin was never asked conditionally: both readers got a page it just sent.
        const auto counts = c.served(r.name);
        CHECK(counts.not_modified == 0);
        CHECK(counts.full + counts.head == 2);
        CHECK(counts.if_none_match.empty());
    }
}

TEST_CASE("identity, gzip and br readers each get their own variant, decodable to the same page",
          "[cache][coding]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("coded", "etag=%22c1%22&body=coded%20story&pad=4000"));
    struct row {
        std::string accept; // Accept-Encoding, "" = none
        std::string coding; // expected Content-Encoding
    };
    std::set<std::string> etags;
    std::string identity_page;
    for (const row& r : {row{"", ""}, row{"gzip", "gzip"}, row{"br", "br"}}) {
        CAPTURE(r.accept);
        const std::string extra = r.accept.empty() ? "" : "Accept-Encoding: " + r.accept + "\r\n";
        const auto twice = read_twice(c, mutable_target("coded"), extra);
        REQUIRE(twice.first.res.status == 200);
        REQUIRE(twice.second.res.status == 200);
        CHECK(twice.first.res.header("Content-Encoding") == r.coding);
        CHECK(twice.second.res.header("Content-Encoding") == r.coding);
        CHECK(twice.second.res.body == twice.first.res.body);
        CHECK(twice.second.res.header("ETag") == twice.first.res.header("ETag"));
        CHECK(twice.first.cache == "miss");
        CHECK(twice.second.cache == "hit");
        CHECK(twice.second.reason == "not_modified");
        CHECK(content_length_of(twice.second.res) == std::to_string(twice.second.res.body.size()));
        const std::string& bytes = twice.second.res.body;
        const std::string page = r.coding == "gzip" ? geogate::test::gzip_decompress(bytes)
                                 : r.coding == "br" ? geogate::test::brotli_decompress(bytes)
                                                    : bytes;
        CHECK(page_with_notice(page));
        CHECK(check_notice_guarantee(twice.second.res, false).violation.empty());
        CHECK(page.find("coded story") != std::string::npos);
        if (r.coding.empty())
            identity_page = page;
        else
            CHECK(page == identity_page);
        etags.insert(twice.first.res.header("ETag"));
    }
    // Three representations, three strong validators (RFC 9110 8.8.3).
    CHECK(etags.size() == 3);
    for (const auto& e : etags)
        CHECK(e.rfind("\"c1-gg", 0) == 0);
}

TEST_CASE("a reader revalidating its copy of a stored variant gets a 304 with that ETag",
          "[cache]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("a", "etag=%22v1%22&cc=max-age%3D60&body=story"));
    const auto first = c.read(mutable_target("a"));
    REQUIRE(first.res.status == 200);
    const std::string etag = first.res.header("ETag");
    REQUIRE_FALSE(etag.empty());
    const auto again = c.read(mutable_target("a"), "If-None-Match: " + etag + "\r\n");
    CHECK(again.res.status == 304);
    CHECK(again.res.header("ETag") == etag);
    CHECK(again.res.body.empty());
    CHECK(again.cache == "hit");
    CHECK(again.reason == "not_modified");
    // geogate asked the origin with the origin's validator, not the reader's.
    const auto counts = c.served("a");
    CHECK(counts.if_none_match == "\"v1\"");
    CHECK(counts.not_modified == 1);
    // A copy of another representation is not confirmed: the reader gets the page.
    const auto other = c.read(mutable_target("a"), "If-None-Match: \"v1-gg0.00000000\"\r\n");
    CHECK(other.res.status == 200);
    CHECK(other.res.body == first.res.body);
}

TEST_CASE("HEAD after a stored GET carries the stored variant's fields, without a body",
          "[cache][head]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("h", "etag=%22h1%22&body=story"));
    const auto get = c.read(mutable_target("h"));
    REQUIRE(get.res.status == 200);
    const auto head = c.read(mutable_target("h"), "", reader::ru_moscow, "HEAD");
    CHECK(head.res.status == 200);
    CHECK(head.res.body.empty());
    CHECK(head.res.header("ETag") == get.res.header("ETag"));
    CHECK(head.res.header("Content-Length") == std::to_string(get.res.body.size()));
    CHECK(head.cache == "hit");
    // And HEAD did not replace or drop the entry: the next GET is still a hit.
    const auto again = c.read(mutable_target("h"));
    CHECK(again.cache == "hit");
    CHECK(again.res.body == get.res.body);
}

TEST_CASE("the key: another language, another host or another query is another entry", "[cache]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("k", "etag=%22k1%22&body=story"));
    const auto ru = c.read(mutable_target("k"));
    REQUIRE(ru.res.body.find(legal_ru) != std::string::npos);
    CHECK(c.read(mutable_target("k")).cache == "hit");
    // The same page for a reader who reads English: its own text, never the stored Russian.
    const auto en = c.read(mutable_target("k"), "Accept-Language: en\r\n");
    REQUIRE(en.res.status == 200);
    CHECK(page_with_notice(en.res.body));
    CHECK(en.res.body.find(legal_en) != std::string::npos);
    CHECK(en.res.body.find(legal_ru) == std::string::npos);
    CHECK(en.res.header("ETag") != ru.res.header("ETag"));
    CHECK(en.cache == "miss");
    CHECK(en.reason == "absent");
    const auto en_again = c.read(mutable_target("k"), "Accept-Language: en\r\n");
    CHECK(en_again.cache == "hit");
    CHECK(en_again.res.body == en.res.body);
    // Another host, another query: not the entry of site.test/mutable/k.
    const auto other_host = c.read(mutable_target("k"), "", reader::ru_moscow, "GET", "other.test");
    CHECK(other_host.cache == "miss");
    CHECK(other_host.reason == "absent");
    const auto other_query = c.read(mutable_target("k", "x=1"));
    CHECK(other_query.cache == "miss");
    CHECK(other_query.reason == "absent");
    // body-end on end.test (ru_notice_rules): the notice where that rule puts it.
    const auto end = c.read(mutable_target("k"), "", reader::ru_moscow, "GET", "end.test");
    REQUIRE(end.res.status == 200);
    CHECK(end.res.body.find("data-geogate-notice=") > end.res.body.find("ORIGIN-CONTENT-7f3a"));
    CHECK(c.read(mutable_target("k"), "", reader::ru_moscow, "GET", "end.test").cache == "hit");
}

TEST_CASE("a reader holding the old variant of a changed page gets the new page, not a 304",
          "[cache]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("a", "etag=%22v1%22&body=first%20story"));
    const auto first = c.read(mutable_target("a"));
    const std::string old_etag = first.res.header("ETag");
    REQUIRE_FALSE(old_etag.empty());
    REQUIRE(c.set_page("a", "etag=%22v2%22&body=second%20story"));
    const auto got = c.read(mutable_target("a"), "If-None-Match: " + old_etag + "\r\n");
    REQUIRE(got.res.status == 200);
    CHECK(got.res.body.find("second story") != std::string::npos);
    CHECK(page_with_notice(got.res.body));
    CHECK(got.res.header("ETag") != old_etag);
    CHECK(got.cache == "miss");
    CHECK(got.reason == "changed");
}

TEST_CASE("a weak variant is revalidated by a reader with weak comparison", "[cache]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("w", "etag=" + url_encode("W/\"w1\"") + "&body=story"));
    const std::string etag = c.read(mutable_target("w")).res.header("ETag");
    REQUIRE(etag.rfind("W/", 0) == 0);
    for (const std::string& held : {etag, etag.substr(2)}) {
        CAPTURE(held);
        const auto again = c.read(mutable_target("w"), "If-None-Match: " + held + "\r\n");
        CHECK(again.res.status == 304);
        CHECK(again.res.header("ETag") == etag);
        CHECK(again.cache == "hit");
    }
}

TEST_CASE("the origin's 304 refreshes the stored fields", "[cache]") {
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("f", "etag=%22f1%22&cc=max-age%3D60&body=story"));
    const auto first = c.read(mutable_target("f"));
    CHECK(first.res.header("Cache-Control").find("max-age=60") != std::string::npos);
    // Same representation (same ETag and bytes), new freshness: the 304 carries it.
    REQUIRE(c.set_page("f", "etag=%22f1%22&cc=max-age%3D120&body=story"));
    const auto hit = c.read(mutable_target("f"));
    CHECK(hit.cache == "hit");
    CHECK(hit.res.body == first.res.body);
    CHECK(hit.res.header("Cache-Control").find("max-age=120") != std::string::npos);
    CHECK(hit.res.header("Cache-Control").find("max-age=60") == std::string::npos);
    CHECK(check_browser_reuse(hit.res).empty());
}

TEST_CASE("Vary: Accept-Encoding is stored, a page over max_entry_bytes is not and is whole",
          "[cache]") {
    cache_stack c([](toml_config& t) { t.set("cache", "max_entry_bytes", "50000"); });
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("v", "etag=%22v1%22&vary=Accept-Encoding&body=story"));
    c.read(mutable_target("v"));
    CHECK(c.read(mutable_target("v")).cache == "hit");
    REQUIRE(c.set_page("big", "etag=%22b1%22&pad=100000&body=big%20story"));
    for (int i = 0; i < 2; ++i) {
        CAPTURE(i);
        const auto got = c.read(mutable_target("big"));
        REQUIRE(got.res.status == 200);
        CHECK(got.res.complete);
        CHECK(page_with_notice(got.res.body));
        CHECK(got.res.body.size() > 100000);
        CHECK(got.cache == "miss");
        CHECK(got.reason == "too_large");
    }
    CHECK(c.served("big").not_modified == 0);
}

TEST_CASE("a navigation and a script read one page as two variants: each from its own origin "
          "representation, each confirmed by its own tag",
          "[cache]") {
    // The origin negotiates: gzip with tag "v1-gz" when asked, else identity with "v1". A
    // navigation is sent to the origin as identity (geogate rewrites it anyway), a script's
    // request as gzip; the variant key names that coding, so neither entry is revalidated
    // with the other's tag.
    cache_stack c;
    REQUIRE(c.s.proxy->started());
    REQUIRE(c.set_page("neg", "etag=%22v1%22&gzip=negotiate&body=negotiated%20story"));
    const std::string navigation =
        "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\nAccept-Encoding: gzip\r\n";
    const std::string script = "Accept: */*\r\nAccept-Encoding: gzip\r\n";
    struct step {
        const std::string* extra;
        std::string cache, origin_coding, origin_tag;
    };
    std::string pages[2];
    for (const step& st :
         {step{&navigation, "miss", "identity", ""}, step{&script, "miss", "gzip", ""},
          step{&navigation, "hit", "identity", "\"v1\""},
          step{&script, "hit", "gzip", "\"v1-gz\""}}) {
        CAPTURE(*st.extra, st.cache);
        const auto r = c.read(mutable_target("neg"), *st.extra);
        REQUIRE(r.res.status == 200);
        CHECK(r.cache == st.cache);
        const auto seen = c.served("neg");
        CHECK(seen.coding == st.origin_coding);
        CHECK(seen.if_none_match == st.origin_tag);
        CHECK(r.res.header("Content-Encoding") == "gzip");
        const std::string page = geogate::test::gzip_decompress(r.res.body);
        CHECK(page_with_notice(page));
        CHECK(page.find("negotiated story") != std::string::npos);
        std::string& first = pages[st.extra == &navigation ? 0 : 1];
        if (first.empty())
            first = page;
        else
            CHECK(page == first);
    }
    CHECK(pages[0] == pages[1]); // the same page either way
    CHECK(c.served("neg").not_modified == 2);
}
