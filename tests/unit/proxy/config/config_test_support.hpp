#pragma once
// Shared by the load_config() tests: a config file in its own scratch directory, and the
// diagnostics as one string for CHECKs and failure messages.
#include "proxy/config/config.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace geogate::config_test {

namespace fs = std::filesystem;

struct temp_config {
    fs::path dir;
    fs::path file;
    explicit temp_config(const std::string& text) {
        static int n = 0;
        dir = fs::temp_directory_path() /
              ("geogate-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::create_directories(dir);
        file = dir / "geogate.toml";
        std::ofstream(file) << text;
    }
    ~temp_config() { fs::remove_all(dir); }
    temp_config(const temp_config&) = delete;
    temp_config& operator=(const temp_config&) = delete;
};

inline std::string all(const diagnostics& d) {
    std::string s;
    for (const auto& x : d)
        s += x.to_string() + "\n";
    return s;
}

} // namespace geogate::config_test
