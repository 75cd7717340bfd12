// Opening MaxMind databases: corrupt files are refused at start with a clear message naming
// the file; every network of MaxMind's GeoIP2-City test database gives the region it says.
#include "geoip/geo_provider.hpp"
#include "geoip/mmdb_database.hpp"
#include "geoip/region_names.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace geogate::geoip;
namespace fs = std::filesystem;
namespace ip = boost::asio::ip;
namespace json = boost::json;

namespace {

const fs::path maxmind = fs::path(GEOGATE_SHARED_DIR) / "testdata" / "maxmind-db";

std::vector<fs::path> corrupt_files() {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(maxmind / "bad-data"))
        if (e.is_regular_file() && e.path().extension() == ".mmdb")
            files.push_back(e.path());
    for (const auto& e : fs::directory_iterator(maxmind / "test-data")) {
        const auto name = e.path().filename().string();
        if (name.find("Broken") != name.npos || name.find("broken") != name.npos ||
            name.find("Invalid") != name.npos)
            files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

TEST_CASE("every corrupt MaxMind test database is refused at open, naming the file") {
    const auto files = corrupt_files();
    REQUIRE(files.size() >= 25);
    for (const auto& f : files) {
        INFO(f.string());
        // Sound files that crashed other readers (they over-read the metadata); libmaxminddb
        // reads them correctly, and so do we.
        const auto name = f.filename().string();
        if (name == "libmaxminddb-empty-map-last-in-metadata.mmdb" ||
            name == "libmaxminddb-empty-array-last-in-metadata.mmdb") {
            geo_config cfg;
            cfg.databases = {f.string()};
            auto p = geo_provider::open(cfg);
            REQUIRE(p);
            CHECK(
                (*p)->lookup(ip::make_address("1.1.1.1")).unknown()); // {"ip": "test"}: no country
            CHECK((*p)->lookup_errors() == 0);
            continue;
        }
        auto db = mmdb_database::open(f.string());
        REQUIRE_FALSE(db);
        const std::string& error = db.error();
        CHECK(error.starts_with("GeoIP database " + f.string() + ": "));
        CHECK(error.size() > ("GeoIP database " + f.string() + ": ").size());

        geo_config cfg;
        cfg.databases = {f.string()};
        auto p = geo_provider::open(cfg);
        REQUIRE_FALSE(p);
        CHECK(p.error() == error);
    }
}

TEST_CASE("every valid MaxMind test database opens and survives lookups") {
    for (const auto& e : fs::directory_iterator(maxmind / "test-data")) {
        const auto name = e.path().filename().string();
        if (e.path().extension() != ".mmdb" || name.find("Broken") != name.npos ||
            name.find("broken") != name.npos || name.find("Invalid") != name.npos)
            continue;
        INFO(name);
        auto db = mmdb_database::open(e.path().string());
        INFO((db ? std::string() : db.error()));
        REQUIRE(db);
        CHECK((*db)->info().path == e.path().string());
        CHECK_FALSE((*db)->info().database_type.empty());
        CHECK((*db)->info().build_epoch > 1'400'000'000u);
        geo_config cfg;
        cfg.databases = {e.path().string()};
        auto p = geo_provider::open(cfg);
        REQUIRE(p);
        for (const char* a : {"1.1.1.1", "81.2.69.160", "::1.1.1.1", "2001:218::1", "::"})
            (void)(*p)->lookup(ip::make_address(a));
        CHECK((*p)->lookup_errors() == 0);
    }
}

TEST_CASE("a missing or non-database file gives a clear error") {
    auto missing = mmdb_database::open("/nonexistent/geo.mmdb");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().starts_with("GeoIP database /nonexistent/geo.mmdb: "));
    CHECK(missing.error().find("No such file") != std::string::npos);
    const auto readme = (maxmind / "bad-data" / "README.md").string();
    auto text = mmdb_database::open(readme);
    REQUIRE_FALSE(text);
    CHECK(text.error().starts_with("GeoIP database " + readme + ": "));
}

TEST_CASE("known answers from the GeoIP2-City test database") {
    geo_config cfg;
    cfg.databases = {(maxmind / "test-data" / "GeoIP2-City-Test.mmdb").string()};
    auto opened = geo_provider::open(cfg);
    REQUIRE(opened);
    const auto p = *opened;
    struct row {
        const char* ip;
        const char* country;
    };
    for (const row& r :
         {row{"81.2.69.160", "GB"}, row{"89.160.20.112", "SE"}, row{"216.160.83.56", "US"},
          row{"2001:218::1", "JP"}, row{"::ffff:81.2.69.160", "GB"}}) {
        INFO(r.ip);
        auto l = p->lookup(ip::make_address(r.ip));
        CHECK(l.has_address);
        CHECK(l.found);
        CHECK(l.country == r.country);
    }
    auto gb = p->lookup(ip::make_address("81.2.69.160"));
    CHECK(gb.in_subdivision("GB-ENG"));
    auto none = p->lookup(ip::make_address("10.0.0.1"));
    CHECK(none.has_address);
    CHECK_FALSE(none.found);
    CHECK(none.unknown());
    CHECK(p->lookup(std::optional<ip::address>{}).unknown());
    CHECK_FALSE(p->lookup(std::optional<ip::address>{}).has_address);
    CHECK(p->databases().at(0).database_type == "GeoIP2-City");
    CHECK(p->databases().at(0).ip_version == 6);
}

namespace {

// First and last address of a network as the source JSON writes it ("::1.2.3.0/120" is the
// IPv4 network 1.2.3.0/24).
std::pair<ip::address, ip::address> bounds(const std::string& net) {
    const auto slash = net.find('/');
    auto parsed = ip::make_address(net.substr(0, slash));
    unsigned prefix = std::stoul(net.substr(slash + 1));
    if (parsed.is_v4()) // "214.1.1.0/24": write it as ::214.1.1.0/120
        prefix += 96;
    const auto a =
        parsed.is_v4() ? ip::make_address_v6(ip::v4_mapped, parsed.to_v4()) : parsed.to_v6();
    auto a_bytes = a.to_bytes();
    if (parsed.is_v4())
        a_bytes[10] = a_bytes[11] = 0; // ::ffff:a.b.c.d -> ::a.b.c.d
    const ip::address_v6 base(a_bytes);
    auto first = base.to_bytes(), last = base.to_bytes();
    for (unsigned bit = prefix; bit < 128; ++bit) {
        const auto mask = static_cast<unsigned char>(0x80u >> (bit % 8));
        first[bit / 8] &= static_cast<unsigned char>(~mask);
        last[bit / 8] |= mask;
    }
    auto to_addr = [](const ip::address_v6::bytes_type& b) -> ip::address {
        ip::address_v6 v6(b);
        bool v4 = true; // ::a.b.c.d
        for (int i = 0; i < 12; ++i)
            v4 = v4 && b[i] == 0;
        if (v4 && !v6.is_unspecified())
            return ip::make_address_v4(ip::address_v4::bytes_type{b[12], b[13], b[14], b[15]});
        return v6;
    };
    return {to_addr(first), to_addr(last)};
}

bool contains(const std::string& net, const ip::address& a) {
    auto [lo, hi] = bounds(net);
    if (lo.is_v4() != a.is_v4())
        return false;
    if (a.is_v4())
        return lo.to_v4() <= a.to_v4() && a.to_v4() <= hi.to_v4();
    return lo.to_v6() <= a.to_v6() && a.to_v6() <= hi.to_v6();
}

std::string_view str(const json::value* v) {
    return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

// What geogate should answer for one source record, computed from the JSON.
location expected(const json::object& rec) {
    raw_region raw;
    if (auto* c = rec.if_contains("country"))
        raw.country = str(c->as_object().if_contains("iso_code"));
    if (auto* subs = rec.if_contains("subdivisions")) {
        for (const auto& s : subs->as_array()) {
            if (raw.subdivision_count == location::max_subdivisions)
                break;
            const auto& o = s.as_object();
            auto& out = raw.subdivisions[raw.subdivision_count++];
            out.iso_code = str(o.if_contains("iso_code"));
            if (auto* n = o.if_contains("names"))
                out.name = str(n->as_object().if_contains("en"));
        }
    }
    if (auto* city = rec.if_contains("city"))
        if (auto* n = city->as_object().if_contains("names"))
            raw.city = str(n->as_object().if_contains("en"));
    location l;
    normalise_region(raw, l);
    l.found = !l.country.empty() || l.subdivision_count > 0;
    return l;
}

std::string describe(const location& l) {
    std::string s = (l.found ? "found " : "not found ") + l.country;
    for (std::uint8_t i = 0; i < l.subdivision_count; ++i)
        s += " " + l.subdivisions[i];
    return s;
}

} // namespace

TEST_CASE("every network of GeoIP2-City-Test.json answers as the source says") {
    std::ifstream in(maxmind / "source-data" / "GeoIP2-City-Test.json");
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    const auto doc = json::parse(ss.str());
    std::vector<std::pair<std::string, const json::object*>> nets;
    for (const auto& item : doc.as_array())
        for (const auto& [key, value] : item.as_object())
            nets.emplace_back(std::string(key), &value.as_object());
    REQUIRE(nets.size() > 200);

    geo_config cfg;
    cfg.databases = {(maxmind / "test-data" / "GeoIP2-City-Test.mmdb").string()};
    auto opened = geo_provider::open(cfg);
    REQUIRE(opened);
    const auto p = *opened;
    std::size_t checked = 0, with_subdivision = 0;
    for (std::size_t i = 0; i < nets.size(); ++i) {
        auto [first, last] = bounds(nets[i].first);
        for (const auto& a : {first, last}) {
            // A later network in the source overrides an earlier one where they overlap.
            std::size_t owner = i;
            for (std::size_t j = i + 1; j < nets.size(); ++j)
                if (contains(nets[j].first, a))
                    owner = j;
            const auto want = expected(*nets[owner].second);
            const auto got = p->lookup(a);
            INFO(nets[i].first << " at " << a.to_string());
            CHECK(describe(got) == describe(want));
            ++checked;
            with_subdivision += want.subdivision_count > 0;
        }
    }
    CHECK(checked == 2 * nets.size());
    CHECK(with_subdivision >= 30);
    CHECK(p->lookup_errors() == 0);
}
