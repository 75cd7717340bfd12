// Built without the proxy's precompiled headers: Asio's <netinet/tcp.h> declares a shorter
// struct tcp_info than the kernel's <linux/tcp.h>, which has the byte counters.
#include "proxy/connection/tcp_progress.hpp"

#include <cstddef>
#include <linux/tcp.h>
#include <netinet/in.h> // IPPROTO_TCP
#include <sys/socket.h>

namespace geogate {

std::optional<std::uint64_t> tcp_bytes_acked(int fd) noexcept {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
        len < offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
        return std::nullopt;
    return info.tcpi_bytes_acked;
}

} // namespace geogate
