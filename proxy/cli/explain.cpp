#include "proxy/cli/explain.hpp"

#include "geoip/client_address.hpp"
#include "proxy/exchange/client_key.hpp"
#include "proxy/http/header_policy.hpp"
#include "proxy/http/redirect.hpp"
#include "proxy/http/request_target.hpp"
#include "rules/decide.hpp"
#include "rules/notices/notice_catalog.hpp"
#include "rules/rule_loader.hpp"

namespace geogate {

bool run_explain(const snapshot& snap, const explain_request& req, rules::explain_input& out,
                 std::string& error) {
    const config& cfg = *snap.cfg;
    error_code ec;
    auto peer = net::ip::make_address(req.peer_ip, ec);
    if (ec) {
        error = "--ip: not an IP address: " + req.peer_ip;
        return false;
    }
    if (req.url.empty() || (req.url.front() != '/' && req.url.find("://") == std::string::npos)) {
        error = "--url: expected /path or http(s)://host/path, got: " + req.url;
        return false;
    }
    std::vector<std::string> unhealthy;
    for (const auto& u : req.unhealthy_mirrors) {
        std::string why;
        auto m = rules::parse_mirror_url(u, why);
        if (!m) {
            error = "--unhealthy-mirror: " + why;
            return false;
        }
        unhealthy.push_back(m->base);
    }
    const rules::unhealthy_mirrors health(std::move(unhealthy));
    out.unhealthy_mirrors = health.bases();
    auto target = split_request_target(req.url);
    std::string host_header, user_agent, accept_language;
    std::vector<std::string_view> values;
    for (const auto& [n, v] : req.headers) {
        if (iequals(n, "host"))
            host_header = v;
        else if (iequals(n, "user-agent"))
            user_agent = v;
        else if (iequals(n, "accept-language"))
            accept_language = v;
        if (iequals(n, cfg.client_ip.header))
            values.push_back(v);
    }
    out.peer_address = geoip::unmap(peer).to_string();
    auto client = geoip::resolve_client_address(peer, values, cfg.client_ip.policy);
    out.client_address = client ? client->to_string() : "";
    bool trusted = cfg.client_ip.policy.is_trusted(geoip::unmap(peer));
    out.address_source =
        !client ? "none"
        : (trusted && !values.empty() && geoip::unmap(*client) != geoip::unmap(peer))
            ? cfg.client_ip.header
            : "peer";
    if (client)
        out.where = snap.geo->lookup(*client);
    out.method = req.method;
    out.url = req.url;
    out.host = normalize_host(!target.authority.empty() ? target.authority
                                                        : std::string_view(host_header));
    // Every reading of the path, as the session decides (the stricter decision wins).
    auto readings = rule_path_readings(target.path);
    out.path = readings.front();

    rules::request_view view;
    view.method = out.method;
    view.host = out.host;
    view.path = out.path;
    for (std::size_t k = 1; k < readings.size() && k <= view.other_paths.size(); ++k)
        view.other_paths[k - 1] = readings[k];
    view.user_agent = user_agent;
    view.client_key = client_key_of(client); // the mirror shown is the one this reader gets
    out.result = rules::decide(view, out.where, *snap.rules, &health, &out.trace);
    if (out.result.act == rules::action::redirect && out.result.target)
        out.redirect_target = build_redirect_location(out.result.target->base, target.path,
                                                      target.query, target.has_query);
    if ((out.result.act == rules::action::notice || out.result.act == rules::action::block) &&
        out.result.matched && snap.notices) {
        if (const auto* n = snap.notices->find(out.result.matched->notice))
            if (const auto* t = n->choose(accept_language)) {
                out.notice_language = t->language;
                out.notice_version = t->version;
            }
    }
    return true;
}

} // namespace geogate
