#include "rules/notices/notice_usage.hpp"

namespace geogate::notices {

std::vector<const rules::rule*> rules_using(std::string_view id, const rules::rule_set& rules) {
    std::vector<const rules::rule*> v;
    for (const auto& r : rules.rules)
        if ((r.act == rules::action::notice || r.act == rules::action::block) && r.notice == id)
            v.push_back(&r);
    return v;
}

diagnostics unapproved_in_use(const notice_catalog& catalog, const rules::rule_set& rules) {
    diagnostics out;
    for (const auto& r : rules.rules) {
        if (r.act != rules::action::notice && r.act != rules::action::block)
            continue;
        diagnostic d;
        d.file = r.file;
        d.where = r.where;
        const notice* n = catalog.find(r.notice);
        if (!n) {
            d.message = "rule '" + r.name + "' uses notice '" + r.notice + "', which is not in " +
                        catalog.dir().string();
            out.push_back(std::move(d));
            continue;
        }
        for (const auto& t : n->texts) {
            if (t.approved)
                continue;
            diagnostic e = d;
            e.severity =
                catalog.require_approval() ? diagnostic::level::error : diagnostic::level::warning;
            const approval* last = catalog.approvals().latest(t.notice_id, t.language);
            e.message = "rule '" + r.name + "' can serve " + t.file + " (version " + t.version +
                        "), which is " +
                        (last ? "changed since its approval by " + last->approved_by + " at " +
                                    last->approved_at
                              : std::string("not approved")) +
                        ": run `geogate notices approve --notice " + t.notice_id + " --lang " +
                        t.language + " --by NAME` after review";
            out.push_back(std::move(e));
        }
    }
    return out;
}

} // namespace geogate::notices
