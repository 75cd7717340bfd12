// The injector against a table of pages: "@@" marks where the fragment must land; every page is
// also fed split at every byte offset, in 1-byte chunks and in 3 pieces, and must give the same.
#include "proxy/html/injector.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using geogate::html::injector;
using geogate::html::position;

namespace {

constexpr std::string_view frag = "@@";

struct run_result {
    std::string text;
    bool fallback = false;
    std::size_t max_held_seen = 0;
};

run_result run(std::string_view page, const std::vector<std::size_t>& cuts, position where,
               std::size_t max_held = 64 * 1024) {
    injector inj{std::string(frag), where, max_held};
    run_result r;
    std::vector<std::string_view> out;
    std::size_t from = 0;
    auto take = [&] {
        for (auto v : out)
            r.text.append(v);
        out.clear();
    };
    for (std::size_t cut : cuts) {
        inj.feed(page.substr(from, cut - from), out);
        take();
        r.max_held_seen = std::max(r.max_held_seen, inj.held());
        from = cut;
    }
    inj.feed(page.substr(from), out);
    take();
    inj.finish(out);
    take();
    REQUIRE(inj.inserted());
    r.fallback = inj.used_fallback();
    return r;
}

std::string strip(std::string_view marked) {
    std::string s(marked);
    auto at = s.find(frag);
    REQUIRE(at != std::string::npos);
    s.erase(at, frag.size());
    return s;
}

void check_all_splits(std::string_view marked, position where, bool fallback,
                      std::size_t max_held = 64 * 1024) {
    const std::string page = strip(marked);
    INFO("page: " << page);
    const auto whole = run(page, {}, where, max_held);
    CHECK(whole.text == marked);
    CHECK(whole.fallback == fallback);
    for (std::size_t k = 0; k <= page.size(); ++k) {
        INFO("split at " << k);
        REQUIRE(run(page, {k}, where, max_held).text == whole.text);
    }
    std::vector<std::size_t> ones;
    for (std::size_t k = 1; k < page.size(); ++k)
        ones.push_back(k);
    const auto bytewise = run(page, ones, where, max_held);
    CHECK(bytewise.text == whole.text);
    CHECK(bytewise.max_held_seen <= std::max<std::size_t>(max_held, 64));
    for (std::size_t a = 0; a <= page.size(); a += 3)
        for (std::size_t b = a; b <= page.size(); b += 5)
            REQUIRE(run(page, {a, b}, where, max_held).text == whole.text);
}

} // namespace

TEST_CASE("body_start: the notice lands right after the first real <body> tag") {
    const char* pages[] = {
        "<html><head><title>x</title></head><body>@@<p>hi</p></body></html>",
        "<!DOCTYPE html>\n<BODY class=a>@@x",
        "<Body\n data-x=1>@@",
        "<body/>@@x",
        "<html><head><!-- <body> --></head><body>@@",
        "<!--><body>@@",
        "<!---><body>@@",
        "<!-- a -- b --!><body>@@",
        "<!x <body -><body>@@",
        "<?x <body ?><body>@@",
        "<head><script>var s='<body>';</script></head><body>@@",
        "<script><!--<script>x</script><body>--></script><body>@@",
        "<script><!--</script><body>@@",
        "<SCRIPT>x</Script ><body>@@",
        "<style>a{content:'<body>'}</style><body>@@",
        "<style>a{}</styles></style ><body>@@",
        "<title><body></title><body>@@",
        "<meta content=\"<body>\"><body>@@",
        "<meta content='a>b <body>'><body>@@",
        "<meta a = \"x>\" b='>'/><body>@@",
        "<meta a=x\"y><body>@@",
        "<body data-x=\">\">@@",
        "<head><template><body>x</template></head><body>@@",
        "<head><noscript><body></noscript></head><body>@@",
        "<head><noframes><body></noframes></head><body>@@",
        "\xEF\xBB\xBF<!doctype html><body>@@",
        "<body\n>@@",
        "<bOdY>@@<body>",
    };
    for (const char* p : pages)
        check_all_splits(p, position::body_start, false);
}

TEST_CASE("body_start without a body tag: the notice opens the implicit body") {
    const char* pages[] = {
        "<!DOCTYPE html><html><head><title>t</title></head>\n@@<div>x</div>",
        "<!doctype html>@@Hello",
        "<head><meta charset=utf-8></head> \n@@&nbsp;",
        "@@<bodyx><body>",
        "<html><head></head>@@</html>",
        "<head></head>@@</body>",
        "<head></head>@@< body>",
        "<head><link rel=x></head><!-- c --> @@<abcdefghijklmnop>",
        "<head><title>t</title></head>@@",
        "@@",
        "<!-- unterminated <body>@@",
        "<frameset><frame src=a></frameset>@@",
    };
    for (const char* p : pages)
        check_all_splits(p, position::body_start, true);
}

TEST_CASE("body_end: the notice lands right before the last real </body>") {
    const char* pages[] = {
        "<body>x@@</body></html>",
        "<body>x</body>y@@</body>\n",
        "<body>x@@</body><!-- </body> -->",
        "<body><script>'</body>'</script>@@</BODY >",
        "<body><textarea></body></textarea>@@</body>",
        "<body><xmp></body></xmp><iframe></body></iframe><noembed></body></noembed>@@</body>",
        "<body><svg><![CDATA[</body>]]></svg>@@</body>",
        "<body><!--></body><!--x-->@@</body>",
        "<body>@@</body foo=\">\">",
        "<body>@@</body/>",
        "<body><template></body></template>@@</body>",
    };
    for (const char* p : pages)
        check_all_splits(p, position::body_end, false);
}

TEST_CASE("body_end without a real </body>: appended at the end of the document") {
    const char* pages[] = {
        "<body>x@@",        "<body><plaintext></body>@@",    "<body><bodyx></bodyx>@@",
        "<body></bodyy>@@", "<body><![CDATA[x]]></body >@@",
    };
    // "<![CDATA[" outside SVG/MathML is a bogus comment ending at the first '>': the last page
    // has no real </body>... except it does: check it explicitly below.
    for (int i = 0; i < 4; ++i)
        check_all_splits(pages[i], position::body_end, true);
    check_all_splits("<body><![CDATA[x]]>@@</body >", position::body_end, false);
}

TEST_CASE("body_end holds at most max_held bytes after a </body> candidate") {
    const std::string tail(100, 'x');
    // past the bound the first candidate is committed; a later </body> no longer moves it
    check_all_splits("<body>a@@</body>" + tail + "</body>", position::body_end, false, 64);
    // within the bound the last one wins
    check_all_splits("<body>a</body>" + tail + "@@</body>", position::body_end, false, 256);
}

TEST_CASE("after the insertion chunks pass through as the same view, no copy") {
    injector inj{"<div>n</div>", position::body_start};
    std::vector<std::string_view> out;
    inj.feed("<html><body>", out);
    REQUIRE(out.size() == 2);
    out.clear();
    const std::string rest = "<p>lots of text</p>";
    inj.feed(rest, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].data() == rest.data());
    CHECK(out[0].size() == rest.size());
}

TEST_CASE("the benchmark article gets the notice right after its <body ...> tag") {
    std::string dir = std::string(GEOGATE_BINARY_DIR) + "/tests/unit/html/content";
    std::string cmd =
        "perl " GEOGATE_SHARED_DIR "/bench/origin/make-content.pl " + dir + " > /dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::FILE* f = std::fopen((dir + "/article.html").c_str(), "rb");
    REQUIRE(f);
    std::string page;
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
        page.append(buf, n);
    std::fclose(f);
    const auto body = page.find("<body class=\"article-page");
    REQUIRE(body != std::string::npos);
    std::string expected = page;
    expected.insert(page.find('>', body) + 1, frag);
    for (std::size_t chunk : {1u, 7u, 1460u, 16384u}) {
        std::vector<std::size_t> cuts;
        for (std::size_t k = chunk; k < page.size(); k += chunk)
            cuts.push_back(k);
        CHECK(run(page, cuts, position::body_start).text == expected);
    }
    std::string expected_end = page;
    expected_end.insert(page.rfind("</body>"), frag);
    CHECK(run(page, {}, position::body_end).text == expected_end);
}
