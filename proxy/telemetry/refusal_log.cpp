#include "proxy/telemetry/refusal_log.hpp"

#include "proxy/telemetry/event_log.hpp"

#include <string>

namespace geogate {

void refusal_log::note(const boost::asio::ip::address& peer, unsigned status,
                       std::string_view reason, client_ip_logging mode) {
    unlogged_.fetch_add(1, std::memory_order_relaxed);
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    const auto step =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval_).count();
    auto last = last_logged_.load(std::memory_order_relaxed);
    if (last != INT64_MIN && now - last < step)
        return;
    // Of the threads that see the interval over, exactly one writes the line.
    if (!last_logged_.compare_exchange_strong(last, now, std::memory_order_relaxed))
        return;
    const auto refused = unlogged_.exchange(0, std::memory_order_relaxed);
    event_log::warning("request_refused", {{"client", client_address_text(peer, mode)},
                                           {"status", std::to_string(status)},
                                           {"reason", std::string(reason)},
                                           {"refused", std::to_string(refused)}});
}

} // namespace geogate
