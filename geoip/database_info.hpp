#pragma once
// What geogate knows about one opened GeoIP database file: what it is (for `geogate lookup`,
// logs and metrics) and which file it was (so a reloader can tell that it was replaced).
#include <cstdint>
#include <string>

namespace geogate::geoip {

/// The identity of a file on disk. geoipupdate and fetch-dbip.sh replace databases by
/// rename, which changes the inode; a copy-then-rename changes it too. Comparing all four
/// fields also catches an in-place rewrite (which an mmap'ed reader must never see: replace
/// files by rename only).
struct file_identity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    friend bool operator==(const file_identity&, const file_identity&) = default;

    /// stat(2) of `path`; false when the file cannot be stat'ed.
    static bool of(const std::string& path, file_identity& out) noexcept;
};

struct database_info {
    std::string path;
    std::string database_type;     // metadata database_type, e.g. "GeoIP2-City", "city ipv4"
    std::uint64_t build_epoch = 0; // metadata build_epoch (seconds since 1970)
    unsigned ip_version = 6;       // 4: IPv4-only tree; 6: IPv6 tree (may hold IPv4 too)
    file_identity identity{};
};

} // namespace geogate::geoip
