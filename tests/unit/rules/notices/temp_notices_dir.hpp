#pragma once
// A notices directory built by a test, removed afterwards.
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace geogate::notices::test {

class temp_notices_dir {
public:
    temp_notices_dir() {
        static int counter = 0;
        path_ = std::filesystem::temp_directory_path() /
                ("geogate-notices-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~temp_notices_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_notices_dir(const temp_notices_dir&) = delete;
    temp_notices_dir& operator=(const temp_notices_dir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

    void write(const std::string& relative, std::string_view bytes) const {
        auto p = path_ / relative;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary | std::ios::trunc)
            .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    std::string read(const std::string& relative) const {
        std::ifstream in(path_ / relative, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    /// A valid three-language notice like the example one.
    void write_sample_notice(const std::string& id = "undesirable-organization") const {
        write(id + "/notice.toml",
              "title = \"Sample\"\ndescription = \"Why\"\n"
              "default_language = \"ru\"\nlanguages = [\"ru\", \"uk\", \"en\"]\n");
        write(id + "/ru.html", "<p><strong>Уведомление.</strong> Текст.</p>\n");
        write(id + "/uk.html", "<p><strong>Повідомлення.</strong> Текст.</p>\n");
        write(id + "/en.html", "<p><strong>Notice.</strong> Text.</p>\n");
    }

private:
    std::filesystem::path path_;
};

} // namespace geogate::notices::test
