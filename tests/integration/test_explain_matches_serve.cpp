// Issue 15's promise, end to end: `geogate explain` answers exactly what `geogate serve` does,
// for any mix of peers, forwarding headers, hosts and paths. Generated requests (fixed seed)
// go to the real binary from 127.0.0.x peers; what serve did is read from the response (status,
// Location, the notice wrapper's language and version, the 451 page's Content-Language) and
// from the access log's JSON line; `geogate explain --json` is asked with the same peer, URL,
// method and header lines, and the two must agree on client, region, decision, rule, mirror
// and notice text. Every disagreement is printed with the whole case.
#include "tests/integration/support/geo_fixture.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace geogate::it;

namespace {

// Every action, first match wins: a user-agent block, a host block for occupied regions, a
// redirect to one of three mirrors (picked by the client address) with exemptions, a POST-only
// block, a pass exemption, a host-specific notice, the RU notice with except_paths, and the
// fail-safe notice for unknown readers on the protected hosts.
const char* const rules = R"(
[regions]
occupied = ["UA-43", "UA-14", "UA-09", "UA-23", "UA-65"]

[[rule]]
name = "bot-block"
regions = ["RU", "@occupied"]
user_agents = ["BadBot", "evil-crawler"]
action = "block"
notice = "legal"

[[rule]]
name = "occupied-host-block"
regions = ["@occupied"]
hosts = ["blocked.test", "*.blocked.test"]
action = "block"
notice = "legal"
blocked_by = "https://authority.example/"

[[rule]]
name = "mirrors"
regions = ["US", "UA"]
except_regions = ["@occupied"]
paths = ["/news/", "/video/"]
except_paths = ["/news/api/", "/video/free/"]
except_user_agents = ["Googlebot"]
action = "redirect"
mirrors = ["https://m1.example.net", "https://m2.example.org:8443", "https://m3.example.com"]
status = 307

[[rule]]
name = "forms-post"
regions = ["US", "RU"]
methods = ["POST"]
paths = ["/forms/"]
action = "block"
notice = "legal"

[[rule]]
name = "ru-api-pass"
regions = ["RU", "@occupied"]
paths = ["/api/"]
action = "pass"

[[rule]]
name = "ru-notice-end"
regions = ["RU", "@occupied"]
hosts = ["end.test"]
action = "notice"
notice = "legal"
position = "body-end"

[[rule]]
name = "ru-notice"
regions = ["RU", "@occupied"]
paths = ["/"]
except_paths = ["/static/", "/.well-known/"]
action = "notice"
notice = "legal"

[[rule]]
name = "unknown-notice"
regions = ["unknown"]
hosts = ["site.test", "www.site.test"]
action = "notice"
notice = "legal"
)";

// Peers: .1 and .3 are trusted to name the reader, .2 and .4 are not.
const std::vector<std::string> peers = {"127.0.0.1", "127.0.0.1", "127.0.0.3", "127.0.0.2",
                                        "127.0.0.4"};

// Addresses a forwarding header can name (tests/data/make-test-databases.pl, flat database):
// RU Moscow, RU Crimea, US, UA Kyiv, RU Donetsk PR, UA Zaporizhzhia, RU without region, the
// trusted hop range's own members, IPv6 Crimea, addresses the database does not know, and
// garbage of every kind resolve_client_address rejects.
const std::vector<std::string> nodes = {
    "198.51.100.70",
    "198.51.100.70",
    "198.51.100.180",
    "198.51.100.180",
    "198.51.100.50",
    "198.51.100.70",
    "198.51.100.50",
    "198.51.100.180",
    "198.51.100.181",
    "198.51.100.190",
    "198.51.100.200",
    "198.51.100.100",
    "198.51.100.130",
    "198.51.100.165",
    "198.51.100.70:4711",
    "[2001:db8:1::5]:443",
    "2001:db8:1::77",
    "::ffff:198.51.100.180",
    "[::ffff:198.51.100.50]",
    "203.0.113.9",
    "2001:db8:2::1",
    "127.0.0.1",
    "10.0.0.8",
    "unknown",
    "_hidden",
    "198.51.100.300",
    "1.2.3.4.5",
    "[2001:db8:1::5",
    "198.51.100.70 x",
    "fe80::1%eth0",
    "",
};
// A trusted hop (trusted_proxies below), which the walk from the right skips.
const std::vector<std::string> trusted_hops = {"198.51.100.227", "2001:db8:ff::1", "127.0.0.3"};

const std::vector<std::string> hosts = {
    "site.test",   "SITE.Test:8080", "www.site.test",  "end.test",
    "End.TEST:80", "blocked.test",   "a.Blocked.test", "other.test",
    "127.0.0.1",   "127.0.0.1:8080", "[::1]:8443",     "site.test.",
};

const std::vector<std::string> paths = {
    "/",
    "/news/a.html",
    "/NEWS/a.html",
    "/news/./a.html",
    "/news//a.html",
    "//news/a.html",
    "/news/api/x",
    "/news/api/..%2fx",
    "/news/api%2f..%2fpage",
    "/news/%2e%2e/api/x",
    "/news/%2E%2E%2Fapi/x",
    "/api/..%2fnews/a.html",
    "/api/../news/a.html",
    "/api/%2e%2e/news/a.html",
    "/api/x",
    "/api/v1/items",
    "/api//x",
    "/API/x",
    "/api",
    "/api;v=2/x",
    "/api/..;/news/a.html",
    "/%6Eews/a.html",
    "/news%5c..%5capi/x",
    "/news/a.html;jsessionid=42",
    "/video/free/clip",
    "/video/free/..%2F1",
    "/video/1",
    "/static/app.js",
    "/static/..%2fpage",
    "/static/%2e%2e/page",
    "/.well-known/security.txt",
    "/forms/contact",
    "/forms/../forms/x",
    "/forms;x=1/a",
    "/forms/%2e%2e/news/a.html",
    "/api/..%2fforms/a",
    "/x/y/../../news/b",
    "/a%20b",
};

const std::vector<std::string> extra_queries = {
    "", "a=1&", "q=%2F..%2F&", "next=/news&", "x=%3B;y=1&", "empty=&"};

const std::vector<std::string> user_agents = {"",
                                              "",
                                              "Mozilla/5.0 (X11; Linux x86_64)",
                                              "BadBot/1.0",
                                              "Mozilla/5.0 (compatible; BadBot)",
                                              "evil-crawler",
                                              "Googlebot/2.1",
                                              "badbot",
                                              "curl/8.5.0"};

const std::vector<std::string> languages = {
    "",  "", "uk", "en-US,en;q=0.9", "ru", "de", "uk;q=0.1, en;q=0.5", "*", "EN", "fr, uk;q=0.8",
    "zz"};

template <class T> const T& pick(std::mt19937& rng, const std::vector<T>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}

struct explain_case {
    std::size_t id = 0;
    std::string peer;
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers; // in the order sent

    std::string request() const {
        std::string r = method + " " + target + " HTTP/1.1\r\n";
        for (const auto& [n, v] : headers)
            r += n + ": " + v + "\r\n";
        if (method == "POST")
            r += "Content-Length: 0\r\n";
        r += "Connection: close\r\n\r\n";
        return r;
    }
    std::vector<std::string> explain_args(const std::string& config) const {
        std::vector<std::string> a = {"explain", "--config", config, "--json",   "--ip",
                                      peer,      "--url",    target, "--method", method};
        for (const auto& [n, v] : headers) {
            a.push_back("--header");
            a.push_back(n + ": " + v);
        }
        return a;
    }
    std::string describe() const {
        std::string d =
            "case " + std::to_string(id) + " from " + peer + ": " + method + " " + target + " [";
        for (std::size_t i = 0; i < headers.size(); ++i)
            d += (i ? " | " : "") + headers[i].first + ": " + headers[i].second;
        return d + "]";
    }
};

std::string forwarding_value(std::mt19937& rng) {
    std::string v;
    const auto elements = std::uniform_int_distribution<int>(1, 4)(rng);
    for (int i = 0; i < elements; ++i) {
        v += i ? pick(rng, std::vector<std::string>{", ", ",", " , ", ",, "}) : "";
        v += rng() % 4 == 0 ? pick(rng, trusted_hops) : pick(rng, nodes);
    }
    return v;
}

explain_case make_case(std::mt19937& rng, std::size_t id) {
    explain_case c;
    c.id = id;
    c.peer = pick(rng, peers);
    c.method =
        pick(rng, std::vector<std::string>{"GET", "GET", "GET", "GET", "HEAD", "POST", "POST"});

    const std::string host = pick(rng, hosts);
    std::string target = pick(rng, paths) + "?" + pick(rng, extra_queries) + "v=1&gg=" +
                         std::to_string(id); // v=1: the origin's HTML page; gg finds the log line
    if (rng() % 6 == 0) // absolute-form: its authority, not Host, is what rules match
        target = pick(rng, std::vector<std::string>{"http://", "https://", "HTTP://"}) +
                 pick(rng, hosts) + target;
    c.target = target;

    std::vector<std::pair<std::string, std::string>> h;
    h.emplace_back(pick(rng, std::vector<std::string>{"Host", "host", "HOST"}), host);
    if (id % 4 == 0) {
        // A quarter of the cases aim at the rules that need a located reader (a trusted peer
        // naming RU, Crimea or US) on the paths they cover; the rest of the case still varies.
        c.peer = "127.0.0.1";
        h.emplace_back("X-Forwarded-For",
                       pick(rng, std::vector<std::string>{reader::ru_moscow, reader::ru_crimea,
                                                          reader::us, "198.51.100.181"}));
        c.target = pick(rng, std::vector<std::string>{"/api/x", "/forms/contact", "/news/a.html",
                                                      "/api/..%2fforms/a", "/video/free/clip"}) +
                   "?v=1&gg=" + std::to_string(id);
    }
    const auto lines = pick(rng, std::vector<int>{0, 1, 1, 1, 1, 2, 3});
    for (int i = 0; i < lines; ++i)
        h.emplace_back(pick(rng, std::vector<std::string>{"X-Forwarded-For", "X-Forwarded-For",
                                                          "x-forwarded-for"}),
                       forwarding_value(rng));
    if (rng() % 10 == 0) // not the configured header: ignored by both
        h.emplace_back("X_Forwarded_For", pick(rng, nodes));
    if (rng() % 12 == 0) // a preview claim without geogate's token: ignored by both
        h.emplace_back("X-Geogate-Preview", "region=RU; token=guess");
    if (const auto& ua = pick(rng, user_agents); !ua.empty())
        h.emplace_back("User-Agent", ua);
    if (const auto& al = pick(rng, languages); !al.empty())
        h.emplace_back("Accept-Language", al);
    if (rng() % 10 == 0) // a second line: serve reads the first
        h.emplace_back("User-Agent", pick(rng, user_agents));
    if (rng() % 10 == 0)
        h.emplace_back("Accept-Language", pick(rng, languages));
    if (rng() % 3 == 0)
        h.emplace_back("Accept-Encoding",
                       pick(rng, std::vector<std::string>{"gzip", "br, gzip", "identity"}));
    for (auto& [name, value] : h) // optional whitespace around values is not part of them
        if (rng() % 8 == 0)
            value = pick(rng, std::vector<std::string>{" ", "\t", "  "}) + value +
                    pick(rng, std::vector<std::string>{" ", "\t", " \t"});
    // Any order a client may choose, forwarding lines among the others (both sides get it).
    std::shuffle(h.begin(), h.end(), rng);
    c.headers = std::move(h);
    return c;
}

boost::json::object parse_object(const std::string& text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object())
        return {};
    return v.as_object();
}

std::string str(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// What one side says about a case, as comparable text fields.
using facts = std::map<std::string, std::string>;

// From explain --json.
facts explained(const boost::json::object& o) {
    facts f;
    const auto& client = o.at("client").as_object();
    f["client"] = str(client, "address");
    f["host"] = str(o.at("request").as_object(), "host");
    const auto& region = o.at("region").as_object();
    f["country"] = region.at("unknown").as_bool() ? "unknown" : str(region, "country");
    const auto& subs = region.at("subdivisions").as_array();
    f["subdivision"] = subs.empty() ? "" : std::string(subs.front().as_string());
    const auto& d = o.at("decision").as_object();
    f["decision"] = str(d, "action");
    f["rule"] = str(d, "rule");
    if (const auto* s = d.if_contains("status"))
        f["status"] = std::to_string(s->as_int64());
    f["location"] = str(d, "location");
    f["notice_lang"] = str(d, "language");
    f["notice_version"] = str(d, "version");
    return f;
}

// From the response and the access log line. `page` only where a body can show the notice.
facts served(const explain_case& c, const http_response& res, const boost::json::object& log) {
    facts f;
    f["client"] = str(log, "client");
    f["host"] = str(log, "host");
    f["country"] = str(log, "country");
    f["subdivision"] = str(log, "subdivision");
    f["decision"] = str(log, "decision");
    f["rule"] = str(log, "rule");
    f["notice_lang"] = str(log, "notice_lang");
    f["notice_version"] = str(log, "notice_version");
    if (f["decision"] == "redirect" || f["decision"] == "block")
        f["status"] = std::to_string(res.status);
    f["location"] = res.header("Location");
    // What the reader sees must be what the log says: the page's wrapper or the 451 page.
    // (A page geogate compressed for the reader is judged by the log alone.)
    const std::string coding = res.header("Content-Encoding");
    if (f["decision"] == "notice" && c.method != "HEAD" &&
        (coding.empty() || coding == "identity")) {
        f["page_lang"] = notice_attribute(res.body, "lang");
        f["page_version"] = notice_attribute(res.body, "data-geogate-version");
    }
    if (f["decision"] == "block")
        f["page_lang"] = res.header("Content-Language");
    if (f["decision"] == "pass" && !notice_wrapper_tag(res.body).empty())
        f["page_lang"] = "(a pass got a notice)";
    return f;
}

// Each explain run loads the config (a sandboxed TOML parse per file): about 65 ms of CPU, so
// 200 cases stay near 12 s on the 2-core machine. An instrumented geogate is 5-15 times slower
// (the ASan build of these tests, and the TSan stage, which runs a TSan geogate through
// GEOGATE_IT_BINARY): there 40 cases look for memory errors and races, and the normal build's
// run is the one that proves every decision is reached. GEOGATE_EXPLAIN_CASES sets the count.
constexpr std::size_t default_cases = 200;
constexpr std::size_t instrumented_cases = 40;
constexpr std::size_t explain_parallel = 4;

bool instrumented() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return true;
#else
    return std::getenv("GEOGATE_IT_BINARY") != nullptr;
#endif
}

std::size_t case_count() {
    if (const char* env = std::getenv("GEOGATE_EXPLAIN_CASES"))
        return static_cast<std::size_t>(std::strtoul(env, nullptr, 10));
    return instrumented() ? instrumented_cases : default_cases;
}

} // namespace

TEST_CASE("explain answers what serve does for generated peers, forwarding headers, hosts and "
          "paths",
          "[explain][cli]") {
    geo_stack s(rules, [](toml_config& c) {
        c.set("client_ip", "trusted_proxies",
              R"(["127.0.0.1/32", "127.0.0.3/32", "198.51.100.224/28", "2001:db8:ff::/48"])");
        c.set_string("log", "client_ip", "full");
        c.set("log", "log_query", "true");
    });
    if (!s.proxy->started())
        FAIL(s.proxy->event_log());
    const std::string config = (s.proxy->dir() / "geogate.toml").string();

    std::mt19937 rng(20261215);
    std::vector<explain_case> cases;
    for (std::size_t i = 0; i < case_count(); ++i)
        cases.push_back(make_case(rng, i));

    // Serve first: one connection per case, from the case's peer. A head serve refuses (a 4xx
    // of its own, before any classification) has nothing to explain: counted, not compared.
    std::vector<http_response> responses;
    std::vector<std::size_t> refused;
    for (const auto& c : cases) {
        raw_client client(s.port(), c.peer);
        REQUIRE(client.connected());
        REQUIRE(client.send(c.request()));
        responses.push_back(client.read_response(milliseconds(5000), c.method == "HEAD"));
        INFO(c.describe());
        REQUIRE(responses.back().complete);
        const int status = responses.back().status;
        if (status >= 400 && status < 500 && status != 451)
            refused.push_back(c.id);
    }
    std::string refused_cases;
    for (const auto id : refused)
        refused_cases +=
            "\n  " + cases[id].describe() + " -> " + std::to_string(responses[id].status);
    INFO("refused by serve:" << refused_cases);
    CHECK(refused.size() * 20 <= cases.size()); // the generator makes requests serve accepts

    // The access log: one line per case, found by its gg= query tag.
    std::map<std::size_t, boost::json::object> log;
    const bool all_logged = eventually([&] {
        log.clear();
        std::istringstream in(s.proxy->access_log());
        for (std::string line; std::getline(in, line);) {
            auto o = parse_object(line);
            const std::string q = str(o, "query");
            const auto at = q.rfind("gg=");
            if (at != std::string::npos)
                log[std::strtoul(q.c_str() + at + 3, nullptr, 10)] = std::move(o);
        }
        return log.size() + refused.size() == cases.size();
    });
    REQUIRE(all_logged);

    // explain, one process per case (each loads the config, as an operator's run does): a few
    // at a time, so a process starting overlaps one loading.
    std::vector<command_result> explains(cases.size());
    {
        std::vector<std::thread> runners;
        for (std::size_t r = 0; r < explain_parallel; ++r)
            runners.emplace_back([&, r] {
                for (std::size_t i = r; i < cases.size(); i += explain_parallel)
                    if (log.count(cases[i].id))
                        explains[i] = run_geogate(cases[i].explain_args(config));
            });
        for (auto& t : runners)
            t.join();
    }

    std::size_t mismatches = 0;
    std::map<std::string, std::size_t> decisions; // what the cases covered
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        if (!log.count(c.id))
            continue; // refused
        const auto& ran = explains[i];
        const auto o = parse_object(ran.out);
        if (ran.exit_code != 0 || o.empty()) {
            ++mismatches;
            FAIL_CHECK(c.describe() << "\nexplain failed (" << ran.exit_code << "): " << ran.err);
            continue;
        }
        const facts want = served(c, responses[i], log.at(c.id));
        const facts got = explained(o);
        ++decisions[want.at("decision") + " " + want.at("rule")];

        std::string diff;
        for (const auto& [key, value] : want) {
            // The page's own language and version are the log's (checked against explain).
            const std::string other = key == "page_lang"      ? want.at("notice_lang")
                                      : key == "page_version" ? want.at("notice_version")
                                      : got.count(key)        ? got.at(key)
                                                              : "";
            if (value != other)
                diff += "\n  " + key + ": serve '" + value + "', explain '" + other + "'";
        }
        if (!diff.empty()) {
            ++mismatches;
            FAIL_CHECK(c.describe() << diff << "\n  serve status " << responses[i].status
                                    << "\n  explain: " << ran.out);
        }
    }
    std::string coverage;
    for (const auto& [what, n] : decisions)
        coverage += "\n  " + what + ": " + std::to_string(n);
    INFO("cases by serve's decision and rule:" << coverage);
    CHECK(mismatches == 0);
    // The generator must reach every rule and the default pass, or the comparison proves little
    // (a short run, GEOGATE_EXPLAIN_CASES below the default, may miss some).
    if (cases.size() >= default_cases)
        CHECK(decisions.size() == 9);
}

// serve once handed classify only the first 16 lines of the client-IP header, so behind a
// trusted proxy that adds its own line, a client who sent 16 lines named itself (here: RU while
// the proxy says US). Every line counts now (exchange::run), as in explain.
TEST_CASE("explain and serve agree on a request with more than 16 client-IP header lines",
          "[explain]") {
    geo_stack s(rules);
    if (!s.proxy->started())
        FAIL(s.proxy->event_log());
    std::string extra;
    for (int i = 0; i < 16; ++i)
        extra += std::string("X-Forwarded-For: ") + reader::ru_moscow + "\r\n";
    extra += std::string("X-Forwarded-For: ") + reader::us + "\r\n"; // the trusted proxy's
    const auto res = round_trip(s.port(), reader_get("/news/a.html?v=1", reader::us, extra));
    std::vector<std::string> args = {"explain",
                                     "--config",
                                     (s.proxy->dir() / "geogate.toml").string(),
                                     "--json",
                                     "--ip",
                                     "127.0.0.1",
                                     "--url",
                                     "/news/a.html?v=1",
                                     "--header",
                                     "Host: site.test",
                                     "--header",
                                     std::string("X-Forwarded-For: ") + reader::us};
    for (int i = 0; i < 16; ++i) {
        args.push_back("--header");
        args.push_back(std::string("X-Forwarded-For: ") + reader::ru_moscow);
    }
    args.push_back("--header");
    args.push_back(std::string("X-Forwarded-For: ") + reader::us);
    const auto ran = run_geogate(args);
    const auto o = parse_object(ran.out);
    REQUIRE_FALSE(o.empty());
    const auto explained_decision = str(o.at("decision").as_object(), "action");
    CAPTURE(res.status, ran.out);
    CHECK(explained_decision == "redirect"); // the US reader, on /news/
    CHECK(res.status == 307);
}
