#pragma once
// The event (error) log: one JSON object per line for start, listening, reload, database
// swaps, upstream errors, shutdown. Thread-safe; a line is written with one write(2) so lines
// from several threads never interleave. Not the access log (see access_log.hpp).
#include "common/json_escape.hpp" // append_json_escaped, used with the event log

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace geogate {

class event_log {
public:
    enum class level { debug, info, warning, error };
    using field = std::pair<std::string_view, std::string_view>;

    /// "-" or "" = stderr; otherwise a file opened for append (reopen() on SIGUSR1).
    static void open(const std::string& path);
    static void reopen();
    static void write(level lv, std::string_view event, std::initializer_list<field> fields = {});

    static void info(std::string_view event, std::initializer_list<field> fields = {}) {
        write(level::info, event, fields);
    }
    static void warning(std::string_view event, std::initializer_list<field> fields = {}) {
        write(level::warning, event, fields);
    }
    static void error(std::string_view event, std::initializer_list<field> fields = {}) {
        write(level::error, event, fields);
    }
};

/// UTC time as RFC 3339 with milliseconds: "2026-11-28T15:09:17.123Z" (default: now).
std::string
utc_timestamp(std::chrono::system_clock::time_point t = std::chrono::system_clock::now());

} // namespace geogate
