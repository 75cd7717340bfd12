#include "proxy/cli/cli_notices.hpp"

#include "proxy/config/config.hpp"
#include "rules/notices/approval_log.hpp"
#include "rules/notices/notice_catalog.hpp"
#include "rules/notices/review_sheet.hpp"
#include "rules/rule_loader.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

namespace geogate {
namespace {

void print(const diagnostics& d) {
    for (const auto& x : d)
        std::fprintf(stderr, "%s\n", x.to_string().c_str());
}

std::string now_utc() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace

int cmd_notices_review(const std::string& config_path, const std::string& out_path) {
    if (config_path.empty() || out_path.empty()) {
        std::fprintf(stderr, "geogate: notices review needs --config FILE --out FILE\n");
        return 2;
    }
    diagnostics d;
    auto cfg = load_config(config_path, d);
    if (!cfg) {
        print(d);
        return 1;
    }
    // The sheet exists to review texts that are not approved yet, so the approval gate that
    // `serve` and `check` apply is not applied here; the sheet shows each text's status.
    auto catalog =
        notices::notice_catalog::load(cfg->notices.dir, cfg->notices.require_approval, d);
    if (!catalog) {
        print(d);
        return 1;
    }
    auto rules = rules::load_rules(
        cfg->rule_files, [&](std::string_view id) { return catalog->find(id) != nullptr; }, d);
    print(d);
    if (!rules)
        return 1;
    std::string tmp = out_path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) {
            std::fprintf(stderr, "geogate: cannot write %s\n", tmp.c_str());
            return 1;
        }
        notices::write_review_sheet(*catalog, *rules, catalog->approvals(), out);
        if (!out.flush()) {
            std::fprintf(stderr, "geogate: cannot write %s\n", tmp.c_str());
            return 1;
        }
    }
    if (std::rename(tmp.c_str(), out_path.c_str()) != 0) {
        std::fprintf(stderr, "geogate: cannot rename %s to %s\n", tmp.c_str(), out_path.c_str());
        return 1;
    }
    std::printf("wrote %s\n", out_path.c_str());
    return 0;
}

int cmd_notices_approve(const std::string& config_path, const std::string& notice_id,
                        const std::string& lang, const std::string& by) {
    if (config_path.empty() || notice_id.empty() || by.empty()) {
        std::fprintf(
            stderr,
            "geogate: notices approve needs --config FILE --notice ID --by NAME [--lang L]\n");
        return 2;
    }
    diagnostics d;
    auto cfg = load_config(config_path, d);
    if (!cfg) {
        print(d);
        return 1;
    }
    std::optional<std::string_view> language;
    if (!lang.empty())
        language = lang;
    bool ok = notices::approve(cfg->notices.dir, notice_id, language, by, now_utc(), d);
    print(d);
    if (!ok)
        return 1;
    std::printf("approved %s%s%s by %s\n", notice_id.c_str(), lang.empty() ? "" : " ", lang.c_str(),
                by.c_str());
    return 0;
}

} // namespace geogate
