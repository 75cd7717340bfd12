#include "tests/integration/support/proc_stats.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace geogate::it {

std::int64_t peak_rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stoll(line.substr(6));
    return -1;
}

int open_fds(pid_t pid) {
    std::error_code ec;
    int n = 0;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
         !ec && it != end; it.increment(ec))
        ++n;
    return ec ? -1 : n;
}

std::vector<tcp_socket> tcp_sockets(pid_t pid) {
    const std::string proc = "/proc/" + std::to_string(pid);
    std::set<std::string> inodes; // the process's sockets: fd links "socket:[<inode>]"
    std::error_code ec;
    for (std::filesystem::directory_iterator it(proc + "/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
        std::error_code lec;
        const std::string target = std::filesystem::read_symlink(it->path(), lec).string();
        if (!lec && target.rfind("socket:[", 0) == 0)
            inodes.insert(target.substr(8, target.size() - 9));
    }
    std::vector<tcp_socket> out;
    std::ifstream in(proc + "/net/tcp"); // the process's network namespace
    std::string line;
    std::getline(in, line); // column titles
    while (std::getline(in, line)) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        std::istringstream fields(line);
        std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
        fields >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >>
            inode;
        if (!inodes.count(inode))
            continue;
        const auto port = [](const std::string& addr) {
            return static_cast<unsigned short>(
                std::stoul(addr.substr(addr.find(':') + 1), nullptr, 16));
        };
        out.push_back(
            {port(local), port(remote), static_cast<int>(std::stoul(state, nullptr, 16))});
    }
    return out;
}

std::size_t sockets_to(pid_t pid, unsigned short remote_port) {
    std::size_t n = 0;
    for (const auto& s : tcp_sockets(pid))
        n += s.remote_port == remote_port ? 1 : 0;
    return n;
}

std::size_t sockets_on(pid_t pid, unsigned short local_port) {
    std::size_t n = 0;
    for (const auto& s : tcp_sockets(pid))
        n += s.local_port == local_port && s.state != 10 ? 1 : 0;
    return n;
}

int settled_fds(pid_t pid, unsigned short listen_port) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (sockets_on(pid, listen_port) > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return open_fds(pid);
}

} // namespace geogate::it
