// `geogate lookup` output: the region, the database and its build date, as text or JSON.
#include "geoip/lookup_report.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>

using namespace geogate::geoip;
namespace ip = boost::asio::ip;

namespace {

std::shared_ptr<const geo_provider> provider() {
    geo_config cfg;
    cfg.databases = {
        (std::filesystem::path(GEOGATE_TEST_DB_DIR) / "geogate-city-geoip2.mmdb").string()};
    cfg.anonymous_ip_database =
        (std::filesystem::path(GEOGATE_TEST_DB_DIR) / "geogate-anonymous-ip.mmdb").string();
    auto p = geo_provider::open(cfg);
    REQUIRE(p);
    return *p;
}

} // namespace

TEST_CASE("build dates are UTC ISO 8601") {
    CHECK(format_build_date(1700000000) == "2023-11-14T22:13:20Z");
    CHECK(format_build_date(0) == "1970-01-01T00:00:00Z");
}

TEST_CASE("text report: region, flags, database and build date") {
    auto p = provider();
    auto text =
        format_lookup("198.51.100.17", p->lookup(ip::make_address("198.51.100.17")), *p, false);
    CHECK(text.starts_with("198.51.100.17: RU UA-40 anonymous tor\n"));
    CHECK(text.find("geogate-city-geoip2.mmdb (GeoIP2-City, built 2023-11-14T22:13:20Z)") !=
          text.npos);
    CHECK(text.find("GeoIP2-Anonymous-IP") != text.npos);
    CHECK(format_lookup("10.1.1.1", p->lookup(ip::make_address("10.1.1.1")), *p, false)
              .starts_with("10.1.1.1: unknown\n"));
    CHECK(format_lookup("nonsense", p->lookup(std::optional<ip::address>{}), *p, false)
              .starts_with("nonsense: unknown (not an IP address)\n"));
}

TEST_CASE("JSON report parses and carries the same facts") {
    auto p = provider();
    auto out = format_lookup("198.51.100.1", p->lookup(ip::make_address("198.51.100.1")), *p, true);
    CHECK(out.back() == '\n');
    auto v = boost::json::parse(out).as_object();
    CHECK(v.at("ip").as_string() == "198.51.100.1");
    CHECK(v.at("found").as_bool());
    CHECK(v.at("country").as_string() == "UA");
    CHECK(v.at("subdivisions").as_array().at(0).as_string() == "UA-40");
    CHECK(v.at("regions").as_array().size() == 2);
    CHECK(v.at("anonymizer").as_object().at("vpn").as_bool());
    const auto& dbs = v.at("databases").as_array();
    REQUIRE(dbs.size() == 2);
    CHECK(dbs.at(0).as_object().at("type").as_string() == "GeoIP2-City");
    CHECK(dbs.at(0).as_object().at("build_date").as_string() == "2023-11-14T22:13:20Z");
    CHECK(dbs.at(0).as_object().at("build_epoch").as_int64() == 1700000000);

    auto bad = boost::json::parse(
                   format_lookup("\"quoted\\\n", p->lookup(std::optional<ip::address>{}), *p, true))
                   .as_object();
    CHECK(bad.at("ip").as_string() == "\"quoted\\\n");
    CHECK_FALSE(bad.at("address").as_bool());
    CHECK(bad.at("regions").as_array().at(0).as_string() == "unknown");
}
