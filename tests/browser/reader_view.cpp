#include "tests/browser/reader_view.hpp"

#include "tests/integration/support/geo_fixture.hpp"
#include "tests/integration/support/raw_client.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace geogate::browser {
namespace {

const std::string notice_rule = "[[rule]]\n"
                                "name = \"browser-notice\"\n"
                                "regions = [\"RU\"]\n"
                                "paths = [\"/\"]\n"
                                "action = \"notice\"\n"
                                "notice = \"undesirable-organization\"\n"
                                "position = \"body-start\"\n";

// A shell command run by sh, bounded to 20 s; true when it exited 0.
bool shell(const std::string& command) {
    const int rc = std::system(("timeout 20 sh -c '" + command + "' </dev/null").c_str());
    return WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

// A self-signed certificate for 127.0.0.1 in `dir` (site.crt, site.key), and the base64
// SHA-256 of its SubjectPublicKeyInfo: what --ignore-certificate-errors-spki-list takes, so
// that Chromium accepts this certificate, and only this one, without a CA.
std::string make_certificate(const std::filesystem::path& dir) {
    const std::string d = dir.string();
    if (!shell("cd " + d +
               " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout site.key -out "
               "site.crt -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null"
               " && openssl x509 -in site.crt -noout -pubkey | openssl pkey -pubin -outform der"
               " | openssl dgst -sha256 -binary | openssl base64 -A >spki.txt"))
        return {};
    const std::string spki = it::read_file(dir / "spki.txt");
    return spki.size() == 44 ? spki : std::string(); // 32 bytes in base64
}

// The stack's chromium flags, then `flag`.
std::vector<std::string> with(const reader_stack& s, const std::string& flag) {
    auto flags = s.chromium_flags;
    flags.push_back(flag);
    return flags;
}

// Pixels within the box whose colour is dark enough to be the notice's text (#2b2100) rather
// than its background (#fff7e0): glyphs actually drawn.
std::size_t dark_pixels(const png_image& img, int x0, int y0, int w, int h) {
    std::size_t n = 0;
    for (int y = std::max(0, y0); y < std::min<int>(y0 + h, int(img.height)); ++y)
        for (int x = std::max(0, x0); x < std::min<int>(x0 + w, int(img.width)); ++x) {
            const auto p = img.at(unsigned(x), unsigned(y));
            n += (p.r + p.g + p.b) < 3 * 110;
        }
    return n;
}

} // namespace

void require_chromium() {
    if (chromium_exe().empty()) {
        std::fprintf(stderr,
                     "chromium not found (configured: \"%s\", $GEOGATE_CHROMIUM: \"%s\"): "
                     "skipped; deploy/install-deps.sh browser\n",
                     GEOGATE_CHROMIUM_EXE,
                     std::getenv("GEOGATE_CHROMIUM") ? std::getenv("GEOGATE_CHROMIUM") : "");
        std::exit(77);
    }
}

reader_stack::reader_stack(it::file_list notices, reader_transport how) {
    auto c = it::default_config(pages.url());
    c.set("client_ip", "trusted_proxies", "[]");
    c.set("geoip", "databases", "[\"" + std::string(GEOGATE_BROWSER_DB) + "\"]");
    c.set("rules", "files", "[\"rules/*.toml\"]");
    c.set_string("notices", "dir", notices.empty() ? GEOGATE_BROWSER_NOTICES : "notices");
    c.set("notices", "require_approval", notices.empty() ? "true" : "false");
    c.set_string("origin", "response_timeout", "10s");
    c.set_string("limits", "keepalive_timeout", "20s");
    std::string spki;
    if (how.https) {
        spki = make_certificate(certs.path());
        REQUIRE(!spki.empty());
        c.set("listen", "https", "[\"127.0.0.1:0\"]");
        c.set("tls", "certificates",
              "[{certificate = \"" + (certs.path() / "site.crt").string() + "\", private_key = \"" +
                  (certs.path() / "site.key").string() + "\"}]");
        c.set("http2", "enabled", how.http2 ? "true" : "false");
    }
    notices.emplace_back("rules/10-browser.toml", notice_rule);
    proxy = std::make_unique<it::geogate_process>(c, notices);
    if (!how.https || !proxy->started())
        return;
    // The https "listening" event may come after the http one that geogate_process waits for.
    const auto found = proxy->process().wait_for_output(
        true,
        [](const std::string& log) -> std::optional<std::string> {
            const auto p = it::listening_port(log, "https");
            return p ? std::optional<std::string>(std::to_string(p)) : std::nullopt;
        },
        milliseconds(15000));
    REQUIRE(found);
    https_port = static_cast<unsigned short>(std::stoi(*found));
    chromium_flags.push_back("--ignore-certificate-errors-spki-list=" + spki);
}

std::string reader_stack::url(const std::string& path) const {
    if (https_port != 0)
        return "https://127.0.0.1:" + std::to_string(https_port) + path;
    return "http://127.0.0.1:" + std::to_string(proxy->port()) + path;
}

std::string probe_report::str(std::initializer_list<const char*> path) const {
    const boost::json::value* v = nullptr;
    const boost::json::object* o = &data;
    for (const char* key : path) {
        v = o ? o->if_contains(key) : nullptr;
        if (!v)
            return {};
        o = v->if_object();
    }
    if (v->is_string())
        return std::string(v->as_string());
    return boost::json::serialize(*v);
}

double probe_report::num(std::initializer_list<const char*> path) const {
    const std::string s = str(path);
    return s.empty() ? -1 : std::strtod(s.c_str(), nullptr);
}

probe_report parse_probe(const std::string& dom) {
    probe_report r;
    const std::string open = "<pre id=\"geogate-probe\" hidden=\"\">";
    const auto at = dom.find(open);
    if (at == std::string::npos)
        return r;
    const auto end = dom.find("</pre>", at);
    if (end == std::string::npos)
        return r;
    boost::system::error_code ec;
    auto v = boost::json::parse(
        percent_decode(dom.substr(at + open.size(), end - at - open.size())), ec);
    if (ec || !v.is_object())
        return r;
    r.data = std::move(v.as_object());
    r.found = true;
    return r;
}

bool logged_csp_violation(const std::string& chromium_log) {
    return chromium_log.find("Content Security Policy") != std::string::npos;
}

std::filesystem::path artifact(const std::string& name) {
    std::filesystem::create_directories(GEOGATE_BROWSER_ARTIFACT_DIR);
    return std::filesystem::path(GEOGATE_BROWSER_ARTIFACT_DIR) / name;
}

reader russian_reader() {
    return {"ru-RU,ru",
            "ru",
            "ltr",
            {"Правовое уведомление.", "«нежелательной организацией»", "уголовное преследование"}};
}

probe_report check_notice_visible(reader_stack& s, const std::string& path, const std::string& shot,
                                  const std::string& expected_nonce, const std::string& masthead_bg,
                                  bool meta_policy, const reader& r) {
    REQUIRE(s.pages.started());
    REQUIRE(s.proxy->started());
    INFO("geogate events:\n" << s.proxy->event_log());

    // The policy geogate sends: still no 'unsafe-inline', and it names our hash unless the
    // page's nonce is reused.
    const auto res = it::round_trip(s.proxy->port(),
                                    it::get_request(path, "Accept-Language: " + r.accept_language +
                                                              "\r\nConnection: close\r\n"));
    REQUIRE(res.status == 200);
    const std::string csp = res.header("Content-Security-Policy");
    INFO("Content-Security-Policy sent to the reader: " << csp);
    CHECK(csp.find("'unsafe-inline'") == std::string::npos);
    if (expected_nonce.empty() && !meta_policy)
        CHECK(csp.find("'sha256-") != std::string::npos);
    REQUIRE(res.body.find("data-geogate-notice=\"undesirable-organization\"") != std::string::npos);
    if (meta_policy) {
        const auto m = res.body.find("http-equiv=\"Content-Security-Policy\"");
        REQUIRE(m != std::string::npos);
        const auto open = res.body.rfind('<', m);
        const std::string tag = res.body.substr(open, res.body.find('>', m) + 1 - open);
        INFO("meta policy sent to the reader: " << tag);
        CHECK(tag.find("'sha256-") != std::string::npos);
        CHECK(tag.find("unsafe-inline") == std::string::npos);
        CHECK(res.body.find("data-geogate-notice=") > m); // the policy comes before the notice
    }

    // What the browser built and computed.
    const auto dom = run_chromium(s.url(path), with(s, "--dump-dom"), r.accept_language);
    INFO("chromium log:\n" << dom.err);
    REQUIRE(dom.exit_code == 0);
    const auto p = parse_probe(dom.out);
    INFO("DOM:\n" << dom.out.substr(0, 4000));
    REQUIRE(p.found);
    INFO("probe: " << boost::json::serialize(p.data));

    CHECK(p.num({"notices"}) == 1);
    CHECK(p.str({"id"}) == "undesirable-organization");
    CHECK(p.str({"lang"}) == r.lang);
    CHECK(p.str({"version"}).size() >= 8);
    CHECK(p.str({"first_in_body"}) == "true"); // position body-start
    CHECK(p.str({"style_nonce"}) == expected_nonce);

    // The policy blocked nothing: neither our style nor anything of the page's.
    CHECK(p.str({"violations"}) == "[]");
    CHECK_FALSE(logged_csp_violation(dom.err));

    // The notice's own style applied (blocked, the background would be transparent) and won
    // over the page's broad `div { color: #777; font-size: 11px }`.
    CHECK(p.str({"style", "display"}) == "block");
    CHECK(p.str({"style", "visibility"}) == "visible");
    CHECK(p.str({"style", "opacity"}) == "1");
    CHECK(p.str({"style", "background-color"}) == "rgb(255, 247, 224)");
    CHECK(p.str({"style", "border-bottom-width"}) == "3px");
    CHECK(p.str({"text_style", "color"}) == "rgb(43, 33, 0)");
    CHECK(p.str({"text_style", "font-size"}) == "16px");
    // The page's own styles still apply (its stylesheet, and its nonce'd inline style).
    CHECK(p.str({"masthead", "background-color"}) == masthead_bg);

    // A real box, wholly inside the first screen, not covered by anything at its centre.
    const double x = p.num({"box", "x"}), y = p.num({"box", "y"});
    const double w = p.num({"box", "width"}), h = p.num({"box", "height"});
    const double vw = p.num({"viewport", "width"}), vh = p.num({"viewport", "height"});
    CHECK(x >= 0);
    CHECK(y >= 0);
    CHECK(w >= vw * 0.9);
    CHECK(h >= 60); // two paragraphs of 16px text with padding
    CHECK(x + w <= vw);
    CHECK(y + h <= vh);
    CHECK(p.str({"on_top"}) == "true");

    // On top along the notice's top edge and across its first line of text, wherever the page
    // puts its own fixed, sticky or absolutely positioned elements (covered lists what is on
    // top instead).
    INFO("points not on the notice: " << p.str({"first_line", "covered"}));
    CHECK(p.str({"first_line", "covered"}) == "[]");
    CHECK(p.str({"first_line", "points"}) ==
          "[true,true,true,true,true,true,true,true,true,true,true,"
          "true,true,true,true,true,true,true,true,true,true,true]");
    CHECK(p.num({"first_line", "line_top"}) >= y);
    CHECK(p.num({"first_line", "line_bottom"}) <= y + h);

    // The text reads in its own language's direction whatever the page's: the wrapper says so
    // itself, the page's CSS cannot change it, the first line starts at the start edge of the
    // text column (left for ltr, right for rtl) and the final full stop comes after the last
    // word in reading order (right of it for ltr, left for rtl), not at the other end.
    const bool ltr = r.dir == "ltr";
    CHECK(p.str({"dir"}) == r.dir);
    CHECK(p.str({"direction", "notice", "direction"}) == r.dir);
    CHECK(p.str({"direction", "notice", "unicode-bidi"}) == "isolate");
    CHECK(p.str({"direction", "text", "direction"}) == r.dir);
    CHECK(p.str({"direction", "first_p", "direction"}) == r.dir);
    CHECK(p.str({"direction", "first_p", "text-align"}) == "start");
    CHECK(std::abs(p.num({"first_line", ltr ? "first_char_left" : "first_char_right"})) < 2);
    CHECK(p.str({"first_line", "final_char"}) == ".");
    CHECK(p.str({"first_line", "final_char_right_of_letter"}) == (ltr ? "true" : "false"));

    // Its rendered text (innerText: what is laid out, not merely in the bytes).
    const std::string text = p.str({"text"});
    for (const auto& phrase : r.phrases) {
        INFO("phrase: " << phrase);
        CHECK(text.find(phrase) != std::string::npos);
    }

    // The screenshot: the notice's colours and drawn glyphs at the place the probe measured.
    const auto png_path = artifact(shot);
    std::filesystem::remove(png_path);
    const auto ss =
        run_chromium(s.url(path), with(s, "--screenshot=" + png_path.string()), r.accept_language);
    INFO("screenshot chromium log:\n" << ss.err);
    REQUIRE(ss.exit_code == 0);
    const auto img = read_png(png_path);
    INFO("screenshot: " << png_path.string());
    REQUIRE(img.ok);
    CHECK(img.width == 1280);
    REQUIRE(img.height > unsigned(y + h));
    REQUIRE(x >= 0); // a notice hidden or moved off the screen fails here, not out of bounds
    REQUIRE(y >= 0);
    REQUIRE(w > 8);
    REQUIRE(h > 8);
    REQUIRE(img.width > unsigned(x + w / 2));
    const int ix = int(x), iy = int(y), iw = int(w), ih = int(h);
    CHECK(img.at(unsigned(ix + 4), unsigned(iy + 4)) == rgb{255, 247, 224}); // padding
    CHECK(img.at(unsigned(ix + iw / 2), unsigned(iy + ih - 1)) ==
          rgb{217, 154, 0}); // the 3px bottom border
    CHECK(dark_pixels(img, ix, iy, iw, ih) > 2000);
    // Nothing of the notice colour outside its box at the very top of the page: it is the
    // first thing on the screen, starting at its top edge.
    CHECK(img.at(unsigned(ix + 4), unsigned(iy + ih + 2)) != rgb{255, 247, 224});
    return p;
}

} // namespace geogate::browser
