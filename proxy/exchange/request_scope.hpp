#pragma once
// The record of one request from its first byte to its end: filled in as the request goes,
// then handed to the metrics and the access log by finish(), exactly once, whatever the exit.
// The codec calls finish() in one place, after the exchange returned (and before a WebSocket
// tunnel starts, which may last for hours).
//
// The destructor deliberately records nothing: a request frame is also destroyed when a
// worker's io_context is torn down at shutdown, after which the metrics and access log of
// server_state may be gone. A request abandoned that way was never finished and is not logged,
// as before. (Refused heads, which never became a request, are counted by the codec as
// metrics::rejected instead.)
#include "proxy/telemetry/request_record.hpp"

namespace geogate {

struct server_state;

class request_scope {
public:
    explicit request_scope(server_state& shared) noexcept;
    request_scope(const request_scope&) = delete;
    request_scope& operator=(const request_scope&) = delete;

    request_record& record() noexcept { return rec_; }

    /// Records the request in the metrics and the access log; later calls do nothing.
    void finish();

private:
    server_state& shared_;
    request_record rec_;
    bool finished_ = false;
};

} // namespace geogate
