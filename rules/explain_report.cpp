#include "rules/explain_report.hpp"

#include "common/json_escape.hpp"

namespace geogate::rules {

namespace {

std::string where_of(const rule& r) {
    return r.file + ":" + std::to_string(r.where.line) + ":" + std::to_string(r.where.column);
}

std::vector<std::string> flags(const geoip::location& w) {
    std::vector<std::string> f;
    if (w.anonymizer.anonymous)
        f.emplace_back("anonymous");
    if (w.anonymizer.vpn)
        f.emplace_back("vpn");
    if (w.anonymizer.tor)
        f.emplace_back("tor");
    if (w.anonymizer.hosting)
        f.emplace_back("hosting");
    if (w.anonymizer.proxy)
        f.emplace_back("proxy");
    if (w.anonymizer.residential_proxy)
        f.emplace_back("residential_proxy");
    return f;
}

} // namespace

std::string describe_region(const geoip::location& w) {
    if (!w.has_address)
        return "unknown (no usable client address)";
    if (!w.found)
        return "unknown (no record for the address)";
    std::string s = w.country.empty() ? std::string("(no country)") : w.country;
    for (std::uint8_t i = 0; i < w.subdivision_count; ++i)
        s += ", " + w.subdivisions[i];
    for (const auto& f : flags(w))
        s += ", " + f;
    return s;
}

std::string explain_text(const explain_input& in) {
    std::string s;
    s += "request:  " + in.method + " " + in.url + "\n";
    s += "peer:     " + in.peer_address + "\n";
    s += "client:   " +
         (in.client_address.empty() ? std::string("(none usable)") : in.client_address);
    if (!in.address_source.empty())
        s += " (from " + in.address_source + ")";
    s += "\nregion:   " + describe_region(in.where) + "\n";
    if (!in.unhealthy_mirrors.empty()) {
        s += "unhealthy mirrors (skipped like down ones):";
        for (const auto& m : in.unhealthy_mirrors)
            s += " " + m;
        s += "\n";
    }
    s += "rules considered:\n";
    if (in.trace.empty())
        s += "  (none)\n";
    for (const auto& t : in.trace) {
        s += std::string("  ") + (t.matched ? "MATCH  " : "no     ") + t.r->name + " (" +
             where_of(*t.r) + "): " + std::string(t.reason) + "\n";
    }
    s += "decision: ";
    s += to_string(in.result.act);
    if (in.result.matched)
        s += " by rule '" + in.result.matched->name + "'";
    else
        s += " (no rule matched)";
    s += "\n";
    if (in.result.act == action::redirect && in.result.matched)
        s += "redirect: " + std::to_string(in.result.matched->status) + " " + in.redirect_target +
             "\n";
    if ((in.result.act == action::notice || in.result.act == action::block) && in.result.matched) {
        s += "notice:   " + in.result.matched->notice;
        if (!in.notice_language.empty())
            s += " (" + in.notice_language + ")";
        if (!in.notice_version.empty())
            s += " version " + in.notice_version;
        if (in.result.act == action::notice)
            s += std::string(" at ") + to_string(in.result.matched->position);
        else
            s += " as the 451 page";
        s += "\n";
    }
    return s;
}

std::string explain_json(const explain_input& in) {
    std::string s = "{\"request\":{\"method\":" + json_quoted(in.method) +
                    ",\"url\":" + json_quoted(in.url) + ",\"host\":" + json_quoted(in.host) +
                    ",\"path\":" + json_quoted(in.path) + "}";
    s += ",\"client\":{\"peer\":" + json_quoted(in.peer_address) + ",\"address\":" +
         (in.client_address.empty() ? std::string("null") : json_quoted(in.client_address)) +
         ",\"source\":" + json_quoted(in.address_source) + "}";
    const auto& w = in.where;
    s += ",\"region\":{\"unknown\":";
    s += w.unknown() ? "true" : "false";
    s += ",\"has_address\":";
    s += w.has_address ? "true" : "false";
    s += ",\"found\":";
    s += w.found ? "true" : "false";
    s += ",\"country\":" + (w.country.empty() ? std::string("null") : json_quoted(w.country));
    s += ",\"subdivisions\":[";
    for (std::uint8_t i = 0; i < w.subdivision_count; ++i)
        s += (i ? "," : "") + json_quoted(w.subdivisions[i]);
    s += "],\"anonymizer\":[";
    auto f = flags(w);
    for (std::size_t i = 0; i < f.size(); ++i)
        s += (i ? "," : "") + json_quoted(f[i]);
    s += "]},\"unhealthy_mirrors\":[";
    for (std::size_t i = 0; i < in.unhealthy_mirrors.size(); ++i)
        s += (i ? "," : "") + json_quoted(in.unhealthy_mirrors[i]);
    s += "],\"rules\":[";
    for (std::size_t i = 0; i < in.trace.size(); ++i) {
        const auto& t = in.trace[i];
        s += (i ? "," : "");
        s += "{\"name\":" + json_quoted(t.r->name) + ",\"at\":" + json_quoted(where_of(*t.r)) +
             ",\"matched\":" + (t.matched ? "true" : "false") +
             ",\"reason\":" + json_quoted(t.reason) + "}";
    }
    s += "],\"decision\":{\"action\":" + json_quoted(to_string(in.result.act));
    s += ",\"rule\":" +
         (in.result.matched ? json_quoted(in.result.matched->name) : std::string("null"));
    if (in.result.act == action::redirect && in.result.matched)
        s += ",\"status\":" + std::to_string(in.result.matched->status) +
             ",\"location\":" + json_quoted(in.redirect_target);
    if ((in.result.act == action::notice || in.result.act == action::block) && in.result.matched) {
        s += ",\"notice\":" + json_quoted(in.result.matched->notice);
        s += ",\"language\":" +
             (in.notice_language.empty() ? std::string("null") : json_quoted(in.notice_language));
        s += ",\"version\":" +
             (in.notice_version.empty() ? std::string("null") : json_quoted(in.notice_version));
        if (in.result.act == action::notice)
            s += ",\"position\":" + json_quoted(to_string(in.result.matched->position));
        else
            s += ",\"status\":451";
    }
    s += "}}";
    return s;
}

} // namespace geogate::rules
