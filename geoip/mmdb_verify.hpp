#pragma once
// Bounded structural verification of a MaxMind DB file, run once at open. PURE, no libmaxminddb.
//
// Why: libmaxminddb (1.7 in Debian 12) has no verify call and trusts the file at lookup time;
// several corrupt files (../shared/testdata/maxmind-db/bad-data) open fine and then read out
// of bounds, recurse without end or loop. Verifying at open lets geogate refuse such a file
// with a clear message (and keep the old database on a reload) instead of crashing later.
//
// What is checked: record size and node count against the file size; the 16-byte zero
// separator; every record of every search tree node (a node other than the root, "empty", or
// a data offset inside the data section, never inside the separator); every data record reachable
// from the tree, decoded fully: control bytes, sizes within the section, numeric widths, UTF-8
// strings, string map keys, pointers inside the section and not to pointers, nesting depth <= 64
// and no pointer cycles. Each pointer target is decoded once (memoised), so the cost is linear in
// the file size: about 1 s per 100 MB (2.4 s for the 134 MB DB-IP Lite City IPv4+IPv6 pair on
// a loaded 2-core machine), paid once per start or reload, off the request path.
#include "common/result.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace geogate::geoip {

struct mmdb_layout {
    std::span<const std::uint8_t> file; // the whole file
    std::uint32_t node_count = 0;
    unsigned record_size = 0;               // 24, 28 or 32
    std::size_t metadata_marker_offset = 0; // where "\xAB\xCD\xEFMaxMind.com" starts
};

/// Ok when the file is sound; otherwise what is wrong ("search tree node 12 points into the
/// data section separator").
result<void> verify_mmdb(const mmdb_layout& layout) noexcept;

} // namespace geogate::geoip
