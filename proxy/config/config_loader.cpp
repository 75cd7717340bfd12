// load_config(): geogate.toml -> config, validated whole. The TOML is parsed in an isolated
// child (rules/toml/document.hpp); every field goes through toml::reader, so type errors and
// unknown keys come out as file:line:column diagnostics.
#include "common/http_text.hpp"
#include "proxy/config/config.hpp"
#include "proxy/config/listen_address.hpp"
#include "rules/toml/reader.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <charconv>
#include <limits>

namespace geogate {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept {
    return toml::parse_duration(text);
}

std::optional<std::uint64_t> parse_size(std::string_view text) noexcept {
    return toml::parse_size(text);
}

namespace {

using toml::node;
using toml::reader;

/// An origin port: 1 to 65535, digits only.
bool valid_port(std::string_view p) {
    if (p.empty() || p.size() > 5 ||
        !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    unsigned v = 0;
    std::from_chars(p.data(), p.data() + p.size(), v);
    return v <= 65535 && v > 0;
}

bool host_name_ok(std::string_view h) {
    if (h.empty() || h.size() > 253)
        return false;
    for (char c : h)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return false;
    return true;
}

bool header_name_ok(std::string_view h) {
    if (h.empty())
        return false;
    for (char c : h)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    return true;
}

/// Fills the derived origin fields from origin.url, or says why it cannot.
result<void> derive_origin(origin_config& o) {
    std::string_view u = o.url;
    std::string_view rest;
    if (u.starts_with("http://")) {
        o.tls = false;
        rest = u.substr(7);
    } else if (u.starts_with("https://")) {
        o.tls = true;
        rest = u.substr(8);
    } else {
        return fail("expected an http:// or https:// URL for origin.url, found \"" + o.url + "\"");
    }
    if (rest.find_first_of("?#@ \t\r\n\\") != std::string_view::npos)
        return fail("expected origin.url without user, query, fragment or spaces, found \"" +
                    o.url + "\"");
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
    while (path.ends_with("/"))
        path.remove_suffix(1);
    std::string_view host = authority, port;
    bool bracketed = false;
    if (authority.starts_with("[")) {
        auto close = authority.find(']');
        if (close == std::string_view::npos)
            return fail("unterminated IPv6 address in origin.url \"" + o.url + "\"");
        host = authority.substr(1, close - 1);
        bracketed = true;
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':')
                return fail("expected :port after the IPv6 address in origin.url \"" + o.url +
                            "\"");
            port = after.substr(1);
        }
        boost::system::error_code ec;
        if (boost::asio::ip::make_address_v6(std::string(host), ec), ec)
            return fail("invalid IPv6 address in origin.url \"" + o.url + "\"");
    } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (!bracketed && !host_name_ok(host))
        return fail("expected a host name or address in origin.url, found \"" + o.url + "\"");
    if (!port.empty() && !valid_port(port))
        return fail("expected a port from 1 to 65535 in origin.url, found \"" + o.url + "\"");
    o.host = ascii_lowered(host);
    const char* def = o.tls ? "443" : "80";
    o.port = port.empty() ? def : std::string(port);
    o.base_path = std::string(path);
    o.host_header = (bracketed ? "[" + o.host + "]" : o.host) + (o.port == def ? "" : ":" + o.port);
    return {};
}

/// log.client_ip: the one place its text becomes the enum.
std::optional<client_ip_logging> client_ip_logging_of(std::string_view text) {
    if (text == "truncate")
        return client_ip_logging::truncate;
    if (text == "full")
        return client_ip_logging::full;
    if (text == "none")
        return client_ip_logging::none;
    return std::nullopt;
}

class config_reader {
public:
    config_reader(config& c, diagnostics& out) : c_(c), out_(out) {}

    void read(const node& root) {
        reader top(root, file(), "the configuration", out_);
        if (auto t = top.integer("threads", 0, 1024))
            c_.threads = static_cast<unsigned>(*t);
        if (auto t = top.table("listen"))
            listen(*t);
        if (auto t = top.table("tls"))
            tls(*t);
        if (auto t = top.table("origin"))
            origin(*t);
        if (auto t = top.table("client_ip"))
            client_ip(*t);
        if (auto t = top.table("geoip"))
            geoip(*t);
        if (auto t = top.table("rules"))
            rules(*t);
        if (auto t = top.table("notices"))
            notices(*t);
        if (auto t = top.table("limits"))
            limits(*t);
        if (auto t = top.table("cache"))
            cache(*t);
        if (auto t = top.table("compression"))
            compression(*t);
        if (auto t = top.table("http2"))
            http2(*t);
        if (auto t = top.table("log"))
            log(*t);
        if (auto t = top.table("reload"))
            reload(*t);
        if (auto t = top.table("mirror_health"))
            mirror_health(*t);
        top.finish();
        if (!c_.listen.https.empty() && !c_.tls) {
            const node* at = https_node_ ? https_node_ : &root;
            top.error(*at, "listen.https needs a [tls] table with a certificate and private_key");
        }
        if (c_.listen.http.empty() && c_.listen.https.empty())
            top.error(root, "no listeners: expected [listen] http = [\"127.0.0.1:8080\"] or https");
        c_.client_ip.policy.header_name = c_.client_ip.header;
        c_.client_ip.policy.kind = geoip::client_address_policy::kind_for(c_.client_ip.header);
    }

private:
    const std::string& file() const { return file_; }

    std::string resolve(const std::string& p) const {
        if (p.empty())
            return p;
        std::filesystem::path path(p);
        if (path.is_absolute())
            return p;
        return (c_.base_dir / path).lexically_normal().string();
    }

    void addresses(reader& r, std::string_view key, std::vector<listen_endpoint>& out) {
        auto v = r.strings(key);
        if (!v)
            return;
        const node* n = r.get(key);
        for (std::size_t i = 0; i < v->size(); ++i) {
            if (auto ep = parse_listen_address((*v)[i]))
                out.push_back({(*v)[i], *ep});
            else
                r.error(n->children[i], "expected a listen address like \"127.0.0.1:8080\" or "
                                        "\"[::]:8443\" (IP literal and port), found \"" +
                                            (*v)[i] + "\"");
        }
    }

    void listen(const node& t) {
        reader r(t, file(), "[listen]", out_);
        addresses(r, "http", c_.listen.http);
        https_node_ = t.find("https");
        addresses(r, "https", c_.listen.https);
        if (auto a = r.string("admin"); a && !a->empty()) {
            if (auto ep = parse_listen_address(*a))
                c_.listen.admin = listen_endpoint{*a, *ep};
            else
                r.error(*r.get("admin"), "expected a listen address like \"127.0.0.1:9090\" for "
                                         "'admin', found \"" +
                                             *a + "\"");
        }
        r.finish();
    }

    void certificate(reader& r, const node& at, tls_config& t) {
        auto cert = r.string("certificate");
        auto key = r.string("private_key");
        if (!cert || !key) {
            if (!r.has("certificate") || !r.has("private_key"))
                r.error(at, "a TLS certificate needs both certificate and private_key");
            return;
        }
        t.certificates.push_back({resolve(*cert), resolve(*key)});
    }

    void tls(const node& t) {
        reader r(t, file(), "[tls]", out_);
        tls_config cfg;
        if (r.has("certificate") || r.has("private_key"))
            certificate(r, t, cfg);
        if (const node* list = r.array("certificates")) {
            for (const auto& e : list->children) {
                if (!e.is_table()) {
                    r.error(e, "expected [[tls.certificates]] tables");
                    continue;
                }
                reader cr(e, file(), "[[tls.certificates]]", out_);
                certificate(cr, e, cfg);
                cr.finish();
            }
        }
        if (const node* h = r.get("hsts_max_age")) {
            if (h->type == node::kind::integer && h->integer >= 0)
                cfg.hsts_max_age = std::chrono::seconds(h->integer);
            else if (auto d = r.duration("hsts_max_age"))
                cfg.hsts_max_age = std::chrono::duration_cast<std::chrono::seconds>(*d);
        }
        if (cfg.certificates.empty())
            r.error(t, "[tls] needs certificate and private_key (or [[tls.certificates]])");
        r.finish();
        c_.tls = std::move(cfg);
    }

    void duration(reader& r, std::string_view key, std::chrono::milliseconds& out) {
        if (auto d = r.duration(key)) {
            if (d->count() == 0)
                r.error(*r.get(key),
                        "expected a duration above zero for '" + std::string(key) + "'");
            else
                out = *d;
        }
    }

    template <class T> void size(reader& r, std::string_view key, T& out, std::uint64_t min) {
        if (auto s = r.size(key)) {
            if (*s < min || *s > std::uint64_t(std::numeric_limits<T>::max()))
                r.error(*r.get(key), "expected a size of at least " + std::to_string(min) +
                                         " bytes for '" + std::string(key) + "'");
            else
                out = static_cast<T>(*s);
        }
    }

    void origin(const node& t) {
        reader r(t, file(), "[origin]", out_);
        auto& o = c_.origin;
        if (auto u = r.string("url"))
            o.url = *u;
        if (auto b = r.boolean("preserve_host"))
            o.preserve_host = *b;
        if (auto b = r.boolean("forward_underscore_headers"))
            o.forward_underscore_headers = *b;
        if (auto b = r.boolean("identity_for_navigations"))
            o.identity_for_navigations = *b;
        duration(r, "connect_timeout", o.connect_timeout);
        duration(r, "response_timeout", o.response_timeout);
        duration(r, "idle_timeout", o.idle_timeout);
        if (auto n = r.integer("max_idle_connections", 0, 100000))
            o.max_idle_connections = static_cast<std::size_t>(*n);
        if (auto derived = derive_origin(o); !derived)
            r.error(r.get("url") ? *r.get("url") : t, derived.error());
        url_checked_ = true;
        r.finish();
    }

    void client_ip(const node& t) {
        reader r(t, file(), "[client_ip]", out_);
        auto& ci = c_.client_ip;
        if (auto v = r.strings("trusted_proxies")) {
            const node* n = r.get("trusted_proxies");
            for (std::size_t i = 0; i < v->size(); ++i) {
                auto net = geoip::cidr::parse((*v)[i]);
                if (!net)
                    r.error(n->children[i], "expected an address or CIDR like \"10.0.0.0/8\" in "
                                            "trusted_proxies, found \"" +
                                                (*v)[i] + "\"");
                else {
                    ci.trusted_proxies.push_back((*v)[i]);
                    ci.policy.trusted_proxies.push_back(*net);
                }
            }
        }
        if (auto h = r.string("header")) {
            if (!header_name_ok(*h))
                r.error(*r.get("header"),
                        "expected an HTTP header name for 'header', found \"" + *h + "\"");
            else
                ci.header = *h;
        }
        if (auto h = r.string("region_header")) {
            if (!h->empty() && !header_name_ok(*h))
                r.error(*r.get("region_header"),
                        "expected an HTTP header name for 'region_header', found \"" + *h + "\"");
            else
                ci.region_header = *h;
        }
        r.finish();
    }

    void geoip(const node& t) {
        reader r(t, file(), "[geoip]", out_);
        if (auto v = r.strings("databases"))
            for (const auto& p : *v)
                c_.geoip.databases.push_back(resolve(p));
        if (auto a = r.string("anonymous_ip_database"))
            c_.geoip.anonymous_ip_database = resolve(*a);
        r.finish();
    }

    void rules(const node& t) {
        reader r(t, file(), "[rules]", out_);
        if (auto v = r.strings("files"))
            for (const auto& p : *v)
                c_.rule_files.push_back(resolve(p));
        r.finish();
    }

    void notices(const node& t) {
        reader r(t, file(), "[notices]", out_);
        if (auto d = r.string("dir"))
            c_.notices.dir = *d;
        if (auto b = r.boolean("require_approval"))
            c_.notices.require_approval = *b;
        if (auto a = r.string("on_unrewritable")) {
            if (*a == "error")
                c_.notices.on_unrewritable = unrewritable_answer::error;
            else if (*a == "notice")
                c_.notices.on_unrewritable = unrewritable_answer::notice;
            else
                r.error(*r.get("on_unrewritable"),
                        "expected notices.on_unrewritable \"error\" or \"notice\", found \"" + *a +
                            "\"");
        }
        r.finish();
    }

    void limits(const node& t) {
        reader r(t, file(), "[limits]", out_);
        auto& l = c_.limits;
        size(r, "max_request_line", l.max_request_line, 64);
        size(r, "max_header_bytes", l.max_header_bytes, 256);
        size(r, "max_body_bytes", l.max_body_bytes, 0);
        if (auto n = r.integer("max_header_fields", 1, 100000))
            l.max_header_fields = static_cast<std::size_t>(*n);
        if (auto n = r.integer("max_connections", 1, 10'000'000))
            l.max_connections = static_cast<std::size_t>(*n);
        if (auto n = r.integer("max_connections_per_client", 0, 10'000'000))
            l.max_connections_per_client = static_cast<std::size_t>(*n);
        duration(r, "header_timeout", l.header_timeout);
        duration(r, "keepalive_timeout", l.keepalive_timeout);
        duration(r, "body_timeout", l.body_timeout);
        duration(r, "drain_timeout", l.drain_timeout);
        r.finish();
    }

    void cache(const node& t) {
        reader r(t, file(), "[cache]", out_);
        auto& c = c_.cache;
        if (auto b = r.boolean("shared_cache_keys_on_variant"))
            c.shared_cache_keys_on_variant = *b;
        if (auto b = r.boolean("variants"))
            c.variants = *b;
        size(r, "max_bytes", c.max_bytes, 0);
        size(r, "max_entry_bytes", c.max_entry_bytes, 0);
        if (auto n = r.integer("variant_gzip_level", 1, 9))
            c.variant_gzip_level = static_cast<int>(*n);
        if (auto n = r.integer("variant_brotli_quality", 0, 11))
            c.variant_brotli_quality = static_cast<int>(*n);
        r.finish();
    }

    void compression(const node& t) {
        reader r(t, file(), "[compression]", out_);
        if (auto n = r.integer("gzip_level", 1, 9))
            c_.compression.gzip_level = static_cast<int>(*n);
        if (auto n = r.integer("brotli_quality", 0, 11))
            c_.compression.brotli_quality = static_cast<int>(*n);
        r.finish();
    }

    void http2(const node& t) {
        reader r(t, file(), "[http2]", out_);
        if (auto b = r.boolean("enabled"))
            c_.http2.enabled = *b;
        if (auto b = r.boolean("cleartext"))
            c_.http2.cleartext = *b;
        if (auto n = r.integer("max_concurrent_streams", 1, 1000))
            c_.http2.max_concurrent_streams = static_cast<std::uint32_t>(*n);
        r.finish();
    }

    void log(const node& t) {
        reader r(t, file(), "[log]", out_);
        if (auto a = r.string("access"))
            c_.log.access = *a;
        if (auto ip = r.string("client_ip")) {
            if (auto mode = client_ip_logging_of(*ip))
                c_.log.client_ip = *mode;
            else
                r.error(*r.get("client_ip"), "expected log.client_ip \"truncate\", \"full\" or "
                                             "\"none\", found \"" +
                                                 *ip + "\"");
        }
        if (auto b = r.boolean("log_query"))
            c_.log.log_query = *b;
        if (auto e = r.string("error"))
            c_.log.error = *e;
        r.finish();
    }

    void reload(const node& t) {
        reader r(t, file(), "[reload]", out_);
        if (auto b = r.boolean("watch_files"))
            c_.reload.watch_files = *b;
        duration(r, "watch_interval", c_.reload.watch_interval);
        r.finish();
    }

    void mirror_health(const node& t) {
        reader r(t, file(), "[mirror_health]", out_);
        auto& h = c_.mirror_health;
        if (auto b = r.boolean("enabled"))
            h.enabled = *b;
        duration(r, "interval", h.interval);
        if (r.has("interval") && h.interval < std::chrono::milliseconds(100))
            r.error(*r.get("interval"), "expected an interval of at least \"100ms\" for "
                                        "mirror_health.interval");
        duration(r, "timeout", h.timeout);
        if (auto p = r.string("path")) {
            bool ok = !p->empty() && p->front() == '/' &&
                      std::all_of(p->begin(), p->end(),
                                  [](unsigned char c) { return c > 0x20 && c < 0x7f && c != '#'; });
            if (!ok)
                r.error(*r.get("path"), "expected an absolute path like \"/\" or \"/health?x=1\" "
                                        "(printable ASCII, no spaces or '#') for "
                                        "mirror_health.path, found \"" +
                                            *p + "\"");
            else
                h.path = *p;
        }
        if (auto n = r.integer("unhealthy_after", 1, 100))
            h.unhealthy_after = static_cast<unsigned>(*n);
        if (auto n = r.integer("healthy_after", 1, 100))
            h.healthy_after = static_cast<unsigned>(*n);
        if (const node* e = r.array("expect_status")) {
            auto status = [](const node& n) {
                return n.type == node::kind::integer && n.integer >= 100 && n.integer <= 599;
            };
            if (e->children.size() != 2 || !status(e->children[0]) || !status(e->children[1]) ||
                e->children[0].integer > e->children[1].integer)
                r.error(*e, "expected expect_status = [lowest, highest], two HTTP statuses from "
                            "100 to 599 in order, e.g. [200, 399]");
            else {
                h.expect_status_min = static_cast<unsigned>(e->children[0].integer);
                h.expect_status_max = static_cast<unsigned>(e->children[1].integer);
            }
        }
        if (auto f = r.string("ca_file")) {
            h.ca_file = resolve(*f);
            std::error_code ec;
            if (!f->empty() && !std::filesystem::is_regular_file(h.ca_file, ec))
                r.error(*r.get("ca_file"),
                        "mirror_health.ca_file \"" + h.ca_file + "\" is not a readable file");
        }
        r.finish();
    }

public:
    void finish_paths() {
        c_.notices.dir = resolve(c_.notices.dir);
        for (auto* p : {&c_.log.access, &c_.log.error})
            if (*p != "-" && !p->empty())
                *p = resolve(*p);
        if (!url_checked_)
            (void)derive_origin(c_.origin); // the default URL, which always derives
    }

    std::string file_;

private:
    config& c_;
    diagnostics& out_;
    const node* https_node_ = nullptr;
    bool url_checked_ = false;
};

} // namespace

std::optional<config> load_config(const std::filesystem::path& file, diagnostics& out) {
    config c;
    std::error_code ec;
    c.file = std::filesystem::absolute(file, ec).lexically_normal();
    if (ec)
        c.file = file;
    c.base_dir = c.file.parent_path();
    auto parsed = toml::parse_file_isolated(file.string());
    if (!parsed.root) {
        out.push_back(std::move(parsed.error));
        return std::nullopt;
    }
    std::size_t first = out.size();
    config_reader r(c, out);
    r.file_ = file.string();
    r.read(*parsed.root);
    r.finish_paths();
    if (has_errors(out, first))
        return std::nullopt;
    return c;
}

} // namespace geogate
