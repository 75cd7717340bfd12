#pragma once
// The real geogate binary under test: writes a geogate.toml (and any rule/notice files) into a
// temp dir, runs `geogate serve --config geogate.toml`, and reads the bound ports from the
// JSON "listening" events on stderr (proxy/config/config.hpp).
#include "tests/integration/support/child_process.hpp"
#include "tests/integration/support/temp_dir.hpp"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace geogate::it {

/// The geogate binary under test: $GEOGATE_IT_BINARY (e.g. a sanitizer build) or this build's.
std::string geogate_binary();

/// A geogate.toml built from tables of raw TOML values: set("limits", "header_timeout",
/// "\"500ms\"") writes `header_timeout = "500ms"` under [limits]. Tables and keys come out in
/// the order first set; top-level keys (table "", e.g. threads) come first.
class toml_config {
public:
    toml_config& set(const std::string& table, const std::string& key, const std::string& raw);
    toml_config& set_string(const std::string& table, const std::string& key,
                            const std::string& value); // quotes value as a TOML basic string
    std::string text() const;
    /// The raw value of a key, "" when not set.
    std::string get(const std::string& table, const std::string& key) const;

private:
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> tables_;
};

/// The config the integration tests start from: one HTTP listener on 127.0.0.1:0, the given
/// origin, short timeouts (connect 1s, response 3s, header 2s, keep-alive 2s, drain 3s), no
/// GeoIP databases, no rules, access log to stdout.
toml_config default_config(const std::string& origin_url);

/// Extra files written beside geogate.toml (rule files, notice folders), path relative to it.
using file_list = std::vector<std::pair<std::string, std::string>>;

class geogate_process {
public:
    explicit geogate_process(const toml_config& config, const file_list& files = {},
                             milliseconds start_timeout = milliseconds(15000));

    bool started() const noexcept { return port_ != 0; }
    unsigned short port() const noexcept { return port_; }             // first http listener
    unsigned short admin_port() const noexcept { return admin_port_; } // 0 when none
    child_process& process() { return *process_; }
    const std::filesystem::path& dir() const noexcept { return dir_.path(); }
    /// stderr, or the file named by `log.error` (a path relative to the proxy dir) when set.
    std::string event_log() const;
    std::string access_log() const { return process_->stdout_text(); }

private:
    temp_dir dir_{"geogate-proxy"};
    std::filesystem::path event_file_; // empty: the event log is stderr
    std::unique_ptr<child_process> process_;
    unsigned short port_ = 0;
    unsigned short admin_port_ = 0;
};

/// The port of the first "listening" event for `listener` in an event log, 0 if none.
unsigned short listening_port(const std::string& event_log, const std::string& listener);

/// A 127.0.0.1 port with nothing listening on it (bound, then closed).
unsigned short closed_port();

} // namespace geogate::it
