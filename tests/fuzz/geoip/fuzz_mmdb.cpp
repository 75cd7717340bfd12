// Any bytes as a MaxMind DB: the verifier and the record reader never read outside the buffer.
// Input: 4 bytes node count (big-endian, small), then the file.
#include "geoip/mmdb_record.hpp"
#include "geoip/mmdb_verify.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

using namespace geogate::geoip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5)
        return 0;
    const std::uint32_t nodes = (std::uint32_t{data[0]} << 8 | data[1]) % 512;
    const unsigned record_size = data[2] % 3 == 0 ? 24 : data[2] % 3 == 1 ? 28 : 32;
    std::vector<std::uint8_t> file(data + 4, data + size); // exact size: ASan sees overreads
    const std::size_t marker = data[3] % 2 ? file.size() : file.size() / 2;
    (void)verify_mmdb({file, nodes, record_size, marker});
    for (std::size_t off = 0; off < file.size() && off < 64; ++off) {
        raw_region raw;
        anonymizer_flags flags;
        (void)read_region_record(file, off, raw);
        (void)read_anonymizer_record(file, off, flags);
    }
    return 0;
}
