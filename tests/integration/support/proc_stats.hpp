#pragma once
// What a test can see of a running process from /proc: peak memory, open file descriptors and
// its TCP sockets (ports and state), to prove bounded memory and that no connection leaks.
#include <cstdint>
#include <sys/types.h>
#include <vector>

namespace geogate::it {

/// Peak resident set in KiB (VmHWM), -1 when unknown (the process is gone). Signed, so that the
/// difference of two readings is a growth: on kernels whose RSS counters are per-CPU
/// approximations, VmHWM (the larger of the recorded peak and the approximate current RSS) can
/// read a few KiB lower than a moment ago.
std::int64_t peak_rss_kib(pid_t pid);

/// Number of open file descriptors (entries of /proc/<pid>/fd), -1 when unknown.
int open_fds(pid_t pid);

/// One IPv4 TCP socket held open by a process (a descriptor of it refers to the socket).
struct tcp_socket {
    unsigned short local_port = 0;
    unsigned short remote_port = 0;
    int state = 0; // the kernel's TCP state: 1 ESTABLISHED, 8 CLOSE_WAIT, 10 LISTEN, ...
};
inline constexpr int tcp_established = 1;
inline constexpr int tcp_close_wait = 8;

std::vector<tcp_socket> tcp_sockets(pid_t pid);

/// Sockets of `pid` connected to `remote_port` (e.g. a proxy's connections to its origin).
std::size_t sockets_to(pid_t pid, unsigned short remote_port);
/// Sockets of `pid` accepted on `local_port` (e.g. a proxy's client connections).
std::size_t sockets_on(pid_t pid, unsigned short local_port);

/// open_fds(pid) once the process holds no connection accepted on `listen_port` (a client that
/// just closed is let go asynchronously): a baseline to compare with. Waits at most 5 s.
int settled_fds(pid_t pid, unsigned short listen_port);

} // namespace geogate::it
