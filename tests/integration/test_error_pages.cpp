// Error pages geogate writes itself are small HTML and reveal nothing internal: no addresses,
// ports, paths, library names or error strings.
#include "tests/integration/support/stack.hpp"

#include <catch2/catch.hpp>

using namespace geogate::it;

namespace {

void check_page(const http_response& res, int status, const std::string& origin_port) {
    CHECK(res.status == status);
    CHECK(res.complete);
    CHECK(res.header("Content-Type").rfind("text/html", 0) == 0);
    CHECK(res.body.size() < 2048);
    CHECK(res.body.find("<html") != std::string::npos);
    CHECK(res.body.find(std::to_string(status)) != std::string::npos);
    for (const std::string& secret :
         {std::string("127.0.0.1"), ":" + origin_port, std::string("boost"), std::string("asio"),
          std::string("beast"), std::string("errno"), std::string("refused"), std::string("std::"),
          std::string("/tmp/"), std::string("geogate.toml"), std::string("system:")}) {
        CAPTURE(secret);
        CHECK(res.body.find(secret) == std::string::npos);
    }
}

} // namespace

TEST_CASE("gateway error pages are small HTML without internal detail") {
    const unsigned short dead = closed_port();
    {
        geogate_process proxy(default_config("http://127.0.0.1:" + std::to_string(dead)));
        REQUIRE(proxy.started());
        INFO("502 for a refused upstream connection");
        check_page(round_trip(proxy.port(), get_request("/")), 502, std::to_string(dead));
    }
    stack s([](toml_config& c) {
        c.set_string("origin", "response_timeout", "300ms");
        c.set("limits", "max_request_line", "1024");
        c.set("limits", "max_header_bytes", "4096");
    });
    REQUIRE(s.proxy.started());
    const std::string port = std::to_string(s.origin.port());
    {
        INFO("504 for a slow origin");
        check_page(round_trip(s.proxy.port(), get_request("/slow-header?ms=2000")), 504, port);
    }
    {
        INFO("502 for bad origin framing");
        check_page(round_trip(s.proxy.port(), get_request("/bad/two-cl")), 502, port);
    }
    {
        INFO("400 for a bad request");
        check_page(round_trip(s.proxy.port(), "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400,
                   port);
    }
    {
        INFO("414 for a long request line");
        check_page(round_trip(s.proxy.port(), get_request("/" + std::string(2000, 'x'))), 414,
                   port);
    }
    {
        INFO("431 for a large header block");
        check_page(round_trip(s.proxy.port(),
                              get_request("/", "X-Big: " + std::string(5000, 'y') + "\r\n")),
                   431, port);
    }
}

TEST_CASE("origin error responses pass through unchanged, not replaced by geogate's pages") {
    stack s;
    REQUIRE(s.proxy.started());
    for (int code : {404, 500, 503}) {
        CAPTURE(code);
        const auto res = round_trip(s.proxy.port(), get_request("/status/" + std::to_string(code)));
        CHECK(res.status == code);
        CHECK(res.body == "status " + std::to_string(code) + "\n");
    }
}
