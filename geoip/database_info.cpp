#include "geoip/database_info.hpp"

#include <sys/stat.h>

namespace geogate::geoip {

bool file_identity::of(const std::string& path, file_identity& out) noexcept {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return false;
    out.device = static_cast<std::uint64_t>(st.st_dev);
    out.inode = static_cast<std::uint64_t>(st.st_ino);
    out.size = static_cast<std::uint64_t>(st.st_size);
    out.mtime_ns =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    return true;
}

} // namespace geogate::geoip
