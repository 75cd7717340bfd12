// The only file that includes toml++. It runs toml++ in a child process, never in the caller.
//
// Two ways to start the child:
// - A fresh process (posix_spawn + exec of the command named by use_parser_command(); geogate
//   runs itself as `geogate __toml-parser`). The text goes in on stdin (a memfd), the answer
//   comes back on stdout. Nothing of the caller's state crosses over: not its locks, not its
//   signal mask or dispositions (reset to the defaults), not its sockets (all O_CLOEXEC).
//   This is what geogate uses, because of the caveat below.
// - fork() without exec, when no command is named (unit tests, fuzzers, single-threaded
//   callers). After fork() in a multi-threaded process only the calling thread exists in the
//   child, and locks held by other threads stay held. glibc re-initialises its malloc arenas in
//   the child (fork runs __malloc_fork_lock_parent / _unlock_child), so with glibc malloc the
//   child works; but an allocator without fork handlers does not: the ASan/TSan runtimes of
//   g++ 12 leave a size-class lock held by a busy I/O thread locked in the child, which then
//   waits forever on its first allocation of that size (seen in CI: a SIGHUP reload while the
//   test kept requesting pages took the full timeout and failed). The child does nothing else
//   that takes a lock: no stdio, no iostream on user locales, no exceptions (toml++ is built
//   here with TOML_EXCEPTIONS=0, so no unwinder / dl locks), no Asio, no logging.
// Either way the child parses, writes to a pipe and calls _exit() (no atexit handlers, no
// static destructors, no LeakSanitizer pass), and whatever goes wrong in it cannot reach the
// parent: it has RLIMIT_CPU, RLIMIT_AS (not under ASan/TSan, which reserve terabytes of
// virtual memory), no core dumps, PR_SET_PDEATHSIG, and the parent waits with a wall-clock
// deadline, then SIGKILLs and reaps it. A crash, hang, sanitizer abort or garbage output all
// become one ordinary diagnostic naming the file. The pipes are created O_CLOEXEC so a
// concurrent fork+exec elsewhere cannot inherit them and keep them open (which would turn EOF
// into a timeout). The child is reaped with waitpid(pid), so nothing else in the process may
// reap all children (waitpid(-1)).
#define TOML_EXCEPTIONS 0
#define TOML_HEADER_ONLY 1
#include "rules/toml/document.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <toml++/toml.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GEOGATE_HUGE_VM 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define GEOGATE_HUGE_VM 1
#endif
#endif
#ifndef GEOGATE_HUGE_VM
#define GEOGATE_HUGE_VM 0
#endif

// Set by libFuzzer / sanitizer users; the child clears it so that its death is not reported as
// the parent's (a fuzzer would otherwise write a crash artifact for an isolated toml++ bug).
extern char** environ;

extern "C" void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

namespace geogate::toml {

namespace {

source_position position_of(const ::toml::source_position& p) {
    return {static_cast<std::uint32_t>(p.line), static_cast<std::uint32_t>(p.column)};
}

std::string two(unsigned v) {
    char b[3] = {char('0' + v / 10 % 10), char('0' + v % 10), 0};
    return b;
}

std::string date_text(const ::toml::date& d) {
    std::string y = std::to_string(d.year);
    while (y.size() < 4)
        y.insert(y.begin(), '0');
    return y + "-" + two(d.month) + "-" + two(d.day);
}

std::string time_text(const ::toml::time& t) {
    std::string s = two(t.hour) + ":" + two(t.minute) + ":" + two(t.second);
    if (t.nanosecond != 0) {
        std::string ns = std::to_string(t.nanosecond);
        while (ns.size() < 9)
            ns.insert(ns.begin(), '0');
        while (!ns.empty() && ns.back() == '0')
            ns.pop_back();
        s += "." + ns;
    }
    return s;
}

void convert(const ::toml::node& in, node& out) {
    out.where = position_of(in.source().begin);
    if (out.key_where.line == 0)
        out.key_where = out.where;
    switch (in.type()) {
    case ::toml::node_type::table:
        out.type = node::kind::table;
        for (auto&& [k, v] : *in.as_table()) {
            node& c = out.children.emplace_back();
            c.key = std::string(k.str());
            c.key_where = position_of(k.source().begin);
            convert(v, c);
        }
        // toml++ tables are ordered maps; callers want document order (messages, [regions]).
        std::stable_sort(out.children.begin(), out.children.end(),
                         [](const node& a, const node& b) {
                             return a.key_where.line != b.key_where.line
                                        ? a.key_where.line < b.key_where.line
                                        : a.key_where.column < b.key_where.column;
                         });
        break;
    case ::toml::node_type::array:
        out.type = node::kind::array;
        for (const auto& v : *in.as_array())
            convert(v, out.children.emplace_back());
        break;
    case ::toml::node_type::string:
        out.type = node::kind::string;
        out.text = in.as_string()->get();
        break;
    case ::toml::node_type::integer:
        out.type = node::kind::integer;
        out.integer = in.as_integer()->get();
        break;
    case ::toml::node_type::floating_point:
        out.type = node::kind::floating;
        out.floating = in.as_floating_point()->get();
        break;
    case ::toml::node_type::boolean:
        out.type = node::kind::boolean;
        out.boolean = in.as_boolean()->get();
        break;
    case ::toml::node_type::date:
        out.type = node::kind::date_time;
        out.text = date_text(in.as_date()->get());
        break;
    case ::toml::node_type::time:
        out.type = node::kind::date_time;
        out.text = time_text(in.as_time()->get());
        break;
    case ::toml::node_type::date_time: {
        out.type = node::kind::date_time;
        const auto& dt = in.as_date_time()->get();
        out.text = date_text(dt.date) + "T" + time_text(dt.time);
        if (dt.offset) {
            int m = dt.offset->minutes;
            if (m == 0) {
                out.text += "Z";
            } else {
                out.text += m < 0 ? "-" : "+";
                m = m < 0 ? -m : m;
                out.text += two(unsigned(m / 60)) + ":" + two(unsigned(m % 60));
            }
        }
        break;
    }
    default:
        out.type = node::kind::string;
        break;
    }
}

// Child -> parent message: 'T' + encode(tree), or 'E' + u32 line + u32 column + description.
std::string child_parse(std::string_view text, std::string_view source_name) {
    auto result = ::toml::parse(text, source_name);
    if (!result) {
        const auto& err = result.error();
        std::string msg = "E";
        auto pos = position_of(err.source().begin);
        for (std::uint32_t v : {pos.line, pos.column})
            for (int i = 0; i < 4; ++i)
                msg.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
        msg.append(err.description());
        return msg;
    }
    node root;
    root.where = {1, 1};
    root.key_where = {1, 1};
    convert(result.table(), root);
    root.where = {1, 1};
    return "T" + encode(root);
}

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// What both kinds of child do first: die with the parent, no core, bounded CPU and memory.
void limit_child(const parse_limits& limits) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (&__sanitizer_set_death_callback != nullptr)
        __sanitizer_set_death_callback(nullptr);
    rlimit core{0, 0};
    ::setrlimit(RLIMIT_CORE, &core);
    rlimit cpu{limits.cpu_seconds, limits.cpu_seconds + 1};
    ::setrlimit(RLIMIT_CPU, &cpu);
    if (!GEOGATE_HUGE_VM) {
        rlimit as{limits.address_space_bytes, limits.address_space_bytes};
        ::setrlimit(RLIMIT_AS, &as);
    }
}

[[noreturn]] void run_child(int fd, std::string_view text, std::string_view source_name,
                            const parse_limits& limits) {
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGPIPE})
        ::signal(sig, SIG_DFL);
    int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) {
        // Sanitizer reports and toml++ asserts of the child must not land in the event log.
        ::dup2(devnull, STDERR_FILENO);
        ::dup2(devnull, STDOUT_FILENO);
    }
    limit_child(limits);
    std::string msg = child_parse(text, source_name);
    _exit(write_all(fd, msg.data(), msg.size()) ? 0 : 3);
}

std::vector<std::string>& parser_command() {
    static std::vector<std::string> argv; // set once, before threads (use_parser_command)
    return argv;
}

// Starts parser_command() with the text on stdin and `out` as stdout; -1 and errno on failure.
pid_t spawn_parser(std::string_view text, std::string_view source_name, const parse_limits& limits,
                   int out) {
    const int in = ::memfd_create("geogate-toml", MFD_CLOEXEC);
    if (in < 0)
        return -1;
    if (!write_all(in, text.data(), text.size()) || ::lseek(in, 0, SEEK_SET) != 0) {
        const int e = errno;
        ::close(in);
        errno = e;
        return -1;
    }
    std::vector<std::string> args = parser_command();
    args.emplace_back(source_name);
    args.push_back(std::to_string(limits.cpu_seconds));
    args.push_back(std::to_string(limits.address_space_bytes));
    args.push_back(std::to_string(limits.max_input_bytes));
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
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
    ::close(in);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return pid;
}

parse_result failure(std::string_view source_name, source_position where, std::string message) {
    parse_result r;
    r.error.file = std::string(source_name);
    r.error.where = where;
    r.error.message = std::move(message);
    return r;
}

std::string status_text(int status) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char* name = ::sigabbrev_np(sig);
        return "was killed by signal " + std::to_string(sig) +
               (name ? std::string(" (SIG") + name + ")" : "");
    }
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    return "ended abnormally";
}

} // namespace

parse_result parse_text_isolated(std::string_view text, std::string_view source_name,
                                 const parse_limits& limits) {
    if (text.size() > limits.max_input_bytes)
        return failure(source_name, {},
                       "file is " + std::to_string(text.size()) + " bytes; at most " +
                           std::to_string(limits.max_input_bytes) + " bytes are accepted");
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return failure(source_name, {},
                       std::string("cannot create a pipe for the TOML parser: ") +
                           std::strerror(errno));
    const bool spawn = !parser_command().empty();
    pid_t pid = spawn ? spawn_parser(text, source_name, limits, fds[1]) : ::fork();
    if (pid < 0) {
        int e = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return failure(source_name, {},
                       std::string("cannot start the TOML parser process: ") + std::strerror(e));
    }
    if (pid == 0) {
        ::close(fds[0]);
        run_child(fds[1], text, source_name, limits);
    }
    ::close(fds[1]);

    std::string msg;
    bool timed_out = false, too_big = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.timeout_ms);
    char buf[65536];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            timed_out = true;
            break;
        }
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (msg.size() + static_cast<std::size_t>(n) > limits.max_output_bytes) {
            too_big = true;
            break;
        }
        msg.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    if (timed_out || too_big)
        ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }

    if (timed_out)
        return failure(source_name, {},
                       "the TOML parser did not finish within " +
                           std::to_string(limits.timeout_ms) +
                           " ms; the file is probably malformed");
    if (too_big)
        return failure(source_name, {},
                       "the parsed document is larger than " +
                           std::to_string(limits.max_output_bytes) + " bytes");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return failure(source_name, {},
                       "the TOML parser " + status_text(status) +
                           " while reading this file; the file is probably malformed TOML");
    if (!msg.empty() && msg[0] == 'E' && msg.size() >= 9) {
        source_position where;
        for (int i = 0; i < 4; ++i) {
            where.line |= std::uint32_t(static_cast<std::uint8_t>(msg[1 + i])) << (8 * i);
            where.column |= std::uint32_t(static_cast<std::uint8_t>(msg[5 + i])) << (8 * i);
        }
        return failure(source_name, where, "invalid TOML: " + msg.substr(9));
    }
    if (!msg.empty() && msg[0] == 'T') {
        if (auto root = decode(std::string_view(msg).substr(1)); root && root->is_table()) {
            parse_result r;
            r.root = std::move(root);
            return r;
        }
    }
    return failure(source_name, {}, "the TOML parser returned an unreadable answer for this file");
}

void use_parser_command(std::vector<std::string> argv) {
    parser_command() = std::move(argv);
}

int parser_command_main(int argc, char** argv) {
    parse_limits limits;
    auto number = [](const char* text, auto& value) {
        const char* end = text + std::strlen(text);
        return std::from_chars(text, end, value).ptr == end;
    };
    if (argc != 4 || !number(argv[1], limits.cpu_seconds) ||
        !number(argv[2], limits.address_space_bytes) || !number(argv[3], limits.max_input_bytes))
        return 2;
    limit_child(limits);
    std::string text;
    char buf[65536];
    while (text.size() <= limits.max_input_bytes) {
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            _exit(3);
        if (n == 0)
            break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    if (text.size() > limits.max_input_bytes)
        _exit(3);
    std::string msg = child_parse(text, argv[0]);
    _exit(write_all(STDOUT_FILENO, msg.data(), msg.size()) ? 0 : 3);
}

parse_result parse_file_isolated(const std::string& path, const parse_limits& limits) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return failure(path, {}, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return failure(path, {}, "not a regular file");
    }
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            ::close(fd);
            return failure(path, {}, std::string("cannot read: ") + std::strerror(e));
        }
        if (n == 0)
            break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > limits.max_input_bytes)
            break;
    }
    ::close(fd);
    return parse_text_isolated(text, path, limits);
}

} // namespace geogate::toml
