#include "rules/explain_report.hpp"

namespace geogate::rules {

namespace {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                static const char* hex = "0123456789abcdef";
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

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
    std::string s = "{\"request\":{\"method\":" + json_string(in.method) +
                    ",\"url\":" + json_string(in.url) + ",\"host\":" + json_string(in.host) +
                    ",\"path\":" + json_string(in.path) + "}";
    s += ",\"client\":{\"peer\":" + json_string(in.peer_address) + ",\"address\":" +
         (in.client_address.empty() ? std::string("null") : json_string(in.client_address)) +
         ",\"source\":" + json_string(in.address_source) + "}";
    const auto& w = in.where;
    s += ",\"region\":{\"unknown\":";
    s += w.unknown() ? "true" : "false";
    s += ",\"has_address\":";
    s += w.has_address ? "true" : "false";
    s += ",\"found\":";
    s += w.found ? "true" : "false";
    s += ",\"country\":" + (w.country.empty() ? std::string("null") : json_string(w.country));
    s += ",\"subdivisions\":[";
    for (std::uint8_t i = 0; i < w.subdivision_count; ++i)
        s += (i ? "," : "") + json_string(w.subdivisions[i]);
    s += "],\"anonymizer\":[";
    auto f = flags(w);
    for (std::size_t i = 0; i < f.size(); ++i)
        s += (i ? "," : "") + json_string(f[i]);
    s += "]},\"unhealthy_mirrors\":[";
    for (std::size_t i = 0; i < in.unhealthy_mirrors.size(); ++i)
        s += (i ? "," : "") + json_string(in.unhealthy_mirrors[i]);
    s += "],\"rules\":[";
    for (std::size_t i = 0; i < in.trace.size(); ++i) {
        const auto& t = in.trace[i];
        s += (i ? "," : "");
        s += "{\"name\":" + json_string(t.r->name) + ",\"at\":" + json_string(where_of(*t.r)) +
             ",\"matched\":" + (t.matched ? "true" : "false") +
             ",\"reason\":" + json_string(t.reason) + "}";
    }
    s += "],\"decision\":{\"action\":" + json_string(to_string(in.result.act));
    s += ",\"rule\":" +
         (in.result.matched ? json_string(in.result.matched->name) : std::string("null"));
    if (in.result.act == action::redirect && in.result.matched)
        s += ",\"status\":" + std::to_string(in.result.matched->status) +
             ",\"location\":" + json_string(in.redirect_target);
    if ((in.result.act == action::notice || in.result.act == action::block) && in.result.matched) {
        s += ",\"notice\":" + json_string(in.result.matched->notice);
        s += ",\"language\":" +
             (in.notice_language.empty() ? std::string("null") : json_string(in.notice_language));
        s += ",\"version\":" +
             (in.notice_version.empty() ? std::string("null") : json_string(in.notice_version));
        if (in.result.act == action::notice)
            s += ",\"position\":" + json_string(to_string(in.result.matched->position));
        else
            s += ",\"status\":451";
    }
    s += "}}";
    return s;
}

} // namespace geogate::rules
