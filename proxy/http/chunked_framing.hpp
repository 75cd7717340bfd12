#pragma once
// Chunked transfer coding (RFC 9112 7.1), written once for both directions: a request body sent
// to the origin and a response body sent to an HTTP/1.1 reader. geogate never writes chunk
// extensions or trailers.
#include "proxy/http/net.hpp"

#include <array>
#include <charconv>
#include <cstddef>
#include <span>
#include <string_view>

namespace geogate {

/// Frames the pieces of one write. Holds the chunk-size line, so it must outlive the write.
class chunk_framer {
public:
    /// Calls `push(net::const_buffer)` for each buffer of `pieces`, in order, skipping empty
    /// ones. `chunked`: the pieces go as one chunk (nothing when they are all empty), followed
    /// by the last chunk when `last`; otherwise they go as they are.
    template <class Push>
    void frame(std::span<const std::string_view> pieces, bool chunked, bool last, Push&& push) {
        std::size_t total = 0;
        if (chunked)
            for (auto v : pieces)
                total += v.size();
        if (total)
            push(size_line(total));
        for (auto v : pieces)
            if (!v.empty())
                push(net::buffer(v.data(), v.size()));
        if (total)
            push(net::buffer("\r\n", 2));
        if (chunked && last)
            push(net::buffer("0\r\n\r\n", 5));
    }

private:
    net::const_buffer size_line(std::size_t n) noexcept {
        auto [end, ec] = std::to_chars(line_.data(), line_.data() + line_.size() - 2, n, 16);
        (void)ec; // cannot fail: the buffer holds every std::size_t in hex
        *end++ = '\r';
        *end++ = '\n';
        return net::buffer(line_.data(), static_cast<std::size_t>(end - line_.data()));
    }

    std::array<char, 2 * sizeof(std::size_t) + 2> line_{};
};

} // namespace geogate
