#include "geoip/mmdb_database.hpp"

#include "geoip/mmdb_verify.hpp"

#include <cstring>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace geogate::geoip {
namespace {

constexpr std::uint64_t max_build_epoch = 253402300799; // 9999-12-31: beyond is corrupt
constexpr std::size_t marker_size = 14;                 // "\xAB\xCD\xEFMaxMind.com"

} // namespace

struct mmdb_database::impl {
    MMDB_s mmdb{};
    ~impl() { MMDB_close(&mmdb); }
};

mmdb_database::mmdb_database(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
mmdb_database::~mmdb_database() = default;

result<std::unique_ptr<mmdb_database>> mmdb_database::open(const std::string& path) noexcept {
    try {
        auto refuse = [&](const std::string& what) {
            return geogate::fail("GeoIP database " + path + ": " + what);
        };
        // The file may be replaced while we open it: the identity must be the same before and
        // after, or the recorded identity would not describe the mapping we use.
        for (int attempt = 0; attempt < 3; ++attempt) {
            file_identity before{}, after{};
            if (!file_identity::of(path, before))
                return refuse(std::string("cannot stat: ") + std::strerror(errno));
            auto p = std::make_unique<impl>();
            const int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &p->mmdb);
            if (rc != MMDB_SUCCESS) {
                p->mmdb = MMDB_s{}; // MMDB_open frees what it allocated on failure
                std::string what = MMDB_strerror(rc);
                if (rc == MMDB_IO_ERROR || rc == MMDB_FILE_OPEN_ERROR)
                    what += std::string(" (") + std::strerror(errno) + ")";
                return refuse(what);
            }
            if (!file_identity::of(path, after) || !(before == after))
                continue;

            const auto& md = p->mmdb.metadata;
            if (md.binary_format_major_version != 2)
                return refuse("unsupported binary format version " +
                              std::to_string(md.binary_format_major_version));
            if (md.ip_version != 4 && md.ip_version != 6)
                return refuse("invalid metadata: ip_version " + std::to_string(md.ip_version));
            if (md.build_epoch > max_build_epoch)
                return refuse("invalid metadata: implausible build_epoch " +
                              std::to_string(md.build_epoch));
            const auto* file = p->mmdb.file_content;
            const auto* meta = p->mmdb.metadata_section;
            if (file == nullptr || meta == nullptr || meta < file + marker_size)
                return refuse("invalid metadata section");
            mmdb_layout layout{
                std::span<const std::uint8_t>(file, static_cast<std::size_t>(p->mmdb.file_size)),
                md.node_count, md.record_size, static_cast<std::size_t>(meta - file) - marker_size};
            if (auto sound = verify_mmdb(layout); !sound)
                return refuse("corrupt: " + sound.error());

            auto db = std::unique_ptr<mmdb_database>(new mmdb_database(std::move(p)));
            db->info_.path = path;
            db->info_.database_type = md.database_type ? md.database_type : "";
            db->info_.build_epoch = md.build_epoch;
            db->info_.ip_version = md.ip_version;
            db->info_.identity = after;
            const std::size_t data_start = std::size_t{md.node_count} * md.record_size / 4 + 16;
            db->data_ = layout.file.subspan(data_start, layout.metadata_marker_offset - data_start);
            return db;
        }
        return refuse("the file kept changing while being opened");
    } catch (...) {
        return geogate::fail("GeoIP database " + path + ": out of memory");
    }
}

mmdb_database::status mmdb_database::find(const boost::asio::ip::address& a,
                                          entry& out) const noexcept {
    int gai_error = 0, mmdb_error = 0;
    MMDB_lookup_result_s r{};
    if (a.is_v6() && a.to_v6().is_v4_mapped()) {
        return find(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()), out);
    }
    if (a.is_v4()) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        const auto b = a.to_v4().to_bytes();
        std::memcpy(&sin.sin_addr, b.data(), b.size());
        r = MMDB_lookup_sockaddr(&impl_->mmdb, reinterpret_cast<const sockaddr*>(&sin),
                                 &mmdb_error);
    } else {
        if (info_.ip_version == 4)
            return status::not_found; // an IPv4-only tree has no IPv6 networks
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        const auto b = a.to_v6().to_bytes();
        std::memcpy(&sin6.sin6_addr, b.data(), b.size());
        r = MMDB_lookup_sockaddr(&impl_->mmdb, reinterpret_cast<const sockaddr*>(&sin6),
                                 &mmdb_error);
    }
    if (gai_error != 0 || mmdb_error != MMDB_SUCCESS)
        return status::error;
    if (!r.found_entry)
        return status::not_found;
    out.offset = r.entry.offset;
    return status::found;
}

} // namespace geogate::geoip
