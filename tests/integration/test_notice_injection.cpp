// Issue 5 through the real proxy: where the notice goes, which responses get it, compression,
// charset, CSP, validators, ranges, caching and the language, with the test origin's pages.
#include "tests/integration/support/geo_fixture.hpp"
#include "tests/origin/digest.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <map>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace geogate::it;

namespace {

const char* const rules = ru_notice_rules;

const std::string& index_page() {
    return fixture_content("index.html");
}

// The inserted fragment: from the wrapper's start to its closing "</div></div>".
std::string fragment_of(const std::string& body) {
    const auto start = body.find("<div class=\"geogate-notice\"");
    if (start == std::string::npos)
        return {};
    const std::string end = "</div></div>";
    const auto stop = body.find(end, start);
    return stop == std::string::npos ? std::string()
                                     : body.substr(start, stop + end.size() - start);
}

std::string without_fragment(const std::string& body) {
    const std::string f = fragment_of(body);
    if (f.empty())
        return body;
    std::string out = body;
    out.erase(out.find(f), f.size());
    return out;
}

// /headers?set=... with an HTML Content-Type and the given response headers.
std::string html_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string target = "/headers?set=" + url_encode("Content-Type:text/html; charset=utf-8");
    for (const auto& [k, v] : headers)
        target += "&set=" + url_encode(k + ":" + v);
    return target;
}

std::string base64(const std::string& bytes) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                           static_cast<unsigned char>(bytes[i + 2]);
        out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
    }
    if (bytes.size() - i == 1) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out += {table[v >> 18], table[(v >> 12) & 63], '=', '='};
    } else if (bytes.size() - i == 2) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
    }
    return out;
}

// "'sha256-...'" of the fragment's <style> content.
std::string style_hash_source(const std::string& body) {
    const std::string f = fragment_of(body);
    const auto open = f.find("<style");
    const auto content = f.find('>', open) + 1;
    const auto close = f.find("</style>", content);
    const std::string hex = geogate::test::sha256_hex(f.substr(content, close - content));
    std::string raw;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return "'sha256-" + base64(raw) + "'";
}

// An origin that answers each path with a fixed response written in pieces, a pause between
// them, so that geogate reads the body in the chunks the test chose (the test origin cannot
// serve a page that is not one of its fixtures). One connection at a time, Connection: close.
class scripted_origin {
public:
    struct reply {
        std::string head; // status line and headers, without the blank line
        std::vector<std::string> pieces;
    };

    explicit scripted_origin(std::map<std::string, reply> routes) : routes_(std::move(routes)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(fd_, 16) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            return;
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~scripted_origin() {
        stop_ = true;
        if (fd_ >= 0)
            ::shutdown(fd_, SHUT_RDWR); // wakes accept()
        if (thread_.joinable())
            thread_.join();
        if (fd_ >= 0)
            ::close(fd_);
    }
    scripted_origin(const scripted_origin&) = delete;
    scripted_origin& operator=(const scripted_origin&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    void serve() {
        while (!stop_) {
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0)
                return;
            timeval tv{5, 0};
            ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            std::string req;
            char buf[4096];
            while (req.find("\r\n\r\n") == std::string::npos) {
                const auto n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0)
                    break;
                req.append(buf, static_cast<std::size_t>(n));
            }
            const auto sp = req.find(' ');
            const auto sp2 = req.find(' ', sp + 1);
            const std::string path = sp == std::string::npos || sp2 == std::string::npos
                                         ? ""
                                         : req.substr(sp + 1, sp2 - sp - 1);
            const auto it = routes_.find(path);
            if (it == routes_.end()) {
                send_all(
                    c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            } else {
                std::size_t total = 0;
                for (const auto& piece : it->second.pieces)
                    total += piece.size();
                send_all(c, it->second.head + "\r\nContent-Length: " + std::to_string(total) +
                                "\r\nConnection: close\r\n\r\n");
                for (const auto& piece : it->second.pieces) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(40));
                    send_all(c, piece);
                }
            }
            ::close(c);
        }
    }
    static void send_all(int c, std::string_view data) {
        while (!data.empty()) {
            const auto n = ::send(c, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0)
                return;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    std::map<std::string, reply> routes_;
    int fd_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// `text` cut at each of `marks` (substrings, in order: the cut goes in their middle).
std::vector<std::string> cut_in_middle_of(const std::string& text,
                                          const std::vector<std::string>& marks) {
    std::vector<std::string> out;
    std::size_t from = 0;
    for (const auto& m : marks) {
        const auto at = text.find(m, from);
        REQUIRE(at != std::string::npos);
        const auto cut = at + m.size() / 2;
        out.push_back(text.substr(from, cut - from));
        from = cut;
    }
    out.push_back(text.substr(from));
    return out;
}

} // namespace

TEST_CASE("the notice goes right after <body ...>, exactly once, page otherwise identical",
          "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto res = round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow));
    REQUIRE(res.status == 200);
    REQUIRE(res.complete);
    const std::string fragment = fragment_of(res.body);
    REQUIRE_FALSE(fragment.empty());
    CHECK(occurrences(res.body, "data-geogate-notice=") == 1);
    const std::string open_body = "<body class=\"page\">";
    const auto at = index_page().find(open_body) + open_body.size();
    CHECK(res.body.substr(0, at) == index_page().substr(0, at));
    CHECK(res.body.compare(at, fragment.size(), fragment) == 0);
    CHECK(without_fragment(res.body) == index_page());
    // Framing: Content-Length, when sent, is the changed body's.
    if (res.has("Content-Length"))
        CHECK(res.header("Content-Length") == std::to_string(res.body.size()));
}

TEST_CASE("position body-end puts the notice right before </body>", "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto res =
        round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow, "", "end.test"));
    REQUIRE(res.status == 200);
    const std::string fragment = fragment_of(res.body);
    REQUIRE_FALSE(fragment.empty());
    CHECK(res.body.find(fragment + "</body>") != std::string::npos);
    CHECK(occurrences(res.body, "data-geogate-notice=") == 1);
    CHECK(without_fragment(res.body) == index_page());
}

TEST_CASE("the wrapper carries notice id, language and version: Accept-Language picks the text",
          "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    struct row {
        std::string accept_language;
        std::string lang;
        std::string text;
    };
    std::vector<std::string> versions;
    for (const row& r : {row{"", "ru", legal_ru}, row{"uk", "uk", legal_uk},
                         row{"de-DE, en;q=0.9, uk;q=0.5", "en", legal_en},
                         row{"en;q=0.1, uk;q=0.8", "uk", legal_uk}, row{"fr", "ru", legal_ru}}) {
        CAPTURE(r.accept_language);
        const auto res = round_trip(
            s.port(), reader_get("/fixture/index.html", reader::ru_moscow,
                                 r.accept_language.empty()
                                     ? ""
                                     : "Accept-Language: " + r.accept_language + "\r\n"));
        REQUIRE(res.status == 200);
        CHECK(notice_attribute(res.body, "data-geogate-notice") == "legal");
        CHECK(notice_attribute(res.body, "lang") == r.lang);
        const std::string version = notice_attribute(res.body, "data-geogate-version");
        CHECK(version.size() >= 8);
        CHECK(version.find_first_not_of("0123456789abcdef") == std::string::npos);
        CHECK(fragment_of(res.body).find(r.text) != std::string::npos);
        versions.push_back(r.lang + version);
    }
    // Each language's text has its own version.
    std::sort(versions.begin(), versions.end());
    versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
    CHECK(versions.size() == 3);
}

TEST_CASE("no notice for readers outside the rule's regions, non-HTML, attachments, HEAD, 204; "
          "an unasked-for 304 is withheld",
          "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto us = round_trip(s.port(), reader_get("/fixture/index.html", reader::us));
    CHECK(us.body == index_page());
    const auto css = round_trip(s.port(), reader_get("/fixture/style.css", reader::ru_moscow));
    CHECK(css.body == fixture_content("style.css"));
    const auto attachment = round_trip(
        s.port(),
        reader_get(html_headers({{"Content-Disposition", "attachment; filename=page.html"}}),
                   reader::ru_moscow));
    REQUIRE(attachment.status == 200);
    CHECK(attachment.body == "headers\n");
    {
        raw_client c(s.port());
        REQUIRE(c.connected());
        c.send(reader_get("/status/204", reader::ru_moscow));
        const auto res = c.read_response();
        CHECK(res.status == 204);
        CHECK(res.body.empty());
        CHECK(res.complete);
    }
    // A 304 although geogate sent none of its variant tags (an origin that answers 304
    // regardless): the browser would show the copy it holds, perhaps one without the notice.
    for (const char* validator : {"", "If-None-Match: \"abc\"\r\n", "If-None-Match: *\r\n"}) {
        CAPTURE(validator);
        const auto res =
            round_trip(s.port(), reader_get("/status/304", reader::ru_moscow, validator));
        CHECK(res.status == 502);
        CHECK(round_trip(s.port(), reader_get("/status/304", reader::us, validator)).status ==
              304); // a pass reader gets the origin's answer
    }
    // HEAD: the head only, and the connection still carries the next request correctly.
    raw_client c(s.port());
    REQUIRE(c.connected());
    c.send(reader_request("HEAD", "/fixture/index.html", reader::ru_moscow));
    const auto head = c.read_response(milliseconds(5000), true);
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    c.send(reader_get("/fixture/index.html", reader::ru_moscow));
    const auto get = c.read_response();
    CHECK(get.status == 200);
    CHECK(without_fragment(get.body) == index_page());
    CHECK_FALSE(fragment_of(get.body).empty());
}

TEST_CASE("gzip and br pages come back compressed per Accept-Encoding, with the notice inside",
          "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    struct row {
        std::string target;
        std::string accept;
        std::string expect_coding; // "" = identity
    };
    for (const row& r :
         {row{"/gzip/index.html", "gzip", "gzip"}, row{"/br/index.html", "br", "br"},
          row{"/br/index.html", "gzip", "gzip"}, row{"/gzip/index.html", "identity", ""},
          row{"/fixture/index.html", "gzip, deflate", "gzip"},
          row{"/gzip/index.html", "br;q=1.0, gzip;q=0.5", "br"}}) {
        CAPTURE(r.target, r.accept);
        const auto res = round_trip(s.port(), reader_get(r.target, reader::ru_moscow,
                                                         "Accept-Encoding: " + r.accept + "\r\n"));
        REQUIRE(res.status == 200);
        REQUIRE(res.complete);
        CHECK(res.header("Content-Encoding") == r.expect_coding);
        std::string page = res.body;
        if (r.expect_coding == "gzip")
            page = geogate::test::gzip_decompress(res.body);
        else if (r.expect_coding == "br")
            page = geogate::test::brotli_decompress(res.body);
        CHECK(occurrences(page, "data-geogate-notice=\"legal\"") == 1);
        CHECK(without_fragment(page) == index_page());
        if (res.has("Content-Length"))
            CHECK(res.header("Content-Length") == std::to_string(res.body.size()));
    }
}

TEST_CASE("a notice reader's navigation asks the origin for identity and other requests for the "
          "reader's coding",
          "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const std::string navigation =
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n";
    const std::string codings = "Accept-Encoding: gzip, deflate, br\r\n";
    // What the origin is asked for (/echo is text/plain: it passes untouched).
    auto origin_saw = [&](const std::string& ip, const std::string& extra) {
        const auto res = round_trip(s.port(), reader_get("/echo", ip, extra));
        REQUIRE(res.status == 200);
        return parse_echo(res.body).header("Accept-Encoding");
    };
    // geogate rewrites a navigation's page anyway: nothing to decode when it comes as identity.
    CHECK(origin_saw(reader::ru_moscow, navigation + codings) == "identity");
    // An image, a script, a fetch(): the reader's coding, so a compressed asset passes as is.
    CHECK(origin_saw(reader::ru_moscow, "Accept: image/avif,image/webp,*/*;q=0.8\r\n" + codings) ==
          "br");
    CHECK(origin_saw(reader::ru_moscow, "Accept: */*\r\n" + codings) == "br");
    CHECK(origin_saw(reader::ru_moscow, codings) == "br");
    CHECK(origin_saw(reader::ru_moscow, "Accept: text/html;q=0, */*\r\n" + codings) == "br");
    // Readers the rule does not cover reach the origin with their own Accept-Encoding.
    CHECK(origin_saw(reader::us, navigation + codings) == "gzip, deflate, br");
    {
        // For an origin across a slow link: navigations ask for the reader's coding too.
        geo_stack far(rules,
                      [](toml_config& c) { c.set("origin", "identity_for_navigations", "false"); });
        REQUIRE(far.proxy->started());
        const auto res =
            round_trip(far.port(), reader_get("/echo", reader::ru_moscow, navigation + codings));
        REQUIRE(res.status == 200);
        CHECK(parse_echo(res.body).header("Accept-Encoding") == "br");
    }

    // The navigation still gets its page compressed in its own coding, with the notice, and a
    // second navigation gets the same bytes (from the variant cache, confirmed by the origin).
    for (const std::string& coding : {std::string("gzip"), std::string("br")}) {
        CAPTURE(coding);
        std::string first_body;
        for (int reader_no = 0; reader_no < 2; ++reader_no) {
            const auto res = round_trip(
                s.port(), reader_get("/fixture/index.html", reader::ru_moscow,
                                     navigation + "Accept-Encoding: " + coding + "\r\n"));
            REQUIRE(res.status == 200);
            REQUIRE(res.complete);
            CHECK(res.header("Content-Encoding") == coding);
            const auto page = coding == "gzip" ? geogate::test::gzip_decompress(res.body)
                                               : geogate::test::brotli_decompress(res.body);
            CHECK(occurrences(page, "data-geogate-notice=\"legal\"") == 1);
            CHECK(without_fragment(page) == index_page());
            if (reader_no == 0)
                first_body = res.body;
            else
                CHECK(res.body == first_body);
        }
    }
}

TEST_CASE("a windows-1251 page gets the notice as character references", "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto res = round_trip(s.port(), reader_get("/fixture/page-1251.html", reader::ru_moscow));
    REQUIRE(res.status == 200);
    const std::string fragment = fragment_of(res.body);
    REQUIRE_FALSE(fragment.empty());
    CHECK(fragment.find(legal_ru) == std::string::npos);
    CHECK(std::none_of(fragment.begin(), fragment.end(),
                       [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; }));
    // Ю = U+042E.
    CHECK((fragment.find("&#1070;") != std::string::npos ||
           fragment.find("&#x42E;") != std::string::npos ||
           fragment.find("&#x42e;") != std::string::npos));
    CHECK(without_fragment(res.body) == fixture_content("page-1251.html"));
    // A UTF-8 page gets the UTF-8 bytes themselves.
    const auto utf8 = round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow));
    CHECK(fragment_of(utf8.body).find(legal_ru) != std::string::npos);
}

TEST_CASE("CSP: style-src 'self' gains the notice's hash, a nonce is reused, 'unsafe-inline' alone "
          "is untouched",
          "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    SECTION("hash") {
        const auto res = round_trip(
            s.port(), reader_get(html_headers({{"Content-Security-Policy",
                                                "default-src 'self'; style-src 'self'"}}),
                                 reader::ru_moscow));
        REQUIRE(res.status == 200);
        REQUIRE_FALSE(fragment_of(res.body).empty());
        const std::string csp = res.header("Content-Security-Policy");
        CHECK(csp.find("style-src 'self' " + style_hash_source(res.body)) != std::string::npos);
        CHECK(csp.find("default-src 'self'") != std::string::npos);
        CHECK(csp.find("unsafe-inline") == std::string::npos);
        // The reader outside the region gets the page's own policy.
        const auto us = round_trip(
            s.port(), reader_get(html_headers({{"Content-Security-Policy",
                                                "default-src 'self'; style-src 'self'"}}),
                                 reader::us));
        CHECK(us.header("Content-Security-Policy") == "default-src 'self'; style-src 'self'");
    }
    SECTION("nonce") {
        const std::string policy = "default-src 'self'; style-src 'self' 'nonce-r4nd0m'";
        const auto res =
            round_trip(s.port(), reader_get(html_headers({{"Content-Security-Policy", policy}}),
                                            reader::ru_moscow));
        REQUIRE(res.status == 200);
        CHECK(fragment_of(res.body).find("<style nonce=\"r4nd0m\">") != std::string::npos);
        CHECK(res.header("Content-Security-Policy") == policy);
    }
    SECTION("unsafe-inline") {
        const std::string policy = "style-src 'self' 'unsafe-inline'";
        const auto res =
            round_trip(s.port(), reader_get(html_headers({{"Content-Security-Policy", policy}}),
                                            reader::ru_moscow));
        REQUIRE(res.status == 200);
        REQUIRE_FALSE(fragment_of(res.body).empty());
        CHECK(res.header("Content-Security-Policy") == policy);
    }
}

TEST_CASE("CSP in <meta http-equiv>: each enforced policy before the notice gains the hash, "
          "streamed in pieces, plain or gzip; the rest of the page is untouched",
          "[notice][csp][meta]") {
    // A: double quotes, default-src only. B: upper case, single quotes, &#39; references.
    const std::string meta_a =
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; img-src *\">";
    const std::string meta_b = "<META CONTENT='style-src &#39;self&#39; https://cdn.example' "
                               "HTTP-EQUIV=content-security-policy>";
    // Left alone: report-only, a comment, <noscript> (scripting on), and a meta in the body.
    const std::string untouched_head =
        "<meta http-equiv=\"Content-Security-Policy-Report-Only\" content=\"style-src 'none'\">\n"
        "<!-- <meta http-equiv=\"Content-Security-Policy\" content=\"style-src 'none'\"> -->\n"
        "<noscript><meta http-equiv=\"Content-Security-Policy\" content=\"style-src "
        "'none'\"></noscript>\n";
    const std::string body_meta =
        "<meta http-equiv=\"Content-Security-Policy\" content=\"style-src 'none'\">";
    const std::string page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n" + meta_a +
                             "\n" + meta_b + "\n" + untouched_head +
                             "<title>Meta CSP</title></head>\n<body class=\"page\">\n<p>News "
                             "\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xbe\xd1\x81\xd1\x82\xd0\xb8.</p>\n" +
                             body_meta + "\n</body></html>\n";
    // The body arrives cut inside A's value, inside B's tag name and inside its value.
    const auto pieces = cut_in_middle_of(page, {"'self'; img", "<META", "&#39;self&#39;"});
    const std::string gz = geogate::test::gzip_compress(page);
    const std::string html = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8";
    const std::string nonce_policy = "default-src 'self'; style-src 'self' 'nonce-r4nd0m'";
    scripted_origin origin({
        {"/meta", {html, pieces}},
        {"/meta-gzip",
         {html + "\r\nContent-Encoding: gzip",
          {gz.substr(0, gz.size() / 3), gz.substr(gz.size() / 3, gz.size() / 3),
           gz.substr(2 * (gz.size() / 3))}}},
        {"/meta-nonce", {html + "\r\nContent-Security-Policy: " + nonce_policy, pieces}},
    });
    geo_stack s(rules, [&](toml_config& c) { c.set_string("origin", "url", origin.url()); });
    REQUIRE(s.proxy->started());

    auto expected = [&](const std::string& hash) {
        std::string e = page;
        const std::string a = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                              "'self'; img-src *; style-src 'self' " +
                              hash + "\">";
        const std::string b = "<META CONTENT=\"style-src 'self' https://cdn.example " + hash +
                              "\" HTTP-EQUIV=content-security-policy>";
        e.replace(e.find(meta_a), meta_a.size(), a);
        e.replace(e.find(meta_b), meta_b.size(), b);
        return e;
    };
    for (const std::string path : {"/meta", "/meta-gzip"}) {
        INFO(path);
        const auto res = round_trip(s.port(), reader_get(path, reader::ru_moscow));
        REQUIRE(res.status == 200);
        REQUIRE(res.complete);
        REQUIRE_FALSE(fragment_of(res.body).empty());
        const std::string hash = style_hash_source(res.body);
        CHECK(without_fragment(res.body) == expected(hash));
        CHECK_FALSE(res.has("Content-Security-Policy"));
        // the notice right after <body ...>, after both policies
        CHECK(res.body.find(fragment_of(res.body)) ==
              res.body.find("<body class=\"page\">") + std::string("<body class=\"page\">").size());
        CHECK(occurrences(res.body, hash) == 2);
        CHECK(res.body.find("unsafe-inline") == std::string::npos);
    }
    // counted: two tags amended on each of the two pages
    CHECK(eventually([&] {
        return metric_value(admin_get(s.admin_port(), "/metrics").body,
                            "geogate_meta_csp_amended_total") == 4;
    }));
    SECTION("the header's nonce goes on our <style>; the meta policies still get the hash") {
        const auto res = round_trip(s.port(), reader_get("/meta-nonce", reader::ru_moscow));
        REQUIRE(res.status == 200);
        CHECK(res.header("Content-Security-Policy") == nonce_policy);
        CHECK(fragment_of(res.body).find("<style nonce=\"r4nd0m\">") != std::string::npos);
        CHECK(without_fragment(res.body) == expected(style_hash_source(res.body)));
    }
    SECTION("a reader outside the rule's regions gets the page byte for byte") {
        const auto res = round_trip(s.port(), reader_get("/meta", reader::us));
        REQUIRE(res.status == 200);
        CHECK(res.body == page);
    }
}

TEST_CASE("ETag becomes a variant per notice version: If-None-Match reaches the origin only for "
          "the same version",
          "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto page =
        round_trip(s.port(), reader_get(html_headers({{"ETag", "\"abc\""}}), reader::ru_moscow));
    REQUIRE(page.status == 200);
    const std::string version = notice_attribute(page.body, "data-geogate-version");
    REQUIRE_FALSE(version.empty());
    const std::string variant = page.header("ETag");
    CHECK(variant != "\"abc\"");
    CHECK(variant.find(version) != std::string::npos);
    // Another language is another text, so another variant.
    const auto uk = round_trip(s.port(), reader_get(html_headers({{"ETag", "\"abc\""}}),
                                                    reader::ru_moscow, "Accept-Language: uk\r\n"));
    CHECK(uk.header("ETag") != variant);
    // Pass decisions keep the origin's ETag.
    CHECK(round_trip(s.port(), reader_get(html_headers({{"ETag", "\"abc\""}}), reader::us))
              .header("ETag") == "\"abc\"");

    // Our variant of the current version: the origin sees its own tag (and may answer 304).
    const auto same =
        parse_echo(round_trip(s.port(), reader_get("/echo", reader::ru_moscow,
                                                   "If-None-Match: " + variant + "\r\n"))
                       .body);
    CHECK(same.header("If-None-Match") == "\"abc\"");
    // A variant of another version (the uk text), and the plain origin tag: not forwarded, so
    // the reader gets the full page with the current notice, never a 304 for a stale copy.
    const auto other =
        parse_echo(round_trip(s.port(), reader_get("/echo", reader::ru_moscow,
                                                   "If-None-Match: " + uk.header("ETag") + "\r\n"))
                       .body);
    CHECK_FALSE(other.has("If-None-Match"));
    const auto plain = parse_echo(
        round_trip(s.port(), reader_get("/echo", reader::ru_moscow, "If-None-Match: \"abc\"\r\n"))
            .body);
    CHECK_FALSE(plain.has("If-None-Match"));
    const auto full =
        round_trip(s.port(), reader_get(html_headers({{"ETag", "\"abc\""}}), reader::ru_moscow,
                                        "If-None-Match: \"abc\"\r\n"));
    CHECK(full.status == 200);
    CHECK_FALSE(fragment_of(full.body).empty());
}

TEST_CASE("Range and If-Range are not forwarded on notice decisions: Accept-Ranges is removed",
          "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const std::string conditional = "Range: bytes=0-10\r\nIf-Range: \"abc\"\r\n"
                                    "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n";
    const auto ru =
        parse_echo(round_trip(s.port(), reader_get("/echo", reader::ru_moscow, conditional)).body);
    CHECK_FALSE(ru.has("Range"));
    CHECK_FALSE(ru.has("If-Range"));
    CHECK_FALSE(ru.has("If-Modified-Since"));
    // A pass decision forwards them.
    const auto us =
        parse_echo(round_trip(s.port(), reader_get("/echo", reader::us, conditional)).body);
    CHECK(us.header("Range") == "bytes=0-10");

    const auto ranges = html_headers({{"Accept-Ranges", "bytes"}});
    CHECK_FALSE(round_trip(s.port(), reader_get(ranges, reader::ru_moscow)).has("Accept-Ranges"));
    CHECK(round_trip(s.port(), reader_get(ranges, reader::us)).header("Accept-Ranges") == "bytes");
}

TEST_CASE("notice responses are private to the reader: public and s-maxage removed", "[notice]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto target = html_headers({{"Cache-Control", "public, max-age=60, s-maxage=600"}});
    const auto ru = round_trip(s.port(), reader_get(target, reader::ru_moscow));
    REQUIRE(ru.status == 200);
    const std::string cc = ru.header("Cache-Control");
    CHECK(cc.find("private") != std::string::npos);
    CHECK(cc.find("public") == std::string::npos);
    CHECK(cc.find("s-maxage") == std::string::npos);
    // The same page for a reader outside the notice regions is region-dependent too: another
    // region gets another page, so a shared cache must not store it for everyone.
    const auto us = round_trip(s.port(), reader_get(target, reader::us));
    CHECK(us.header("Cache-Control").find("public") == std::string::npos);
}

// Issue 14, item 4: an encoded slash must not carry a news page past except_paths. The test
// origin decodes the path (%2F too) before routing when asked (?decode-path=1), as nginx does.
TEST_CASE("an encoded slash never wins an except_paths exemption: notice and mirror still apply",
          "[notice][paths]") {
    geo_stack s(R"(
[[rule]]
name = "ru-notice"
regions = ["RU"]
except_paths = ["/api/"]
action = "notice"
notice = "legal"

[[rule]]
name = "us-mirror"
regions = ["US"]
except_paths = ["/api/"]
action = "redirect"
mirrors = ["https://mirror-a.example.net"]
)");
    REQUIRE(s.proxy->started());
    for (const std::string path :
         {"/api/..%2ffixture/index.html", "/api/..%2Ffixture/index.html",
          "/api/%2e%2e%2ffixture/index.html", "/api%2f..%2ffixture/index.html",
          "/api/..%5cfixture/index.html"}) {
        CAPTURE(path);
        const std::string target = path + "?decode-path=1";
        const auto ru = round_trip(s.port(), reader_get(target, reader::ru_moscow));
        if (path.find("%5c") == std::string::npos) { // the origin reads %5C as a name byte
            REQUIRE(ru.status == 200);
            CHECK(ru.body.find("<body") != std::string::npos);
        }
        if (ru.status == 200)
            CHECK(occurrences(ru.body, "data-geogate-notice=") == 1);
        const auto us = round_trip(s.port(), reader_get(target, reader::us));
        CHECK(us.status == 302);
        CHECK(us.header("Location").rfind("https://mirror-a.example.net/", 0) == 0);
    }
    // The exemption itself still works.
    const auto api = round_trip(s.port(), reader_get("/api/x", reader::us));
    CHECK(api.status == 404); // from the origin, not the mirror
}
