// The admin listener through the real proxy: health, readiness, Prometheus metrics families,
// and /preview (the page as a reader in a region sees it).
#include "tests/integration/support/geo_fixture.hpp"

#include <catch2/catch.hpp>

using namespace geogate::it;

namespace {

const char* const rules = R"(
[[rule]]
name = "ru-notice"
regions = ["RU"]
action = "notice"
notice = "legal"

[[rule]]
name = "us-mirror"
regions = ["US"]
action = "redirect"
mirrors = ["https://mirror-a.example.net"]
)";

} // namespace

TEST_CASE("/healthz and /readyz answer: /readyz follows the origin", "[admin]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto health = admin_get(s.admin_port(), "/healthz");
    CHECK(health.status == 200);
    CHECK(health.body == "ok\n");
    CHECK(admin_get(s.admin_port(), "/readyz").status == 200);
    CHECK(admin_get(s.admin_port(), "/nothing-here").status == 404);
    // The admin listener is not the reader's: the proxy listener forwards /healthz to the origin.
    CHECK(round_trip(s.port(), reader_get("/healthz", reader::us)).status != 200);
}

TEST_CASE("/metrics has requests by decision and rule, notices injected, redirects, reloads",
          "[admin]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto page = round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow));
    REQUIRE(page.status == 200);
    const std::string version = notice_attribute(page.body, "data-geogate-version");
    REQUIRE(round_trip(s.port(), reader_get("/x", reader::us)).status == 302);
    REQUIRE(round_trip(s.port(), reader_get("/echo", reader::ua_kyiv)).status == 200);
    REQUIRE(admin_post(s.admin_port(), "/reload").status == 200);
    std::string m;
    // Records reach the metrics as each request ends; poll, bounded.
    CHECK(eventually([&] {
        m = admin_get(s.admin_port(), "/metrics").body;
        return metric_value(
                   m, "geogate_redirects_total{mirror=\"https://mirror-a.example.net\"}") == 1;
    }));
    CHECK(admin_get(s.admin_port(), "/metrics").header("Content-Type").find("text/plain") == 0);
    CHECK(metric_value(
              m, "geogate_requests_total{decision=\"notice\",rule=\"ru-notice\",status=\"2xx\"}") ==
          1);
    CHECK(
        metric_value(
            m, "geogate_requests_total{decision=\"redirect\",rule=\"us-mirror\",status=\"3xx\"}") ==
        1);
    CHECK(metric_value(m, "geogate_requests_total{decision=\"pass\",rule=\"\",status=\"2xx\"}") >=
          1);
    CHECK(metric_value(m, "geogate_notices_injected_total{notice=\"legal\",version=\"" + version +
                              "\"}") == 1);
    CHECK(metric_value(m, "geogate_reloads_total{result=\"ok\"}") == 1);
    CHECK(metric_value(m, "geogate_reloads_total{result=\"failed\"}") == 0);
    CHECK(m.find("# TYPE geogate_requests_total counter") != std::string::npos);
    CHECK(m.find("geogate_geoip_build_epoch_seconds{") != std::string::npos);
}

TEST_CASE("/preview shows the page as a reader in the region sees it", "[admin]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto ru = admin_get(s.admin_port(), "/preview?region=RU&url=/fixture/index.html");
    CHECK(ru.status == 200);
    CHECK(notice_attribute(ru.body, "data-geogate-notice") == "legal");
    CHECK(notice_attribute(ru.body, "lang") == "ru");
    const auto uk = admin_get(s.admin_port(), "/preview?region=RU&url=/fixture/index.html&lang=uk");
    CHECK(notice_attribute(uk.body, "lang") == "uk");
    const auto de = admin_get(s.admin_port(), "/preview?region=DE&url=/fixture/index.html");
    CHECK(de.status == 200);
    CHECK(de.body == fixture_content("index.html"));
    CHECK(admin_get(s.admin_port(), "/preview?region=Russia&url=/fixture/index.html").status ==
          400);
    CHECK(admin_get(s.admin_port(), "/preview?region=RU&url=http://evil.example/").status == 400);
}

TEST_CASE("a reader cannot use the preview header to choose a region", "[admin]") {
    geo_stack s(rules);
    REQUIRE(s.proxy->started());
    const auto res =
        round_trip(s.port(), reader_get("/fixture/index.html", reader::us,
                                        "X-Geogate-Preview: token=guess; region=RU\r\n"));
    CHECK(res.status == 302); // still the US reader's redirect
}
