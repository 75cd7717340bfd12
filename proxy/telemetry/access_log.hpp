#pragma once
// The access log: one JSON line per request. Logging never blocks the request path: lines go
// into a bounded in-memory queue drained by one writer thread; when the queue is full (the
// disk cannot keep up) lines are dropped and counted rather than stalling readers.
// The client address is truncated by default (/24, /48): these readers may be in danger.
#include "proxy/config/client_ip_logging.hpp"
#include "proxy/telemetry/request_record.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace geogate {

/// A client address as the logs show it: truncated to its /24 (IPv4) or /48 (IPv6) network,
/// whole, or "" (none).
std::string client_address_text(const boost::asio::ip::address& a, client_ip_logging mode);

/// Formats one record as a JSON line (with '\n'). PURE apart from the wall clock in `rec`.
std::string format_access_line(const request_record& rec, client_ip_logging ip_mode,
                               bool log_query);

class access_log {
public:
    /// path "-" = stdout.
    access_log(std::string path, client_ip_logging ip_mode, bool log_query);
    ~access_log();
    access_log(const access_log&) = delete;
    access_log& operator=(const access_log&) = delete;

    void write(const request_record& rec);
    void reopen(); // SIGUSR1 (logrotate)
    std::uint64_t dropped() const noexcept;

private:
    void run();

    std::string path_;
    client_ip_logging ip_mode_;
    bool log_query_;
    int fd_ = -1;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    std::size_t queued_bytes_ = 0;
    bool stop_ = false;
    bool reopen_ = false;
    // Lines queued when reopen() was called: they go to the old file, every later one to the
    // new file, however late the writer thread wakes up ("logs_reopened" is then true).
    std::size_t reopen_after_ = 0;
    std::uint64_t dropped_ = 0;
    std::thread writer_;
};

} // namespace geogate
