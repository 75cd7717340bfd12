#pragma once
// Runs tests/origin's geogate_test_origin in its own temp dir, with a fixture root holding the
// files below, and offers the views tests need of it (what reached it, how many connections).
#include "tests/integration/support/child_process.hpp"
#include "tests/integration/support/temp_dir.hpp"

#include <memory>
#include <string>
#include <vector>

namespace geogate::it {

/// The fixtures every test origin serves under /fixture/<name> and /<name>, generated here so
/// tests can compare bytes: index.html (UTF-8 page), page-1251.html (windows-1251 bytes),
/// style.css, app.js, image.bin (256 KiB of pattern bytes), empty.txt.
struct fixture {
    std::string name;
    std::string content;
};
const std::vector<fixture>& fixtures();
const std::string& fixture_content(const std::string& name);

class test_origin {
public:
    /// Starts the origin and waits (bounded) for its listening line; started() says if it did.
    /// `port` 0 picks a free port; another listens where an earlier origin was (a restart).
    explicit test_origin(unsigned short port = 0);
    bool started() const noexcept { return port_ != 0; }
    unsigned short port() const noexcept { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    child_process& process() { return *process_; }

    /// Request targets received since start (one per request), fetched directly.
    std::vector<std::string> received() const;
    /// True when any received target contains `needle`.
    bool received_contains(const std::string& needle) const;
    /// Connections the origin accepted since start.
    unsigned connections() const;
    /// Request bodies read since start, one line each: "<target> complete|incomplete <bytes>".
    std::vector<std::string> bodies() const;

    /// Stores page `name` for /mutable/<name>: `query` is the rest of the /_set query, its
    /// values already percent-encoded ("etag=%22a%22&body=hello"). False when not stored.
    bool set_page(const std::string& name, const std::string& query) const;
    /// What /mutable/<name> sent so far (/_served).
    struct served_counts {
        unsigned full = 0;                            // GET answered 200 with the page
        unsigned not_modified = 0;                    // answered 304
        unsigned head = 0;                            // HEAD answered 200
        std::string if_none_match, if_modified_since; // of the last request, "" when absent
        // Of the last answer: "gzip" or "identity" (a page set with gzip=negotiate).
        std::string coding;
    };
    served_counts served(const std::string& name) const;

private:
    temp_dir dir_{"geogate-origin"};
    std::unique_ptr<child_process> process_;
    unsigned short port_ = 0;
};

/// What /echo reported: the request as the origin saw it.
struct echo_report {
    unsigned connection = 0;
    std::string request_line;
    std::vector<std::pair<std::string, std::string>> headers;
    std::uint64_t body_length = 0;
    std::string body_sha256;

    std::string header(std::string_view name) const; // first value, case-insensitive
    std::size_t count(std::string_view name) const;
    bool has(std::string_view name) const { return count(name) > 0; }
};
echo_report parse_echo(const std::string& body);

} // namespace geogate::it
