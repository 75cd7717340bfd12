#pragma once
// Headless Chromium for the browser tests: one bounded run per page (--dump-dom or
// --screenshot) with a fresh profile, no background traffic, logging to stderr; and a minimal
// PNG reader so a test can look at the pixels of the screenshot it took.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace geogate::browser {

using std::chrono::milliseconds;

/// The chromium executable: $GEOGATE_CHROMIUM when set, else the one found at configure time;
/// "" when it is absent or not executable (the tests then exit 77: skipped).
std::string chromium_exe();

struct chromium_result {
    std::optional<int> exit_code; // nullopt: killed at the time bound
    std::string out;              // stdout (the DOM with --dump-dom)
    std::string err;              // stderr (log lines, console messages as INFO:CONSOLE)
};

/// Runs chromium --headless on `url` with the common flags (1280x900 window, Accept-Language
/// `accept_language`, logging to stderr) plus `extra` (e.g. "--dump-dom",
/// "--screenshot=/path.png"); stopped by PID after `timeout`.
chromium_result run_chromium(const std::string& url, const std::vector<std::string>& extra,
                             const std::string& accept_language,
                             milliseconds timeout = milliseconds(60000));

struct rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    bool operator==(const rgb&) const = default;
};

/// An 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes); ok == false otherwise.
struct png_image {
    bool ok = false;
    unsigned width = 0, height = 0;
    std::vector<rgb> pixels; // row-major
    rgb at(unsigned x, unsigned y) const { return pixels[std::size_t(y) * width + x]; }
};
png_image read_png(const std::filesystem::path& file);

/// Percent-decoding (%XX) as encodeURIComponent's inverse.
std::string percent_decode(const std::string& s);

} // namespace geogate::browser
