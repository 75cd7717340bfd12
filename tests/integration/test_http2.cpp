// Issue 17: HTTP/2 to readers. Real clients (curl --http2 over TLS with ALPN, nghttp, h2load)
// get every decision through h2 as through HTTP/1.1; hostile h2 clients (Python's h2 driven by
// tests/integration/h2/h2_client.py over h2c) get stream or connection errors, and nothing they
// send reaches the origin as a request it should not see.
#include "tests/integration/support/geo_fixture.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <sstream>

using namespace geogate::it;
using namespace std::chrono;

namespace {

const std::string h2_client =
    std::string(GEOGATE_SOURCE_DIR) + "/tests/integration/h2/h2_client.py";

// Debian's python3, which has python3-h2 (a python3 earlier on PATH may not).
const char* const python = "/usr/bin/python3";

// A shell command, bounded; its exit code and output.
int run(const std::string& command, std::string& out, const temp_dir& dir) {
    const auto file = dir.path() / "cmd.out";
    const std::string full =
        "timeout 60 sh -c '" + command + "' >" + file.string() + " 2>&1 </dev/null";
    const int rc = std::system(full.c_str());
    out = read_file(file);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 255;
}

// An origin, geogate with the RU notice rules, an https listener with a self-signed
// certificate for site.test, and h2c on the http listener.
struct h2_stack {
    temp_dir dir{"geogate-h2"};
    std::unique_ptr<geo_stack> stack;
    unsigned short https_port = 0;

    explicit h2_stack(const std::function<void(toml_config&)>& tweak = {}) {
        std::string out;
        REQUIRE(run("cd " + dir.path().string() +
                        " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout site.key "
                        "-out site.crt -subj /CN=site.test -addext subjectAltName=DNS:site.test",
                    out, dir) == 0);
        stack = std::make_unique<geo_stack>(ru_notice_rules, [&](toml_config& c) {
            c.set("listen", "https", "[\"127.0.0.1:0\"]");
            c.set("tls", "certificates",
                  "[{certificate = \"" + (dir.path() / "site.crt").string() +
                      "\", private_key = \"" + (dir.path() / "site.key").string() + "\"}]");
            c.set("http2", "cleartext", "true");
            if (tweak)
                tweak(c);
        });
        REQUIRE(stack->proxy->started());
        auto found = stack->proxy->process().wait_for_output(
            true,
            [](const std::string& log) -> std::optional<std::string> {
                auto p = listening_port(log, "https");
                return p ? std::optional<std::string>(std::to_string(p)) : std::nullopt;
            },
            milliseconds(15000));
        REQUIRE(found);
        https_port = static_cast<unsigned short>(std::stoi(*found));
    }

    unsigned short port() const { return stack->port(); }

    std::string file(const std::string& name) const { return (dir.path() / name).string(); }

    std::string curl(const std::string& args) {
        std::string out;
        const std::string p = std::to_string(https_port);
        run("curl -sS --max-time 20 --cacert " + (dir.path() / "site.crt").string() +
                " --resolve site.test:" + p + ":127.0.0.1 " + args,
            out, dir);
        return out;
    }

    std::string url(const std::string& path) const {
        return "https://site.test:" + std::to_string(https_port) + path;
    }

    // h2_client.py against the h2c listener (or `on_port`).
    std::string hostile(const std::string& args, unsigned short on_port = 0) {
        std::string out;
        run(std::string(python) + " " + h2_client + " " +
                std::to_string(on_port ? on_port : port()) + " " + args,
            out, dir);
        return out;
    }
};

} // namespace

TEST_CASE("https: ALPN gives curl h2 with the notice for RU readers, http/1.1 unchanged on the "
          "same listener",
          "[http2]") {
    h2_stack s;
    const std::string xff = std::string("-H \"X-Forwarded-For: ") + reader::ru_moscow + "\" ";
    const std::string h2 =
        s.curl("--http2 -o " + s.file("body.h2") + " -w \"%{http_version} %{http_code}\" " + xff +
               s.url("/fixture/index.html"));
    CHECK(h2 == "2 200");
    const std::string page = read_file(s.dir.path() / "body.h2");
    CHECK(notice_attribute(page, "data-geogate-notice") == "legal");
    const std::string h1 =
        s.curl("--http1.1 -o " + s.file("body.h1") + " -w \"%{http_version} %{http_code}\" " + xff +
               s.url("/fixture/index.html"));
    CHECK(h1 == "1.1 200");
    CHECK(read_file(s.dir.path() / "body.h1") == page);
    // A US reader gets the origin's page untouched, over h2 as well.
    const std::string us =
        s.curl("--http2 -o " + s.file("body.us") + " -w \"%{http_version}\" " +
               "-H \"X-Forwarded-For: " + reader::us + "\" " + s.url("/fixture/index.html"));
    CHECK(us == "2");
    CHECK(read_file(s.dir.path() / "body.us") == fixture_content("index.html"));
    // A gzip origin page, to a reader that takes gzip and br: compressed, with the notice.
    const std::string gz = s.curl("--http2 --compressed -o " + s.file("body.gz") + " -D " +
                                  s.file("head.gz") + " " + xff + s.url("/gzip/index.html"));
    CHECK(read_file(s.dir.path() / "head.gz").find("content-encoding: ") != std::string::npos);
    CHECK(notice_attribute(read_file(s.dir.path() / "body.gz"), "data-geogate-notice") == "legal");
    // The access log and the metrics name the protocol.
    CHECK(eventually([&] {
        return s.stack->proxy->access_log().find("\"protocol\":\"h2\"") != std::string::npos;
    }));
    // Recorded once the response went out, which curl may see first.
    CHECK(eventually([&] {
        return metric_value(admin_get(s.stack->admin_port(), "/metrics").body,
                            "geogate_requests_by_protocol_total{protocol=\"h2\"}") >= 3;
    }));
}

TEST_CASE("h2: many streams on one connection each get their own decision", "[http2]") {
    h2_stack s;
    std::string out;
    // nghttp sends all requests of one run on one connection, concurrently.
    const std::string p = std::to_string(s.https_port);
    const std::string cmd = "nghttp -n -s -H \"x-forwarded-for: " + std::string(reader::ru_moscow) +
                            "\" https://127.0.0.1:" + p +
                            "/fixture/index.html https://127.0.0.1:" + p +
                            "/missing https://127.0.0.1:" + p + "/fixture/index.html?again";
    REQUIRE(run(cmd, out, s.dir) == 0);
    CHECK(occurrences(out, " 200 ") == 2);
    CHECK(occurrences(out, " 404 ") == 1);
    // h2load: 400 requests on 4 connections, 20 streams each at a time, all answered.
    REQUIRE(run("h2load -n 400 -c 4 -m 20 http://127.0.0.1:" + std::to_string(s.port()) +
                    "/fixture/index.html",
                out, s.dir) == 0);
    CHECK(out.find("400 succeeded") != std::string::npos);
    CHECK(out.find("status codes: 400 2xx") != std::string::npos);
}

TEST_CASE("h2: requests HTTP/2 forbids get a stream error and never reach the origin",
          "[http2][hostile]") {
    h2_stack s;
    REQUIRE(s.stack->origin.set_page("probe", "body=probe"));
    for (const char* c :
         {"cl-mismatch", "transfer-encoding", "connection", "crlf-value", "path-no-slash",
          "path-space", "host-mismatch", "te-gzip", "uppercase-name"}) {
        CAPTURE(c);
        const std::string out =
            s.hostile(std::string("malformed ") + c + " /mutable/probe " + reader::us);
        CHECK(out.rfind("reset 1", 0) == 0); // RST_STREAM with PROTOCOL_ERROR
    }
    CHECK(s.stack->origin.served("probe").full == 0);
    // The connection and the proxy are fine: a well-formed request passes.
    CHECK(s.hostile(std::string("get /mutable/probe ") + reader::us).rfind("status 200", 0) == 0);
    CHECK(s.stack->origin.served("probe").full == 1);
}

TEST_CASE("h2: a rapid-reset flood ends the connection before it costs an origin request per "
          "stream",
          "[http2][hostile]") {
    h2_stack s;
    REQUIRE(s.stack->origin.set_page("rr", "body=rapid"));
    const std::string out =
        s.hostile(std::string("rapid-reset /mutable/rr ") + reader::us + " 5000");
    CHECK(out.rfind("goaway 11", 0) == 0); // ENHANCE_YOUR_CALM
    // The connection ends after the bucket's 200 resets (twice the 100 streams); of those, a
    // stream reset in the same read as its HEADERS never starts a request: only the few whose
    // HEADERS and RST_STREAM a read happened to split reach the origin (without the deferred
    // start, ~80 % of them did).
    CHECK(s.stack->origin.served("rr").full <= 20);
    CHECK(s.hostile(std::string("get /mutable/rr ") + reader::us).rfind("status 200", 0) == 0);
}

TEST_CASE("h2: CONTINUATION floods and HPACK bombs end in errors, not in memory or CPU",
          "[http2][hostile]") {
    h2_stack s;
    // GOAWAY, or the connection closed while the flood was still being written (RST).
    const std::string flood = s.hostile("continuation-flood /");
    CHECK((flood.rfind("goaway", 0) == 0 || flood.rfind("closed", 0) == 0));
    // 400 fields of 4,000 bytes: over limits.max_header_bytes several times, decoded from a
    // few kilobytes on the wire.
    CHECK(s.hostile("hpack-bomb /fixture/index.html").rfind("goaway", 0) == 0);
    CHECK(s.hostile(std::string("get /fixture/index.html ") + reader::us).rfind("status 200", 0) ==
          0);
}

TEST_CASE("h2: a reader that never opens its window is dropped after body_timeout",
          "[http2][hostile]") {
    h2_stack s([](toml_config& c) { c.set_string("limits", "body_timeout", "1s"); });
    const std::string out = s.hostile(std::string("zero-window /fixture/index.html ") + reader::us);
    // The stream is reset (or the connection closed) once body_timeout passed without progress;
    // the client gives up at 20 s.
    CHECK((out.rfind("reset after", 0) == 0 || out.rfind("closed after", 0) == 0));
}

TEST_CASE("h2: the origin gets one HTTP/1.1 request: Host from :authority, cookies joined, Via 2",
          "[http2]") {
    h2_stack s;
    const std::string out =
        s.hostile(std::string("get /echo ") + reader::us + " cookie:a=1 cookie:b=2 x-trace:yes");
    REQUIRE(out.rfind("status 200", 0) == 0);
    const auto echo = parse_echo(out.substr(out.find('\n') + 1));
    CHECK(echo.request_line == "GET /echo HTTP/1.1");
    CHECK(echo.header("Host") == "site.test");
    CHECK(echo.count("Cookie") == 1);
    CHECK(echo.header("Cookie") == "a=1; b=2");
    CHECK(echo.header("X-Trace") == "yes");
    CHECK(echo.header("Via").find("2 geogate") != std::string::npos);
    CHECK(echo.header("X-Forwarded-Proto") == "http");
}

TEST_CASE("h2: request bodies stream to the origin whole, and too large is 413", "[http2]") {
    h2_stack s([](toml_config& c) { c.set("limits", "max_body_bytes", "300000"); });
    std::string out;
    REQUIRE(run("head -c 250000 /dev/urandom > " + s.file("up.bin") + " && sha256sum " +
                    s.file("up.bin"),
                out, s.dir) == 0);
    const std::string sha = out.substr(0, 64);
    const std::string up =
        s.curl("--http2 --data-binary @" + s.file("up.bin") +
               " -H \"X-Forwarded-For: " + reader::us + "\" " + s.url("/upload"));
    CAPTURE(up);
    CHECK(up.find("length 250000") != std::string::npos);
    CHECK(up.find("sha256 " + sha) != std::string::npos);
    REQUIRE(run("head -c 400000 /dev/zero > " + s.file("big.bin"), out, s.dir) == 0);
    const std::string big = s.curl("--http2 -o /dev/null -w \"%{http_code}\" --data-binary @" +
                                   s.file("big.bin") + " " + s.url("/upload"));
    CHECK(big == "413");
}

TEST_CASE("h2: SIGTERM sends GOAWAY, lets the stream in flight finish, then exits 0", "[http2]") {
    h2_stack s;
    const std::string result = s.file("slow.out");
    const std::string cmd = "(timeout 20 curl -sS --http2 --cacert " + s.file("site.crt") +
                            " --resolve site.test:" + std::to_string(s.https_port) + ":127.0.0.1 " +
                            "'" + s.url("/slow-header?ms=1500&h2drain") + "' > " + result +
                            " 2>&1; echo \"exit $?\" >> " + result + ") &";
    REQUIRE(std::system(cmd.c_str()) == 0);
    REQUIRE(eventually([&] { return s.stack->origin.received_contains("h2drain"); }));
    s.stack->proxy->process().send_signal(SIGTERM);
    CHECK(eventually([&] { return read_file(result).find("exit ") != std::string::npos; },
                     milliseconds(15000)));
    CHECK(read_file(result) == "slow\nexit 0\n");
    CHECK(s.stack->proxy->process().wait_exit(milliseconds(10000)) == std::optional<int>(0));
}

TEST_CASE("h2 over TLS: a connection outlives limits.header_timeout between requests", "[http2]") {
    // The TLS handshake runs under header_timeout; the h2 session must not inherit that
    // deadline (it closed every h2 connection 10 s after its handshake, mid-upload or not).
    h2_stack s([](toml_config& c) { c.set_string("limits", "header_timeout", "1s"); });
    const std::string out = s.hostile(
        std::string("tls-twice /fixture/index.html ") + reader::us + " 1.5", s.https_port);
    CHECK(out == "status 200\nstatus 200\n");
}
