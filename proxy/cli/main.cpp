// geogate: wires the commands to the modules. Nothing else lives here.
#include "common/http_text.hpp"
#include "common/result.hpp"
#include "geoip/geo_provider.hpp"
#include "geoip/lookup_report.hpp"
#include "proxy/cli/cli_cache.hpp"
#include "proxy/cli/cli_notices.hpp"
#include "proxy/cli/explain.hpp"
#include "proxy/runtime/snapshot.hpp"
#include "proxy/server/server.hpp"
#include "proxy/telemetry/event_log.hpp"
#include "rules/notices/notice_catalog.hpp"
#include "rules/toml/document.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <malloc.h>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

using namespace geogate;

namespace {

constexpr const char* usage_text =
    "usage:\n"
    "  geogate serve   --config FILE\n"
    "  geogate check   --config FILE\n"
    "  geogate explain --config FILE --ip IP --url URL [--method M] [--header 'Name: value']... "
    "[--unhealthy-mirror URL]... [--json]\n"
    "  geogate lookup  (--config FILE | --db FILE [--db FILE]...) [--json] IP...\n"
    "  geogate notices review  --config FILE --out review.html\n"
    "  geogate notices approve --config FILE --notice ID [--lang L] --by NAME\n"
    "  geogate cache purge (--config FILE | --admin HOST:PORT) [--prefix HOST/PATH]\n"
    "  geogate --version\n";

int usage(const std::string& problem = {}) {
    if (!problem.empty())
        std::fprintf(stderr, "geogate: %s\n", problem.c_str());
    std::fputs(usage_text, stderr);
    return 2;
}

// Flags of the form --name VALUE (repeatable) and --switch; the rest are positional.
struct args {
    std::vector<std::pair<std::string, std::string>> options;
    std::vector<std::string> switches;
    std::vector<std::string> positional;
    std::string get(const std::string& name) const {
        for (const auto& [k, v] : options)
            if (k == name)
                return v;
        return {};
    }
    std::vector<std::string> all(const std::string& name) const {
        std::vector<std::string> r;
        for (const auto& [k, v] : options)
            if (k == name)
                r.push_back(v);
        return r;
    }
    bool has(const std::string& name) const {
        for (const auto& s : switches)
            if (s == name)
                return true;
        return false;
    }
};

result<args> parse_args(int argc, char** argv, int first,
                        const std::vector<std::string>& switch_names) {
    args out;
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) == 0) {
            bool is_switch = false;
            for (const auto& s : switch_names)
                if (a == "--" + s)
                    is_switch = true;
            if (is_switch) {
                out.switches.push_back(a.substr(2));
                continue;
            }
            if (i + 1 >= argc)
                return fail(a + " needs a value");
            out.options.emplace_back(a.substr(2), argv[++i]);
        } else {
            out.positional.push_back(a);
        }
    }
    return out;
}

void print_diagnostics(const diagnostics& d) {
    for (const auto& x : d)
        std::fprintf(stderr, "%s\n", x.to_string().c_str());
}

std::shared_ptr<const snapshot> load_or_report(const std::string& config_path) {
    diagnostics d;
    auto snap = build_snapshot(config_path, d);
    print_diagnostics(d);
    return snap;
}

// Every client connection is a descriptor (and so is its origin connection while a request is
// forwarded). Supervisors often start us with a low soft limit (1024) under a high hard one, so
// the soft limit is raised to the hard limit, said once in the event log, with a warning when
// even that is short of limits.max_connections.
void raise_fd_limit(std::size_t max_connections) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    const auto before = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit raised = rl;
        raised.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
    }
    event_log::info("fd_limit", {{"soft", std::to_string(rl.rlim_cur)},
                                 {"was", std::to_string(before)},
                                 {"hard", std::to_string(rl.rlim_max)}});
    const auto wanted = max_connections + 64; // + listeners, logs, databases, origin connections
    if (rl.rlim_cur < wanted)
        event_log::warning("fd_limit_low", {{"soft", std::to_string(rl.rlim_cur)},
                                            {"max_connections", std::to_string(max_connections)},
                                            {"wanted", std::to_string(wanted)}});
}

// A notice page rewritten without the cache allocates a few hundred KiB per request (the
// decoded piece, zlib's and brotli's state) and frees it at the end. glibc's defaults move
// its mmap threshold up to the largest such block and trim the heap whenever 2x that is free
// at its top, so under load the heap is given back to the kernel and faulted in again on the
// next request: 60 to 330 us of kernel time per cold gzip notice request, varying run to
// run (docs/performance.md, "Session 10"). Fixed thresholds keep that memory in the process
// (at most trim_threshold free per arena after a burst). GLIBC_TUNABLES with malloc settings
// wins: whoever set it chose. Under a sanitizer's allocator mallopt does nothing, which is
// fine: only the speed of the process depends on it.
void tune_malloc() {
    if (const char* t = std::getenv("GLIBC_TUNABLES"); t && std::strstr(t, "malloc."))
        return;
    ::mallopt(M_MMAP_THRESHOLD, 4 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 32 << 20);
}

int cmd_serve(const args& a) {
    auto path = a.get("config");
    if (path.empty())
        return usage("serve needs --config FILE");
    diagnostics d;
    auto snap = build_snapshot(path, d);
    for (const auto& x : d)
        event_log::write(x.severity == diagnostic::level::error ? event_log::level::error
                                                                : event_log::level::warning,
                         "config_problem", {{"diagnostic", x.to_string()}});
    if (!snap) {
        event_log::error("start_failed", {{"config", path}});
        return 1;
    }
    event_log::open(snap->cfg->log.error);
    event_log::info("starting", {{"version", GEOGATE_VERSION},
                                 {"config", path},
                                 {"rules", std::to_string(snap->rules->rules.size())}});
    raise_fd_limit(snap->cfg->limits.max_connections);
    tune_malloc();
    server s(snap);
    return s.run();
}

int cmd_check(const args& a) {
    auto path = a.get("config");
    if (path.empty())
        return usage("check needs --config FILE");
    auto snap = load_or_report(path);
    if (!snap) {
        std::fprintf(stderr, "geogate: %s: check failed\n", path.c_str());
        return 1;
    }
    std::printf("%s: ok (%zu rules, %zu notices, %zu GeoIP databases)\n", path.c_str(),
                snap->rules->rules.size(),
                snap->notices ? snap->notices->notices().size() : std::size_t{0},
                snap->geo->databases().size());
    return 0;
}

int cmd_explain(const args& a) {
    auto path = a.get("config");
    if (path.empty() || a.get("ip").empty() || a.get("url").empty())
        return usage("explain needs --config FILE --ip IP --url URL");
    auto snap = load_or_report(path);
    if (!snap)
        return 1;
    explain_request req;
    req.peer_ip = a.get("ip");
    req.url = a.get("url");
    if (!a.get("method").empty())
        req.method = a.get("method");
    for (const auto& h : a.all("header")) {
        auto colon = h.find(':');
        if (colon == std::string::npos)
            return usage("--header expects 'Name: value', got: " + h);
        req.headers.emplace_back(h.substr(0, colon),
                                 std::string(trim_ows(std::string_view(h).substr(colon + 1))));
    }
    req.unhealthy_mirrors = a.all("unhealthy-mirror");
    rules::explain_input report;
    if (auto done = run_explain(*snap, req, report); !done)
        return usage(done.error());
    if (a.has("json"))
        std::printf("%s\n", rules::explain_json(report).c_str());
    else
        std::fputs(rules::explain_text(report).c_str(), stdout);
    return 0;
}

int cmd_lookup(const args& a) {
    std::shared_ptr<const geoip::geo_provider> geo;
    std::shared_ptr<const snapshot> snap;
    if (!a.get("config").empty()) {
        snap = load_or_report(a.get("config"));
        if (!snap)
            return 1;
        geo = snap->geo;
    } else if (!a.all("db").empty()) {
        geoip::geo_config cfg;
        cfg.databases = a.all("db");
        cfg.anonymous_ip_database = a.get("anonymous-db");
        auto opened = geoip::geo_provider::open(cfg);
        if (!opened) {
            std::fprintf(stderr, "geogate: %s\n", opened.error().c_str());
            return 1;
        }
        geo = std::move(*opened);
    } else {
        return usage("lookup needs --config FILE or --db FILE");
    }
    if (a.positional.empty())
        return usage("lookup needs at least one IP");
    // Every argument gets its answer line (a bad one says so), and a bad one makes the exit
    // status 1: a script that passes a typo must not read "unknown" as a lookup result.
    int status = 0;
    for (const auto& ip : a.positional) {
        error_code ec;
        auto addr = net::ip::make_address(ip, ec);
        geoip::location loc;
        if (!ec)
            loc = geo->lookup(addr);
        else
            status = 1;
        std::fputs(geoip::format_lookup(ip, loc, *geo, a.has("json")).c_str(), stdout);
    }
    if (status)
        std::fputs("geogate: lookup: some arguments are not IP addresses\n", stderr);
    return status;
}

/// Started with stdin, stdout or stderr closed, the next open() or socket() would take that
/// number: event lines meant for stderr would go into a client's socket, and the TOML parser
/// child (whose posix_spawn puts its own streams on 0-2 before exec'ing /proc/self/fd/N) would
/// exec the wrong file. /dev/null fills any gap first.
void fill_standard_streams() {
    for (int fd = 0; fd <= 2; ++fd)
        if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF && ::open("/dev/null", O_RDWR) < 0)
            return;
}

} // namespace

int main(int argc, char** argv) {
    fill_standard_streams();
    if (argc < 2)
        return usage();
    std::string cmd = argv[1];
    // The TOML parser runs as a fresh copy of this binary (rules/toml/isolated_parser.cpp),
    // exec'd through a descriptor opened now: it stays this very file even after an upgrade
    // replaced it on disk. Not "/proc/self/exe" itself: under valgrind (docs/performance.md
    // profiles with callgrind) that link is valgrind's tool, while open() of it yields geogate.
    // The exec resolves /proc/self/fd/N before close-on-exec closes N. Without /proc the parser
    // falls back to fork().
    if (cmd == toml::parser_command_name)
        return toml::parser_command_main(argc - 2, argv + 2);
    if (const int self = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC); self >= 0)
        toml::use_parser_command(
            {"/proc/self/fd/" + std::to_string(self), toml::parser_command_name});
    if (cmd == "--version" || cmd == "version") {
        std::printf("geogate %s\n", GEOGATE_VERSION);
        return 0;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        std::fputs(usage_text, stdout);
        return 0;
    }
    int first = 2;
    std::string sub;
    if (cmd == "notices") {
        if (argc < 3)
            return usage("notices needs review or approve");
        sub = argv[2];
        first = 3;
    } else if (cmd == "cache") {
        if (argc < 3)
            return usage("cache needs purge");
        sub = argv[2];
        first = 3;
    }
    const auto parsed = parse_args(argc, argv, first, {"json"});
    if (!parsed)
        return usage(parsed.error());
    const args& a = *parsed;
    try {
        if (cmd == "serve")
            return cmd_serve(a);
        if (cmd == "check")
            return cmd_check(a);
        if (cmd == "explain")
            return cmd_explain(a);
        if (cmd == "lookup")
            return cmd_lookup(a);
        if (cmd == "notices" && sub == "review")
            return cmd_notices_review(a.get("config"), a.get("out"));
        if (cmd == "notices" && sub == "approve")
            return cmd_notices_approve(a.get("config"), a.get("notice"), a.get("lang"),
                                       a.get("by"));
        if (cmd == "cache" && sub == "purge") {
            cache_purge_options o{a.get("config"), a.get("admin"), std::nullopt};
            if (const auto p = a.all("prefix"); !p.empty())
                o.prefix = p.back();
            return cmd_cache_purge(o);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "geogate: %s\n", e.what());
        return 1;
    }
    return usage("unknown command: " + cmd + (sub.empty() ? "" : " " + sub));
}
