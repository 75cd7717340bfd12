#include "proxy/telemetry/event_log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>

namespace geogate {
namespace {

std::mutex path_mutex;
std::string log_path;
std::atomic<int> log_fd{STDERR_FILENO};
int previous_fd = -1; // closed one reopen later, so a writer holding it never hits a reused fd

int open_fd(const std::string& path) {
    if (path.empty() || path == "-")
        return STDERR_FILENO;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    return fd < 0 ? STDERR_FILENO : fd;
}

} // namespace

std::string utc_timestamp(std::chrono::system_clock::time_point now) {
    using namespace std::chrono;
    auto secs = time_point_cast<seconds>(now);
    auto ms = duration_cast<milliseconds>(now - secs).count();
    std::time_t t = system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms));
    return buf;
}

void event_log::open(const std::string& path) {
    std::lock_guard lock(path_mutex);
    log_path = path;
    int old = log_fd.exchange(open_fd(path));
    if (previous_fd >= 0 && previous_fd != STDERR_FILENO)
        ::close(previous_fd);
    previous_fd = old;
}

void event_log::reopen() {
    open(log_path);
}

void event_log::write(level lv, std::string_view event, std::initializer_list<field> fields) {
    static constexpr const char* names[] = {"debug", "info", "warning", "error"};
    std::string line;
    line.reserve(128);
    line += "{\"time\":\"";
    line += utc_timestamp();
    line += "\",\"level\":\"";
    line += names[static_cast<int>(lv)];
    line += "\",\"event\":\"";
    append_json_escaped(line, event);
    line += '"';
    for (const auto& [k, v] : fields) {
        line += ",\"";
        append_json_escaped(line, k);
        line += "\":\"";
        append_json_escaped(line, v);
        line += '"';
    }
    line += "}\n";
    // One write(2) per line: atomic for O_APPEND files and pipes up to PIPE_BUF, and never
    // interleaved mid-line in practice for longer lines on regular files.
    [[maybe_unused]] auto n = ::write(log_fd.load(), line.data(), line.size());
}

} // namespace geogate
