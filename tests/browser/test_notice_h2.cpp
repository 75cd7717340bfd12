// Browser tests over HTTPS with HTTP/2 (issue 17): headless Chromium, a reader in Russia, opens
// a news page through geogate's https listener (a self-signed certificate Chromium accepts by
// its key) with ALPN offering h2. The notice must be rendered and visible exactly as over
// HTTP/1.1 (the same checks, check_notice_visible), and the page must really have come over
// h2: the browser says so (Navigation and Resource Timing's nextHopProtocol, no second
// connection for the stylesheet, script and image, the image decoded whole), and so does
// geogate (its access log's "protocol"). Compressed origin pages (br or gzip sent whatever was
// asked) show the notice too, and a negotiating origin is asked for identity on a navigation. A control run with `[http2] enabled = false` shows
// the protocol checks can fail.
#include "tests/browser/reader_view.hpp"
#include "tests/integration/support/geo_fixture.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace it = geogate::it;
using namespace geogate::browser;

namespace {

const std::string rgb_masthead = "rgb(32, 32, 32)";

// The page's subresources (article-photo.html): each must be in Resource Timing.
const std::vector<std::string> subresources = {"/site.css", "/probe.js", "/article-photo.png"};

// The access log's JSON lines for `path`, as objects.
std::vector<boost::json::object> access_lines(const reader_stack& s, const std::string& path) {
    std::vector<boost::json::object> out;
    const std::string log = s.proxy->access_log();
    for (std::size_t at = 0; at < log.size();) {
        const std::size_t end = std::min(log.find('\n', at), log.size());
        boost::system::error_code ec;
        auto v = boost::json::parse(std::string_view(log).substr(at, end - at), ec);
        at = end + 1;
        if (ec || !v.is_object())
            continue;
        const auto* p = v.as_object().if_contains("path");
        if (p && p->is_string() && p->as_string() == path)
            out.push_back(std::move(v.as_object()));
    }
    return out;
}

std::string field(const boost::json::object& line, const char* key) {
    const auto* v = line.if_contains(key);
    if (!v)
        return {};
    return v->is_string() ? std::string(v->as_string()) : boost::json::serialize(*v);
}

// The browser's side: the page, and each of its subresources, came over `protocol`; over h2
// no subresource needed a connection of its own; the image decoded at its full size.
void check_browser_transport(const probe_report& p, const std::string& protocol) {
    INFO("transport: " << p.str({"transport"}));
    CHECK(p.str({"transport", "page", "protocol"}) == protocol);
    const auto* resources = p.data.if_contains("transport")
                                ? p.data.at("transport").as_object().if_contains("resources")
                                : nullptr;
    REQUIRE(resources);
    REQUIRE(resources->is_array());
    for (const auto& name : subresources) {
        INFO("subresource " << name);
        const boost::json::object* found = nullptr;
        for (const auto& r : resources->as_array())
            if (r.is_object() && r.as_object().at("name") == name.c_str())
                found = &r.as_object();
        REQUIRE(found);
        CHECK(found->at("protocol") == protocol.c_str());
        if (protocol == "h2")
            CHECK(found->at("new_connection") == false);
    }
    CHECK(p.str({"images"}) ==
          R"([{"src":"/article-photo.png","complete":true,"width":240,"height":90}])");
}

// geogate's side: the reader's requests for the page (the --dump-dom and the screenshot run)
// and for its subresources are logged with `protocol`, the page with the notice injected.
// Returns the page's lines with that protocol, in order.
std::vector<boost::json::object> check_access_log(const reader_stack& s, const std::string& page,
                                                  const std::string& protocol) {
    INFO("access log:\n" << s.proxy->access_log());
    const auto browser_lines = [&](const std::string& path) {
        // The HTTP/1.1 round trip of check_notice_visible is on the plain listener.
        std::size_t n = 0;
        for (const auto& line : access_lines(s, path))
            n += field(line, "protocol") == protocol;
        return n;
    };
    CHECK(it::eventually([&] { return browser_lines(page) >= 2; }));
    std::vector<boost::json::object> lines;
    for (const auto& line : access_lines(s, page))
        if (field(line, "protocol") == protocol) {
            CHECK(field(line, "status") == "200");
            CHECK(field(line, "decision") == "notice");
            CHECK(field(line, "injected") == "true");
            lines.push_back(line);
        }
    for (const auto& path : subresources) {
        INFO("subresource " << path);
        CHECK(browser_lines(path) >= 1);
        CHECK(browser_lines(path) == access_lines(s, path).size()); // none by another protocol
    }
    return lines;
}

// The page the probe measured (the first request over h2) came from the origin through the
// h2 exchange, decoded and injected there, not from the variant cache the HTTP/1.1 round trip
// of check_notice_visible filled (which asked for no coding).
void check_from_origin(const std::vector<boost::json::object>& h2_lines) {
    REQUIRE(!h2_lines.empty());
    CHECK(field(h2_lines.front(), "cache") == "miss");
    CHECK(field(h2_lines.front(), "upstream_status") == "200");
}

} // namespace

TEST_CASE("over https with h2, a reader in Russia sees the notice, and the page, its "
          "stylesheet, script and image come over one h2 connection",
          "[browser][h2]") {
    require_chromium();
    reader_stack s({}, {.https = true, .http2 = true});
    REQUIRE(s.https_port != 0);
    s.pages.route("/news/h2", "article-photo.html", {{"Content-Security-Policy", strict_csp}});
    const auto p = check_notice_visible(s, "/news/h2", "notice-h2.png", "", rgb_masthead, false);
    check_browser_transport(p, "h2");
    check_access_log(s, "/news/h2", "h2");
}

TEST_CASE("over https with h2, a page the origin sends as br whatever was asked shows the notice",
          "[browser][h2][compressed]") {
    require_chromium();
    reader_stack s({}, {.https = true, .http2 = true});
    REQUIRE(s.https_port != 0);
    s.pages.route_compressed("/news/br", "article-photo.html",
                             {{"Content-Security-Policy", strict_csp}}, "br");
    const auto p = check_notice_visible(s, "/news/br", "notice-h2-br.png", "", rgb_masthead);
    CHECK(s.pages.coding_sent("/news/br") == "br");
    check_browser_transport(p, "h2");
    // The page reached the browser compressed, and whole (the probe ran at its end).
    CHECK(p.num({"transport", "page", "encoded"}) > 0);
    CHECK(p.num({"transport", "page", "encoded"}) < p.num({"transport", "page", "decoded"}));
    check_from_origin(check_access_log(s, "/news/br", "h2"));
}

TEST_CASE("over https with h2, a page the origin sends gzipped whatever was asked shows the "
          "notice",
          "[browser][h2][compressed]") {
    require_chromium();
    reader_stack s({}, {.https = true, .http2 = true});
    REQUIRE(s.https_port != 0);
    s.pages.route_compressed("/news/gzip", "article-photo.html",
                             {{"Content-Security-Policy", strict_csp}}, "gzip");
    const auto p = check_notice_visible(s, "/news/gzip", "notice-h2-gzip.png", "", rgb_masthead);
    CHECK(s.pages.coding_sent("/news/gzip") == "gzip");
    check_browser_transport(p, "h2");
    CHECK(p.num({"transport", "page", "encoded"}) > 0);
    CHECK(p.num({"transport", "page", "encoded"}) < p.num({"transport", "page", "decoded"}));
    check_from_origin(check_access_log(s, "/news/gzip", "h2"));
}

TEST_CASE("over https with h2, a browser's navigation asks a negotiating origin for identity and "
          "still gets the page compressed with the notice",
          "[browser][h2][compressed]") {
    require_chromium();
    reader_stack s({}, {.https = true, .http2 = true});
    REQUIRE(s.https_port != 0);
    s.pages.route_compressed("/news/negotiated", "article-photo.html",
                             {{"Content-Security-Policy", strict_csp}}, "negotiate");
    const auto p =
        check_notice_visible(s, "/news/negotiated", "notice-h2-negotiated.png", "", rgb_masthead);
    // geogate rewrites the page anyway: it asked for identity (the origin would have sent br).
    CHECK(s.pages.coding_sent("/news/negotiated") == "");
    check_browser_transport(p, "h2");
    // geogate compressed it for the reader itself.
    CHECK(p.num({"transport", "page", "encoded"}) > 0);
    CHECK(p.num({"transport", "page", "encoded"}) < p.num({"transport", "page", "decoded"}));
    check_from_origin(check_access_log(s, "/news/negotiated", "h2"));
}

// The protocol checks above can fail: with `[http2] enabled = false` the same listener offers
// only http/1.1, the notice is still there, and both the browser and geogate say http/1.1.
TEST_CASE("the browser probe sees http/1.1 over https when h2 is off", "[browser][h2][control]") {
    require_chromium();
    reader_stack s({}, {.https = true, .http2 = false});
    REQUIRE(s.https_port != 0);
    s.pages.route("/news/h1", "article-photo.html", {{"Content-Security-Policy", strict_csp}});
    auto flags = s.chromium_flags; // the certificate's key
    flags.push_back("--dump-dom");
    const auto dom = run_chromium(s.url("/news/h1"), flags, "ru");
    INFO("chromium log:\n" << dom.err);
    REQUIRE(dom.exit_code == 0);
    const auto p = parse_probe(dom.out);
    REQUIRE(p.found);
    INFO("probe: " << boost::json::serialize(p.data));
    CHECK(p.num({"notices"}) == 1);
    CHECK(p.str({"transport", "page", "protocol"}) == "http/1.1");
    CHECK(p.str({"transport", "resources"}).find("\"h2\"") == std::string::npos);
    CHECK(it::eventually([&] { return !access_lines(s, "/news/h1").empty(); }));
    for (const auto& line : access_lines(s, "/news/h1"))
        CHECK(field(line, "protocol") == "http/1.1");
}
