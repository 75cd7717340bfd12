#pragma once
// Whether a TCP peer is still taking our data, as the kernel sees it: a write that blocks says
// nothing about progress (the writer is woken only when half the send buffer has drained, which
// can be megabytes), the count of bytes the peer has acknowledged does.
#include <cstdint>
#include <optional>

namespace geogate {

/// Bytes of the connection's outgoing data the peer has acknowledged so far (Linux TCP_INFO
/// tcpi_bytes_acked, kernel 4.1+); grows while the reader reads, stands still while it does
/// not. nullopt when the kernel does not tell.
std::optional<std::uint64_t> tcp_bytes_acked(int fd) noexcept;

} // namespace geogate
