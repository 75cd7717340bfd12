// Renders the review sheet of deploy/example in headless Chromium and keeps a screenshot
// (review.png, beside this test's binary) as a test artefact. Exit 77 (ctest: skipped) when
// chromium is not installed; bounded by `timeout`.
#include "rules/notices/notice_catalog.hpp"
#include "rules/notices/review_sheet.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace geogate;

namespace {

// The example's rule, as deploy/example/rules/10-undesirable-org.toml says it.
rules::rule_set example_rules() {
    rules::rule_set rs;
    rules::rule r;
    r.name = "undesirable-org-notice";
    r.file = "rules/10-undesirable-org.toml";
    r.where = {10, 1};
    r.regions.countries = {"RU"};
    r.regions.subdivisions = {"UA-09", "UA-14", "UA-23", "UA-40", "UA-43", "UA-65"};
    r.paths = {"/"};
    r.act = rules::action::notice;
    r.notice = "undesirable-organization";
    rs.rules.push_back(r);
    return rs;
}

bool screenshot(const char* chromium, const fs::path& notices_dir, const fs::path& out_dir,
                const std::string& name) {
    fs::path sheet = out_dir / (name + ".html"), png = out_dir / (name + ".png");
    fs::path profile = out_dir / "chromium-profile";
    diagnostics d;
    auto catalog = notices::notice_catalog::load(notices_dir, true, d);
    if (!catalog) {
        for (const auto& x : d)
            std::cerr << x.file << ": " << x.message << "\n";
        return false;
    }
    {
        std::ofstream f(sheet, std::ios::trunc);
        notices::write_review_sheet(*catalog, example_rules(), catalog->approvals(), f);
    }
    fs::remove(png);
    fs::remove_all(profile);
    std::string cmd = "timeout 90 " + std::string(chromium) +
                      " --headless --no-sandbox --disable-gpu --disable-background-networking"
                      " --disable-component-update --no-first-run --disable-dev-shm-usage"
                      " --user-data-dir=" +
                      profile.string() + " --screenshot=" + png.string() +
                      " --window-size=1280,2000 file://" + sheet.string() + " >/dev/null 2>&1";
    int rc = std::system(cmd.c_str());
    fs::remove_all(profile);
    std::error_code ec;
    auto size = fs::file_size(png, ec);
    if (ec || size < 20000) {
        std::cerr << "no usable screenshot (chromium exit " << rc << ", " << (ec ? 0 : size)
                  << " bytes)\n";
        return false;
    }
    std::ifstream in(png, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    if (std::string(magic, 4) != "\x89PNG") {
        std::cerr << "screenshot is not a PNG\n";
        return false;
    }
    std::cout << "screenshot: " << png << " (" << size << " bytes)\n";
    return true;
}

} // namespace

int main(int argc, char** argv) {
    const char* chromium = nullptr;
    for (const char* c : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
        if (::access(c, X_OK) == 0)
            chromium = c;
    if (!chromium) {
        std::cout << "SKIPPED: chromium is not installed (apt-get install -y chromium)\n";
        return 77;
    }
    fs::path out_dir = argc > 1 ? fs::path(argv[1]) : fs::current_path();
    fs::create_directories(out_dir);
    fs::path example = std::string(GEOGATE_SOURCE_DIR) + "/deploy/example/notices";
    if (!screenshot(chromium, example, out_dir, "review"))
        return 1;

    // The same with one text edited after approval: the sheet must show the diff.
    fs::path changed = out_dir / "changed-notices";
    fs::remove_all(changed);
    fs::copy(example, changed, fs::copy_options::recursive);
    {
        std::ofstream f(changed / "undesirable-organization" / "en.html", std::ios::trunc);
        f << "<p><strong>Legal notice.</strong> The publisher of this website has been declared "
             "an \xE2\x80\x9Cundesirable organization\xE2\x80\x9D by the Russian authorities."
             "</p>\n<p>If you are in Russia or in an area of Ukraine under Russian control, "
             "sharing, reposting or commenting on this content may lead to fines or criminal "
             "prosecution under Russian law. Reading it is not an offence.</p>\n";
    }
    bool ok = screenshot(chromium, changed, out_dir, "review-changed");
    fs::remove_all(changed);
    return ok ? 0 : 1;
}
