#include "proxy/server/reloader.hpp"

#include "proxy/telemetry/event_log.hpp"
#include "proxy/telemetry/metrics.hpp"
#include "rules/rule_loader.hpp"

#include <filesystem>

namespace geogate {
namespace fs = std::filesystem;

reloader::reloader(net::io_context& control, snapshot_store& store, metrics& stats,
                   std::function<void(const snapshot&)> on_swap)
    : control_(control), store_(store), stats_(stats), on_swap_(std::move(on_swap)),
      timer_(control) {}

reloader::~reloader() {
    stop();
    pool_.join();
}

void reloader::start() {
    if (auto s = store_.current())
        last_fingerprint_ = fingerprint(*s);
    schedule();
}

void reloader::stop() {
    stopped_ = true;
    timer_.cancel();
}

void reloader::schedule() {
    if (stopped_)
        return;
    auto s = store_.current();
    timer_.expires_after(s ? s->cfg->reload.watch_interval : std::chrono::milliseconds(2000));
    timer_.async_wait([this](error_code ec) {
        if (ec || stopped_)
            return;
        net::post(pool_, [this] {
            poll();
            net::post(control_, [this] { schedule(); });
        });
    });
}

std::string reloader::fingerprint(const snapshot& s) const {
    // Paths, sizes and modification times of every file a snapshot is built from.
    std::string fp;
    auto add = [&fp](const fs::path& p) {
        std::error_code ec;
        auto st = fs::status(p, ec);
        fp += p.string();
        if (!ec && fs::is_regular_file(st)) {
            fp += ':' + std::to_string(fs::file_size(p, ec));
            fp += ':' + std::to_string(fs::last_write_time(p, ec).time_since_epoch().count());
        }
        fp += '\n';
    };
    add(s.cfg->file);
    diagnostics ignored;
    for (const auto& f : rules::expand_rule_globs(s.cfg->rule_files, ignored))
        add(f);
    std::error_code ec;
    for (fs::recursive_directory_iterator it(s.cfg->notices.dir, ec), end; !ec && it != end;
         it.increment(ec))
        add(it->path());
    return fp;
}

void reloader::poll() {
    auto current = store_.current();
    if (!current)
        return;
    if (current->cfg->reload.watch_files) {
        auto fp = fingerprint(*current);
        bool changed = false;
        {
            // reload_now() also runs on the control thread (admin POST /reload) and writes
            // last_fingerprint_ under this mutex: reading it without would be a data race.
            std::lock_guard lock(reload_mutex_);
            changed = fp != last_fingerprint_;
        }
        if (changed) {
            (void)reload_now("file_changed"); // it logs its outcome
            return;
        }
    }
    if (current->geo->changed_on_disk()) {
        std::lock_guard lock(reload_mutex_);
        diagnostics diags;
        auto next = rebuild_snapshot(*store_.current(), diags, true);
        if (next) {
            store_.replace(next);
            stats_.geoip_swap(true);
            event_log::info("geoip_reloaded");
        } else {
            stats_.geoip_swap(false);
            std::string msg;
            for (const auto& d : diags)
                msg += d.to_string() + "\n";
            event_log::error("geoip_reload_failed", {{"diagnostics", msg}});
            // Do not retry in a tight loop: the same broken file stays broken until replaced.
            // The provider still reports changed_on_disk(), so the next poll tries again.
        }
    }
}

result<std::string> reloader::reload_now(const std::string& reason) {
    std::lock_guard lock(reload_mutex_);
    auto current = store_.current();
    diagnostics diags;
    auto next = rebuild_snapshot(*current, diags);
    std::string msg;
    for (const auto& d : diags)
        msg += d.to_string() + "\n";
    if (!next) {
        stats_.reload(false);
        event_log::error("reload_failed", {{"reason", reason}, {"diagnostics", msg}});
        // Remember this state so a watched broken file is not re-tried every poll.
        last_fingerprint_ = fingerprint(*current);
        return fail(msg);
    }
    store_.replace(next);
    last_fingerprint_ = fingerprint(*next);
    stats_.reload(true);
    event_log::info("reloaded", {{"reason", reason},
                                 {"generation", std::to_string(next->generation)},
                                 {"rules", std::to_string(next->rules->rules.size())},
                                 {"warnings", msg}});
    if (on_swap_)
        on_swap_(*next);
    return msg;
}

void reloader::reload_async(std::string reason,
                            std::function<void(const result<std::string>&)> done) {
    net::post(pool_, [this, reason = std::move(reason), done = std::move(done)] {
        auto outcome = reload_now(reason);
        if (done)
            done(outcome);
    });
}

} // namespace geogate
