// The single-pass record reader never reads outside the span it is given, whatever the bytes.
#include "geoip/mmdb_record.hpp"
#include "geoip/mmdb_verify.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

using namespace geogate::geoip;

namespace {

std::vector<std::uint8_t> read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("the record reader stays inside its span on any offset, truncation or mutation") {
    const auto file =
        read_file(std::filesystem::path(GEOGATE_TEST_DB_DIR) / "geogate-city-geoip2.mmdb");
    REQUIRE(file.size() > 1000);
    std::size_t read_ok = 0;
    // Every offset of the whole file read as a record (most are not records at all).
    for (std::size_t off = 0; off <= file.size(); ++off) {
        // A copy of exactly the bytes after `off`: ASan sees any read past the end.
        std::vector<std::uint8_t> tail(file.begin() + static_cast<std::ptrdiff_t>(off), file.end());
        raw_region raw;
        anonymizer_flags flags;
        read_ok += read_region_record(tail, 0, raw);
        (void)read_anonymizer_record(tail, 0, flags);
    }
    CHECK(read_ok > 0);
    // Every byte of the file flipped three ways, the record at the start of each mutated copy.
    for (std::size_t i = 0; i < file.size(); i += 3) {
        for (std::uint8_t x : {std::uint8_t{0x00}, std::uint8_t{0xff}, std::uint8_t{0x7f}}) {
            auto copy = file;
            copy[i] = x;
            for (std::size_t off = i > 64 ? i - 64 : 0; off < i + 8 && off < copy.size();
                 off += 7) {
                raw_region raw;
                (void)read_region_record(copy, off, raw);
            }
        }
    }
}

TEST_CASE("verify_mmdb refuses impossible layouts without reading past the file") {
    const std::vector<std::uint8_t> tiny(64, 0);
    CHECK_FALSE(verify_mmdb({tiny, 0, 24, 40}));
    CHECK_FALSE(verify_mmdb({tiny, 1, 26, 40}));
    CHECK_FALSE(verify_mmdb({tiny, 1000, 24, 40})); // tree larger than the file
    CHECK_FALSE(verify_mmdb({tiny, 1, 24, 1000}));  // marker past the end
    CHECK_FALSE(verify_mmdb({tiny, 0xffffffff, 32, 64}));
    // One node whose records point back to the root.
    CHECK(verify_mmdb({tiny, 1, 24, 40}).error().find("root") != std::string::npos);
    // One node, both records "no data" (== node_count), a zero separator: sound.
    std::vector<std::uint8_t> ok(64, 0);
    ok[2] = 1;
    ok[5] = 1;
    CHECK(verify_mmdb({ok, 1, 24, 40}));
    // Left record points into the separator.
    auto sep = ok;
    sep[2] = 5;
    CHECK(verify_mmdb({sep, 1, 24, 40}).error().find("separator") != std::string::npos);
    // Left record points to data offset 0: a UTF-8 string of 2 bytes "ok".
    auto data = ok;
    data[2] = 17;
    data[22] = 0x42; // string, size 2
    data[23] = 'o';
    data[24] = 'k';
    CHECK(verify_mmdb({data, 1, 24, 40}));
    data[23] = 0xc0; // overlong UTF-8
    CHECK(verify_mmdb({data, 1, 24, 40}).error().find("UTF-8") != std::string::npos);
    data[22] = 0x5f; // string with an extended size running past the data section
    CHECK_FALSE(verify_mmdb({data, 1, 24, 40}));
    data[22] = 0x20; // pointer to offset 0: itself, a pointer to a pointer
    data[23] = 0x00;
    CHECK_FALSE(verify_mmdb({data, 1, 24, 40}));
}
