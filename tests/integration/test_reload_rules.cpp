// Issue 4 (reload) and issue 3 (live database updates) through the real proxy: SIGHUP and
// POST /reload swap rules; broken rule files and unapproved texts are rejected with the old
// snapshot serving; reloads under load drop nothing; a database replaced by rename is used.
#include "tests/integration/support/geo_fixture.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <pthread.h>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace geogate::it;

namespace {

const char* const notice_rules = R"(
[[rule]]
name = "ru-notice"
regions = ["RU"]
action = "notice"
notice = "legal"
)";

const char* const redirect_rules = R"(
[[rule]]
name = "ru-mirror"
regions = ["RU"]
action = "redirect"
mirrors = ["https://mirror-a.example.net"]
)";

const std::string mirror_location = "https://mirror-a.example.net/fixture/index.html";

// Replaces a file the way an editor or a deploy does: write a sibling, rename over.
void replace_file(const std::filesystem::path& file, const std::string& content) {
    const auto tmp = file.string() + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(std::fwrite(content.data(), 1, content.size(), f) == content.size());
    REQUIRE(std::fclose(f) == 0);
    std::filesystem::rename(tmp, file);
}

enum class seen { notice, redirect, other };

seen classify(const http_response& res) {
    if (res.status == 200 && res.complete &&
        notice_attribute(res.body, "data-geogate-notice") == "legal")
        return seen::notice;
    if (res.status == 302 && res.header("Location") == mirror_location)
        return seen::redirect;
    return seen::other;
}

seen ru_page(const geo_stack& s) {
    return classify(round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow)));
}

double failed_reloads(const geo_stack& s) {
    return metric_value(admin_get(s.admin_port(), "/metrics").body,
                        "geogate_reloads_total{result=\"failed\"}");
}

const char* name_of(seen what) {
    return what == seen::notice ? "notice" : what == seen::redirect ? "redirect" : "other";
}

// The event-log lines about signals and reloads, for a failure message (the whole log is long).
std::string signal_and_reload_events(const std::string& log) {
    std::string out;
    std::size_t pos = 0;
    while (pos < log.size()) {
        auto end = log.find('\n', pos);
        if (end == std::string::npos)
            end = log.size();
        const std::string_view line(log.data() + pos, end - pos);
        for (const char* event :
             {"\"event\":\"signal", "\"event\":\"reload", "\"event\":\"stopped"})
            if (line.find(event) != std::string_view::npos) {
                out.append(line);
                out += '\n';
                break;
            }
        pos = end + 1;
    }
    return out.empty() ? "(none)" : out;
}

// Waits (bounded) until the RU page is `want`, as after a SIGHUP. Returns `want`'s name, or
// else what the page was instead and the proxy's state, so that a failing CHECK says at once
// whether the signal arrived, the reload ran, failed, or the proxy died:
// "notice, reloads ok=0 failed=0, signal events=0, signals_unblocked=no, alive=yes".
std::string page_after_sighup(geo_stack& s, seen want) {
    std::string last = "(no request)";
    if (eventually([&] {
            const auto res =
                round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow));
            const seen got = classify(res);
            last =
                got == seen::other ? "other: status " + std::to_string(res.status) : name_of(got);
            return got == want;
        }))
        return last;
    const std::string metrics = admin_get(s.admin_port(), "/metrics").body;
    const auto count = [&](const char* result) {
        const double v =
            metric_value(metrics, std::string("geogate_reloads_total{result=\"") + result + "\"}");
        return v < 0 ? std::string("?") : std::to_string(static_cast<long long>(v));
    };
    const std::string log = s.proxy->event_log();
    return last + ", reloads ok=" + count("ok") + " failed=" + count("failed") +
           ", signal events=" + std::to_string(occurrences(log, "\"event\":\"signal\"")) +
           ", signals_unblocked=" +
           (log.find("\"signals_unblocked\"") != std::string::npos ? "yes" : "no") +
           ", alive=" + (s.proxy->process().wait_exit(milliseconds(0)) ? "no" : "yes");
}

// A reader that keeps requesting the RU page on keep-alive connections until stopped, sorting
// every answer with `sort` (which returns false for an answer that fits no expected state).
class load_client {
public:
    load_client(unsigned short port, std::function<bool(const http_response&)> sort)
        : thread_([this, port, sort = std::move(sort)] {
              std::unique_ptr<raw_client> c;
              while (!stop_.load()) {
                  if (!c) {
                      c = std::make_unique<raw_client>(port);
                      if (!c->connected()) {
                          note_bad("(cannot connect)");
                          c.reset();
                          continue;
                      }
                  }
                  if (!c->send(reader_get("/fixture/index.html", reader::ru_moscow))) {
                      note_bad("(send failed)");
                      c.reset();
                      continue;
                  }
                  const auto res = c->read_response(milliseconds(10000));
                  if (!sort(res))
                      note_bad(res.raw_head.empty() ? "(no response)" : res.raw_head);
                  if (res.closed || res.header("Connection") == "close")
                      c.reset();
              }
          }) {}
    ~load_client() { stop(); }
    void stop() {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    unsigned bad() const { return bad_.load(); }
    const std::string& first_bad() const { return first_bad_; } // after stop()

private:
    void note_bad(const std::string& what) {
        if (bad_++ == 0)
            first_bad_ = what;
    }
    std::atomic<bool> stop_{false};
    std::atomic<unsigned> bad_{0};
    std::string first_bad_;
    std::thread thread_; // last: starts once the members above exist
};

} // namespace

TEST_CASE("SIGHUP swaps the rules", "[reload]") {
    geo_stack s(notice_rules);
    REQUIRE(s.proxy->started());
    CHECK(ru_page(s) == seen::notice);
    for (const seen want : {seen::redirect, seen::notice}) {
        replace_file(s.proxy->dir() / "rules/10-rules.toml",
                     want == seen::redirect ? redirect_rules : notice_rules);
        s.proxy->process().send_signal(SIGHUP);
        const std::string page = page_after_sighup(s, want);
        INFO("signal and reload events:\n" << signal_and_reload_events(s.proxy->event_log()));
        INFO("event log:\n" << s.proxy->event_log());
        CHECK(page == name_of(want));
    }
}

// A supervisor can start geogate with SIGHUP blocked (the CI runner does; the mask survives
// exec). The proxy unblocks what it handles, says so, and SIGHUP still reloads.
TEST_CASE("SIGHUP reloads even when geogate was started with SIGHUP blocked", "[reload]") {
    sigset_t hup, before;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    REQUIRE(pthread_sigmask(SIG_BLOCK, &hup, &before) == 0);
    std::optional<geo_stack> started;
    started.emplace(notice_rules); // spawned children inherit the blocked mask
    REQUIRE(pthread_sigmask(SIG_SETMASK, &before, nullptr) == 0);
    geo_stack& s = *started;
    REQUIRE(s.proxy->started());
    CHECK(s.proxy->event_log().find("\"signals_unblocked\"") != std::string::npos);
    CHECK(ru_page(s) == seen::notice);
    replace_file(s.proxy->dir() / "rules/10-rules.toml", redirect_rules);
    s.proxy->process().send_signal(SIGHUP);
    const std::string page = page_after_sighup(s, seen::redirect);
    INFO("signal and reload events:\n" << signal_and_reload_events(s.proxy->event_log()));
    INFO("event log:\n" << s.proxy->event_log());
    CHECK(page == "redirect");
}

TEST_CASE("POST /reload swaps the rules before it answers", "[reload][admin]") {
    geo_stack s(notice_rules);
    REQUIRE(s.proxy->started());
    CHECK(ru_page(s) == seen::notice);
    replace_file(s.proxy->dir() / "rules/10-rules.toml", redirect_rules);
    const auto res = admin_post(s.admin_port(), "/reload");
    CHECK(res.status == 200);
    CHECK(ru_page(s) == seen::redirect);
    CHECK(admin_get(s.admin_port(), "/reload").status == 405); // GET does not reload
}

TEST_CASE("a broken rule file is rejected: old rules keep serving, error logged with "
          "file:line:column and counted",
          "[reload]") {
    geo_stack s(notice_rules);
    REQUIRE(s.proxy->started());
    const double failed_before = failed_reloads(s);
    CHECK(failed_before == 0);
    struct row {
        std::string name;
        std::string rules;
        std::string position; // "10-rules.toml:LINE:" expected in the log
    };
    for (const row& r :
         {row{"bad TOML", "[[rule]]\nname = \"x\"\nregions = [\"RU\"\naction = \"pass\"\n",
              "10-rules.toml:"},
          row{"invalid rule", "[[rule]]\nname = \"x\"\nregions = [\"RU\"]\naction = \"explode\"\n",
              "10-rules.toml:4:"},
          row{"unknown notice",
              "[[rule]]\nname = \"x\"\nregions = [\"RU\"]\naction = \"notice\"\nnotice = "
              "\"nope\"\n",
              "10-rules.toml:5:"}}) {
        CAPTURE(r.name);
        replace_file(s.proxy->dir() / "rules/10-rules.toml", r.rules);
        const auto res = admin_post(s.admin_port(), "/reload");
        CHECK(res.status == 422);
        CHECK(res.body.find(r.position) != std::string::npos);
        CHECK(ru_page(s) == seen::notice);
        // The event log names the place: file:line:column.
        CHECK(std::regex_search(s.proxy->event_log(), std::regex("10-rules\\.toml:[0-9]+:[0-9]+")));
    }
    CHECK(failed_reloads(s) == failed_before + 3);
    // SIGHUP with a broken file: counted too, still the old rules.
    s.proxy->process().send_signal(SIGHUP);
    CHECK(eventually([&] { return failed_reloads(s) == failed_before + 4; }));
    CHECK(ru_page(s) == seen::notice);
}

TEST_CASE("a notice text edited without approval is rejected on reload", "[reload][cli]") {
    geo_stack s(notice_rules);
    REQUIRE(s.proxy->started());
    const std::string config = (s.proxy->dir() / "geogate.toml").string();
    // Legal approves the texts, then ops switch require_approval on.
    const auto approve = run_geogate(
        {"notices", "approve", "--config", config, "--notice", "legal", "--by", "Legal Test"});
    REQUIRE(approve.exit_code == 0);
    std::string cfg = read_file(config);
    const auto flag = cfg.find("require_approval = false");
    REQUIRE(flag != std::string::npos);
    cfg.replace(flag, std::string("require_approval = false").size(), "require_approval = true");
    replace_file(config, cfg);
    REQUIRE(admin_post(s.admin_port(), "/reload").status == 200);
    const auto before = round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow));
    REQUIRE(notice_attribute(before.body, "lang") == "ru");
    const std::string version = notice_attribute(before.body, "data-geogate-version");

    replace_file(s.proxy->dir() / "notices/legal/ru.html", "<p>An edited, unapproved text.</p>\n");
    const auto res = admin_post(s.admin_port(), "/reload");
    CHECK(res.status == 422);
    CHECK(res.body.find("legal") != std::string::npos);
    const auto after = round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow));
    CHECK(notice_attribute(after.body, "data-geogate-version") == version);
    CHECK(after.body.find("unapproved text") == std::string::npos);
    CHECK(after.body.find(legal_ru) != std::string::npos);
    // And check says so.
    const auto check = run_geogate({"check", "--config", config});
    CHECK(check.exit_code == 1);
    CHECK((check.out + check.err).find("ru.html") != std::string::npos);
}

TEST_CASE("reloading 50 times under load drops no request: each response fits one rule set",
          "[reload]") {
    geo_stack s(notice_rules);
    REQUIRE(s.proxy->started());
    std::atomic<unsigned> ok_notice{0}, ok_redirect{0};
    load_client client(s.port(), [&](const http_response& res) {
        switch (classify(res)) {
        case seen::notice:
            ++ok_notice;
            return true;
        case seen::redirect:
            ++ok_redirect;
            return true;
        case seen::other:
            break;
        }
        return false;
    });
    unsigned reloads_ok = 0;
    for (int i = 0; i < 50; ++i) {
        replace_file(s.proxy->dir() / "rules/10-rules.toml",
                     i % 2 == 0 ? redirect_rules : notice_rules);
        if (admin_post(s.admin_port(), "/reload").status == 200)
            ++reloads_ok;
    }
    // Keep the load on until both rule sets have been seen (bounded).
    eventually([&] { return ok_notice.load() > 0 && ok_redirect.load() > 0; });
    client.stop();
    CAPTURE(client.first_bad());
    CHECK(reloads_ok == 50);
    CHECK(client.bad() == 0);
    CHECK(ok_notice.load() > 0);
    CHECK(ok_redirect.load() > 0);
    CHECK(metric_value(admin_get(s.admin_port(), "/metrics").body,
                       "geogate_reloads_total{result=\"ok\"}") >= 50);
}

// The proxy's TOML parser processes (`geogate __toml-parser`), from /proc: the children of
// every thread of `pid` whose command line names the parser.
std::vector<pid_t> parser_processes(pid_t pid) {
    std::vector<pid_t> found;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
        std::istringstream children(read_file(task.path() / "children"));
        for (pid_t child; children >> child;) {
            const std::string cmdline = read_file("/proc/" + std::to_string(child) + "/cmdline");
            if (cmdline.find("__toml-parser") != std::string::npos)
                found.push_back(child);
        }
    }
    return found;
}

// A reload reads every rule file, the config and each notice.toml through one long-lived
// parser process, not a process per file; a parser that dies (killed, or ended because the
// thread that started it ended) is replaced, and one that read a broken file is not reused.
TEST_CASE("reloads share one TOML parser process, replaced when it dies or read a broken file",
          "[reload]") {
    geo_stack s(notice_rules);
    REQUIRE(s.proxy->started());
    const pid_t proxy = s.proxy->process().pid();
    REQUIRE(admin_post(s.admin_port(), "/reload").status == 200);
    const auto first = parser_processes(proxy);
    REQUIRE(first.size() == 1);
    for (int i = 0; i < 3; ++i) {
        replace_file(s.proxy->dir() / "rules/10-rules.toml",
                     i % 2 == 0 ? redirect_rules : notice_rules);
        CHECK(admin_post(s.admin_port(), "/reload").status == 200);
    }
    CHECK(parser_processes(proxy) == first);
    CHECK(ru_page(s) == seen::redirect);

    // Killed from outside: the next reload starts another and succeeds.
    REQUIRE(::kill(first[0], SIGKILL) == 0);
    replace_file(s.proxy->dir() / "rules/10-rules.toml", notice_rules);
    CHECK(admin_post(s.admin_port(), "/reload").status == 200);
    CHECK(ru_page(s) == seen::notice);
    const auto second = parser_processes(proxy);
    REQUIRE(second.size() == 1);
    CHECK(second != first);

    // A syntax error ends the parser that read it: the next file gets a fresh one.
    replace_file(s.proxy->dir() / "rules/10-rules.toml", "[[rule]]\nname = \n");
    CHECK(admin_post(s.admin_port(), "/reload").status == 422);
    CHECK(parser_processes(proxy).empty());
    replace_file(s.proxy->dir() / "rules/10-rules.toml", redirect_rules);
    CHECK(admin_post(s.admin_port(), "/reload").status == 200);
    CHECK(ru_page(s) == seen::redirect);
    const auto third = parser_processes(proxy);
    CHECK(third.size() == 1);
    CHECK(third != second);
}

TEST_CASE("a GeoIP database replaced by rename is used without a restart", "[reload][geo]") {
    geo_stack s(notice_rules, [](toml_config& c) {
        c.set_string("reload", "watch_interval", "200ms");
        c.set_string("client_ip", "region_header", "X-Geo-Region");
    });
    REQUIRE(s.proxy->started());
    auto region = [&] {
        return parse_echo(round_trip(s.port(), reader_get("/echo", reader::ru_moscow)).body)
            .header("X-Geo-Region");
    };
    CHECK(region().rfind("RU", 0) == 0);
    CHECK(ru_page(s) == seen::notice);
    // As geoipupdate does it: a new file beside the old one, renamed over it.
    replace_file(s.proxy->dir() / "geoip/city.mmdb",
                 read_file(test_db("geogate-city-flat-v2.mmdb")));
    CHECK(eventually([&] { return region().rfind("PL", 0) == 0; }, milliseconds(15000)));
    const auto page = round_trip(s.port(), reader_get("/fixture/index.html", reader::ru_moscow));
    CHECK(page.body == fixture_content("index.html")); // PL: no notice any more
    CHECK(metric_value(admin_get(s.admin_port(), "/metrics").body,
                       "geogate_geoip_swaps_total{result=\"ok\"}") >= 1);
}

// Issue 10: databases replaced again and again (as geoipupdate does, by rename) while a client
// keeps reading. Every answer must come whole from one database: the notice (RU in the first)
// or the untouched page (PL in the second); never an error, never a mix.
TEST_CASE("GeoIP databases swapped 20 times under load drop no request: each answer fits one "
          "database",
          "[reload][geo]") {
    geo_stack s(notice_rules,
                [](toml_config& c) { c.set_string("reload", "watch_interval", "50ms"); });
    REQUIRE(s.proxy->started());
    const std::string ru_db = read_file(test_db("geogate-city-flat.mmdb"));
    const std::string pl_db = read_file(test_db("geogate-city-flat-v2.mmdb"));
    const std::string& page = fixture_content("index.html");
    std::atomic<unsigned> noticed{0}, passed{0};
    load_client client(s.port(), [&](const http_response& res) {
        if (classify(res) == seen::notice)
            ++noticed;
        else if (res.status == 200 && res.complete && res.body == page)
            ++passed;
        else
            return false;
        return true;
    });
    auto swaps = [&] {
        return metric_value(admin_get(s.admin_port(), "/metrics").body,
                            "geogate_geoip_swaps_total{result=\"ok\"}");
    };
    unsigned swapped = 0;
    for (int i = 0; i < 20; ++i) {
        const double before = swaps();
        replace_file(s.proxy->dir() / "geoip/city.mmdb", i % 2 == 0 ? pl_db : ru_db);
        // The reloader polls every 50 ms; wait for this swap before making the next one.
        if (eventually([&] { return swaps() > before; }))
            ++swapped;
    }
    // Keep the load on until both databases have answered (bounded).
    eventually([&] { return noticed.load() > 0 && passed.load() > 0; });
    client.stop();
    CAPTURE(client.first_bad(), noticed.load(), passed.load());
    CHECK(swapped == 20);
    CHECK(client.bad() == 0);
    CHECK(noticed.load() > 0);
    CHECK(passed.load() > 0);
}
