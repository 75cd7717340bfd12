#include "geoip/lookup_report.hpp"

#include "common/json_escape.hpp"

#include <cstdio>
#include <ctime>

namespace geogate::geoip {
namespace {

void json_string(std::string& out, std::string_view s) {
    out += json_quoted(s);
}

std::vector<std::string_view> anonymizer_words(const anonymizer_flags& f) {
    std::vector<std::string_view> w;
    if (f.anonymous)
        w.push_back("anonymous");
    if (f.vpn)
        w.push_back("vpn");
    if (f.tor)
        w.push_back("tor");
    if (f.hosting)
        w.push_back("hosting");
    if (f.proxy)
        w.push_back("proxy");
    if (f.residential_proxy)
        w.push_back("residential_proxy");
    return w;
}

} // namespace

std::string format_build_date(std::uint64_t epoch) {
    if (epoch > 253402300799ull)
        epoch = 253402300799ull;
    const auto t = static_cast<std::time_t>(epoch);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string format_lookup(std::string_view ip_text, const location& loc,
                          const geo_provider& provider, bool json) {
    std::string out;
    if (!json) {
        out.append(ip_text).append(": ");
        if (loc.unknown()) {
            out += loc.has_address ? "unknown" : "unknown (not an IP address)";
        } else {
            out += loc.country.empty() ? "-" : loc.country;
            for (std::uint8_t i = 0; i < loc.subdivision_count; ++i)
                out.append(" ").append(loc.subdivisions[i]);
        }
        for (auto w : anonymizer_words(loc.anonymizer))
            out.append(" ").append(w);
        out += '\n';
        if (provider.databases().empty())
            out += "  no database configured\n";
        for (const auto& d : provider.databases())
            out.append("  database ")
                .append(d.path)
                .append(" (")
                .append(d.database_type)
                .append(", built ")
                .append(format_build_date(d.build_epoch))
                .append(")\n");
        return out;
    }
    out += "{\"ip\":";
    json_string(out, ip_text);
    out += ",\"address\":";
    out += loc.has_address ? "true" : "false";
    out += ",\"found\":";
    out += !loc.unknown() ? "true" : "false";
    out += ",\"country\":";
    json_string(out, loc.country);
    out += ",\"subdivisions\":[";
    for (std::uint8_t i = 0; i < loc.subdivision_count; ++i) {
        if (i)
            out += ',';
        json_string(out, loc.subdivisions[i]);
    }
    out += "],\"regions\":[";
    if (loc.unknown()) {
        out += "\"unknown\"";
    } else {
        bool first = true;
        auto add = [&](std::string_view r) {
            if (!first)
                out += ',';
            first = false;
            json_string(out, r);
        };
        if (!loc.country.empty())
            add(loc.country);
        for (std::uint8_t i = 0; i < loc.subdivision_count; ++i)
            add(loc.subdivisions[i]);
    }
    const auto& f = loc.anonymizer;
    out += "],\"anonymizer\":{";
    const std::pair<const char*, bool> flags[] = {
        {"anonymous", f.anonymous}, {"vpn", f.vpn},     {"tor", f.tor},
        {"hosting", f.hosting},     {"proxy", f.proxy}, {"residential_proxy", f.residential_proxy}};
    bool first = true;
    for (const auto& [name, on] : flags) {
        if (!first)
            out += ',';
        first = false;
        json_string(out, name);
        out += on ? ":true" : ":false";
    }
    out += "},\"databases\":[";
    first = true;
    for (const auto& d : provider.databases()) {
        if (!first)
            out += ',';
        first = false;
        out += "{\"path\":";
        json_string(out, d.path);
        out += ",\"type\":";
        json_string(out, d.database_type);
        out += ",\"ip_version\":" + std::to_string(d.ip_version);
        out += ",\"build_epoch\":" + std::to_string(d.build_epoch);
        out += ",\"build_date\":";
        json_string(out, format_build_date(d.build_epoch));
        out += '}';
    }
    out += "]}\n";
    return out;
}

} // namespace geogate::geoip
