#include "proxy/exchange/classify.hpp"

#include "geoip/client_address.hpp"
#include "proxy/exchange/client_key.hpp"
#include "rules/notices/notice_catalog.hpp"
#include "rules/unhealthy_mirrors.hpp"

namespace geogate {

classification classify(const request_facts& req, const snapshot& snap,
                        const rules::unhealthy_mirrors* unhealthy,
                        std::vector<rules::rule_trace>* trace) {
    const config& cfg = *snap.cfg;
    classification out;
    out.target = split_request_target(req.target);
    out.host =
        normalize_host(!out.target.authority.empty() ? out.target.authority : req.host_header);

    out.client =
        geoip::resolve_client_address(req.peer, req.client_ip_values, cfg.client_ip.policy);
    if (out.client) {
        const auto peer = geoip::unmap(req.peer);
        out.source = !req.client_ip_values.empty() && geoip::unmap(*out.client) != peer &&
                             cfg.client_ip.policy.is_trusted(peer)
                         ? address_source::header
                         : address_source::peer;
        out.where = snap.geo->lookup(*out.client);
    }
    if (req.preview_region)
        out.where = *req.preview_region;

    // Rules see the path as the origin will resolve it: "/x/../news" and "//news" are under
    // "/news", so no spelling of a path slips past a rule. A path with an encoded slash,
    // backslash or dot, or a ';' (Java's path parameters), has several readings (origins
    // differ); the rules decide on each and the stricter decision wins, so "/api/..%2fnews/x"
    // never wins an exemption for "/api/".
    if (out.target.path.find_first_of("%\\;") == std::string_view::npos)
        out.path_readings.push_back(normalize_path_for_rules(out.target.path)); // the usual path
    else
        for (auto& reading : rule_path_readings(out.target.path))
            out.path_readings.push_back(std::move(reading));

    rules::request_view view;
    view.method = req.method;
    view.host = out.host;
    view.path = out.path_readings.front();
    for (std::size_t k = 1; k < out.path_readings.size() && k <= view.other_paths.size(); ++k)
        view.other_paths[k - 1] = out.path_readings[k];
    view.user_agent = req.user_agent;
    view.client_key = client_key_of(out.client); // picks this reader's mirror
    out.decision = rules::decide(view, out.where, *snap.rules, unhealthy, trace);

    const auto act = out.decision.act;
    switch (act) {
    case rules::action::redirect:
    case rules::action::block:
        out.region_dependent = true;
        break;
    case rules::action::notice:
        out.region_dependent = true;
        out.notice.coding = html::choose_response_encoding(req.accept_encoding);
        out.notice.origin_coding = cfg.origin.identity_for_navigations
                                       ? html::choose_origin_coding(out.notice.coding, req.accept)
                                       : out.notice.coding;
        break;
    case rules::action::pass:
        out.region_dependent = rules::may_depend_on_region(view, *snap.rules);
        break;
    }
    if ((act == rules::action::notice || act == rules::action::block) && out.decision.matched &&
        snap.notices)
        if (const auto* n = snap.notices->find(out.decision.matched->notice))
            out.notice.text = n->choose(req.accept_language);
    return out;
}

} // namespace geogate
