#include "tests/integration/support/child_process.hpp"

#include "tests/integration/support/temp_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

extern char** environ;

namespace geogate::it {

child_process::child_process(std::vector<std::string> argv, std::filesystem::path dir)
    : dir_(std::move(dir)) {
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    const std::string out = (dir_ / "stdout.txt").string();
    const std::string err = (dir_ / "stderr.txt").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addchdir_np(&fa, dir_.c_str());
    // Under ASan a large quarantine of freed blocks would look like buffered bodies to the
    // tests that bound the proxy's peak memory; keep it small (no effect without ASan).
    std::vector<std::string> env_text;
    std::string asan = "ASAN_OPTIONS=quarantine_size_mb=16";
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry = *e;
        if (entry.rfind("ASAN_OPTIONS=", 0) == 0)
            asan = entry + ":quarantine_size_mb=16";
        else
            env_text.push_back(entry);
    }
    env_text.push_back(asan);
    std::vector<char*> env;
    for (auto& e : env_text)
        env.push_back(e.data());
    env.push_back(nullptr);
    pid_t pid = -1;
    if (::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), env.data()) == 0)
        pid_ = pid;
    posix_spawn_file_actions_destroy(&fa);
}

child_process::~child_process() {
    if (started() && !exit_code_)
        stop();
}

std::string child_process::stdout_text() const {
    return read_file(dir_ / "stdout.txt");
}
std::string child_process::stderr_text() const {
    return read_file(dir_ / "stderr.txt");
}

std::optional<std::string> child_process::wait_for_output(
    bool on_stderr, const std::function<std::optional<std::string>(const std::string&)>& match,
    milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto found = match(on_stderr ? stderr_text() : stdout_text()))
            return found;
        if (!started() || std::chrono::steady_clock::now() > deadline)
            return std::nullopt;
        if (wait_exit(milliseconds(0))) // exited: one last look at the complete output
            return match(on_stderr ? stderr_text() : stdout_text());
        std::this_thread::sleep_for(milliseconds(5));
    }
}

void child_process::send_signal(int sig) const noexcept {
    if (started() && !exit_code_)
        ::kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(milliseconds timeout) {
    if (exit_code_ || !started())
        return exit_code_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return exit_code_;
        }
        if (r < 0 || std::chrono::steady_clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::sleep_for(milliseconds(2));
    }
}

int child_process::stop(milliseconds grace) {
    if (!started())
        return -1;
    send_signal(SIGTERM);
    if (auto code = wait_exit(grace))
        return *code;
    send_signal(SIGKILL);
    return wait_exit(milliseconds(10000)).value_or(-1);
}

} // namespace geogate::it
