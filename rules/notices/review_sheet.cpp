#include "rules/notices/review_sheet.hpp"

#include "rules/notices/notice_renderer.hpp"
#include "rules/notices/notice_usage.hpp"
#include "rules/notices/region_display_names.hpp"
#include "rules/notices/word_diff.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace geogate::notices {
namespace {

constexpr std::string_view sheet_style =
    ":root{--ink:#1d232b;--muted:#5d6670;--line:#dfe3e8;--paper:#fff;--bg:#f3f4f6;"
    "--ok:#1f7a3f;--ok-bg:#e5f4ea;--warn:#8a5a00;--warn-bg:#fff1d6;--bad:#a3261b;"
    "--bad-bg:#fde7e4}"
    "*{box-sizing:border-box}"
    "html{background:var(--bg);color:var(--ink)}"
    "body{margin:0;font:15px/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\","
    "\"DejaVu Sans\",Arial,sans-serif}"
    ".sheet{max-width:1180px;margin:0 auto;padding:32px 28px 64px}"
    ".sheet>header h1{font-size:28px;margin:0 0 4px;letter-spacing:-.01em}"
    ".lead{color:var(--muted);margin:0 0 20px}"
    ".summary{display:flex;gap:12px;flex-wrap:wrap;margin:0 0 12px;padding:0;list-style:none}"
    ".summary li{background:var(--paper);border:1px solid var(--line);border-radius:8px;"
    "padding:10px 16px;min-width:150px}"
    ".summary b{display:block;font-size:22px}"
    ".toc{background:var(--paper);border:1px solid var(--line);border-radius:8px;"
    "padding:12px 18px;margin:0 0 28px}"
    ".toc ul{margin:6px 0 0;padding-left:20px}"
    "a{color:#1558a6}"
    ".notice{background:var(--paper);border:1px solid var(--line);border-radius:10px;"
    "padding:24px 28px;margin:0 0 32px;box-shadow:0 1px 2px rgba(0,0,0,.04)}"
    ".notice>h2{font-size:22px;margin:0 0 2px}"
    ".id{font:13px/1.4 ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace;"
    "color:var(--muted)}"
    ".why{margin:10px 0 0;font-size:16px;max-width:60em}"
    ".facts{color:var(--muted);margin:6px 0 0}"
    "h3{font-size:17px;margin:26px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}"
    ".usage{margin:0;padding:0;list-style:none}"
    ".usage>li{border-left:4px solid #8aa4c4;padding:8px 14px;margin:0 0 12px;background:#f7f9fc;"
    "border-radius:0 6px 6px 0}"
    ".usage .action{font-weight:700}"
    ".usage dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0 0}"
    ".usage dt{color:var(--muted)}.usage dd{margin:0}"
    ".usage dd ul{margin:0;padding-left:18px}"
    ".none{color:var(--bad);font-weight:600}"
    ".text{border:1px solid var(--line);border-radius:8px;margin:0 0 20px;overflow:hidden}"
    ".text>header{display:flex;flex-wrap:wrap;align-items:center;gap:8px 14px;"
    "padding:10px 16px;background:#fafbfc;border-bottom:1px solid var(--line)}"
    ".text>header h4{margin:0;font-size:16px}"
    ".meta{color:var(--muted);font-size:13px}"
    ".badge{display:inline-block;border-radius:999px;padding:2px 12px;font-size:13px;"
    "font-weight:600}"
    ".badge.ok{background:var(--ok-bg);color:var(--ok)}"
    ".badge.changed{background:var(--warn-bg);color:var(--warn)}"
    ".badge.new{background:var(--bad-bg);color:var(--bad)}"
    ".cols{display:grid;grid-template-columns:minmax(0,1.15fr) minmax(0,1fr)}"
    ".cols>div{padding:14px 16px;min-width:0}"
    ".cols>div+div{border-left:1px solid var(--line)}"
    ".label{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);"
    "margin:0 0 8px}"
    ".browser{border:1px solid #c9ced6;border-radius:6px;overflow:hidden;background:#fff}"
    ".browser .bar{background:#e9ecf0;padding:5px 10px;font-size:12px;color:#59616b;"
    "border-bottom:1px solid #c9ced6}"
    ".browser .page{padding:0 0 12px}"
    ".browser .ghost{margin:12px 16px 0;height:10px;border-radius:3px;background:#eceef1}"
    ".browser .ghost.short{width:60%}"
    "pre{margin:0;white-space:pre-wrap;word-wrap:break-word;"
    "font:12.5px/1.5 ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace}"
    ".diff{padding:14px 16px;border-top:1px solid var(--line);background:#fffdf7}"
    ".diff-title{margin:0 0 8px;font-weight:600}"
    ".diff del{background:#fbd5d0;color:#7a1c12;text-decoration:line-through}"
    ".diff ins{background:#cdebd6;color:#0f5226;text-decoration:none}"
    ".history{padding:8px 16px 12px;border-top:1px solid var(--line);font-size:13px;"
    "color:var(--muted)}"
    ".history ul{margin:4px 0 0;padding-left:18px}"
    "@media (max-width:800px){.cols{grid-template-columns:1fr}"
    ".cols>div+div{border-left:0;border-top:1px solid var(--line)}}"
    "@media print{html{background:#fff}.notice{box-shadow:none;break-inside:avoid-page}}";

std::string esc(std::string_view s) {
    return escape_html(s);
}

const char* month_names[] = {"January", "February", "March",     "April",   "May",      "June",
                             "July",    "August",   "September", "October", "November", "December"};

std::string region_item(std::string_view code) {
    return "<li>" + esc(describe_region(code)) + "</li>";
}

std::string token_text(rules::region_token t) {
    switch (t) {
    case rules::region_token::unknown:
        return "readers whose location is unknown (no usable address, or no database record "
               "for it)";
    case rules::region_token::anonymous:
        return "readers behind any anonymizer";
    case rules::region_token::vpn:
        return "readers on a VPN";
    case rules::region_token::tor:
        return "readers on Tor";
    case rules::region_token::hosting:
        return "addresses of hosting providers";
    case rules::region_token::proxy:
        return "readers behind a public proxy";
    case rules::region_token::any:
        return "every reader, wherever they are";
    }
    return "?";
}

std::string regions_html(const rules::region_matcher& m) {
    std::string s = "<ul>";
    for (const auto& c : m.countries)
        s += region_item(c);
    for (const auto& c : m.subdivisions)
        s += region_item(c);
    for (auto t : m.tokens)
        s += "<li>" + esc(token_text(t)) + "</li>";
    return s + "</ul>";
}

std::string list_html(const std::vector<std::string>& v, std::string_view empty) {
    if (v.empty())
        return esc(empty);
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i)
        s += (i ? ", " : "") + std::string("<code>") + esc(v[i]) + "</code>";
    return s;
}

std::string action_text(const rules::rule& r) {
    if (r.act == rules::action::block)
        return "Shown instead of the page (HTTP 451 Unavailable For Legal Reasons)";
    return r.position == rules::notice_position::body_end
               ? "Added to every matching page, at the end of the page"
               : "Added to every matching page, at the top of the page";
}

void write_usage(const notice& n, const rules::rule_set& rules, std::string& s) {
    s += "<h3>Where it is shown</h3>";
    auto used = rules_using(n.id, rules);
    if (used.empty()) {
        s += "<p class=\"none\">No rule uses this notice: no reader sees it.</p>";
        return;
    }
    s += "<ul class=\"usage\">";
    for (const rules::rule* r : used) {
        s += "<li><div class=\"action\">" + esc(action_text(*r)) + "</div>";
        s += "<div class=\"meta\">rule <code>" + esc(r->name) + "</code> in " + esc(r->file) +
             (r->where.line ? ":" + std::to_string(r->where.line) : std::string()) + "</div>";
        s += "<dl><dt>Readers in</dt><dd>" + regions_html(r->regions) + "</dd>";
        if (!r->except_regions.empty())
            s += "<dt>Except readers in</dt><dd>" + regions_html(r->except_regions) + "</dd>";
        s +=
            "<dt>On sites</dt><dd>" + list_html(r->hosts, "every site behind this proxy") + "</dd>";
        bool everything = r->paths.empty() || (r->paths.size() == 1 && r->paths[0] == "/");
        s += "<dt>On pages</dt><dd>" +
             (everything ? std::string("every page") : "pages under " + list_html(r->paths, "")) +
             "</dd>";
        if (!r->except_paths.empty())
            s += "<dt>Except pages under</dt><dd>" + list_html(r->except_paths, "") + "</dd>";
        if (!r->methods.empty())
            s += "<dt>Request methods</dt><dd>" + list_html(r->methods, "") + "</dd>";
        if (!r->user_agents.empty())
            s += "<dt>Browsers matching</dt><dd>" + list_html(r->user_agents, "") + "</dd>";
        if (!r->except_user_agents.empty())
            s += "<dt>Except browsers matching</dt><dd>" + list_html(r->except_user_agents, "") +
                 "</dd>";
        s += "</dl></li>";
    }
    s += "</ul>";
}

void write_diff(std::string_view before, std::string_view after, std::string& s) {
    s += "<pre>";
    for (const auto& p : word_diff(before, after)) {
        if (p.what == diff_piece::kind::same)
            s += esc(p.text);
        else if (p.what == diff_piece::kind::removed)
            s += "<del>" + esc(p.text) + "</del>";
        else
            s += "<ins>" + esc(p.text) + "</ins>";
    }
    s += "</pre>";
}

std::string shown_path(std::string_view file, const std::filesystem::path& dir) {
    auto rel = std::filesystem::path(file).lexically_relative(dir);
    return rel.empty() || rel.string().starts_with("..") ? std::string(file) : rel.string();
}

void write_text(const notice& n, const notice_text& t, const approval_log& approvals, bool used,
                bool require_approval, std::string& s) {
    const approval* exact = approvals.find(t.notice_id, t.language, t.sha256);
    const approval* last = approvals.latest(t.notice_id, t.language);
    s += "<article class=\"text\" id=\"" + esc(n.id + "-" + t.language) + "\"><header><h4>" +
         esc(language_name(t.language)) + " <span class=\"id\">" + esc(t.language) + "</span></h4>";
    if (exact)
        s += "<span class=\"badge ok\">Approved by " + esc(exact->approved_by) + " on " +
             esc(human_time(exact->approved_at)) + "</span>";
    else if (last)
        s += "<span class=\"badge changed\">Changed since approved by " + esc(last->approved_by) +
             " on " + esc(human_time(last->approved_at)) + "</span>";
    else
        s += "<span class=\"badge new\">Not approved</span>";
    if (t.language == n.default_language)
        s += "<span class=\"meta\">default language</span>";
    s += "<span class=\"meta\">version <code>" + esc(t.version) + "</code> &middot; " +
         esc(shown_path(t.file, approvals.dir())) + "</span></header>";
    if (!exact && used)
        s += "<div class=\"diff\"><strong>" +
             std::string(require_approval
                             ? "Not served until approved: geogate refuses to start or reload "
                               "while a rule uses this text."
                             : "Served although not approved: approval is not required in this "
                               "configuration.") +
             "</strong></div>";

    s += "<div class=\"cols\"><div><p class=\"label\">As readers see it</p>"
         "<div class=\"browser\"><div class=\"bar\">top of a page</div><div class=\"page\">";
    s += t.fragment_utf8; // the real fragment, exactly as injected
    s += "<div class=\"ghost\"></div><div class=\"ghost\"></div><div class=\"ghost short\">"
         "</div></div></div></div><div><p class=\"label\">Source</p><pre>";
    s += esc(t.source);
    s += "</pre></div></div>";

    if (!exact && last) {
        s += "<div class=\"diff\"><p class=\"diff-title\">Changes since the version approved by " +
             esc(last->approved_by) + " on " + esc(human_time(last->approved_at)) +
             " (<del>removed</del> <ins>added</ins>)</p>";
        if (auto old = approvals.approved_text(*last))
            write_diff(*old, t.source, s);
        else
            s += "<p>The approved copy (" + esc(std::string(approval_log::copies_dir)) + "/" +
                 esc(t.notice_id) + "/" + esc(t.language) + "-" + esc(last->sha256.substr(0, 12)) +
                 "&hellip;.html) is missing, so the changes cannot be shown.</p>";
        s += "</div>";
    }
    std::vector<const approval*> history;
    for (const auto& a : approvals.entries())
        if (a.notice_id == t.notice_id && a.language == t.language)
            history.push_back(&a);
    if (!history.empty()) {
        s += "<div class=\"history\">Approval history<ul>";
        for (auto it = history.rbegin(); it != history.rend(); ++it)
            s += "<li>" + esc(human_time((*it)->approved_at)) + " &middot; " +
                 esc((*it)->approved_by) + " &middot; version <code>" +
                 esc((*it)->sha256.substr(0, 12)) + "</code>" +
                 ((*it)->sha256 == t.sha256 ? " (the current text)" : "") + "</li>";
        s += "</ul></div>";
    }
    s += "</article>";
}

} // namespace

std::string_view language_name(std::string_view tag) noexcept {
    struct entry {
        std::string_view tag, name;
    };
    static constexpr entry names[] = {
        {"ar", "Arabic"},  {"be", "Belarusian"}, {"de", "German"},   {"en", "English"},
        {"es", "Spanish"}, {"fa", "Persian"},    {"fr", "French"},   {"hy", "Armenian"},
        {"it", "Italian"}, {"ka", "Georgian"},   {"kk", "Kazakh"},   {"ky", "Kyrgyz"},
        {"pl", "Polish"},  {"pt", "Portuguese"}, {"ro", "Romanian"}, {"ru", "Russian"},
        {"tg", "Tajik"},   {"tk", "Turkmen"},    {"tr", "Turkish"},  {"uk", "Ukrainian"},
        {"uz", "Uzbek"},   {"zh", "Chinese"},
    };
    std::string_view primary = tag.substr(0, tag.find('-'));
    for (const auto& e : names)
        if (e.tag == primary)
            return tag.size() == primary.size() ? e.name : tag;
    return tag;
}

std::string human_time(std::string_view utc) {
    if (!is_utc_timestamp(utc))
        return std::string(utc);
    int day = (utc[8] - '0') * 10 + (utc[9] - '0');
    int month = (utc[5] - '0') * 10 + (utc[6] - '0');
    return std::to_string(day) + " " + month_names[month - 1] + " " +
           std::string(utc.substr(0, 4)) + ", " + std::string(utc.substr(11, 5)) + " UTC";
}

void write_review_sheet(const notice_catalog& catalog, const rules::rule_set& rules,
                        const approval_log& approvals, std::ostream& out) {
    std::size_t total = 0, approved = 0, changed = 0, fresh = 0;
    for (const auto& n : catalog.notices())
        for (const auto& t : n.texts) {
            ++total;
            if (approvals.find(t.notice_id, t.language, t.sha256))
                ++approved;
            else if (approvals.latest(t.notice_id, t.language))
                ++changed;
            else
                ++fresh;
        }

    // Notices readers can see first, then the ones no rule uses; by id within each group.
    std::vector<const notice*> order;
    for (bool want_used : {true, false})
        for (const auto& n : catalog.notices())
            if (rules_using(n.id, rules).empty() != want_used)
                order.push_back(&n);

    std::string s;
    s += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         "<title>Notice review sheet</title><style>";
    s += sheet_style;
    s += "</style></head><body><div class=\"sheet\"><header><h1>Notice review sheet</h1>"
         "<p class=\"lead\">Every legal notice geogate can show, each language exactly as "
         "readers see it, its approval status, and where it is shown. Notices directory <code>" +
         esc(catalog.dir().string()) + "</code>; approval " +
         (catalog.require_approval() ? "required: unapproved texts are never served"
                                     : "not required") +
         ".</p><ul class=\"summary\"><li><b>" + std::to_string(catalog.notices().size()) +
         "</b>notices</li><li><b>" + std::to_string(approved) + " of " + std::to_string(total) +
         "</b>texts approved</li><li><b>" + std::to_string(changed) +
         "</b>changed since approval</li><li><b>" + std::to_string(fresh) +
         "</b>never approved</li></ul>";
    s += "<nav class=\"toc\"><strong>Notices</strong><ul>";
    for (const notice* n : order)
        s += "<li><a href=\"#" + esc(n->id) + "\">" + esc(n->title) + "</a> <span class=\"id\">" +
             esc(n->id) + "</span></li>";
    s += "</ul></nav></header>";

    for (const notice* np : order) {
        const notice& n = *np;
        bool used = !rules_using(n.id, rules).empty();
        s += "<section class=\"notice\" id=\"" + esc(n.id) + "\"><h2>" + esc(n.title) +
             "</h2><div class=\"id\">" + esc(n.id) + "</div>";
        if (!n.description.empty())
            s += "<p class=\"why\">" + esc(n.description) + "</p>";
        s += "<p class=\"facts\">Languages: ";
        for (std::size_t i = 0; i < n.texts.size(); ++i)
            s += (i ? ", " : "") + esc(language_name(n.texts[i].language));
        s += ". Readers whose browser asks for none of them get " +
             esc(language_name(n.default_language)) + ".</p>";
        write_usage(n, rules, s);
        s += "<h3>Texts</h3>";
        for (const auto& t : n.texts)
            write_text(n, t, approvals, used, catalog.require_approval(), s);
        s += "</section>";
    }
    s += "</div></body></html>\n";
    out << s;
}

} // namespace geogate::notices
