// Runs every file of the TOML conformance corpus through the rule loader (isolated parser +
// validation). invalid/: must be rejected with an error naming the file. valid/: must not
// crash the loader (rule validation usually rejects them: fine). The process survives files on
// which toml++ has undefined behaviour because toml++ only runs in a child.
// Four threads load files concurrently, so the parser is also forked from a multi-threaded
// process, as it is during a reload in the proxy.
// Usage: geogate_toml_corpus_test <toml-test dir>
#include "rules/rule_loader.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace geogate;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <toml-test dir>\n", argv[0]);
        return 2;
    }
    fs::path root = argv[1];
    std::vector<fs::path> files;
    for (const char* sub : {"valid", "invalid"})
        for (const auto& e : fs::recursive_directory_iterator(root / sub))
            if (e.is_regular_file() && e.path().extension() == ".toml")
                files.push_back(e.path());
    std::sort(files.begin(), files.end());
    auto start = std::chrono::steady_clock::now();
    std::atomic<int> failures = 0, valid = 0, invalid = 0, child_failures = 0;
    std::atomic<std::size_t> next = 0;
    std::mutex print;
    auto work = [&] {
        for (std::size_t i; (i = next++) < files.size();) {
            const auto& f = files[i];
            bool is_invalid = f.lexically_relative(root).begin()->string() == "invalid";
            diagnostics d;
            auto rs = rules::load_rules({f.string()}, {}, d);
            for (const auto& x : d)
                if (x.message.find("the TOML parser ") == 0)
                    ++child_failures;
            std::lock_guard lock(print);
            if (is_invalid) {
                ++invalid;
                bool named = std::any_of(d.begin(), d.end(), [&](const diagnostic& x) {
                    return x.severity == diagnostic::level::error && x.file == f.string() &&
                           !x.message.empty();
                });
                if (rs || !named) {
                    ++failures;
                    std::fprintf(stderr, "NOT REJECTED: %s\n", f.c_str());
                }
            } else {
                ++valid;
                for (const auto& x : d)
                    if (x.file != f.string() || x.message.empty()) {
                        ++failures;
                        std::fprintf(stderr, "BAD DIAGNOSTIC for %s: %s\n", f.c_str(),
                                     x.to_string().c_str());
                    }
            }
        }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back(work);
    for (auto& t : threads)
        t.join();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    std::printf("toml-test corpus: %d valid, %d invalid files, %d parser children died or hung "
                "(reported as diagnostics), %d failures, %lld ms\n",
                valid.load(), invalid.load(), child_failures.load(), failures.load(),
                static_cast<long long>(ms));
    return failures == 0 && valid + invalid > 0 ? 0 : 1;
}
