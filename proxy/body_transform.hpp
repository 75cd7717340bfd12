#pragma once
// A streaming change to a response body (today: decode, inject the notice, re-encode).
// Output views stay valid until the next call (finish(): until after it).
#include <string_view>
#include <vector>

namespace geogate {

class body_transform {
public:
    virtual ~body_transform() = default;
    /// Consumes `in`; appends what to send. false: the body cannot be transformed (corrupt
    /// compressed data, size guard) and the response must be aborted.
    virtual bool write(std::string_view in, std::vector<std::string_view>& out) = 0;
    /// End of the body: appends the rest. The views of the write() right before stay valid,
    /// so the last piece of a body and its end go out in one write.
    virtual bool finish(std::vector<std::string_view>& out) = 0;
};

} // namespace geogate
