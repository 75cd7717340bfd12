// load_config(): defaults, derived fields, relative paths, and file:line:column errors.
#include "proxy/config/config.hpp"
#include "tests/unit/proxy/config/config_test_support.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace geogate;
using namespace geogate::config_test;
namespace fs = std::filesystem;

namespace {

boost::asio::ip::tcp::endpoint endpoint(const char* address, unsigned short port) {
    return {boost::asio::ip::make_address(address), port};
}

} // namespace

TEST_CASE("config: a full file loads with derived fields and absolute paths") {
    temp_config t(R"(threads = 4
[listen]
http = ["127.0.0.1:0", "[::1]:8080"]
https = ["0.0.0.0:8443"]
admin = "127.0.0.1:9090"
[tls]
certificate = "tls/cert.pem"
private_key = "/etc/key.pem"
hsts_max_age = "1h"
[origin]
url = "https://Origin.Example:8443/base/"
connect_timeout = "250ms"
preserve_host = false
forward_underscore_headers = true
[client_ip]
trusted_proxies = ["127.0.0.0/8", "::1"]
header = "Forwarded"
region_header = "X-Geo-Region"
[geoip]
databases = ["db/city.mmdb"]
[rules]
files = ["rules/*.toml"]
[notices]
require_approval = false
on_unrewritable = "notice"
[limits]
max_header_bytes = "64KiB"
max_header_fields = 250
max_body_bytes = 1048576
header_timeout = "5s"
[cache]
shared_cache_keys_on_variant = true
[log]
access = "logs/access.log"
client_ip = "none"
[reload]
watch_files = true
watch_interval = "1m"
)");
    diagnostics d;
    auto c = load_config(t.file, d);
    INFO(all(d));
    REQUIRE(c);
    CHECK(d.empty());
    CHECK(c->threads == 4);
    REQUIRE(c->listen.http.size() == 2);
    CHECK(c->listen.http[0].text == "127.0.0.1:0");
    CHECK(c->listen.http[0].endpoint == endpoint("127.0.0.1", 0));
    CHECK(c->listen.http[1].endpoint == endpoint("::1", 8080));
    REQUIRE(c->listen.https.size() == 1);
    CHECK(c->listen.https[0].endpoint == endpoint("0.0.0.0", 8443));
    REQUIRE(c->listen.admin);
    CHECK(c->listen.admin->text == "127.0.0.1:9090");
    CHECK(c->listen.admin->endpoint == endpoint("127.0.0.1", 9090));
    REQUIRE(c->tls);
    CHECK(c->tls->certificates.at(0).certificate == (t.dir / "tls/cert.pem").string());
    CHECK(c->tls->certificates.at(0).private_key == "/etc/key.pem");
    CHECK(c->tls->hsts_max_age == std::chrono::seconds(3600));
    CHECK(c->origin.tls);
    CHECK(c->origin.host == "origin.example");
    CHECK(c->origin.port == "8443");
    CHECK(c->origin.base_path == "/base");
    CHECK(c->origin.host_header == "origin.example:8443");
    CHECK_FALSE(c->origin.preserve_host);
    CHECK(c->origin.forward_underscore_headers);
    CHECK(c->origin.connect_timeout == std::chrono::milliseconds(250));
    CHECK(c->client_ip.policy.trusted_proxies.size() == 2);
    CHECK(c->client_ip.policy.kind == geoip::forwarding_header_kind::forwarded);
    CHECK(c->client_ip.region_header == "X-Geo-Region");
    CHECK(c->geoip.databases.at(0) == (t.dir / "db/city.mmdb").string());
    CHECK(c->rule_files.at(0) == (t.dir / "rules/*.toml").string());
    CHECK(c->notices.dir == (t.dir / "notices").string());
    CHECK_FALSE(c->notices.require_approval);
    CHECK(c->notices.on_unrewritable == unrewritable_answer::notice);
    CHECK(c->limits.max_header_bytes == 65536);
    CHECK(c->limits.max_header_fields == 250);
    CHECK(c->limits.max_body_bytes == 1048576);
    CHECK(c->limits.header_timeout == std::chrono::milliseconds(5000));
    CHECK(c->cache.shared_cache_keys_on_variant);
    CHECK(c->log.access == (t.dir / "logs/access.log").string());
    CHECK(c->log.client_ip == client_ip_logging::none);
    CHECK(c->log.error == "-");
    CHECK(c->reload.watch_interval == std::chrono::milliseconds(60000));
    CHECK(c->base_dir == t.dir);
}

TEST_CASE("config: defaults for a minimal file") {
    temp_config t("[listen]\nhttp = [\"127.0.0.1:8080\"]\n");
    diagnostics d;
    auto c = load_config(t.file, d);
    INFO(all(d));
    REQUIRE(c);
    CHECK(c->origin.host == "127.0.0.1");
    CHECK(c->origin.port == "8000");
    CHECK(c->origin.host_header == "127.0.0.1:8000");
    CHECK(c->origin.base_path.empty());
    CHECK(c->log.client_ip == client_ip_logging::truncate);
    CHECK_FALSE(c->listen.admin);
    CHECK(c->notices.on_unrewritable == unrewritable_answer::error);
    CHECK(c->client_ip.policy.kind == geoip::forwarding_header_kind::x_forwarded_for);
    // Issue 14: what a careful operator would choose.
    CHECK(c->limits.max_body_bytes == 1048576);
    CHECK(c->limits.max_header_fields == 100);
    CHECK_FALSE(c->origin.forward_underscore_headers);
}

TEST_CASE("config: every mistake is reported at file:line:column") {
    struct row {
        const char* what;
        std::string text;
        std::uint32_t line, column;
        const char* message_part;
    };
    const std::string L = "[listen]\nhttp = [\"127.0.0.1:8080\"]\n";
    const row rows[] = {
        {"unknown table", L + "[orign]\nurl = \"http://x\"\n", 3, 2, "unknown key 'orign'"},
        {"unknown key", L + "[origin]\nulr = \"http://x\"\n", 4, 1,
         "unknown key 'ulr' in [origin]"},
        {"bad listen address", "[listen]\nhttp = [\"localhost:80\"]\n", 2, 9,
         "expected a listen address"},
        {"second listen address", "[listen]\nhttp = [\"127.0.0.1:80\", \"[::1]:80:80\"]\n", 2, 25,
         "found \"[::1]:80:80\""},
        {"bare IPv6 listen address", "[listen]\nhttp = [\"::1:80\"]\n", 2, 9,
         "(IP literal and port)"},
        {"listen port of six digits", "[listen]\nhttp = [\"127.0.0.1:000080\"]\n", 2, 9,
         "expected a listen address"},
        {"listen port too large", "[listen]\nhttp = [\"127.0.0.1:65536\"]\n", 2, 9,
         "expected a listen address"},
        {"bad https address", L + "https = [\"[127.0.0.1]:8443\"]\n", 3, 10,
         "expected a listen address"},
        {"bad admin address", L + "admin = \"localhost:9090\"\n", 3, 9,
         "expected a listen address like \"127.0.0.1:9090\" for 'admin'"},
        {"https without tls", "[listen]\nhttps = [\"0.0.0.0:8443\"]\n", 2, 9, "needs a [tls]"},
        {"origin scheme", L + "[origin]\nurl = \"ftp://x\"\n", 4, 7,
         "expected an http:// or https://"},
        {"origin userinfo", L + "[origin]\nurl = \"http://u@x\"\n", 4, 7, "without user"},
        {"duration", L + "[origin]\nconnect_timeout = 2\n", 4, 19, "expected a duration"},
        {"zero duration", L + "[limits]\nheader_timeout = \"0s\"\n", 4, 18, "above zero"},
        {"size", L + "[limits]\nmax_header_bytes = \"lots\"\n", 4, 20, "expected a size"},
        {"cidr", L + "[client_ip]\ntrusted_proxies = [\"10.0.0.0/33\"]\n", 4, 20,
         "expected an address or CIDR"},
        {"log.client_ip", L + "[log]\nclient_ip = \"partial\"\n", 4, 13,
         "expected log.client_ip \"truncate\", \"full\" or \"none\""},
        {"notices.on_unrewritable", L + "[notices]\non_unrewritable = \"pass\"\n", 4, 19,
         "expected notices.on_unrewritable \"error\" or \"notice\""},
        {"threads type", "threads = \"4\"\n" + L, 1, 11, "expected integer for key 'threads'"},
        {"tls without key", L + "[tls]\ncertificate = \"c.pem\"\n", 3, 1,
         "needs both certificate and private_key"},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        temp_config t(r.text);
        diagnostics d;
        auto c = load_config(t.file, d);
        INFO(all(d));
        CHECK_FALSE(c);
        bool found = false;
        for (const auto& x : d)
            if (x.file == t.file.string() && x.where.line == r.line && x.where.column == r.column &&
                x.message.find(r.message_part) != std::string::npos)
                found = true;
        CHECK(found);
    }
}

TEST_CASE("config: log.client_ip is the enum the logs use, mapped by the loader") {
    const std::pair<const char*, client_ip_logging> rows[] = {
        {"truncate", client_ip_logging::truncate},
        {"full", client_ip_logging::full},
        {"none", client_ip_logging::none},
    };
    for (const auto& [text, mode] : rows) {
        INFO(text);
        temp_config t(std::string("[listen]\nhttp = [\"127.0.0.1:8080\"]\n[log]\nclient_ip = \"") +
                      text + "\"\n");
        diagnostics d;
        auto c = load_config(t.file, d);
        INFO(all(d));
        REQUIRE(c);
        CHECK(c->log.client_ip == mode);
    }
    // Case matters, as for every other enumerated value in the file.
    temp_config t("[listen]\nhttp = [\"127.0.0.1:8080\"]\n[log]\nclient_ip = \"Full\"\n");
    diagnostics d;
    CHECK_FALSE(load_config(t.file, d));
    CHECK(has_errors(d));
}

TEST_CASE("config: listen addresses are endpoints, an empty admin is no admin listener") {
    temp_config t("[listen]\nhttp = [\"[fe80::1%1]:80\", \"0.0.0.0:65535\"]\nadmin = \"\"\n");
    diagnostics d;
    auto c = load_config(t.file, d);
    INFO(all(d));
    REQUIRE(c);
    REQUIRE(c->listen.http.size() == 2);
    CHECK(c->listen.http[0].endpoint.address().is_v6());
    CHECK(c->listen.http[0].endpoint.port() == 80);
    CHECK(c->listen.http[1].endpoint == endpoint("0.0.0.0", 65535));
    CHECK(c->listen.https.empty());
    CHECK_FALSE(c->listen.admin);
}

TEST_CASE("config: a syntax error or a missing file is one clear diagnostic") {
    temp_config t("[listen\nhttp = 1\n");
    diagnostics d;
    CHECK_FALSE(load_config(t.file, d));
    REQUIRE(d.size() == 1);
    CHECK(d[0].where.line == 1);
    diagnostics d2;
    CHECK_FALSE(load_config("/nonexistent/geogate.toml", d2));
    REQUIRE(d2.size() == 1);
    CHECK(d2[0].message.find("cannot open") != std::string::npos);
}

TEST_CASE("config: [cache] variant keys and [compression] levels, with their defaults") {
    const std::string L = "[listen]\nhttp = [\"127.0.0.1:8080\"]\n";
    {
        temp_config t(L);
        diagnostics d;
        auto c = load_config(t.file, d);
        INFO(all(d));
        REQUIRE(c);
        CHECK(c->cache.variants);
        CHECK(c->cache.max_bytes == 256ull << 20);
        CHECK(c->cache.max_entry_bytes == 8ull << 20);
        CHECK(c->cache.variant_gzip_level == 9);
        CHECK(c->cache.variant_brotli_quality == 11);
        CHECK(c->compression.gzip_level == 5);
        CHECK(c->compression.brotli_quality == 5);
    }
    temp_config t(L + "[cache]\nvariants = false\nmax_bytes = \"1GiB\"\nmax_entry_bytes = 65536\n"
                      "variant_gzip_level = 1\nvariant_brotli_quality = 4\n"
                      "[compression]\ngzip_level = 9\nbrotli_quality = 0\n");
    diagnostics d;
    auto c = load_config(t.file, d);
    INFO(all(d));
    REQUIRE(c);
    CHECK_FALSE(c->cache.variants);
    CHECK(c->cache.max_bytes == 1ull << 30);
    CHECK(c->cache.max_entry_bytes == 65536);
    CHECK(c->cache.variant_gzip_level == 1);
    CHECK(c->cache.variant_brotli_quality == 4);
    CHECK(c->compression.gzip_level == 9);
    CHECK(c->compression.brotli_quality == 0);
}

TEST_CASE("config: a [cache] or [compression] value out of range names file:line:column") {
    struct row {
        const char* what;
        std::string text;
        std::uint32_t line, column;
        const char* message_part;
    };
    const std::string L = "[listen]\nhttp = [\"127.0.0.1:8080\"]\n";
    const row rows[] = {
        {"variants type", L + "[cache]\nvariants = \"yes\"\n", 4, 12, "'variants'"},
        {"max_bytes", L + "[cache]\nmax_bytes = \"lots\"\n", 4, 13, "expected a size"},
        {"max_bytes negative", L + "[cache]\nmax_bytes = -1\n", 4, 13, "'max_bytes'"},
        {"max_entry_bytes", L + "[cache]\nmax_entry_bytes = \"8 MB\"\n", 4, 19, "expected a size"},
        {"variant_gzip_level 0", L + "[cache]\nvariant_gzip_level = 0\n", 4, 22,
         "expected an integer from 1 to 9 for key 'variant_gzip_level', found 0"},
        {"variant_gzip_level 10", L + "[cache]\nvariant_gzip_level = 10\n", 4, 22, "from 1 to 9"},
        {"variant_brotli_quality 12", L + "[cache]\nvariant_brotli_quality = 12\n", 4, 26,
         "expected an integer from 0 to 11 for key 'variant_brotli_quality', found 12"},
        {"variant level as a string", L + "[cache]\nvariant_gzip_level = \"9\"\n", 4, 22,
         "expected integer for key 'variant_gzip_level'"},
        {"gzip_level", L + "[compression]\ngzip_level = 0\n", 4, 14,
         "expected an integer from 1 to 9 for key 'gzip_level'"},
        {"brotli_quality", L + "[compression]\nbrotli_quality = -1\n", 4, 18,
         "expected an integer from 0 to 11 for key 'brotli_quality'"},
        {"unknown compression key", L + "[compression]\nzstd_level = 3\n", 4, 1,
         "unknown key 'zstd_level' in [compression]"},
        {"unknown cache key", L + "[cache]\nmax_entries = 3\n", 4, 1,
         "unknown key 'max_entries' in [cache]"},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        temp_config t(r.text);
        diagnostics d;
        auto c = load_config(t.file, d);
        INFO(all(d));
        CHECK_FALSE(c);
        bool found = false;
        for (const auto& x : d)
            if (x.file == t.file.string() && x.where.line == r.line && x.where.column == r.column &&
                x.message.find(r.message_part) != std::string::npos)
                found = true;
        CHECK(found);
    }
}
