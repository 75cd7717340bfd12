// The long-lived TOML parser process: geogate starts `geogate __toml-parser` once and sends it
// one document after another over a socket pair, instead of starting a process per file.
//
// Why: a reload reads the config, every rule file and every notice.toml. A process per file cost
// 15 ms each in a release build and 270-700 ms in an ASan build (1.7 million relocations and
// the registration of every instrumented global), which made 50 reloads under load take 90 s in
// CI. The isolation is kept: toml++ still never runs in the proxy, and whatever goes wrong in
// the child (crash, hang, sanitizer abort, garbage, an answer too long) ends that child and
// becomes one diagnostic naming the file.
//
// What a reused child must not do is carry damage from one document into the next: toml++ has
// undefined behaviour on some malformed inputs. So a child is reused only after a document it
// parsed cleanly (a tree came back); after a syntax error, any failure, or kMaxAnswers
// documents, it is ended and the next document gets a fresh one.
//
// A child can also disappear between documents: PR_SET_PDEATHSIG kills it when the thread
// that started it ends, not only the process. A reused child that dies on a document is
// therefore given one more try in a fresh child; a document that kills the fresh one too is
// reported as it always was.
//
// Wire format (little-endian u32s):
//   parent -> child: name length, text length, CPU seconds, name, text
//   child -> parent: answer length, answer ('T' + tree, or 'E' + line + column + description)
#include "rules/toml/parser_child.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace geogate::toml::detail {

namespace {

using steady = std::chrono::steady_clock;

constexpr unsigned kMaxAnswers = 256;             // then a fresh child (bounds slow heap growth)
constexpr std::uint32_t kMaxNameBytes = 1u << 16; // source names are paths

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t get_u32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= std::uint32_t(static_cast<std::uint8_t>(p[i])) << (8 * i);
    return v;
}

class parser_process {
public:
    ~parser_process() {
        // The child reads end-of-file and exits; nothing to wait for at our exit.
        if (socket_ >= 0)
            ::close(socket_);
    }

    child_answer ask(const std::vector<std::string>& command, std::string_view text,
                     std::string_view source_name, const parse_limits& limits) {
        std::lock_guard lock(mutex_);
        // The address-space bound is set once per child: another bound needs another child.
        if (pid_ > 0 && address_space_ != limits.address_space_bytes)
            end_child();
        bool reused = pid_ > 0;
        for (;;) {
            if (pid_ < 0) {
                if (const int e = start(command, limits); e != 0) {
                    child_answer a;
                    a.error = e;
                    return a;
                }
            }
            child_answer a = talk(text, source_name, limits);
            if (a.what == child_answer::outcome::died && reused) {
                reused = false; // one more try, in a fresh child
                continue;
            }
            const bool clean = a.what == child_answer::outcome::answered && !a.message.empty() &&
                               a.message[0] == 'T';
            if (!clean || ++answers_ >= kMaxAnswers)
                end_child();
            return a;
        }
    }

private:
    // Starts the child; 0, or errno.
    int start(const std::vector<std::string>& command, const parse_limits& limits) {
        int ends[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
            return errno;
        std::vector<std::string> args = command;
        args.push_back(std::to_string(limits.address_space_bytes));
        args.push_back(std::to_string(limits.max_input_bytes));
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, ends[1], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&fa, ends[1], STDOUT_FILENO);
        // Sanitizer reports and toml++ asserts of the child must not land in the event log.
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        pid_t pid = -1;
        const int rc = ::posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&fa);
        ::close(ends[1]);
        if (rc != 0) {
            ::close(ends[0]);
            return rc;
        }
        const int flags = ::fcntl(ends[0], F_GETFL);
        ::fcntl(ends[0], F_SETFL, flags | O_NONBLOCK);
        pid_ = pid;
        socket_ = ends[0];
        address_space_ = limits.address_space_bytes;
        answers_ = 0;
        return 0;
    }

    // Ends the child whatever it is doing, and reaps it.
    void end_child() {
        if (pid_ < 0)
            return;
        ::kill(pid_, SIGKILL);
        reap();
    }

    // Reaps a child that has ended or was killed; its waitpid status.
    int reap() {
        ::close(socket_);
        socket_ = -1;
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return status;
    }

    child_answer killed(child_answer::outcome why) {
        end_child();
        child_answer a;
        a.what = why;
        return a;
    }

    child_answer died() {
        // The socket closed (or broke) because the child ended: reap it for its status.
        child_answer a;
        a.what = child_answer::outcome::died;
        a.status = reap();
        return a;
    }

    // One document: the request out, the answer back, all within limits.timeout_ms.
    child_answer talk(std::string_view text, std::string_view source_name,
                      const parse_limits& limits) {
        const auto deadline = steady::now() + std::chrono::milliseconds(limits.timeout_ms);
        const std::string_view name = source_name.substr(0, kMaxNameBytes);
        std::string request;
        request.reserve(12 + name.size() + text.size());
        put_u32(request, static_cast<std::uint32_t>(name.size()));
        put_u32(request, static_cast<std::uint32_t>(text.size()));
        put_u32(request, limits.cpu_seconds);
        request.append(name);
        request.append(text);

        std::size_t sent = 0;
        while (sent < request.size()) {
            const ssize_t n =
                ::send(socket_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
                continue;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                return died(); // EPIPE, ECONNRESET: the child is gone
            if (!poll_until(socket_, POLLOUT, deadline))
                return killed(child_answer::outcome::timed_out);
        }

        // The answer's length first, then that many bytes.
        char length_bytes[4];
        if (const auto r = receive(length_bytes, sizeof length_bytes, deadline))
            return *r;
        const std::size_t length = get_u32(length_bytes);
        if (length > limits.max_output_bytes)
            return killed(child_answer::outcome::too_big);
        std::string answer(length, '\0');
        if (const auto r = receive(answer.data(), answer.size(), deadline))
            return *r;
        child_answer a;
        a.what = child_answer::outcome::answered;
        a.message = std::move(answer);
        return a;
    }

    // Fills `into` from the child; nullopt when done, else what went wrong instead.
    std::optional<child_answer> receive(char* into, std::size_t size, steady::time_point deadline) {
        std::size_t got = 0;
        while (got < size) {
            const ssize_t n = ::recv(socket_, into + got, size - got, 0);
            if (n > 0) {
                got += static_cast<std::size_t>(n);
                continue;
            }
            if (n == 0)
                return died();
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                return died();
            if (!poll_until(socket_, POLLIN, deadline))
                return killed(child_answer::outcome::timed_out);
        }
        return std::nullopt;
    }

    std::mutex mutex_;
    pid_t pid_ = -1;
    int socket_ = -1;
    std::uint64_t address_space_ = 0;
    unsigned answers_ = 0;
};

bool read_exact(int fd, char* into, std::size_t size, bool& at_end) {
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::read(fd, into + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            at_end = n == 0 && got == 0;
            return false;
        }
        got += static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

child_answer ask_parser_process(const std::vector<std::string>& command, std::string_view text,
                                std::string_view source_name, const parse_limits& limits) {
    static parser_process process;
    return process.ask(command, text, source_name, limits);
}

void allow_cpu_seconds(unsigned seconds) {
    rusage used{};
    ::getrusage(RUSAGE_SELF, &used);
    rlimit cpu{};
    ::getrlimit(RLIMIT_CPU, &cpu);
    const rlim_t soft =
        static_cast<rlim_t>(used.ru_utime.tv_sec + used.ru_stime.tv_sec) + 1 + seconds;
    cpu.rlim_cur = cpu.rlim_max == RLIM_INFINITY || soft < cpu.rlim_max ? soft : cpu.rlim_max;
    ::setrlimit(RLIMIT_CPU, &cpu);
}

void serve_parse_requests(const parse_limits& limits) {
    std::string name, text;
    for (;;) {
        char header[12];
        bool at_end = false;
        if (!read_exact(STDIN_FILENO, header, sizeof header, at_end))
            _exit(at_end ? 0 : 3);
        const std::uint32_t name_size = get_u32(header), text_size = get_u32(header + 4);
        if (name_size > kMaxNameBytes || text_size > limits.max_input_bytes)
            _exit(3);
        name.resize(name_size);
        text.resize(text_size);
        if (!read_exact(STDIN_FILENO, name.data(), name.size(), at_end) ||
            !read_exact(STDIN_FILENO, text.data(), text.size(), at_end))
            _exit(3);
        allow_cpu_seconds(get_u32(header + 8));
        const std::string message = parse_to_message(text, name);
        std::string answer;
        answer.reserve(4 + message.size());
        put_u32(answer, static_cast<std::uint32_t>(message.size()));
        answer += message;
        if (!write_all(STDOUT_FILENO, answer.data(), answer.size()))
            _exit(3);
    }
}

} // namespace geogate::toml::detail
