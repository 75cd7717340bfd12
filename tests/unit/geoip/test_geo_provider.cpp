// The provider over geogate's own test databases (tests/data/make-test-databases.pl): both
// schemas, contested territory, databases per address family, anonymizer flags, and live
// replacement of a database file.
#include "geoip/geo_provider.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <random>

using namespace geogate::geoip;
namespace fs = std::filesystem;
namespace ip = boost::asio::ip;

namespace {

std::string db(const char* name) {
    return (fs::path(GEOGATE_TEST_DB_DIR) / name).string();
}
const fs::path maxmind = fs::path(GEOGATE_SHARED_DIR) / "testdata" / "maxmind-db";

std::shared_ptr<const geo_provider> open(std::vector<std::string> dbs, std::string anon = {}) {
    geo_config cfg;
    cfg.databases = std::move(dbs);
    cfg.anonymous_ip_database = std::move(anon);
    auto p = geo_provider::open(cfg);
    INFO((p ? std::string() : p.error()));
    REQUIRE(p);
    return *p;
}

std::string regions(const location& l) {
    if (l.unknown())
        return "unknown";
    std::string s = l.country.empty() ? "-" : l.country;
    for (std::uint8_t i = 0; i < l.subdivision_count; ++i)
        s += " " + l.subdivisions[i];
    return s;
}

std::string at(const geo_provider& p, const char* a) {
    return regions(p.lookup(ip::make_address(a)));
}

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("geogate-geoip-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

} // namespace

TEST_CASE("GeoIP2 schema: every vendor view of contested territory gives the UA code") {
    auto p = open({db("geogate-city-geoip2.mmdb")});
    struct row {
        const char* ip;
        const char* expected;
    };
    const row rows[] = {
        {"198.51.100.1", "UA UA-40"},  // UA + 40
        {"198.51.100.17", "RU UA-40"}, // RU + SEV
        {"198.51.100.33", "RU UA-43"}, // RU + CR "Republic of Crimea"
        {"198.51.100.49", "RU UA-40"}, // RU, no subdivision, city Sevastopol
        {"198.51.100.65", "RU"},       // RU, nothing else
        {"198.51.100.81", "RU RU-MOW"},
        {"198.51.100.97", "UA UA-43"},
        {"198.51.100.113", "RU UA-14"}, // "Donetsk People's Republic"
        {"198.51.100.129", "GB GB-ENG GB-WSM"},
        {"198.51.100.145", "RU UA-09"},
        {"198.51.100.161", "RU UA-65"},
        {"198.51.100.177", "UA UA-14"},
        {"198.51.100.193", "unknown"}, // a record without country
        {"198.51.100.250", "unknown"}, // no record
        {"203.0.113.7", "US US-CA"},
        {"::ffff:203.0.113.7", "US US-CA"},
        {"2001:db8:1::5", "RU UA-23"}, // "Zaporozhye Oblast"
        {"2001:db8:2::5", "DE DE-BY"},
        {"2001:db8:3::5", "unknown"},
    };
    for (const auto& r : rows) {
        INFO(r.ip);
        CHECK(at(*p, r.ip) == r.expected);
    }
    CHECK(p->lookup_errors() == 0);
}

TEST_CASE("flat schema (DB-IP Lite shape): names normalise to ISO codes") {
    auto p = open({db("geogate-city-flat.mmdb")});
    struct row {
        const char* ip;
        const char* expected;
    };
    const row rows[] = {
        {"198.51.100.1", "UA UA-40"},  // UA + "Sebastopol City"
        {"198.51.100.17", "RU UA-40"}, // RU + "Sebastopol City"
        {"198.51.100.33", "RU UA-40"}, // RU, no state, city Sevastopol
        {"198.51.100.49", "RU UA-43"}, // RU + "Crimea"
        {"198.51.100.65", "RU RU-MOW"},
        {"198.51.100.81", "UA UA-63"}, // "Kharkivs’ka Oblast’"
        {"198.51.100.97", "RU UA-14"},
        {"198.51.100.113", "RU UA-09"},
        {"198.51.100.129", "UA UA-23"},
        {"198.51.100.145", "UA UA-65"},
        {"198.51.100.161", "RU"},
        {"198.51.100.177", "US"}, // other countries' names are not mapped
        {"198.51.100.193", "UA UA-30"},
        {"198.51.100.209", "RU RU-STA"},
        {"2001:db8:1::1", "RU UA-43"},
        {"198.51.100.250", "unknown"},
    };
    for (const auto& r : rows) {
        INFO(r.ip);
        CHECK(at(*p, r.ip) == r.expected);
    }
    CHECK(p->databases().at(0).database_type == "geogate-flat-test");
    CHECK(p->databases().at(0).build_epoch == 1700000000u);
}

TEST_CASE("databases are picked by address family") {
    // An IPv4-only database (ip_version 4) answers IPv4 first; IPv6 goes to the IPv6 ones.
    auto p = open({db("geogate-ipv6-only.mmdb"), db("geogate-ipv4-only.mmdb")});
    CHECK(at(*p, "198.51.100.1") == "FR");
    CHECK(at(*p, "::ffff:198.51.100.1") == "FR");
    CHECK(at(*p, "2001:db8::1") == "JP");
    CHECK(at(*p, "2001:db9::1") == "unknown");
    CHECK(p->databases().size() == 2);
    CHECK(p->databases()[1].ip_version == 4);
    // An IPv4 address missing from the IPv4 database falls through to the IPv6 ones.
    auto q = open({db("geogate-ipv4-only.mmdb"), db("geogate-city-geoip2.mmdb")});
    CHECK(at(*q, "198.51.100.1") == "FR");
    CHECK(at(*q, "203.0.113.7") == "US US-CA");
    CHECK(at(*q, "2001:db8:2::5") == "DE DE-BY");
    CHECK(q->lookup_errors() == 0);
}

TEST_CASE("no database: every lookup is unknown") {
    auto p = open({});
    auto l = p->lookup(ip::make_address("198.51.100.1"));
    CHECK(l.has_address);
    CHECK(l.unknown());
    CHECK_FALSE(p->changed_on_disk());
}

TEST_CASE("the Anonymous-IP database fills the anonymizer flags") {
    auto p = open({db("geogate-city-geoip2.mmdb")}, db("geogate-anonymous-ip.mmdb"));
    auto vpn = p->lookup(ip::make_address("198.51.100.1"));
    CHECK(regions(vpn) == "UA UA-40");
    CHECK(vpn.anonymizer.anonymous);
    CHECK(vpn.anonymizer.vpn);
    CHECK_FALSE(vpn.anonymizer.tor);
    CHECK(p->lookup(ip::make_address("198.51.100.17")).anonymizer.tor);
    CHECK(p->lookup(ip::make_address("198.51.100.33")).anonymizer.hosting);
    CHECK(p->lookup(ip::make_address("198.51.100.49")).anonymizer.proxy);
    CHECK(p->lookup(ip::make_address("2001:db8:1::9")).anonymizer.residential_proxy);
    CHECK_FALSE(p->lookup(ip::make_address("198.51.100.65")).anonymizer.any());
    // Flags without any location record still count.
    CHECK(p->lookup(ip::make_address("198.51.100.250")).anonymizer.any() == false);
    CHECK(p->databases().size() == 2);
    CHECK(p->databases()[1].database_type == "GeoIP2-Anonymous-IP");

    auto mm = open({}, (maxmind / "test-data" / "GeoIP2-Anonymous-IP-Test.mmdb").string());
    auto tor = mm->lookup(ip::make_address("65.4.3.2")); // is_tor_exit_node in MaxMind's data
    CHECK(tor.anonymizer.tor);
    CHECK(tor.anonymizer.anonymous);
}

TEST_CASE("live updates: a replaced database file is noticed, a broken one refused") {
    temp_dir dir;
    const auto live = (dir.path / "city.mmdb").string();
    fs::copy_file(db("geogate-city-flat.mmdb"), live);
    auto old = open({live});
    CHECK(at(*old, "198.51.100.1") == "UA UA-40");
    CHECK_FALSE(old->changed_on_disk());

    SECTION("atomic rename (geoipupdate, fetch-dbip.sh)") {
        const auto tmp = (dir.path / "city.mmdb.tmp").string();
        fs::copy_file(db("geogate-city-flat-v2.mmdb"), tmp);
        fs::rename(tmp, live);
        CHECK(old->changed_on_disk());
        auto fresh = open({live});
        CHECK(at(*fresh, "198.51.100.1") == "PL");
        CHECK_FALSE(fresh->changed_on_disk());
        // The old snapshot still answers from its own mapping for requests in flight.
        CHECK(at(*old, "198.51.100.1") == "UA UA-40");
    }
    SECTION("copy then rename from another directory") {
        temp_dir other;
        const auto staged = (other.path / "city.mmdb").string();
        fs::copy_file(db("geogate-city-flat-v2.mmdb"), staged);
        if (std::rename(staged.c_str(), live.c_str()) != 0) { // another file system: copy+rename
            fs::copy_file(staged, live + ".new");
            fs::rename(live + ".new", live);
        }
        CHECK(old->changed_on_disk());
        CHECK(at(*open({live}), "198.51.100.1") == "PL");
    }
    SECTION("the same content replaced is still a change (a new file)") {
        const auto tmp = (dir.path / "same.tmp").string();
        fs::copy_file(db("geogate-city-flat.mmdb"), tmp);
        fs::rename(tmp, live);
        CHECK(old->changed_on_disk());
    }
    SECTION("a broken replacement fails to open; the caller keeps the old provider") {
        const auto tmp = (dir.path / "broken.tmp").string();
        fs::copy_file(maxmind / "test-data" / "GeoIP2-City-Test-Broken-Double-Format.mmdb", tmp);
        fs::rename(tmp, live);
        CHECK(old->changed_on_disk());
        geo_config cfg;
        cfg.databases = {live};
        auto reopened = geo_provider::open(cfg);
        REQUIRE_FALSE(reopened);
        CHECK(reopened.error().starts_with("GeoIP database " + live + ": corrupt: "));
        CHECK(at(*old, "198.51.100.1") == "UA UA-40");
    }
    SECTION("a deleted file is a change; reopening fails with the file named") {
        fs::remove(live);
        CHECK(old->changed_on_disk());
        geo_config cfg;
        cfg.databases = {live};
        auto reopened = geo_provider::open(cfg);
        REQUIRE_FALSE(reopened);
        CHECK(reopened.error().find(live) != std::string::npos);
        CHECK(at(*old, "198.51.100.1") == "UA UA-40");
    }
}

TEST_CASE("decoded regions are cached per thread, but each provider answers from its own data") {
    // Two versions of one database open at once (a reload in flight): records at the same
    // offsets, different regions. Interleaved and repeated lookups must never mix them.
    auto v1 = open({db("geogate-city-flat.mmdb")});
    auto v2 = open({db("geogate-city-flat-v2.mmdb")});
    for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        CHECK(at(*v1, "198.51.100.1") == "UA UA-40");
        CHECK(at(*v2, "198.51.100.1") == "PL");
    }
    // A provider opened after another was freed never answers from the freed one's entries.
    v1.reset();
    auto v3 = open({db("geogate-city-flat-v2.mmdb")});
    CHECK(at(*v3, "198.51.100.1") == "PL");
}
