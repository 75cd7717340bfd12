#include "rules/rule_loader.hpp"

#include "common/http_text.hpp"
#include "rules/toml/reader.hpp"

#include <algorithm>
#include <glob.h>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sys/stat.h>

namespace geogate::rules {

namespace {

using toml::node;
using toml::reader;

bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
    return c >= 'a' && c <= 'z';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
char to_upper(char c) {
    return is_lower(c) ? char(c - 'a' + 'A') : c;
}

std::string upper(std::string_view s) {
    std::string r(s);
    for (auto& c : r)
        c = to_upper(c);
    return r;
}

std::string quoted(std::string_view s) {
    std::string r = "\"";
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) {
            static const char* hexd = "0123456789abcdef";
            r += "\\x";
            r += hexd[c >> 4];
            r += hexd[c & 15];
        } else {
            r += static_cast<char>(c);
        }
        if (r.size() > 80) {
            r += "...";
            break;
        }
    }
    return r + "\"";
}

bool has_bad_chars(std::string_view s) {
    for (unsigned char c : s)
        if (c <= 0x20 || c >= 0x7f)
            return true;
    return false;
}

bool is_name(std::string_view s) {
    if (s.empty() || s.size() > 128)
        return false;
    for (char c : s)
        if (!is_upper(c) && !is_lower(c) && !is_digit(c) && c != '-' && c != '_' && c != '.')
            return false;
    return true;
}

const std::pair<const char*, region_token> token_names[] = {{"unknown", region_token::unknown},
                                                            {"anonymous", region_token::anonymous},
                                                            {"vpn", region_token::vpn},
                                                            {"tor", region_token::tor},
                                                            {"hosting", region_token::hosting},
                                                            {"proxy", region_token::proxy},
                                                            {"*", region_token::any}};

bool country_shape(std::string_view s) {
    return s.size() == 2 && is_upper(s[0]) && is_upper(s[1]);
}

bool subdivision_shape(std::string_view s) {
    if (s.size() < 4 || s.size() > 6 || !country_shape(s.substr(0, 2)) || s[2] != '-')
        return false;
    for (char c : s.substr(3))
        if (!is_upper(c) && !is_digit(c))
            return false;
    return true;
}

/// Adds one region item (not a @set) to m; returns an error message or "".
std::string add_region_item(std::string_view item, region_matcher& m) {
    for (const auto& [name, t] : token_names)
        if (item == name) {
            if (std::find(m.tokens.begin(), m.tokens.end(), t) == m.tokens.end())
                m.tokens.push_back(t);
            return "";
        }
    if (country_shape(item)) {
        m.countries.emplace_back(item);
        return "";
    }
    if (subdivision_shape(item)) {
        m.subdivisions.emplace_back(item);
        return "";
    }
    std::string up = upper(item);
    if (up != item && (country_shape(up) || subdivision_shape(up)))
        return "region codes are upper-case: write \"" + up + "\" instead of " + quoted(item);
    return "expected an ISO 3166-1 country code (\"RU\"), an ISO 3166-2 subdivision (\"UA-43\"), "
           "a @set, or one of unknown, anonymous, vpn, tor, hosting, proxy, \"*\"; found " +
           quoted(item);
}

void normalise(region_matcher& m) {
    for (auto* v : {&m.countries, &m.subdivisions}) {
        std::sort(v->begin(), v->end());
        v->erase(std::unique(v->begin(), v->end()), v->end());
    }
}

struct region_set {
    std::string file;
    source_position where;
    region_matcher items;
};

std::string position_text(const std::string& file, source_position p) {
    return file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

bool host_shape(std::string_view h) {
    if (h.empty() || h.size() > 253 || h.front() == '.' || h.back() == '.' ||
        h.find("..") != std::string_view::npos)
        return false;
    for (char c : h)
        if (!is_lower(c) && !is_digit(c) && c != '-' && c != '.')
            return false;
    return true;
}

class compiler {
public:
    compiler(const notice_lookup& notices, diagnostics& out) : notices_(notices), out_(out) {}

    std::optional<rule_set> run(const std::vector<std::pair<std::string, node>>& docs) {
        std::size_t first = out_.size();
        std::vector<const node*> rule_arrays(docs.size(), nullptr);
        for (std::size_t i = 0; i < docs.size(); ++i) {
            const auto& [file, root] = docs[i];
            set_.files.push_back(file);
            reader top(root, file, "a rule file (expected [regions] and [[rule]])", out_);
            if (const node* regions = top.table("regions"))
                read_sets(file, *regions);
            rule_arrays[i] = top.array("rule");
            top.finish();
        }
        for (std::size_t i = 0; i < docs.size(); ++i)
            if (rule_arrays[i])
                for (const auto& element : rule_arrays[i]->children)
                    read_rule(docs[i].first, element);
        check_shadowing();
        if (has_errors(out_, first))
            return std::nullopt;
        set_.build_index();
        return std::move(set_);
    }

private:
    void read_sets(const std::string& file, const node& regions) {
        for (const auto& s : regions.children) {
            reader r(regions, file, "[regions]", out_);
            if (!is_name(s.key)) {
                r.error_at_key(s, "region set name " + quoted(s.key) +
                                      " must be letters, digits, '-', '_' or '.'");
                continue;
            }
            if (auto it = sets_.find(s.key); it != sets_.end()) {
                r.error_at_key(s, "region set '" + s.key + "' is already defined at " +
                                      position_text(it->second.file, it->second.where));
                continue;
            }
            auto items = r.strings(s.key);
            if (!items)
                continue;
            region_set rs{file, s.key_where, {}};
            for (std::size_t i = 0; i < items->size(); ++i) {
                const auto& item = (*items)[i];
                if (!item.empty() && item[0] == '@') {
                    r.error(s.children[i],
                            "region sets cannot reference other sets; found " + quoted(item));
                    continue;
                }
                if (auto why = add_region_item(item, rs.items); !why.empty())
                    r.error(s.children[i], why);
            }
            if (items->empty())
                r.error(s, "region set '" + s.key + "' is empty; expected at least one region");
            normalise(rs.items);
            sets_.emplace(s.key, std::move(rs));
        }
    }

    std::optional<region_matcher> regions(reader& r, std::string_view key) {
        auto items = r.strings(key);
        if (!items)
            return std::nullopt;
        const node* n = r.get(key);
        region_matcher m;
        for (std::size_t i = 0; i < items->size(); ++i) {
            const std::string& item = (*items)[i];
            const node& at = n->children[i];
            if (!item.empty() && item[0] == '@') {
                auto it = sets_.find(item.substr(1));
                if (it == sets_.end()) {
                    r.error(at, "undefined region set " + quoted(item) +
                                    "; expected a name defined under [regions]");
                    continue;
                }
                const auto& src = it->second.items;
                m.countries.insert(m.countries.end(), src.countries.begin(), src.countries.end());
                m.subdivisions.insert(m.subdivisions.end(), src.subdivisions.begin(),
                                      src.subdivisions.end());
                for (auto t : src.tokens)
                    if (std::find(m.tokens.begin(), m.tokens.end(), t) == m.tokens.end())
                        m.tokens.push_back(t);
                continue;
            }
            if (auto why = add_region_item(item, m); !why.empty())
                r.error(at, why);
        }
        normalise(m);
        return m;
    }

    std::vector<std::string> paths(reader& r, std::string_view key) {
        std::vector<std::string> out;
        auto v = r.strings(key);
        if (!v)
            return out;
        const node* n = r.get(key);
        for (std::size_t i = 0; i < v->size(); ++i) {
            const auto& p = (*v)[i];
            if (p.empty() || p[0] != '/' || has_bad_chars(p) ||
                p.find_first_of("?#") != std::string::npos)
                r.error(n->children[i], "expected a path prefix starting with \"/\" (no spaces, "
                                        "query or fragment) in '" +
                                            std::string(key) + "', found " + quoted(p));
            else
                out.push_back(p);
        }
        return out;
    }

    std::vector<std::string> hosts(reader& r) {
        std::vector<std::string> out;
        auto v = r.strings("hosts");
        if (!v)
            return out;
        const node* n = r.get("hosts");
        for (std::size_t i = 0; i < v->size(); ++i) {
            std::string h = ascii_lowered((*v)[i]);
            std::string_view bare = h;
            if (bare.starts_with("*."))
                bare.remove_prefix(2);
            if (!host_shape(bare))
                r.error(n->children[i], "expected a host name like \"example.com\" or "
                                        "\"*.example.com\" (no scheme, port or path), found " +
                                            quoted((*v)[i]));
            else
                out.push_back(std::move(h));
        }
        return out;
    }

    std::vector<std::string> methods(reader& r) {
        std::vector<std::string> out;
        auto v = r.strings("methods");
        if (!v)
            return out;
        const node* n = r.get("methods");
        for (std::size_t i = 0; i < v->size(); ++i) {
            const auto& m = (*v)[i];
            bool ok = !m.empty() && m.size() <= 32 &&
                      std::all_of(m.begin(), m.end(), [](char c) { return is_upper(c); });
            if (!ok)
                r.error(n->children[i],
                        "expected an upper-case HTTP method like \"GET\", found " + quoted(m));
            else
                out.push_back(m);
        }
        return out;
    }

    std::vector<std::string> agents(reader& r, std::string_view key) {
        std::vector<std::string> out;
        auto v = r.strings(key);
        if (!v)
            return out;
        const node* n = r.get(key);
        for (std::size_t i = 0; i < v->size(); ++i) {
            if ((*v)[i].empty())
                r.error(n->children[i],
                        "expected a non-empty user agent substring in '" + std::string(key) + "'");
            else
                out.push_back((*v)[i]);
        }
        return out;
    }

    void read_mirrors(reader& r, rule& out) {
        const node* n = r.array("mirrors");
        if (!n)
            return;
        for (const auto& e : n->children) {
            std::string url;
            bool down = false;
            const node* at = &e;
            if (e.is_string()) {
                url = e.text;
            } else if (e.is_table()) {
                reader mr(e, r.file(), "a mirror table", out_);
                auto u = mr.string("url");
                auto d = mr.boolean("down");
                mr.finish();
                if (!u) {
                    if (!mr.has("url"))
                        mr.error(e, "mirror table needs url = \"https://...\"");
                    continue;
                }
                url = *u;
                down = d.value_or(false);
                at = e.find("url");
            } else {
                r.error(e, std::string("expected a mirror URL string or {url = \"https://...\", "
                                       "down = true}, found ") +
                               node::kind_name(e.type));
                continue;
            }
            auto m = parse_mirror_url(url);
            if (!m) {
                r.error(*at, m.error());
                continue;
            }
            m->down = down;
            bool dup = std::any_of(out.mirrors.begin(), out.mirrors.end(),
                                   [&](const mirror& x) { return x.base == m->base; });
            if (dup)
                r.error(*at, "mirror " + quoted(m->base) + " is listed twice");
            else
                out.mirrors.push_back(std::move(*m));
        }
        if (n->children.empty())
            r.error(*n, "expected at least one mirror URL in 'mirrors'");
    }

    void forbid(reader& r, std::string_view key, std::string_view act, std::string_view valid_for) {
        if (const node* n = r.get(key))
            r.error_at_key(*n, "key '" + std::string(key) + "' is not valid with action \"" +
                                   std::string(act) + "\"; it belongs to " +
                                   std::string(valid_for));
    }

    // One [[rule]] being read: the rule so far and the action-dependent keys, which can only
    // be checked once the action is known.
    struct rule_draft {
        explicit rule_draft(const node& e) : element(e) {}
        const node& element;
        std::string label = "[[rule]]"; // "[[rule]] 'name'" when it has a name
        rule x;
        bool act_ok = false;
        std::optional<std::string> notice;
        std::optional<std::string> position;
        std::optional<std::int64_t> status;
        std::optional<std::string> blocked_by;
    };

    void read_name(reader& r, rule_draft& d) {
        auto nm = r.string("name");
        if (!nm) {
            if (!r.has("name"))
                r.error(d.element, "[[rule]] needs name = \"...\"");
        } else if (!is_name(*nm)) {
            r.error(*r.get("name"),
                    "rule name " + quoted(*nm) + " must be 1-128 letters, digits, '-', '_' or '.'");
        } else if (auto it = names_.find(*nm); it != names_.end()) {
            r.error(*r.get("name"),
                    "duplicate rule name '" + *nm + "'; first defined at " + it->second);
        } else {
            names_.emplace(*nm, position_text(r.file(), r.get("name")->where));
            d.x.name = *nm;
        }
    }

    void read_regions(reader& r, rule_draft& d) {
        if (auto m = regions(r, "regions")) {
            d.x.regions = std::move(*m);
            if (d.x.regions.empty() && r.has("regions"))
                r.error(*r.get("regions"), "expected at least one region in 'regions' (\"*\" "
                                           "means every reader)");
        }
        if (!r.has("regions"))
            r.error(d.element, d.label + " needs regions = [...] (use [\"*\"] for every reader)");
    }

    void read_action(reader& r, rule_draft& d) {
        auto act = r.string("action");
        if (act) {
            static const std::pair<const char*, action> names[] = {{"pass", action::pass},
                                                                   {"notice", action::notice},
                                                                   {"redirect", action::redirect},
                                                                   {"block", action::block}};
            for (const auto& [s, a] : names)
                if (*act == s) {
                    d.x.act = a;
                    d.act_ok = true;
                }
            if (!d.act_ok)
                r.error(*r.get("action"), "expected action \"pass\", \"notice\", \"redirect\" or "
                                          "\"block\", found " +
                                              quoted(*act));
        } else if (!r.has("action")) {
            r.error(d.element, d.label + " needs action = \"pass\" | \"notice\" | \"redirect\" | "
                                         "\"block\"");
        }
    }

    // Each key of a [[rule]] and its reader, in reading order: that order is the order of the
    // diagnostics and of the "expected one of" list in an unknown-key error.
    using key_reader = void (*)(compiler&, reader&, rule_draft&);
    struct rule_key {
        std::string_view key;
        key_reader read;
    };
    // Defined after the class: its readers use members of a complete compiler (clang insists).
    static std::span<const rule_key> rule_keys();

    void check_notice(reader& r, rule_draft& d, const char* a) {
        if (d.x.act != action::notice && d.x.act != action::block) {
            forbid(r, "notice", a, "actions \"notice\" and \"block\"");
            return;
        }
        if (!d.notice) {
            if (!r.has("notice"))
                r.error(d.element,
                        d.label + " with action \"" + a + "\" needs notice = \"<notice id>\"");
        } else if (!is_name(*d.notice)) {
            r.error(*r.get("notice"), "expected a notice id (letters, digits, '-', '_', "
                                      "'.'), found " +
                                          quoted(*d.notice));
        } else if (notices_ && !notices_(*d.notice)) {
            r.error(*r.get("notice"), "unknown notice '" + *d.notice +
                                          "'; expected the id of a notice in the notices "
                                          "directory");
        } else {
            d.x.notice = *d.notice;
        }
    }

    void check_position(reader& r, rule_draft& d, const char* a) {
        if (d.x.act != action::notice) {
            forbid(r, "position", a, "action \"notice\"");
            return;
        }
        if (!d.position)
            return;
        if (*d.position == "body-start")
            d.x.position = notice_position::body_start;
        else if (*d.position == "body-end")
            d.x.position = notice_position::body_end;
        else
            r.error(*r.get("position"), "expected position \"body-start\" or \"body-end\", found " +
                                            quoted(*d.position));
    }

    void check_redirect(reader& r, rule_draft& d, const char* a) {
        if (d.x.act != action::redirect) {
            forbid(r, "mirrors", a, "action \"redirect\"");
            return;
        }
        if (!r.has("mirrors"))
            r.error(d.element, d.label + " with action \"redirect\" needs mirrors = "
                                         "[\"https://...\"]");
        d.x.status = 302;
        if (!d.status)
            return;
        static const int ok[] = {301, 302, 303, 307, 308};
        if (std::find(std::begin(ok), std::end(ok), *d.status) == std::end(ok))
            r.error(*r.get("status"), "expected a redirect status 301, 302, 303, 307 or "
                                      "308, found " +
                                          std::to_string(*d.status));
        else
            d.x.status = static_cast<unsigned>(*d.status);
    }

    void check_block(reader& r, rule_draft& d, const char* a) {
        if (d.x.act != action::block) {
            forbid(r, "blocked_by", a, "action \"block\"");
            if (d.x.act != action::redirect)
                forbid(r, "status", a, "actions \"redirect\" and \"block\"");
            return;
        }
        d.x.status = 451;
        if (d.status && *d.status != 451)
            r.error(*r.get("status"), "action \"block\" always answers 451; found status " +
                                          std::to_string(*d.status));
        if (!d.blocked_by)
            return;
        const std::string& b = *d.blocked_by;
        bool ok = (b.starts_with("https://") || b.starts_with("http://")) && !has_bad_chars(b) &&
                  b.find_first_of("<>\"") == std::string::npos;
        if (!ok)
            r.error(*r.get("blocked_by"), "expected an absolute http(s) URL without "
                                          "spaces, quotes or angle brackets for "
                                          "'blocked_by', found " +
                                              quoted(b));
        else
            d.x.blocked_by = b;
    }

    void read_rule(const std::string& file, const node& element) {
        if (!element.is_table()) {
            diagnostic d;
            d.file = file;
            d.where = element.where;
            d.message =
                std::string("expected [[rule]] tables, found ") + node::kind_name(element.type);
            out_.push_back(std::move(d));
            return;
        }
        rule_draft d(element);
        d.x.file = file;
        d.x.where = element.where;
        if (auto name = element.find("name"); name && name->is_string())
            d.label = "[[rule]] '" + name->text + "'";
        reader r(element, file, d.label, out_);
        for (const auto& k : rule_keys())
            k.read(*this, r, d);
        r.finish();
        if (!d.act_ok)
            return;
        // The keys that depend on the action, in this order: notice, position, redirect's
        // mirrors and status, block's status and blocked_by.
        const char* a = to_string(d.x.act);
        check_notice(r, d, a);
        check_position(r, d, a);
        check_redirect(r, d, a);
        check_block(r, d, a);
        set_.rules.push_back(std::move(d.x));
    }

    // ---- shadowing: does earlier rule `a` match every request that `b` matches? ----
    static bool regions_cover(const region_matcher& a, const region_matcher& b) {
        if (a.empty() ||
            std::find(a.tokens.begin(), a.tokens.end(), region_token::any) != a.tokens.end())
            return true;
        if (b.empty())
            return false;
        for (auto t : b.tokens) {
            bool covered = std::find(a.tokens.begin(), a.tokens.end(), t) != a.tokens.end() ||
                           (t != region_token::any && t != region_token::unknown &&
                            std::find(a.tokens.begin(), a.tokens.end(), region_token::anonymous) !=
                                a.tokens.end());
            if (!covered)
                return false;
        }
        for (const auto& c : b.countries)
            if (!std::binary_search(a.countries.begin(), a.countries.end(), c))
                return false;
        for (const auto& s : b.subdivisions)
            if (!std::binary_search(a.subdivisions.begin(), a.subdivisions.end(), s) &&
                !std::binary_search(a.countries.begin(), a.countries.end(), s.substr(0, 2)))
                return false;
        return true;
    }

    static bool prefix_covers(std::string_view a, std::string_view b) {
        if (!b.starts_with(a))
            return false;
        return a.back() == '/' || b.size() == a.size() || b[a.size()] == '/';
    }

    static bool hosts_cover(const std::vector<std::string>& a, const std::vector<std::string>& b) {
        if (a.empty())
            return true;
        if (b.empty())
            return false;
        for (const auto& h : b) {
            bool covered = std::any_of(a.begin(), a.end(), [&](const std::string& x) {
                if (x == h)
                    return true;
                if (x.starts_with("*.")) {
                    std::string_view suffix = std::string_view(x).substr(1);
                    return h.size() > suffix.size() && std::string_view(h).ends_with(suffix) &&
                           !h.starts_with("*.");
                }
                return false;
            });
            if (!covered)
                return false;
        }
        return true;
    }

    static bool covers(const rule& a, const rule& b) {
        if (a.act == action::redirect || !a.except_regions.empty() || !a.except_paths.empty() ||
            !a.user_agents.empty() || !a.except_user_agents.empty())
            return false;
        if (!regions_cover(a.regions, b.regions) || !hosts_cover(a.hosts, b.hosts))
            return false;
        if (!a.paths.empty()) {
            std::vector<std::string> bp = b.paths.empty() ? std::vector<std::string>{"/"} : b.paths;
            for (const auto& p : bp)
                if (!std::any_of(a.paths.begin(), a.paths.end(),
                                 [&](const std::string& x) { return prefix_covers(x, p); }))
                    return false;
        }
        if (!a.methods.empty()) {
            if (b.methods.empty())
                return false;
            for (const auto& m : b.methods)
                if (std::find(a.methods.begin(), a.methods.end(), m) == a.methods.end())
                    return false;
        }
        return true;
    }

    void check_shadowing() {
        const auto& rs = set_.rules;
        for (std::size_t j = 1; j < rs.size(); ++j)
            for (std::size_t i = 0; i < j; ++i)
                if (covers(rs[i], rs[j])) {
                    diagnostic d;
                    d.severity = diagnostic::level::warning;
                    d.file = rs[j].file;
                    d.where = rs[j].where;
                    d.message = "rule '" + rs[j].name + "' can never match: earlier rule '" +
                                rs[i].name + "' at " + position_text(rs[i].file, rs[i].where) +
                                " matches every request it would match";
                    set_.warnings.push_back(d);
                    out_.push_back(std::move(d));
                    break;
                }
    }

    const notice_lookup& notices_;
    diagnostics& out_;
    rule_set set_;
    std::map<std::string, region_set, std::less<>> sets_;
    std::map<std::string, std::string, std::less<>> names_;
};

std::span<const compiler::rule_key> compiler::rule_keys() {
    static const rule_key keys[] = {
        {"name", [](compiler& c, reader& r, rule_draft& d) { c.read_name(r, d); }},
        {"regions", [](compiler& c, reader& r, rule_draft& d) { c.read_regions(r, d); }},
        {"except_regions",
         [](compiler& c, reader& r, rule_draft& d) {
             if (auto m = c.regions(r, "except_regions"))
                 d.x.except_regions = std::move(*m);
         }},
        {"hosts", [](compiler& c, reader& r, rule_draft& d) { d.x.hosts = c.hosts(r); }},
        {"paths", [](compiler& c, reader& r, rule_draft& d) { d.x.paths = c.paths(r, "paths"); }},
        {"except_paths", [](compiler& c, reader& r,
                            rule_draft& d) { d.x.except_paths = c.paths(r, "except_paths"); }},
        {"methods", [](compiler& c, reader& r, rule_draft& d) { d.x.methods = c.methods(r); }},
        {"user_agents", [](compiler& c, reader& r,
                           rule_draft& d) { d.x.user_agents = c.agents(r, "user_agents"); }},
        {"except_user_agents",
         [](compiler& c, reader& r, rule_draft& d) {
             d.x.except_user_agents = c.agents(r, "except_user_agents");
         }},
        {"action", [](compiler& c, reader& r, rule_draft& d) { c.read_action(r, d); }},
        // checked against the action in check_action_keys
        {"notice", [](compiler&, reader& r, rule_draft& d) { d.notice = r.string("notice"); }},
        {"position",
         [](compiler&, reader& r, rule_draft& d) { d.position = r.string("position"); }},
        {"status",
         [](compiler&, reader& r, rule_draft& d) { d.status = r.integer("status", 100, 599); }},
        {"blocked_by",
         [](compiler&, reader& r, rule_draft& d) { d.blocked_by = r.string("blocked_by"); }},
        {"mirrors", [](compiler& c, reader& r, rule_draft& d) { c.read_mirrors(r, d.x); }},
    };
    return keys;
}

bool is_pattern(std::string_view s) {
    return s.find_first_of("*?[") != std::string_view::npos;
}

diagnostic file_problem(std::string file, std::string message, bool error = true) {
    diagnostic d;
    d.severity = error ? diagnostic::level::error : diagnostic::level::warning;
    d.file = std::move(file);
    d.message = std::move(message);
    return d;
}

} // namespace

result<mirror> parse_mirror_url(std::string_view url) {
    const std::string_view scheme = "https://";
    for (unsigned char c : url)
        if (c <= 0x20 || c >= 0x7f)
            return fail("mirror URL " + quoted(url) +
                        " contains a space, control or non-ASCII character (write IDNs as xn--)");
    if (url.size() < scheme.size() || upper(url.substr(0, scheme.size())) != "HTTPS://")
        return fail("expected an absolute https:// mirror URL, found " + quoted(url));
    std::string_view rest = url.substr(scheme.size());
    if (rest.ends_with("/"))
        rest.remove_suffix(1);
    if (rest.find_first_of("/?#\\@") != std::string_view::npos)
        return fail("expected a mirror URL with a host only (https://host[:port]; no user, path, "
                    "query or fragment: the request's path is appended), found " +
                    quoted(url));
    std::string_view host = rest, port;
    if (auto colon = rest.find(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        bool ok = !port.empty() && port.size() <= 5 &&
                  std::all_of(port.begin(), port.end(), is_digit) && port[0] != '0' &&
                  std::stoul(std::string(port)) <= 65535;
        if (!ok)
            return fail("expected a port from 1 to 65535 in mirror URL " + quoted(url));
    }
    std::string h = ascii_lowered(host);
    if (!host_shape(h))
        return fail("expected a host name (letters, digits, '-', '.') in mirror URL " +
                    quoted(url));
    mirror m;
    m.base = "https://" + h + (port.empty() ? "" : ":" + std::string(port));
    m.host = h;
    m.hash = stable_hash(m.base);
    return m;
}

std::vector<std::string> expand_rule_globs(const std::vector<std::string>& globs,
                                           diagnostics& out) {
    std::vector<std::string> files;
    std::set<std::string> seen;
    for (const auto& g : globs) {
        std::vector<std::string> matches;
        if (is_pattern(g)) {
            glob_t gl{};
            int rc = ::glob(g.c_str(), GLOB_NOSORT, nullptr, &gl);
            if (rc == 0)
                for (std::size_t i = 0; i < gl.gl_pathc; ++i)
                    matches.emplace_back(gl.gl_pathv[i]);
            ::globfree(&gl);
            if (rc == GLOB_NOMATCH)
                out.push_back(file_problem(g, "rule file pattern matches no files", false));
            else if (rc != 0)
                out.push_back(file_problem(g, "cannot expand rule file pattern"));
            std::sort(matches.begin(), matches.end());
        } else {
            struct stat st {};
            if (::stat(g.c_str(), &st) != 0)
                out.push_back(file_problem(g, "rule file does not exist"));
            else
                matches.push_back(g);
        }
        for (auto& m : matches)
            if (seen.insert(m).second)
                files.push_back(std::move(m));
    }
    if (!globs.empty() && files.empty())
        out.push_back(file_problem(globs.front(),
                                   "no rule files found; with no rules every reader would pass"));
    return files;
}

std::optional<rule_set> compile_rules(const std::vector<std::pair<std::string, toml::node>>& docs,
                                      const notice_lookup& notice_exists, diagnostics& out) {
    compiler c(notice_exists, out);
    return c.run(docs);
}

std::optional<rule_set> load_rule_texts(const std::vector<rule_source>& sources,
                                        const notice_lookup& notice_exists, diagnostics& out) {
    std::vector<std::pair<std::string, toml::node>> docs;
    bool failed = false;
    for (const auto& s : sources) {
        auto parsed = toml::parse_text_isolated(s.text, s.name);
        if (!parsed.root) {
            out.push_back(std::move(parsed.error));
            failed = true;
            continue;
        }
        docs.emplace_back(s.name, std::move(*parsed.root));
    }
    auto set = compile_rules(docs, notice_exists, out);
    if (failed)
        return std::nullopt;
    return set;
}

std::optional<rule_set> load_rules(const std::vector<std::string>& globs,
                                   const notice_lookup& notice_exists, diagnostics& out) {
    std::size_t first = out.size();
    auto files = expand_rule_globs(globs, out);
    std::vector<std::pair<std::string, toml::node>> docs;
    for (const auto& f : files) {
        auto parsed = toml::parse_file_isolated(f);
        if (!parsed.root) {
            out.push_back(std::move(parsed.error));
            continue;
        }
        docs.emplace_back(f, std::move(*parsed.root));
    }
    auto set = compile_rules(docs, notice_exists, out);
    if (has_errors(out, first))
        return std::nullopt;
    return set;
}

} // namespace geogate::rules
