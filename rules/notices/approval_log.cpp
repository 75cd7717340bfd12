#include "rules/notices/approval_log.hpp"

#include "rules/notices/digest.hpp"
#include "rules/notices/language_choice.hpp"
#include "rules/notices/notice_catalog.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

namespace geogate::notices {
namespace {

namespace fs = std::filesystem;

bool is_hex64(std::string_view s) noexcept {
    if (s.size() != 64)
        return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

bool printable_line(std::string_view s) noexcept {
    for (char c : s) {
        auto uc = static_cast<unsigned char>(c);
        if (uc < 0x20 || uc == 0x7F)
            return false;
    }
    return true;
}

void add(diagnostics& out, const fs::path& file, std::uint32_t line, std::uint32_t column,
         std::string message, bool error = true) {
    diagnostic d;
    d.severity = error ? diagnostic::level::error : diagnostic::level::warning;
    d.file = file.string();
    d.where = {line, column};
    d.message = std::move(message);
    out.push_back(std::move(d));
}

std::optional<std::string> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

// Writes `bytes` to `target` through a temporary file and a rename: never a half-written copy.
bool write_atomically(const fs::path& target, std::string_view bytes) {
    fs::path tmp = target;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !out.flush())
            return false;
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    return !ec;
}

} // namespace

bool is_utc_timestamp(std::string_view s) noexcept {
    // YYYY-MM-DDTHH:MM:SSZ
    if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z')
        return false;
    auto num = [&](std::size_t at, std::size_t n, int lo, int hi) {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (s[i] < '0' || s[i] > '9')
                return false;
            v = v * 10 + (s[i] - '0');
        }
        return v >= lo && v <= hi;
    };
    return num(0, 4, 1970, 9999) && num(5, 2, 1, 12) && num(8, 2, 1, 31) && num(11, 2, 0, 23) &&
           num(14, 2, 0, 59) && num(17, 2, 0, 60);
}

std::optional<approval_log> approval_log::load(const fs::path& dir, diagnostics& out) {
    approval_log log;
    log.dir_ = dir;
    fs::path file = dir / file_name;
    std::error_code ec;
    if (!fs::exists(file, ec))
        return log;
    auto text = read_file(file);
    if (!text) {
        add(out, file, 0, 0, "cannot read the approvals file");
        return std::nullopt;
    }
    bool ok = true;
    std::istringstream in(*text);
    std::string line;
    std::uint32_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        std::size_t first = line.find_first_not_of(' ');
        if (first == std::string::npos || line[first] == '#')
            continue;
        // id lang sha time by...
        std::string_view rest(line);
        std::string_view fields[4];
        std::uint32_t columns[5];
        std::size_t offset = 0;
        bool good = true;
        for (int f = 0; f < 4 && good; ++f) {
            std::size_t sp = rest.find(' ', offset);
            columns[f] = static_cast<std::uint32_t>(offset + 1);
            if (sp == std::string_view::npos) {
                good = false;
                break;
            }
            fields[f] = rest.substr(offset, sp - offset);
            offset = sp + 1;
        }
        columns[4] = static_cast<std::uint32_t>(offset + 1);
        if (!good) {
            add(out, file, number, 1,
                "expected '<notice id> <language> <sha256> <YYYY-MM-DDTHH:MM:SSZ> <approver>'");
            ok = false;
            continue;
        }
        approval a;
        a.notice_id = fields[0];
        a.language = fields[1];
        a.sha256 = fields[2];
        a.approved_at = fields[3];
        a.approved_by = rest.substr(offset);
        a.line = number;
        if (!is_notice_id(a.notice_id)) {
            add(out, file, number, columns[0], "invalid notice id '" + a.notice_id + "'");
            ok = false;
        } else if (!is_language_tag(a.language)) {
            add(out, file, number, columns[1], "invalid language '" + a.language + "'");
            ok = false;
        } else if (!is_hex64(a.sha256)) {
            add(out, file, number, columns[2], "expected 64 lower-case hex digits of sha256");
            ok = false;
        } else if (!is_utc_timestamp(a.approved_at)) {
            add(out, file, number, columns[3], "expected a UTC time like 2026-03-01T09:30:00Z");
            ok = false;
        } else if (a.approved_by.empty() || !printable_line(a.approved_by)) {
            add(out, file, number, columns[4], "expected the approver's name");
            ok = false;
        } else {
            log.entries_.push_back(std::move(a));
        }
    }
    if (!ok)
        return std::nullopt;
    return log;
}

const approval* approval_log::find(std::string_view id, std::string_view language,
                                   std::string_view sha256) const noexcept {
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
        if (it->notice_id == id && it->language == language && it->sha256 == sha256)
            return &*it;
    return nullptr;
}

const approval* approval_log::latest(std::string_view id,
                                     std::string_view language) const noexcept {
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
        if (it->notice_id == id && it->language == language)
            return &*it;
    return nullptr;
}

std::optional<std::string> approval_log::approved_text(const approval& a) const {
    auto text =
        read_file(dir_ / copies_dir / a.notice_id / (a.language + "-" + a.sha256 + ".html"));
    if (!text || to_hex(sha256(*text)) != a.sha256)
        return std::nullopt;
    return text;
}

bool approve(const fs::path& dir, std::string_view id, std::optional<std::string_view> language,
             std::string_view by, std::string_view now_utc, diagnostics& out) {
    fs::path lock = dir / approval_log::file_name;
    std::size_t before = out.size();
    if (by.empty() || !printable_line(by) || by.find_first_not_of(' ') == std::string_view::npos)
        add(out, lock, 0, 0, "approver name must be non-empty printable text on one line");
    if (!is_utc_timestamp(now_utc))
        add(out, lock, 0, 0, "time must be UTC like 2026-03-01T09:30:00Z");
    if (out.size() != before)
        return false;

    auto catalog = notice_catalog::load(dir, false, out);
    if (!catalog)
        return false;
    const notice* n = catalog->find(id);
    if (!n) {
        add(out, dir / std::string(id), 0, 0,
            "no notice '" + std::string(id) + "' in " + dir.string());
        return false;
    }
    std::vector<const notice_text*> texts;
    if (language) {
        const notice_text* t = n->text(*language);
        if (!t) {
            add(out, n->file, 0, 0,
                "notice '" + n->id + "' has no language '" + std::string(*language) + "'");
            return false;
        }
        texts.push_back(t);
    } else {
        for (const auto& t : n->texts)
            texts.push_back(&t);
    }

    std::string lines;
    for (const notice_text* t : texts) {
        if (catalog->approvals().find(t->notice_id, t->language, t->sha256)) {
            add(out, t->file, 0, 0,
                "already approved at version " + t->version + ": not recorded again", false);
            continue;
        }
        fs::path copies = dir / approval_log::copies_dir / t->notice_id;
        std::error_code ec;
        fs::create_directories(copies, ec);
        if (ec ||
            !write_atomically(copies / (t->language + "-" + t->sha256 + ".html"), t->source)) {
            add(out, copies, 0, 0, "cannot write the approved copy: " + ec.message());
            return false;
        }
        lines += t->notice_id + " " + t->language + " " + t->sha256 + " " + std::string(now_utc) +
                 " " + std::string(by) + "\n";
    }
    if (lines.empty())
        return true;

    std::error_code ec;
    bool fresh = !fs::exists(lock, ec);
    std::string existing;
    if (!fresh) {
        auto text = read_file(lock);
        if (!text) {
            add(out, lock, 0, 0, "cannot read the approvals file");
            return false;
        }
        existing = std::move(*text);
        if (!existing.empty() && existing.back() != '\n')
            existing += '\n';
    } else {
        existing = "# geogate notice approvals: written by `geogate notices approve`, commit it.\n"
                   "# <notice id> <language> <sha256> <UTC time> <approved by>\n";
    }
    if (!write_atomically(lock, existing + lines)) {
        add(out, lock, 0, 0, "cannot write the approvals file");
        return false;
    }
    return true;
}

} // namespace geogate::notices
