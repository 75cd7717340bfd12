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
    /// After write()/finish() returned false: why, when the document is one geogate cannot
    /// rewrite ("charset": UTF-16/32; "xml": an untyped XML document; "decode_error": a
    /// corrupt or oversized coded body). "" when nothing failed.
    virtual std::string_view failure() const noexcept { return {}; }
    /// The response is being cut short after some of it went out (the origin or the coding
    /// failed mid-body): appends what must still reach the reader before the connection
    /// closes (the notice, if it was not inserted yet, where a browser renders it).
    virtual void abandon(std::vector<std::string_view>& out) { (void)out; }
};

} // namespace geogate
