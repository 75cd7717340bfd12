#pragma once
// Internal to rules/toml: what the two ways of running the TOML parser in a child share.
// isolated_parser.cpp holds toml++ and the fork() way; parser_process.cpp the long-lived
// exec'd parser process that geogate uses. Both hand parse_text_isolated() a child_answer.
#include "rules/toml/document.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::toml::detail {

/// What the parent got from a child for one document.
struct child_answer {
    enum class outcome {
        answered,     // `message` is the child's answer: 'T' + tree or 'E' + position + text
        timed_out,    // no whole answer within limits.timeout_ms; the child was killed
        too_big,      // the answer was longer than limits.max_output_bytes; the child was killed
        died,         // the child ended without a whole answer; `status` is waitpid's
        cannot_start, // no child could be started; `error` is errno
    };
    outcome what = outcome::cannot_start;
    std::string message;
    int status = 0;
    int error = 0;
};

/// In the child: parses `text` with toml++ and returns the answer message.
std::string parse_to_message(std::string_view text, std::string_view source_name);

/// In the child, first: die with the parent, no core dump, bounded CPU and (unless under a
/// sanitizer, which reserves terabytes) address space.
void limit_child(const parse_limits& limits);

/// In the child, before each document: RLIMIT_CPU counts the whole life of the process, so the
/// soft limit becomes what the child has used so far plus `seconds` (then SIGXCPU ends it). The
/// hard limit stays as inherited: an unprivileged process could not raise it again.
void allow_cpu_seconds(unsigned seconds);

/// write() until done or failed (EINTR retried).
bool write_all(int fd, const char* data, std::size_t size);

/// In the parent: waits until `fd` is ready for `events` (POLLIN, POLLOUT) or `deadline` has
/// passed (EINTR retried); false at the deadline. Every wait for a child is bounded by it.
bool poll_until(int fd, short events, std::chrono::steady_clock::time_point deadline);

/// In the parent: parses through the long-lived parser process started as `command` (plus its
/// arguments), starting or replacing it as needed. Thread-safe: one document at a time.
child_answer ask_parser_process(const std::vector<std::string>& command, std::string_view text,
                                std::string_view source_name, const parse_limits& limits);

/// In the child: the parser process's loop over requests on stdin, answers on stdout. Returns
/// only at the end of the requests (the parent closed its end or exited).
[[noreturn]] void serve_parse_requests(const parse_limits& limits);

} // namespace geogate::toml::detail
