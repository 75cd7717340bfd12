#pragma once
// The event-log side of refused request heads (400/408/414/431 and the other 4xx/505 a head
// is refused with before it is parsed): the metric geogate_rejected_requests_total counts
// every one, and this writes a `request_refused` event line so that ops can see an attack and
// where it comes from. A flood must not become a flood of log lines: one line per interval at
// most (the first refusal at once, the later ones counted into the next line), shared by all
// worker threads without a lock. The address is shown as log.client_ip says (truncated by
// default: these readers may be in danger).
#include "proxy/telemetry/access_log.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace geogate {

class refusal_log {
public:
    explicit refusal_log(std::chrono::milliseconds interval = std::chrono::seconds(10)) noexcept
        : interval_(interval) {}

    /// One refused head from `peer`, answered with `status`; `reason` is static text.
    void note(const boost::asio::ip::address& peer, unsigned status, std::string_view reason,
              client_ip_logging mode);

private:
    const std::chrono::milliseconds interval_;
    std::atomic<std::int64_t> last_logged_{INT64_MIN}; // steady_clock ticks of the last line
    std::atomic<std::uint64_t> unlogged_{0};           // refusals since then
};

} // namespace geogate
