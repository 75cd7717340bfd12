#include "tests/browser/chromium_run.hpp"

#include "tests/integration/support/child_process.hpp"
#include "tests/integration/support/temp_dir.hpp"

#include <cctype>
#include <cstdlib>
#include <unistd.h>
#include <zlib.h>

namespace geogate::browser {

std::string chromium_exe() {
    const char* env = std::getenv("GEOGATE_CHROMIUM");
    const std::string exe = env != nullptr ? env : GEOGATE_CHROMIUM_EXE;
    return !exe.empty() && ::access(exe.c_str(), X_OK) == 0 ? exe : std::string();
}

chromium_result run_chromium(const std::string& url, const std::vector<std::string>& extra,
                             const std::string& accept_language, milliseconds timeout) {
    it::temp_dir dir("geogate-chromium");
    std::vector<std::string> argv = {chromium_exe(),
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--disable-background-networking",
                                     "--disable-component-update",
                                     "--disable-sync",
                                     "--disable-extensions",
                                     "--disable-default-apps",
                                     "--no-first-run",
                                     "--no-default-browser-check",
                                     "--hide-scrollbars",
                                     "--force-device-scale-factor=1",
                                     "--user-data-dir=" + (dir.path() / "profile").string(),
                                     "--window-size=1280,900",
                                     "--lang=" + accept_language,
                                     "--accept-lang=" + accept_language,
                                     "--enable-logging=stderr",
                                     "--v=0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(url);
    it::child_process p(argv, dir.path());
    chromium_result r;
    r.exit_code = p.wait_exit(timeout);
    if (!r.exit_code)
        p.stop(milliseconds(2000));
    r.out = p.stdout_text();
    r.err = p.stderr_text();
    return r;
}

namespace {

std::uint32_t be32(const std::string& s, std::size_t at) {
    return (std::uint32_t(std::uint8_t(s[at])) << 24) |
           (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

int paeth(int a, int b, int c) {
    const int p = a + b - c;
    const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

} // namespace

png_image read_png(const std::filesystem::path& file) {
    png_image img;
    const std::string s = it::read_file(file);
    if (s.size() < 33 || s.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0)
        return img;
    std::string idat;
    unsigned channels = 0;
    for (std::size_t at = 8; at + 12 <= s.size();) {
        const std::uint32_t len = be32(s, at);
        const std::string type = s.substr(at + 4, 4);
        if (at + 12 + len > s.size())
            return img;
        if (type == "IHDR") {
            img.width = be32(s, at + 8);
            img.height = be32(s, at + 12);
            const int depth = std::uint8_t(s[at + 16]), color = std::uint8_t(s[at + 17]);
            const int interlace = std::uint8_t(s[at + 20]);
            if (depth != 8 || interlace != 0 || (color != 2 && color != 6))
                return img;
            channels = color == 2 ? 3 : 4;
        } else if (type == "IDAT") {
            idat.append(s, at + 8, len);
        } else if (type == "IEND") {
            break;
        }
        at += 12 + len;
    }
    if (channels == 0 || img.width == 0 || img.height == 0 || img.width > 10000 ||
        img.height > 10000)
        return img;
    const std::size_t stride = std::size_t(img.width) * channels;
    std::vector<std::uint8_t> raw((stride + 1) * img.height);
    uLongf raw_len = static_cast<uLongf>(raw.size());
    if (::uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()),
                     static_cast<uLong>(idat.size())) != Z_OK ||
        raw_len != raw.size())
        return img;
    std::vector<std::uint8_t> prev(stride, 0), cur(stride);
    img.pixels.reserve(std::size_t(img.width) * img.height);
    for (unsigned y = 0; y < img.height; ++y) {
        const std::uint8_t* line = raw.data() + y * (stride + 1);
        const int filter = line[0];
        for (std::size_t i = 0; i < stride; ++i) {
            const int a = i >= channels ? cur[i - channels] : 0;
            const int b = prev[i];
            const int c = i >= channels ? prev[i - channels] : 0;
            int v = line[1 + i];
            switch (filter) {
            case 0:
                break;
            case 1:
                v += a;
                break;
            case 2:
                v += b;
                break;
            case 3:
                v += (a + b) / 2;
                break;
            case 4:
                v += paeth(a, b, c);
                break;
            default:
                return img;
            }
            cur[i] = static_cast<std::uint8_t>(v & 0xff);
        }
        for (unsigned x = 0; x < img.width; ++x)
            img.pixels.push_back(
                rgb{cur[x * channels], cur[x * channels + 1], cur[x * channels + 2]});
        prev.swap(cur);
    }
    img.ok = true;
    return img;
}

std::string percent_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() &&
            std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace geogate::browser
