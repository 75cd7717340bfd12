// The only file that includes toml++. It runs toml++ in a child process, never in the caller.
//
// Two ways to run the child:
// - The long-lived parser process (rules/toml/parser_process.cpp): the command named by
//   use_parser_command() (geogate runs itself as `geogate __toml-parser`), started with
//   posix_spawn + exec and sent one document after another. Nothing of the caller's state
//   crosses over: not its locks, not its signal mask or dispositions (reset to the defaults),
//   not its sockets (all O_CLOEXEC). This is what geogate uses, because of the caveat below.
// - fork() without exec, one child per document, when no command is named (unit tests,
//   fuzzers, single-threaded callers). After fork() in a multi-threaded process only the
//   calling thread exists in the child, and locks held by other threads stay held. glibc
//   re-initialises its malloc arenas in the child (fork runs __malloc_fork_lock_parent /
//   _unlock_child), so with glibc malloc the child works; but an allocator without fork
//   handlers does not: the ASan/TSan runtimes of g++ 12 leave a size-class lock held by a busy
//   I/O thread locked in the child, which then waits forever on its first allocation of that
//   size (seen in CI: a SIGHUP reload while the test kept requesting pages took the full
//   timeout and failed). The child does nothing else that takes a lock: no stdio, no iostream
//   on user locales, no exceptions (toml++ is built here with TOML_EXCEPTIONS=0, so no unwinder
//   / dl locks), no Asio, no logging.
// Either way the child calls _exit() (no atexit handlers, no static destructors, no
// LeakSanitizer pass), and whatever goes wrong in it cannot reach the parent: it has
// RLIMIT_CPU, RLIMIT_AS (not under ASan/TSan, which reserve terabytes of virtual memory), no
// core dumps, PR_SET_PDEATHSIG, and the parent waits with a wall-clock deadline, then SIGKILLs
// and reaps it. A crash, hang, sanitizer abort or garbage output all become one ordinary
// diagnostic naming the file. The pipes and sockets are created O_CLOEXEC so a concurrent
// fork+exec elsewhere cannot inherit them and keep them open (which would turn EOF into a
// timeout). Children are reaped with waitpid(pid), so nothing else in the process may reap all
// children (waitpid(-1)).
#define TOML_EXCEPTIONS 0
#define TOML_HEADER_ONLY 1
#include "rules/toml/parser_child.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
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

} // namespace

namespace detail {

// Child -> parent message: 'T' + encode(tree), or 'E' + u32 line + u32 column + description.
std::string parse_to_message(std::string_view text, std::string_view source_name) {
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

bool poll_until(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0)
            return false;
        pollfd p{fd, events, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR)
            continue;
        return r > 0;
    }
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

void limit_child(const parse_limits& limits) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (&__sanitizer_set_death_callback != nullptr)
        __sanitizer_set_death_callback(nullptr);
    rlimit core{0, 0};
    ::setrlimit(RLIMIT_CORE, &core);
    allow_cpu_seconds(limits.cpu_seconds);
    if (!GEOGATE_HUGE_VM) {
        rlimit as{limits.address_space_bytes, limits.address_space_bytes};
        ::setrlimit(RLIMIT_AS, &as);
    }
}

} // namespace detail

namespace {

using detail::child_answer;

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
    detail::limit_child(limits);
    std::string msg = detail::parse_to_message(text, source_name);
    _exit(detail::write_all(fd, msg.data(), msg.size()) ? 0 : 3);
}

std::vector<std::string>& parser_command() {
    static std::vector<std::string> argv; // set once, before threads (use_parser_command)
    return argv;
}

// The fork() way: a copy of the caller parses and writes its answer to a pipe, then exits.
child_answer ask_forked_child(std::string_view text, std::string_view source_name,
                              const parse_limits& limits) {
    child_answer answer;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        answer.error = errno;
        return answer;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        answer.error = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return answer;
    }
    if (pid == 0) {
        ::close(fds[0]);
        run_child(fds[1], text, source_name, limits);
    }
    ::close(fds[1]);

    std::string msg;
    answer.what = child_answer::outcome::answered;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.timeout_ms);
    char buf[65536];
    for (;;) {
        if (!detail::poll_until(fds[0], POLLIN, deadline)) {
            answer.what = child_answer::outcome::timed_out;
            break;
        }
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (msg.size() + static_cast<std::size_t>(n) > limits.max_output_bytes) {
            answer.what = child_answer::outcome::too_big;
            break;
        }
        msg.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    if (answer.what != child_answer::outcome::answered)
        ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (answer.what == child_answer::outcome::answered &&
        (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
        answer.what = child_answer::outcome::died;
        answer.status = status;
    }
    answer.message = std::move(msg);
    return answer;
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

// One child's answer, whichever way it ran, as the caller's result.
parse_result result_of(const child_answer& answer, std::string_view source_name,
                       const parse_limits& limits) {
    switch (answer.what) {
    case child_answer::outcome::cannot_start:
        return failure(source_name, {},
                       std::string("cannot start the TOML parser process: ") +
                           std::strerror(answer.error));
    case child_answer::outcome::timed_out:
        return failure(source_name, {},
                       "the TOML parser did not finish within " +
                           std::to_string(limits.timeout_ms) +
                           " ms; the file is probably malformed");
    case child_answer::outcome::too_big:
        return failure(source_name, {},
                       "the parsed document is larger than " +
                           std::to_string(limits.max_output_bytes) + " bytes");
    case child_answer::outcome::died:
        return failure(source_name, {},
                       "the TOML parser " + status_text(answer.status) +
                           " while reading this file; the file is probably malformed TOML");
    case child_answer::outcome::answered:
        break;
    }
    const std::string& msg = answer.message;
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

} // namespace

parse_result parse_text_isolated(std::string_view text, std::string_view source_name,
                                 const parse_limits& limits) {
    if (text.size() > limits.max_input_bytes)
        return failure(source_name, {},
                       "file is " + std::to_string(text.size()) + " bytes; at most " +
                           std::to_string(limits.max_input_bytes) + " bytes are accepted");
    const auto answer =
        parser_command().empty()
            ? ask_forked_child(text, source_name, limits)
            : detail::ask_parser_process(parser_command(), text, source_name, limits);
    return result_of(answer, source_name, limits);
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
    if (argc != 2 || !number(argv[0], limits.address_space_bytes) ||
        !number(argv[1], limits.max_input_bytes))
        return 2;
    detail::limit_child(limits);
    detail::serve_parse_requests(limits);
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
