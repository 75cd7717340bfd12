#include "rules/notices/notice_catalog.hpp"

#include "common/http_text.hpp"
#include "rules/notices/digest.hpp"
#include "rules/notices/fragment_checker.hpp"
#include "rules/notices/language_choice.hpp"
#include "rules/notices/notice_renderer.hpp"
#include "rules/toml/reader.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace geogate::notices {
namespace {

namespace fs = std::filesystem;

void add(diagnostics& out, const fs::path& file, std::string message, bool error = true) {
    diagnostic d;
    d.severity = error ? diagnostic::level::error : diagnostic::level::warning;
    d.file = file.string();
    d.message = std::move(message);
    out.push_back(std::move(d));
}

// Reads at most `limit` + 1 bytes: a huge file is reported, never slurped.
std::optional<std::string> read_bounded(const fs::path& p, std::size_t limit) {
    std::ifstream in(p, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::string s(limit + 1, '\0');
    in.read(s.data(), static_cast<std::streamsize>(s.size()));
    s.resize(static_cast<std::size_t>(in.gcount()));
    return s;
}

std::optional<notice> load_notice(const fs::path& folder, const approval_log& approvals,
                                  diagnostics& out) {
    notice n;
    n.id = folder.filename().string();
    n.dir = folder.string();
    fs::path toml_file = folder / "notice.toml";
    n.file = toml_file.string();
    std::size_t errors_before = out.size();

    std::error_code ec;
    if (!fs::is_regular_file(toml_file, ec)) {
        add(out, toml_file, "missing notice.toml (title, default_language, languages)");
        return std::nullopt;
    }
    auto parsed = toml::parse_file_isolated(toml_file.string());
    if (!parsed.root) {
        out.push_back(parsed.error);
        return std::nullopt;
    }
    std::vector<std::string> languages;
    {
        toml::reader r(*parsed.root, toml_file.string(), "notice.toml", out);
        auto title = r.string("title");
        auto default_language = r.string("default_language");
        auto langs = r.strings("languages");
        auto description = r.string("description");
        r.finish();
        if (!title && !r.has("title"))
            r.error(*parsed.root, "missing key 'title'");
        if (!default_language && !r.has("default_language"))
            r.error(*parsed.root, "missing key 'default_language'");
        if (!langs && !r.has("languages"))
            r.error(*parsed.root, "missing key 'languages'");
        if (title)
            n.title = *title;
        if (description)
            n.description = *description;
        if (langs && default_language) {
            const toml::node* at = parsed.root->find("languages");
            for (const std::string& listed : *langs) {
                const std::string lang = ascii_lowered(listed);
                if (!is_language_tag(lang))
                    r.error(*at, "'" + lang + "' is not a language tag like \"en\" or \"pt-br\"");
                else if (std::find(languages.begin(), languages.end(), lang) != languages.end())
                    r.error(*at, "language '" + lang + "' is listed twice");
                else
                    languages.push_back(lang);
            }
            if (languages.size() > notice::max_languages)
                r.error(*at, "at most 32 languages per notice");
            if (languages.empty())
                r.error(*at, "a notice needs at least one language");
            n.default_language = ascii_lowered(*default_language);
            if (!languages.empty() && std::find(languages.begin(), languages.end(),
                                                n.default_language) == languages.end())
                r.error(*parsed.root->find("default_language"),
                        "default_language '" + n.default_language + "' is not in languages");
        }
    }
    if (has_errors(out, errors_before))
        return std::nullopt;

    // Texts.
    for (const auto& lang : languages) {
        fs::path file = folder / (lang + ".html");
        auto bytes = read_bounded(file, max_fragment_bytes);
        if (!bytes) {
            add(out, file, "missing text for language '" + lang + "' listed in notice.toml");
            continue;
        }
        if (!check_fragment(*bytes, file.string(), out))
            continue;
        notice_text t;
        t.notice_id = n.id;
        t.language = lang;
        t.file = file.string();
        t.source = std::move(*bytes);
        t.sha256 = to_hex(sha256(t.source));
        t.version = t.sha256.substr(0, 12);
        t.approved = approvals.find(t.notice_id, t.language, t.sha256) != nullptr;
        render(t, n.title);
        n.texts.push_back(std::move(t));
    }
    // A text file nobody listed is probably a language someone forgot to add: say so.
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        std::string name = entry.path().filename().string();
        if (name == "notice.toml" || name.starts_with("."))
            continue;
        std::string stem = entry.path().stem().string();
        if (entry.path().extension() == ".html" &&
            std::find(languages.begin(), languages.end(), stem) != languages.end())
            continue;
        add(out, entry.path(),
            entry.path().extension() == ".html"
                ? "text '" + name + "' is not listed in notice.toml languages: it is never served"
                : "unexpected file in a notice folder: ignored",
            false);
    }
    if (n.texts.size() != languages.size())
        return std::nullopt;
    return n;
}

} // namespace

bool is_notice_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64)
        return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        char c = id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

std::shared_ptr<const notice_catalog>
notice_catalog::load(const fs::path& dir, bool require_approval, diagnostics& out) {
    std::size_t errors_before = out.size();
    auto catalog = std::make_shared<notice_catalog>();
    catalog->dir_ = dir;
    catalog->require_approval_ = require_approval;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        add(out, dir, "notices directory not found");
        return nullptr;
    }
    auto approvals = approval_log::load(dir, out);
    if (!approvals)
        return nullptr;
    catalog->approvals_ = std::move(*approvals);

    std::vector<fs::path> folders;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(".") || !entry.is_directory(ec))
            continue;
        if (!is_notice_id(name)) {
            add(out, entry.path(),
                "notice folder names are ids: lower-case letters, digits, '-', '_', '.'");
            continue;
        }
        folders.push_back(entry.path());
    }
    if (ec) {
        add(out, dir, "cannot list the notices directory: " + ec.message());
        return nullptr;
    }
    std::sort(folders.begin(), folders.end());
    bool ok = !has_errors(out, errors_before);
    for (const auto& folder : folders) {
        auto n = load_notice(folder, catalog->approvals_, out);
        if (!n) {
            ok = false;
            continue;
        }
        catalog->notices_.push_back(std::move(*n));
    }
    for (const auto& a : catalog->approvals_.entries())
        if (!catalog->find(a.notice_id) && ok)
            add(out, dir / approval_log::file_name,
                "line " + std::to_string(a.line) + " approves notice '" + a.notice_id +
                    "', which does not exist (any more)",
                false);
    if (!ok)
        return nullptr;
    for (auto& n : catalog->notices_)
        n.set_servable(require_approval);
    return catalog;
}

const notice* notice_catalog::find(std::string_view id) const noexcept {
    auto it = std::lower_bound(notices_.begin(), notices_.end(), id,
                               [](const notice& n, std::string_view v) { return n.id < v; });
    return it != notices_.end() && it->id == id ? &*it : nullptr;
}

std::vector<std::string_view> notice_catalog::ids() const {
    std::vector<std::string_view> v;
    for (const auto& n : notices_)
        v.push_back(n.id);
    return v;
}

} // namespace geogate::notices
