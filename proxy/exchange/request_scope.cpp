#include "proxy/exchange/request_scope.hpp"

#include "proxy/runtime/worker.hpp"
#include "proxy/telemetry/access_log.hpp"
#include "proxy/telemetry/metrics.hpp"

#include <chrono>

namespace geogate {

request_scope::request_scope(server_state& shared) noexcept : shared_(shared) {
    rec_.start = std::chrono::steady_clock::now();
    rec_.wall_start = std::chrono::system_clock::now();
}

void request_scope::finish() {
    if (finished_)
        return;
    finished_ = true;
    shared_.stats->record(rec_);
    if (shared_.access)
        shared_.access->write(rec_);
}

} // namespace geogate
