// geogate_idle_conns: opens N client connections to a server on 127.0.0.1, sends one keep-alive
// GET on each and reads its response, then keeps them all open and idle and prints the server
// process's memory (VmRSS, VmHWM) and open file descriptors from /proc/PID. Bounded: every phase
// has a deadline, and the connections are closed at the end.
//
//   geogate_idle_conns --port P --pid PID [--connections 10000] [--sources 8]
//                      [--path /] [--header 'Name: value']... [--hold 5] [--timeout 120]
//
// Source addresses 127.0.0.2 .. 127.0.0.(1+sources) spread the connections over several
// 4-tuples' worth of ephemeral ports. The client raises its own RLIMIT_NOFILE to the hard limit
// and needs connections + a few descriptors. Exit code 0 when every connection got a complete
// 2xx/3xx response and was still open at the end, 1 otherwise.
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
    int port = 0;
    int pid = 0;
    std::size_t connections = 10000;
    unsigned sources = 8;
    std::string path = "/";
    std::vector<std::string> headers;
    int hold_seconds = 5;
    int timeout_seconds = 120;
};

enum class state { connecting, sending, reading, idle, failed };

struct conn {
    int fd = -1;
    state st = state::connecting;
    std::size_t sent = 0;
    std::string in;
};

std::string proc_field(int pid, const char* name) {
    std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/status").c_str(), "r");
    if (!f)
        return "?";
    char line[256];
    std::string out = "?";
    const std::size_t len = std::strlen(name);
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, name, len) == 0 && line[len] == ':') {
            out = std::to_string(std::strtoul(line + len + 1, nullptr, 10));
            break;
        }
    std::fclose(f);
    return out; // kB
}

std::size_t fd_count(int pid) {
    std::error_code ec;
    std::size_t n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ++n;
    return n;
}

void report(const options& o, const char* when) {
    std::printf("%-28s VmRSS %8s kB  VmHWM %8s kB  fds %6zu\n", when,
                proc_field(o.pid, "VmRSS").c_str(), proc_field(o.pid, "VmHWM").c_str(),
                fd_count(o.pid));
    std::fflush(stdout);
}

// A complete response in `in`: the head, then Content-Length bytes or a final 0-chunk.
// Returns the status (0: not complete yet, -1: not parseable).
int complete_response(const std::string& in) {
    const auto head_end = in.find("\r\n\r\n");
    if (head_end == std::string::npos)
        return 0;
    if (in.compare(0, 9, "HTTP/1.1 ") != 0)
        return -1;
    const int status = std::atoi(in.c_str() + 9);
    std::string head = in.substr(0, head_end + 2);
    for (auto& c : head)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto body = in.size() - head_end - 4;
    if (auto cl = head.find("\r\ncontent-length:"); cl != std::string::npos)
        return body >= std::strtoull(head.c_str() + cl + 17, nullptr, 10) ? status : 0;
    if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos)
        return in.size() >= 5 && in.compare(in.size() - 5, 5, "0\r\n\r\n") == 0 ? status : 0;
    return status; // no body (e.g. 304) or close-delimited, which a keep-alive test never wants
}

bool parse(int argc, char** argv, options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc)
            return false;
        const char* v = argv[++i];
        if (a == "--port")
            o.port = std::atoi(v);
        else if (a == "--pid")
            o.pid = std::atoi(v);
        else if (a == "--connections")
            o.connections = std::strtoul(v, nullptr, 10);
        else if (a == "--sources")
            o.sources = static_cast<unsigned>(std::atoi(v));
        else if (a == "--path")
            o.path = v;
        else if (a == "--header")
            o.headers.emplace_back(v);
        else if (a == "--hold")
            o.hold_seconds = std::atoi(v);
        else if (a == "--timeout")
            o.timeout_seconds = std::atoi(v);
        else
            return false;
    }
    return o.port > 0 && o.pid > 0 && o.connections > 0 && o.sources >= 1 && o.sources <= 250;
}

} // namespace

int main(int argc, char** argv) {
    options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr,
                     "usage: %s --port P --pid PID [--connections N] [--sources K] [--path P] "
                     "[--header 'N: v']... [--hold S] [--timeout S]\n",
                     argv[0]);
        return 2;
    }
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < o.connections + 32) {
        std::fprintf(stderr, "RLIMIT_NOFILE hard limit %llu is too low for %zu connections\n",
                     static_cast<unsigned long long>(rl.rlim_cur), o.connections);
        return 2;
    }
    std::string request = "GET " + o.path + " HTTP/1.1\r\nHost: idle.test\r\n";
    for (const auto& h : o.headers)
        request += h + "\r\n";
    request += "\r\n";

    report(o, "before connecting");
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    std::vector<conn> conns(o.connections);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(static_cast<std::uint16_t>(o.port));
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const auto deadline = clock_type::now() + std::chrono::seconds(o.timeout_seconds);
    std::size_t next = 0, in_flight = 0, idle = 0, failed = 0;
    constexpr std::size_t max_in_flight = 256; // stays well inside the listen backlog
    std::vector<epoll_event> events(512);
    char buf[64 * 1024];
    auto fail = [&](conn& c, std::size_t index, const char* why) {
        if (failed < 5)
            std::fprintf(stderr, "connection %zu: %s (%s)\n", index, why, std::strerror(errno));
        ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        c.st = state::failed;
        ++failed;
        --in_flight;
    };
    while (idle + failed < o.connections) {
        while (next < o.connections && in_flight < max_in_flight) {
            conn& c = conns[next];
            c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            sockaddr_in src{};
            src.sin_family = AF_INET;
            src.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + next % o.sources);
            const int one = 1;
            ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            ++in_flight;
            if (c.fd < 0 || ::bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
                (::connect(c.fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0 &&
                 errno != EINPROGRESS)) {
                fail(c, next, "connect");
            } else {
                epoll_event ev{};
                ev.events = EPOLLOUT | EPOLLIN;
                ev.data.u64 = next;
                ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
            }
            ++next;
        }
        if (clock_type::now() > deadline) {
            std::fprintf(stderr, "timed out: %zu idle, %zu failed, %zu in flight\n", idle, failed,
                         in_flight);
            break;
        }
        const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 200);
        for (int i = 0; i < n; ++i) {
            const std::size_t index = events[i].data.u64;
            conn& c = conns[index];
            if (c.st == state::connecting) {
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0) {
                    errno = err;
                    fail(c, index, "connect");
                    continue;
                }
                c.st = state::sending;
            }
            if (c.st == state::sending && (events[i].events & EPOLLOUT)) {
                const auto w =
                    ::send(c.fd, request.data() + c.sent, request.size() - c.sent, MSG_NOSIGNAL);
                if (w < 0 && errno != EAGAIN) {
                    fail(c, index, "send");
                    continue;
                }
                if (w > 0)
                    c.sent += static_cast<std::size_t>(w);
                if (c.sent == request.size()) {
                    c.st = state::reading;
                    epoll_event ev{};
                    ev.events = EPOLLIN;
                    ev.data.u64 = index;
                    ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
                }
            }
            if (c.st == state::reading && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
                const auto r = ::recv(c.fd, buf, sizeof buf, 0);
                if (r == 0 || (r < 0 && errno != EAGAIN)) {
                    fail(c, index, r == 0 ? "closed before a complete response" : "recv");
                    continue;
                }
                if (r > 0)
                    c.in.append(buf, static_cast<std::size_t>(r));
                const int status = complete_response(c.in);
                if (status != 0) {
                    if (status < 200 || status > 399) {
                        errno = 0;
                        fail(c, index, ("status " + std::to_string(status)).c_str());
                        continue;
                    }
                    ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
                    --in_flight;
                    c.st = state::idle;
                    std::string().swap(c.in);
                    ++idle;
                }
            }
        }
    }
    std::printf("connections: %zu idle with a completed request, %zu failed\n", idle, failed);
    std::this_thread::sleep_for(std::chrono::seconds(2)); // let the server settle
    report(o, "all connections idle");
    std::this_thread::sleep_for(std::chrono::seconds(o.hold_seconds));
    // Still open? A peek sees EAGAIN on a live idle connection, 0 on one the server closed.
    std::size_t closed = 0;
    for (auto& c : conns)
        if (c.st == state::idle && ::recv(c.fd, buf, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
            ++closed;
    report(o, ("after holding " + std::to_string(o.hold_seconds) + " s").c_str());
    std::printf("closed by the server while idle: %zu\n", closed);
    for (auto& c : conns)
        if (c.fd >= 0)
            ::close(c.fd);
    ::close(ep);
    return failed == 0 && closed == 0 && idle == o.connections ? 0 : 1;
}
