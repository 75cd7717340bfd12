#pragma once
// Origins that never answer, held by the test process itself on 127.0.0.1 (no child process):
//   black_hole  a listener with backlog 0 whose one queued connection is never accepted: the
//               accept queue stays full, the kernel drops every further SYN, and a connect to
//               it never completes (as with a firewall that drops packets).
//   silent      connections complete (the kernel queues them) but nothing is ever read from
//               them or written to them: an origin that accepts and never answers.
#include <chrono>
#include <string>
#include <vector>

namespace geogate::it {

using std::chrono::milliseconds;

class dead_origin {
public:
    enum class kind { black_hole, silent };
    explicit dead_origin(kind k);
    ~dead_origin();
    dead_origin(const dead_origin&) = delete;
    dead_origin& operator=(const dead_origin&) = delete;

    /// Listening, and for a black hole: a probe connect did not complete within 300 ms.
    bool ready() const noexcept { return ready_; }
    unsigned short port() const noexcept { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    /// silent: takes every connection queued so far and waits until each is closed by its peer
    /// (EOF or reset) or `timeout` passes. Returns {connections taken, of which closed}.
    std::pair<std::size_t, std::size_t> peers_closed(milliseconds timeout);

private:
    bool ready_ = false;
    unsigned short port_ = 0;
    int listener_ = -1;
    std::vector<int> held_; // the black hole's queue filler; the silent origin's taken sockets
};

} // namespace geogate::it
