#pragma once
// A child process for integration tests: posix_spawn in its own directory, stdin /dev/null,
// stdout and stderr captured to files in that directory. The destructor stops it (SIGTERM,
// then SIGKILL after a bound) so a failing test never leaks a process.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace geogate::it {

using std::chrono::milliseconds;

class child_process {
public:
    /// Starts argv[0] (a path) with argv; `dir` must exist. started() says whether it did.
    child_process(std::vector<std::string> argv, std::filesystem::path dir);
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    bool started() const noexcept { return pid_ > 0; }
    pid_t pid() const noexcept { return pid_; }
    std::string stdout_text() const;
    std::string stderr_text() const;

    /// Polls stdout (or stderr) until `match` returns a value for its text so far; nullopt
    /// when the time is up or the process has exited without a match.
    std::optional<std::string>
    wait_for_output(bool on_stderr,
                    const std::function<std::optional<std::string>(const std::string&)>& match,
                    milliseconds timeout);

    void send_signal(int sig) const noexcept;
    /// Exit code (128 + signal number when killed by a signal), nullopt if still running
    /// after `timeout`.
    std::optional<int> wait_exit(milliseconds timeout);
    /// SIGTERM, wait up to `grace`, then SIGKILL; returns the exit code.
    int stop(milliseconds grace = milliseconds(3000));

private:
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
    std::filesystem::path dir_;
};

} // namespace geogate::it
