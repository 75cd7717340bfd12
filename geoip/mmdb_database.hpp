#pragma once
// One MaxMind DB file, opened in mmap mode and verified (see mmdb_verify.hpp) before use.
// RAII over MMDB_s; this pair is the only place that includes maxminddb.h. Immutable after
// open, so lookups from many threads are safe. Records are read with mmdb_record.hpp from
// data_section(), as views into the mapping: copy them out before the database can go away.
#include "common/result.hpp"
#include "geoip/database_info.hpp"

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace geogate::geoip {

class mmdb_database {
public:
    /// A found record: where its data starts. Only meaningful with the database it came from.
    struct entry {
        std::uint32_t offset = 0;
    };

    enum class status { found, not_found, error };

    /// Opens, checks metadata (ip_version, record size, build_epoch) and verifies the whole
    /// file. On failure says "GeoIP database /x.mmdb: <what is wrong>".
    static result<std::unique_ptr<mmdb_database>> open(const std::string& path) noexcept;

    ~mmdb_database();
    mmdb_database(const mmdb_database&) = delete;
    mmdb_database& operator=(const mmdb_database&) = delete;

    const database_info& info() const noexcept { return info_; }

    /// Searches the tree for `a` (IPv4-mapped IPv6 searched as IPv4). An IPv6 address in an
    /// IPv4-only database is not_found. gai_error, then mmdb_error, then found_entry.
    status find(const boost::asio::ip::address& a, entry& out) const noexcept;

    /// The verified data section (what find()'s entry offsets are relative to), for the
    /// record reader (mmdb_record.hpp). Valid while this database lives.
    std::span<const std::uint8_t> data_section() const noexcept { return data_; }

private:
    struct impl;
    explicit mmdb_database(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
    database_info info_;
    std::span<const std::uint8_t> data_;
};

} // namespace geogate::geoip
