#pragma once
// Where a request body comes from: the reader's side of one request, implemented by the client
// codec (proxy/connection/http1_connection.hpp). The codec enforces the body's limits and
// deadline and answers what breaks them (400, 408, 413) itself; the exchange only learns that
// the body ended early.
#include "proxy/http/net.hpp"
#include "proxy/telemetry/request_record.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace geogate {

class request_body_source {
public:
    /// Whether the request has a body to forward.
    virtual bool has_body() const noexcept = 0;
    /// The body's length as the reader declared it (none: unknown until its end).
    virtual std::optional<std::uint64_t> declared_length() const noexcept = 0;
    /// Whether the body goes to the origin chunked (its length is not known in advance).
    virtual bool chunked() const noexcept = 0;
    /// Whether every byte of the body has been read.
    virtual bool done() const noexcept = 0;

    /// The next piece of the body, valid until the next call. Asks for the body first when
    /// the reader is waiting to be asked (Expect: 100-continue). Adds to rec.bytes_in. None:
    /// the body ended early and the codec has answered (400, 408, 413) or the reader is gone;
    /// the request is over.
    virtual awaitable<std::optional<std::string_view>> read(request_record& rec) = 0;

protected:
    ~request_body_source() = default;
};

} // namespace geogate
