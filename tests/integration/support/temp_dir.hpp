#pragma once
// A fresh directory under /tmp for one test's processes, configs and logs; removed on
// destruction unless GEOGATE_IT_KEEP is set in the environment (then its path is printed).
#include <filesystem>
#include <string>
#include <string_view>

namespace geogate::it {

class temp_dir {
public:
    explicit temp_dir(std::string_view prefix = "geogate-it");
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    /// Writes `content` to path()/relative, creating parent folders; returns the full path.
    std::filesystem::path write(const std::filesystem::path& relative,
                                std::string_view content) const;

private:
    std::filesystem::path path_;
};

/// Whole file as bytes; "" when missing.
std::string read_file(const std::filesystem::path& file);

} // namespace geogate::it
