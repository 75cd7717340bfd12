#include "proxy/cli/explain.hpp"

#include "common/http_text.hpp"
#include "geoip/client_address.hpp"
#include "proxy/exchange/classify.hpp"
#include "proxy/http/net.hpp"
#include "proxy/http/redirect.hpp"
#include "rules/notices/notice_text.hpp"
#include "rules/rule_loader.hpp"

#include <optional>

namespace geogate {

result<void> run_explain(const snapshot& snap, const explain_request& req,
                         rules::explain_input& out) {
    const config& cfg = *snap.cfg;
    error_code ec;
    auto peer = net::ip::make_address(req.peer_ip, ec);
    if (ec)
        return fail("--ip: not an IP address: " + req.peer_ip);
    if (req.url.empty() || (req.url.front() != '/' && req.url.find("://") == std::string::npos))
        return fail("--url: expected /path or http(s)://host/path, got: " + req.url);
    std::vector<std::string> unhealthy;
    for (const auto& u : req.unhealthy_mirrors) {
        auto m = rules::parse_mirror_url(u);
        if (!m)
            return fail("--unhealthy-mirror: " + m.error());
        unhealthy.push_back(m->base);
    }
    const rules::unhealthy_mirrors health(std::move(unhealthy));
    out.unhealthy_mirrors = health.bases();
    // The same facts serve reads from a request head, then the same classify. As serve's
    // parser does: a value is without the whitespace around it, and of a field sent more than
    // once the first line counts (request_header[field]); only the client-IP header keeps
    // every line, in order.
    std::optional<std::string_view> host_header, user_agent, accept_language, accept_encoding,
        accept;
    std::vector<std::string_view> values;
    for (const auto& [n, raw] : req.headers) {
        const std::string_view v = trim_ows(raw);
        auto first = [&](std::optional<std::string_view>& field) {
            if (!field)
                field = v;
        };
        if (iequals(n, "host"))
            first(host_header);
        else if (iequals(n, "user-agent"))
            first(user_agent);
        else if (iequals(n, "accept-language"))
            first(accept_language);
        else if (iequals(n, "accept-encoding"))
            first(accept_encoding);
        else if (iequals(n, "accept"))
            first(accept);
        if (iequals(n, cfg.client_ip.header))
            values.push_back(v);
    }
    request_facts facts;
    facts.peer = peer;
    facts.method = req.method;
    facts.target = req.url;
    facts.host_header = host_header.value_or("");
    facts.client_ip_values = values;
    facts.user_agent = user_agent.value_or("");
    facts.accept_language = accept_language.value_or("");
    facts.accept_encoding = accept_encoding.value_or("");
    facts.accept = accept.value_or("");
    const auto cls = classify(facts, snap, &health, &out.trace);

    out.peer_address = geoip::unmap(peer).to_string();
    out.client_address = cls.client ? cls.client->to_string() : "";
    out.address_source = cls.source == address_source::none     ? "none"
                         : cls.source == address_source::header ? cfg.client_ip.header
                                                                : "peer";
    out.where = cls.where;
    out.method = req.method;
    out.url = req.url;
    out.host = cls.host;
    out.path = cls.path_readings.front();
    out.result = cls.decision;
    const auto& target = cls.target;
    if (out.result.act == rules::action::redirect && out.result.target)
        out.redirect_target = build_redirect_location(out.result.target->base, target.path,
                                                      target.query, target.has_query);
    if (cls.notice.text) {
        out.notice_language = cls.notice.text->language;
        out.notice_version = cls.notice.text->version;
    }
    return {};
}

} // namespace geogate
