// Parse tables for the request-target split (what rules match and what goes upstream), the Host
// normalisation rules match against, and listener addresses from the config.
#include "proxy/config/listen_address.hpp"
#include "proxy/http/request_target.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

using namespace geogate;

TEST_CASE("request target: split", "[proxy][target]") {
    struct row {
        const char* target;
        const char* authority;
        const char* path;
        const char* query;
        bool has_query;
        const char* origin_form;
    };
    const row table[] = {
        {"/", "", "/", "", false, "/"},
        {"/a/b", "", "/a/b", "", false, "/a/b"},
        {"/a?b=c", "", "/a", "b=c", true, "/a?b=c"},
        {"/a?", "", "/a", "", true, "/a?"},
        {"/a?b?c", "", "/a", "b?c", true, "/a?b?c"},
        {"/a#frag", "", "/a", "", false, "/a"},
        {"/a?b#frag?x", "", "/a", "b", true, "/a?b"},
        {"/?", "", "/", "", true, "/?"},
        {"?q", "", "/", "q", true, "/?q"},
        {"//evil.example/x", "", "//evil.example/x", "", false, "//evil.example/x"},
        {"/x://y", "", "/x://y", "", false, "/x://y"},
        {"/r?u=http://h/", "", "/r", "u=http://h/", true, "/r?u=http://h/"},
        {"http://h.example/x?y", "h.example", "/x", "y", true, "/x?y"},
        {"HTTP://H.example/x", "H.example", "/x", "", false, "/x"},
        {"https://h.example:8443", "h.example:8443", "/", "", false, "/"},
        {"http://h.example?q=1", "h.example", "/", "q=1", true, "/?q=1"},
        {"http://h.example#f", "h.example", "/", "", false, "/"},
        {"http://[2001:db8::1]:80/p", "[2001:db8::1]:80", "/p", "", false, "/p"},
        {"http://h.example//evil/x", "h.example", "//evil/x", "", false, "//evil/x"},
        {"*", "", "*", "", false, "*"},
        {"", "", "/", "", false, "/"},
    };
    for (const auto& r : table) {
        INFO(r.target);
        auto t = split_request_target(r.target);
        CHECK(t.authority == r.authority);
        CHECK(t.path == r.path);
        CHECK(t.query == r.query);
        CHECK(t.has_query == r.has_query);
        CHECK(t.origin_form() == r.origin_form);
    }
}

TEST_CASE("request target: normalize_host", "[proxy][target]") {
    struct row {
        const char* in;
        const char* out;
    };
    const row table[] = {
        {"example.com", "example.com"},
        {"Example.COM", "example.com"},
        {"example.com:8080", "example.com"},
        {"example.com.", "example.com"},
        {"EXAMPLE.com.:443", "example.com"},
        {"192.0.2.1:80", "192.0.2.1"},
        {"[::1]", "[::1]"},
        {"[::1]:8443", "[::1]"},
        {"[2001:DB8::A]:80", "[2001:db8::a]"},
        {"", ""},
        {"localhost", "localhost"},
    };
    for (const auto& r : table) {
        INFO(r.in);
        CHECK(normalize_host(r.in) == r.out);
    }
}

TEST_CASE("listen address: parse", "[proxy][listen]") {
    struct row {
        const char* text;
        std::optional<std::string> address; // nullopt = refused
        unsigned short port;
    };
    const row table[] = {
        {"127.0.0.1:8080", "127.0.0.1", 8080},
        {"0.0.0.0:0", "0.0.0.0", 0},
        {"0.0.0.0:65535", "0.0.0.0", 65535},
        {"127.0.0.1:0080", "127.0.0.1", 80},
        {"[::1]:8443", "::1", 8443},
        {"[::]:80", "::", 80},
        {"[2001:db8::1]:1", "2001:db8::1", 1},
        {"[::ffff:192.0.2.1]:80", "::ffff:192.0.2.1", 80},
        {"127.0.0.1:65536", std::nullopt, 0},
        {"127.0.0.1:99999999999999999999", std::nullopt, 0},
        {"127.0.0.1:-1", std::nullopt, 0},
        {"127.0.0.1:+80", std::nullopt, 0},
        {"127.0.0.1:80x", std::nullopt, 0},
        {"127.0.0.1: 80", std::nullopt, 0},
        {"127.0.0.1:", std::nullopt, 0},
        {"127.0.0.1", std::nullopt, 0},
        {":80", std::nullopt, 0},
        {"", std::nullopt, 0},
        {"localhost:80", std::nullopt, 0},
        {"example.com:80", std::nullopt, 0},
        {"1.2.3:80", std::nullopt, 0},
        {"256.0.0.1:80", std::nullopt, 0},
        {" 127.0.0.1:80", std::nullopt, 0},
        {"::1:80", std::nullopt, 0},
        {"[::1]", std::nullopt, 0},
        {"[::1]80", std::nullopt, 0},
        {"[::1]:", std::nullopt, 0},
        {"[::1:80", std::nullopt, 0},
        {"[]:80", std::nullopt, 0},
        {"[127.0.0.1]:80", std::nullopt, 0},
        {"[::1]:80:80", std::nullopt, 0},
    };
    for (const auto& r : table) {
        INFO(r.text);
        auto ep = parse_listen_address(r.text);
        REQUIRE(ep.has_value() == r.address.has_value());
        if (ep) {
            CHECK(ep->address().to_string() == *r.address);
            CHECK(ep->port() == r.port);
        }
    }
}
