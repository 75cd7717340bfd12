#pragma once
// Deterministic test bytes shared by the test origin and the integration tests: byte i of every
// generated body (/huge, /chunked, generated fixtures, uploads) is pattern_byte(i), so a test can
// check a body of any size without keeping a copy of it.
#include <cstddef>
#include <cstdint>
#include <string>

namespace geogate::test {

/// Byte `i` of the endless test pattern: not periodic at any power of two, so a shifted or
/// duplicated block changes the sha256.
constexpr char pattern_byte(std::uint64_t i) noexcept {
    return static_cast<char>((i * 31 + (i >> 8) * 7 + 11) % 251);
}

/// Bytes [offset, offset + size) of the pattern.
inline std::string pattern_bytes(std::uint64_t offset, std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t k = 0; k < size; ++k)
        out[k] = pattern_byte(offset + k);
    return out;
}

} // namespace geogate::test
