#include "rules/decide.hpp"

#include "common/http_text.hpp"

#include <algorithm>

namespace geogate::rules {

const char* to_string(action a) noexcept {
    switch (a) {
    case action::pass:
        return "pass";
    case action::notice:
        return "notice";
    case action::redirect:
        return "redirect";
    case action::block:
        return "block";
    }
    return "pass";
}

const char* to_string(notice_position p) noexcept {
    return p == notice_position::body_end ? "body-end" : "body-start";
}

std::uint64_t stable_hash(std::string_view text) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

namespace {

constexpr std::size_t token_count = 7;

int country_slot(std::string_view code) noexcept {
    if (code.size() < 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z')
        return -1;
    return (code[0] - 'A') * 26 + (code[1] - 'A');
}

bool token_applies(region_token t, const geoip::location& w) noexcept {
    switch (t) {
    case region_token::any:
        return true;
    case region_token::unknown:
        return w.unknown();
    case region_token::anonymous:
        return w.anonymizer.any();
    case region_token::vpn:
        return w.anonymizer.vpn;
    case region_token::tor:
        return w.anonymizer.tor;
    case region_token::hosting:
        return w.anonymizer.hosting;
    case region_token::proxy:
        return w.anonymizer.proxy;
    }
    return false;
}

bool sorted_contains(const std::vector<std::string>& v, std::string_view s) noexcept {
    auto it = std::lower_bound(v.begin(), v.end(), s,
                               [](const std::string& a, std::string_view b) { return a < b; });
    return it != v.end() && *it == s;
}

bool region_matches(const region_matcher& m, const geoip::location& w) noexcept {
    for (auto t : m.tokens)
        if (token_applies(t, w))
            return true;
    if (!m.countries.empty()) {
        if (!w.country.empty() && sorted_contains(m.countries, w.country))
            return true;
        for (std::uint8_t i = 0; i < w.subdivision_count; ++i) {
            std::string_view s = w.subdivisions[i];
            auto dash = s.find('-');
            if (dash != std::string_view::npos && sorted_contains(m.countries, s.substr(0, dash)))
                return true;
        }
    }
    for (std::uint8_t i = 0; i < w.subdivision_count; ++i)
        if (sorted_contains(m.subdivisions, w.subdivisions[i]))
            return true;
    return false;
}

bool host_matches(const std::vector<std::string>& hosts, std::string_view host) noexcept {
    for (const auto& h : hosts) {
        if (h.size() > 2 && h[0] == '*' && h[1] == '.') {
            std::string_view suffix = std::string_view(h).substr(1); // ".example.com"
            if (host.size() > suffix.size() && host.ends_with(suffix))
                return true;
        } else if (h == host) {
            return true;
        }
    }
    return false;
}

// Next byte of the request path with %XX decoded, so "/%6Eews" cannot dodge a rule on "/news".
bool next_byte(std::string_view path, std::size_t& i, char& out) noexcept {
    if (i >= path.size())
        return false;
    if (path[i] == '%' && i + 2 < path.size()) {
        int a = hex_value(path[i + 1]), b = hex_value(path[i + 2]);
        // An encoded '/' or '\' is a slash only in the reading that says so (the caller
        // normalised that one with it decoded): here it stays data, so "/api%2Fx" is not
        // under "/api/" by the back door of this comparison.
        const int byte = a * 16 + b;
        if (a >= 0 && b >= 0 && byte != '/' && byte != '\\') {
            out = static_cast<char>(byte);
            i += 3;
            return true;
        }
    }
    out = path[i++];
    return true;
}

/// Segment-aware prefix: "/news" matches "/news" and "/news/x", not "/newsletter";
/// a prefix ending in "/" is a plain prefix ("/" matches everything).
bool path_under(std::string_view prefix, std::string_view path) noexcept {
    std::size_t i = 0;
    char c;
    for (char p : prefix) {
        if (!next_byte(path, i, c) || c != p)
            return false;
    }
    if (prefix.empty() || prefix.back() == '/')
        return true;
    if (!next_byte(path, i, c))
        return true;
    return c == '/';
}

bool any_path_under(const std::vector<std::string>& prefixes, std::string_view path) noexcept {
    for (const auto& p : prefixes)
        if (path_under(p, path))
            return true;
    return false;
}

bool icontains(std::string_view hay, std::string_view needle) noexcept {
    if (needle.empty())
        return true;
    if (needle.size() > hay.size())
        return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        std::size_t j = 0;
        while (j < needle.size() && ascii_lower(hay[i + j]) == ascii_lower(needle[j]))
            ++j;
        if (j == needle.size())
            return true;
    }
    return false;
}

bool any_icontains(const std::vector<std::string>& needles, std::string_view hay) noexcept {
    for (const auto& n : needles)
        if (icontains(hay, n))
            return true;
    return false;
}

std::uint64_t mix(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/// nullptr when the rule matches (then *chosen is set for redirects), else why not.
// The conditions of a rule that do not depend on the reader's region.
const char* check_request(const rule& r, const request_view& req, std::string_view host) noexcept {
    if (!r.hosts.empty() && !host_matches(r.hosts, host))
        return "host not in the rule's hosts";
    if (!r.paths.empty() && !any_path_under(r.paths, req.path))
        return "path not under the rule's paths";
    if (!r.except_paths.empty() && any_path_under(r.except_paths, req.path))
        return "path excluded by except_paths";
    if (!r.methods.empty() &&
        std::find(r.methods.begin(), r.methods.end(), req.method) == r.methods.end())
        return "method not in the rule's methods";
    if (!r.user_agents.empty() && !any_icontains(r.user_agents, req.user_agent))
        return "user agent not in the rule's user_agents";
    if (!r.except_user_agents.empty() && any_icontains(r.except_user_agents, req.user_agent))
        return "user agent excluded by except_user_agents";
    return nullptr;
}

const char* check(const rule& r, const request_view& req, std::string_view host,
                  const geoip::location& w, const unhealthy_mirrors* unhealthy,
                  const mirror** chosen) noexcept {
    if (!r.regions.empty() && !region_matches(r.regions, w))
        return "region not in the rule's regions";
    if (!r.except_regions.empty() && region_matches(r.except_regions, w))
        return "region excluded by except_regions";
    if (const char* why = check_request(r, req, host))
        return why;
    if (r.act == action::redirect) {
        const mirror* best = nullptr;
        std::uint64_t best_score = 0;
        bool skipped_unhealthy = false;
        for (const auto& m : r.mirrors) {
            if (m.host == host)
                return "request host is one of the rule's mirrors (loop guard)";
            if (m.down)
                continue;
            if (unhealthy && unhealthy->contains(m)) {
                skipped_unhealthy = true;
                continue;
            }
            std::uint64_t score = mix(req.client_key ^ m.hash);
            if (!best || score > best_score) {
                best = &m;
                best_score = score;
            }
        }
        if (!best)
            return skipped_unhealthy ? "every mirror of the rule is down or failing health checks"
                                     : "every mirror of the rule is down";
        *chosen = best;
    }
    return nullptr;
}

decision matched(const rule& r, const mirror* chosen) noexcept {
    decision d;
    d.act = r.act;
    d.matched = &r;
    d.target = chosen;
    return d;
}

void record(std::vector<rule_trace>* trace, const rule& r, const char* why) noexcept {
    if (!trace)
        return;
    try {
        trace->push_back({&r, why == nullptr, why ? why : "matched"});
    } catch (...) {
        // explain only: a trace that runs out of memory is shorter, the decision is the same.
    }
}

} // namespace

void rule_set::build_index() {
    index = {};
    index.by_country.resize(26 * 26);
    for (std::uint32_t i = 0; i < rules.size(); ++i) {
        auto& r = rules[i];
        for (auto& m : r.mirrors)
            m.hash = stable_hash(m.base);
        if (r.regions.empty()) {
            index.by_token[static_cast<std::size_t>(region_token::any)].push_back(i);
            continue;
        }
        for (auto t : r.regions.tokens) {
            auto& list = index.by_token[static_cast<std::size_t>(t)];
            if (list.empty() || list.back() != i)
                list.push_back(i);
        }
        for (const auto& c : r.regions.countries) {
            int slot = country_slot(c);
            if (slot >= 0 && (index.by_country[slot].empty() || index.by_country[slot].back() != i))
                index.by_country[slot].push_back(i);
        }
        for (const auto& s : r.regions.subdivisions) {
            auto it = std::lower_bound(
                index.by_subdivision.begin(), index.by_subdivision.end(), s,
                [](const auto& e, const std::string& key) { return e.first < key; });
            if (it == index.by_subdivision.end() || it->first != s)
                it = index.by_subdivision.insert(it, {s, {}});
            if (it->second.empty() || it->second.back() != i)
                it->second.push_back(i);
        }
    }
    index.built = true;
}

namespace {

int strictness(action a) noexcept {
    switch (a) {
    case action::pass:
        return 0;
    case action::notice:
        return 1;
    case action::redirect:
        return 2;
    case action::block:
        return 3;
    }
    return 0;
}

// The view for reading k (0 = req.path, 1.. = other_paths), without further readings.
request_view reading(const request_view& req, std::size_t k) noexcept {
    request_view v = req;
    if (k > 0)
        v.path = req.other_paths[k - 1];
    v.other_paths = {};
    return v;
}

bool may_depend_on_region_one(const request_view& req, const rule_set& rules) noexcept;
decision decide_one(const request_view& req, const geoip::location& where, const rule_set& rules,
                    const unhealthy_mirrors* unhealthy, std::vector<rule_trace>* trace) noexcept;

} // namespace

bool may_depend_on_region(const request_view& req, const rule_set& rules) noexcept {
    if (may_depend_on_region_one(reading(req, 0), rules))
        return true;
    for (std::size_t k = 1; k <= req.other_paths.size(); ++k)
        if (!req.other_paths[k - 1].empty() && may_depend_on_region_one(reading(req, k), rules))
            return true;
    return false;
}

decision decide(const request_view& req, const geoip::location& where, const rule_set& rules,
                std::vector<rule_trace>* trace) noexcept {
    return decide(req, where, rules, nullptr, trace);
}

decision decide(const request_view& req, const geoip::location& where, const rule_set& rules,
                const unhealthy_mirrors* unhealthy, std::vector<rule_trace>* trace) noexcept {
    bool ambiguous = false;
    for (auto p : req.other_paths)
        ambiguous = ambiguous || !p.empty();
    if (!ambiguous)
        return decide_one(req, where, rules, unhealthy, trace);
    std::size_t best_k = 0;
    decision best = decide_one(reading(req, 0), where, rules, unhealthy, nullptr);
    for (std::size_t k = 1; k <= req.other_paths.size(); ++k) {
        if (req.other_paths[k - 1].empty())
            continue;
        auto d = decide_one(reading(req, k), where, rules, unhealthy, nullptr);
        if (strictness(d.act) > strictness(best.act)) {
            best = d;
            best_k = k;
        }
    }
    if (trace) // explain: the trace of the reading that decided
        return decide_one(reading(req, best_k), where, rules, unhealthy, trace);
    return best;
}

namespace {

bool may_depend_on_region_one(const request_view& req, const rule_set& rules) noexcept {
    std::string_view host = req.host;
    if (!host.empty() && host.back() == '.')
        host.remove_suffix(1);
    // Conservative: any rule that is not `pass` and could match this request for some region
    // makes the response region-dependent (even an earlier pass rule for some regions only
    // makes the result differ between regions).
    for (const auto& r : rules.rules)
        if (r.act != action::pass && !check_request(r, req, host))
            return true;
    return false;
}

decision decide_one(const request_view& req, const geoip::location& where, const rule_set& rules,
                    const unhealthy_mirrors* unhealthy, std::vector<rule_trace>* trace) noexcept {
    if (unhealthy && unhealthy->empty())
        unhealthy = nullptr;
    std::string_view host = req.host;
    if (!host.empty() && host.back() == '.')
        host.remove_suffix(1);
    const mirror* chosen = nullptr;

    if (trace || !rules.index.built) {
        for (const auto& r : rules.rules) {
            const char* why = check(r, req, host, where, unhealthy, &chosen);
            record(trace, r, why);
            if (!why)
                return matched(r, chosen);
        }
        return {};
    }

    // Merge the candidate lists (each ascending) and check candidates in rule order.
    const auto& ix = rules.index;
    struct cursor {
        const std::uint32_t* at;
        const std::uint32_t* end;
    };
    cursor lists[1 + 2 * geoip::location::max_subdivisions + token_count];
    std::size_t n = 0;
    auto add = [&](const std::vector<std::uint32_t>& v) noexcept {
        if (!v.empty())
            lists[n++] = {v.data(), v.data() + v.size()};
    };
    if (int slot = country_slot(where.country); slot >= 0 && where.country.size() == 2)
        add(ix.by_country[slot]);
    for (std::uint8_t i = 0; i < where.subdivision_count; ++i) {
        std::string_view s = where.subdivisions[i];
        auto it = std::lower_bound(
            ix.by_subdivision.begin(), ix.by_subdivision.end(), s,
            [](const auto& e, std::string_view key) { return std::string_view(e.first) < key; });
        if (it != ix.by_subdivision.end() && it->first == s)
            add(it->second);
        if (s.size() > 2 && s[2] == '-' && s.substr(0, 2) != std::string_view(where.country))
            if (int slot = country_slot(s); slot >= 0)
                add(ix.by_country[slot]);
    }
    for (std::size_t t = 0; t < token_count; ++t)
        if (token_applies(static_cast<region_token>(t), where))
            add(ix.by_token[t]);

    for (;;) {
        std::uint32_t next = UINT32_MAX;
        for (std::size_t i = 0; i < n; ++i)
            if (lists[i].at != lists[i].end && *lists[i].at < next)
                next = *lists[i].at;
        if (next == UINT32_MAX)
            return {};
        for (std::size_t i = 0; i < n; ++i)
            if (lists[i].at != lists[i].end && *lists[i].at == next)
                ++lists[i].at;
        const rule& r = rules.rules[next];
        if (!check(r, req, host, where, unhealthy, &chosen))
            return matched(r, chosen);
    }
}

} // namespace

} // namespace geogate::rules
