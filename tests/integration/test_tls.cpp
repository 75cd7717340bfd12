// HTTPS termination with real TLS clients (curl, openssl s_client): certificates by SNI,
// TLS 1.2+ only with forward-secret AEAD ciphers, session resumption, HSTS, and certificates
// reloaded on SIGHUP without dropping the connections already open.
#include "tests/integration/support/stack.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace geogate::it;
using namespace std::chrono;

namespace {

// Runs a shell command (bounded by `timeout`), returns its exit code; output goes to `out`.
int run(const std::string& command, std::string& out, const temp_dir& dir) {
    auto file = dir.path() / "cmd.out";
    std::string full = "timeout 20 sh -c '" + command + "' >" + file.string() + " 2>&1 </dev/null";
    int rc = std::system(full.c_str());
    out = read_file(file);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 255;
}

// A self-signed certificate `name`.crt/.key for `host`; `san` overrides its subjectAltName
// ("IP:127.0.0.1").
void make_cert(const temp_dir& dir, const std::string& name, const std::string& host,
               const std::string& san = "") {
    std::string out;
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout " + name +
                      ".key -out " + name + ".crt -subj /CN=" + host +
                      " -addext subjectAltName=" + (san.empty() ? "DNS:" + host : san);
    REQUIRE(run("cd " + dir.path().string() + " && " + cmd, out, dir) == 0);
}

// The port of the proxy's https listener, 0 when it did not come up. Its "listening" event
// may come after the http one that geogate_process waits for.
unsigned short https_port_of(geogate_process& proxy) {
    auto found = proxy.process().wait_for_output(
        true,
        [](const std::string& log) -> std::optional<std::string> {
            auto p = listening_port(log, "https");
            return p ? std::optional<std::string>(std::to_string(p)) : std::nullopt;
        },
        milliseconds(15000));
    return found ? static_cast<unsigned short>(std::stoi(*found)) : 0;
}

struct tls_stack {
    temp_dir certs{"geogate-tls"};
    test_origin origin;
    std::unique_ptr<geogate_process> proxy;
    unsigned short https_port = 0;

    tls_stack() {
        make_cert(certs, "site", "site.test");
        make_cert(certs, "other", "other.test");
        auto c = default_config(origin.url());
        c.set("listen", "https", "[\"127.0.0.1:0\"]");
        c.set("tls", "certificates",
              "[{certificate = \"" + (certs.path() / "site.crt").string() + "\", private_key = \"" +
                  (certs.path() / "site.key").string() + "\"}, {certificate = \"" +
                  (certs.path() / "other.crt").string() + "\", private_key = \"" +
                  (certs.path() / "other.key").string() + "\"}]");
        c.set("tls", "hsts_max_age", "31536000");
        c.set("limits", "max_body_bytes", "16777216"); // the large upload below
        proxy = std::make_unique<geogate_process>(c);
        https_port = https_port_of(*proxy);
    }

    std::string curl(const std::string& host, const std::string& ca,
                     const std::string& extra = "") {
        std::string out;
        std::string p = std::to_string(https_port);
        // HTTP/1.1: these tests read its head; HTTP/2 over the same listener is test_http2.cpp.
        run("curl -sS -i --http1.1 --max-time 10 --cacert " + (certs.path() / ca).string() +
                " --resolve " + host + ":" + p + ":127.0.0.1 " + extra + " https://" + host + ":" +
                p + "/echo",
            out, certs);
        return out;
    }

    int s_client(const std::string& args, std::string& out) {
        return run("echo | openssl s_client -connect 127.0.0.1:" + std::to_string(https_port) +
                       " " + args,
                   out, certs);
    }
};

} // namespace

TEST_CASE("https: requests are served over TLS with the certificate chosen by SNI") {
    tls_stack s;
    REQUIRE(s.proxy->started());
    REQUIRE(s.https_port != 0);
    auto site = s.curl("site.test", "site.crt");
    CHECK(site.find("HTTP/1.1 200") != std::string::npos);
    CHECK(site.find("X-Forwarded-Proto: https") != std::string::npos); // origin saw the scheme
    CHECK(site.find("Strict-Transport-Security: max-age=31536000") != std::string::npos);
    // other.test is only valid with the second certificate: SNI must pick it.
    auto other = s.curl("other.test", "other.crt");
    CHECK(other.find("HTTP/1.1 200") != std::string::npos);
    // and the default certificate does not cover other.test (the check above could not pass by
    // luck)
    auto mismatch = s.curl("other.test", "site.crt");
    CHECK(mismatch.find("HTTP/1.1 200") == std::string::npos);
}

TEST_CASE("https: only TLS 1.2 and 1.3 with forward-secret AEAD ciphers") {
    tls_stack s;
    REQUIRE(s.https_port != 0);
    std::string out;
    // The control: a modern handshake works, so the refusals below are the server's.
    CHECK(s.s_client("-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -servername site.test", out) ==
          0);
    CHECK(out.find("ECDHE-RSA-AES128-GCM-SHA256") != std::string::npos);
    CHECK(s.s_client("-tls1_3 -servername site.test", out) == 0);
    // Old protocols (the client is told it may use them) and weak or non-forward-secret ciphers.
    CHECK(s.s_client("-tls1_1 -cipher DEFAULT:@SECLEVEL=0", out) != 0);
    CHECK(s.s_client("-tls1 -cipher DEFAULT:@SECLEVEL=0", out) != 0);
    for (const char* weak : {"AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA",
                             "DES-CBC3-SHA", "ECDHE-RSA-AES128-SHA256"}) {
        CAPTURE(weak);
        CHECK(s.s_client(std::string("-tls1_2 -cipher ") + weak + ":@SECLEVEL=0", out) != 0);
    }
}

TEST_CASE("https: sessions are resumed") {
    tls_stack s;
    REQUIRE(s.https_port != 0);
    std::string out;
    auto sess = (s.certs.path() / "session.pem").string();
    REQUIRE(s.s_client("-tls1_2 -servername site.test -sess_out " + sess, out) == 0);
    REQUIRE(s.s_client("-tls1_2 -servername site.test -sess_in " + sess, out) == 0);
    CHECK(out.find("Reused, TLSv1.2") != std::string::npos);
}

TEST_CASE("https: a certificate replaced on disk is served after SIGHUP") {
    tls_stack s;
    REQUIRE(s.https_port != 0);
    std::string out;
    REQUIRE(s.s_client("-servername site.test", out) == 0);
    auto serial = [&](const std::string& text) {
        auto at = text.find("-----BEGIN CERTIFICATE-----");
        return at == std::string::npos ? std::string() : text.substr(at, 200);
    };
    auto before = serial(out);
    make_cert(s.certs, "site", "site.test"); // new key and certificate in the same files
    kill(s.proxy->process().pid(), SIGHUP);
    bool changed = false;
    auto deadline = steady_clock::now() + seconds(10);
    while (!changed && steady_clock::now() < deadline) {
        REQUIRE(s.s_client("-servername site.test -showcerts", out) == 0);
        changed = !serial(out).empty() && serial(out) != before;
    }
    CHECK(changed);
    CHECK(s.curl("site.test", "site.crt").find("HTTP/1.1 200") != std::string::npos);
}

TEST_CASE("https: sslscan finds no weak protocol and only forward-secret AEAD ciphers") {
    tls_stack s;
    REQUIRE(s.https_port != 0);
    std::string out;
    REQUIRE(
        run("sslscan --no-colour --no-fallback --no-heartbleed --no-renegotiation --no-compression "
            "--sni-name=site.test 127.0.0.1:" +
                std::to_string(s.https_port),
            out, s.certs) == 0);
    INFO(out);
    for (const char* old :
         {"SSLv2     enabled", "SSLv3     enabled", "TLSv1.0   enabled", "TLSv1.1   enabled"})
        CHECK(out.find(old) == std::string::npos);
    CHECK(out.find("TLSv1.2   enabled") != std::string::npos);
    CHECK(out.find("TLSv1.3   enabled") != std::string::npos);
    // Every accepted cipher: ECDHE/DHE key exchange (or TLS 1.3) with GCM or ChaCha20-Poly1305.
    std::istringstream lines(out);
    std::string line;
    int accepted = 0;
    while (std::getline(lines, line)) {
        if (line.rfind("Accepted", 0) != 0 && line.rfind("Preferred", 0) != 0)
            continue;
        ++accepted;
        CAPTURE(line);
        bool tls13 = line.find("TLSv1.3") != std::string::npos;
        bool fs = tls13 || line.find("ECDHE-") != std::string::npos ||
                  line.find("DHE-") != std::string::npos;
        bool aead =
            line.find("GCM") != std::string::npos || line.find("CHACHA20") != std::string::npos;
        CHECK(fs);
        CHECK(aead);
    }
    CHECK(accepted >= 3);
}

TEST_CASE("https: a large download to a slow reader and a large upload arrive whole") {
    // A reader with a small window that reads slowly makes the kernel refuse TLS records again
    // and again: they must wait and go out in order, none lost or repeated.
    tls_stack s;
    REQUIRE(s.https_port != 0);
    // More than the kernel buffers on both ends hold (tcp_wmem max is 4 MiB on Debian 12).
    const std::string bytes = std::to_string(6 * 1024 * 1024);
    std::string direct, slow, upload, out;
    REQUIRE(run("curl -sS --max-time 15 http://127.0.0.1:" + std::to_string(s.origin.port()) +
                    "/huge?bytes=" + bytes + " | sha256sum",
                direct, s.certs) == 0);
    REQUIRE(direct.size() > 64);
    REQUIRE(run("/usr/bin/python3 " + std::string(GEOGATE_SOURCE_DIR) +
                    "/tests/integration/tls/slow_tls_reader.py " + std::to_string(s.https_port) +
                    " site.test " + (s.certs.path() / "site.crt").string() +
                    " /huge?bytes=" + bytes,
                slow, s.certs) == 0);
    CHECK(slow == "status 200 length " + bytes + " sha256 " + direct.substr(0, 64) + "\n");
    // The other way: 6 MiB up, as the origin counted and hashed it.
    const std::string up_bytes = std::to_string(6 * 1024 * 1024);
    const std::string up = (s.certs.path() / "up.bin").string();
    REQUIRE(run("head -c " + up_bytes + " /dev/urandom > " + up + " && sha256sum " + up, out,
                s.certs) == 0);
    const std::string sent_hash = out.substr(0, 64);
    const std::string p = std::to_string(s.https_port);
    REQUIRE(run("curl -sS --http1.1 --max-time 15 --data-binary @" + up + " --cacert " +
                    (s.certs.path() / "site.crt").string() + " --resolve site.test:" + p +
                    ":127.0.0.1 https://site.test:" + p + "/upload",
                upload, s.certs) == 0);
    INFO(upload);
    CHECK(upload.find("length " + up_bytes + "\nsha256 " + sent_hash) != std::string::npos);
}

TEST_CASE("https origin: geogate checks the origin's certificate by name or address") {
    // geogate (http) -> origin over https, which here is a second geogate with a certificate
    // for 127.0.0.1 (IP SAN) and one for localhost, in front of the test origin. The trusted
    // roots are SSL_CERT_FILE (OpenSSL's default verify paths), set for the first geogate only.
    temp_dir certs{"geogate-tls-origin"};
    make_cert(certs, "by-ip", "127.0.0.1", "IP:127.0.0.1");
    make_cert(certs, "by-name", "localhost");
    make_cert(certs, "stranger", "elsewhere.test");
    // A decoy that the origin picks for SNI "127.0.0.1" (a DNS name, not an address): SNI may
    // not carry an address (RFC 6066 3), so geogate must not send one and gets the default.
    make_cert(certs, "decoy", "127.0.0.1");
    test_origin origin;
    auto front = [&](const std::string& cert) {
        auto c = default_config(origin.url());
        c.set("listen", "https", "[\"127.0.0.1:0\"]");
        std::string list;
        for (const std::string& name : {cert, std::string("decoy")})
            list += std::string(list.empty() ? "" : ", ") + "{certificate = \"" +
                    (certs.path() / (name + ".crt")).string() + "\", private_key = \"" +
                    (certs.path() / (name + ".key")).string() + "\"}";
        c.set("tls", "certificates", "[" + list + "]");
        return std::make_unique<geogate_process>(c);
    };
    auto get_through = [&](const std::string& origin_url, const std::string& trusted) {
        setenv("SSL_CERT_FILE", (certs.path() / (trusted + ".crt")).string().c_str(), 1);
        geogate_process proxy(default_config(origin_url));
        unsetenv("SSL_CERT_FILE");
        REQUIRE(proxy.started());
        raw_client c(proxy.port());
        c.send("GET /echo HTTP/1.1\r\nHost: news.test\r\nConnection: close\r\n\r\n");
        return c.read_response();
    };
    auto by_ip = front("by-ip");
    auto by_name = front("by-name");
    const auto ip_port = std::to_string(https_port_of(*by_ip));
    const auto name_port = std::to_string(https_port_of(*by_name));
    REQUIRE(ip_port != "0");
    REQUIRE(name_port != "0");

    auto ok_ip = get_through("https://127.0.0.1:" + ip_port, "by-ip");
    CHECK(ok_ip.status == 200);
    CHECK(ok_ip.body.find("request GET /echo HTTP/1.1") != std::string::npos);
    auto ok_name = get_through("https://localhost:" + name_port, "by-name");
    CHECK(ok_name.status == 200);
    CHECK(ok_name.body.find("request GET /echo HTTP/1.1") != std::string::npos);

    // The certificate is trusted but names someone else; or it is not trusted at all.
    CHECK(get_through("https://127.0.0.1:" + name_port, "by-name").status == 502);
    CHECK(get_through("https://localhost:" + ip_port, "by-ip").status == 502);
    CHECK(get_through("https://127.0.0.1:" + ip_port, "stranger").status == 502);
}

TEST_CASE("https: a body sent one byte per TLS record is read whole and the proxy stays up") {
    // 300,000 records of one byte each, all at once: every SSL_read completes without waiting.
    // Completing them one inside the other nested a call chain per record until the stack
    // overflowed and geogate died (found by this test's client, fixed in tls_stream's io_op).
    tls_stack s;
    REQUIRE(s.https_port != 0);
    std::string out;
    REQUIRE(run("/usr/bin/python3 " + std::string(GEOGATE_SOURCE_DIR) +
                    "/tests/integration/tls/tiny_records.py " + std::to_string(s.https_port) +
                    " site.test 300000",
                out, s.certs) == 0);
    CHECK(out == "HTTP/1.1 200 OK\n");
    CHECK_FALSE(s.proxy->process().wait_exit(milliseconds(0)).has_value()); // still running
    CHECK(s.curl("site.test", "site.crt").find("HTTP/1.1 200") != std::string::npos);
}
