#pragma once
// What a fuzz target does when one of its invariants breaks: say which one, print the input
// (unprintable bytes escaped: inputs are binary) and abort, so that libFuzzer saves the input
// as a crash artifact.
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace geogate::fuzz {

[[noreturn]] inline void invariant_broken(const char* what, std::string_view label,
                                          std::string_view input) {
    std::fprintf(stderr, "invariant broken: %s\n%.*s (%zu bytes): ", what,
                 static_cast<int>(label.size()), label.data(), input.size());
    for (unsigned char c : input)
        std::fprintf(stderr, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
    std::fprintf(stderr, "\n");
    std::abort();
}

} // namespace geogate::fuzz
