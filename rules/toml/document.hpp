#pragma once
// Our own TOML tree. toml++ 3.3.0 (Debian 12) has undefined behaviour on some malformed
// inputs, so it never runs inside the proxy process: parse_*_isolated() parses in a
// resource-limited child process (rules/toml/isolated_parser.cpp, the only file that includes
// toml++) and ships this tree back. A crash, hang or memory blow-up of the child becomes
// an ordinary error for that file. Config, rules and notice.toml are all read from this tree.
#include "rules/toml/diagnostic.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::toml {

struct node {
    enum class kind : std::uint8_t { table, array, string, integer, floating, boolean, date_time };
    kind type = kind::table;
    source_position where;     // where the value starts
    source_position key_where; // where its key starts (table entries); else == where
    std::string key;           // key in the parent table; empty for array elements and the root
    std::string text;          // string value; date/time values as their RFC 3339 text
    std::int64_t integer = 0;
    double floating = 0;
    bool boolean = false;
    std::vector<node> children; // table entries (in document order, with key) or array elements

    const node* find(std::string_view child_key) const noexcept;
    bool is_table() const noexcept { return type == kind::table; }
    bool is_array() const noexcept { return type == kind::array; }
    bool is_string() const noexcept { return type == kind::string; }
    /// "table", "array", "string", ... for messages ("expected string, found integer").
    static const char* kind_name(kind k) noexcept;
};

struct parse_result {
    std::optional<node> root; // set on success
    diagnostic error;         // set when !root: file:line:column and toml++'s description
};

/// Limits for one isolated parse. The defaults suit rule and config files.
struct parse_limits {
    std::size_t max_input_bytes = 4u << 20;         // larger files are refused before parsing
    std::size_t max_output_bytes = 64u << 20;       // serialised tree larger than this: refused
    unsigned cpu_seconds = 5;                       // RLIMIT_CPU of the child
    std::uint64_t address_space_bytes = 1ull << 30; // RLIMIT_AS of the child (skipped under ASan)
    int timeout_ms = 10000;                         // wall clock; then the child is SIGKILLed
};

/// Parses one file in an isolated child process. Errors name the file and position.
/// How it is isolated (a fresh process started with use_parser_command(), else fork()) is
/// explained at the top of isolated_parser.cpp. Never throws except std::bad_alloc.
parse_result parse_file_isolated(const std::string& path, const parse_limits& limits = {});
/// Same for text already in memory; `source_name` is what diagnostics call the file.
parse_result parse_text_isolated(std::string_view text, std::string_view source_name,
                                 const parse_limits& limits = {});

/// A program that can run the parser as a command of its own (geogate: `geogate
/// __toml-parser`, see parser_command_main) names it here, once, before it starts threads:
/// later parses then go to one long-lived process started from that command (posix_spawn +
/// exec; rules/toml/parser_process.cpp) instead of a fork() of the caller per document. A fork()ed
/// copy of a multi-threaded process can wait forever on an allocator lock another thread held at
/// the fork (the sanitizer runtimes have no fork handlers for theirs), which turned a reload under
/// load into a 10 s wait and a bogus "malformed" error.
void use_parser_command(std::vector<std::string> argv);
/// The body of that command: argv = {ADDRESS_SPACE_BYTES, MAX_INPUT_BYTES}; reads documents
/// from stdin and writes their answers to stdout until stdin ends, then _exit()s. Returns (2)
/// only when the arguments are wrong.
int parser_command_main(int argc, char** argv);
inline constexpr const char* parser_command_name = "__toml-parser";

/// The wire format between child and parent (exposed for tests and the fuzzer): a node tree
/// to bytes and back. decode() checks every length and the nesting depth; nullopt on garbage.
std::string encode(const node& root);
std::optional<node> decode(std::string_view bytes);

} // namespace geogate::toml
