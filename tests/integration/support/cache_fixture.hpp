#pragma once
// What the notice variant cache's tests share (test_variant_cache*.cpp; the contract is
// docs/operations.md "Notice variant cache"): a geo_stack with the RU notice rules in front of
// the test origin's mutable pages (/_set, /mutable/<name>), and a reader whose every request is
// paired with its access-log line, so a test sees both what the reader got and what geogate
// says it did ("cache": hit | miss | bypass, "cache_reason").
#include "tests/integration/support/geo_fixture.hpp"

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace geogate::it {

/// One request as the reader and the operator see it.
struct cache_read {
    http_response res;
    bool logged = false; // its access-log line arrived (bounded wait)
    std::string cache;   // "cache" field, "" when absent
    std::string reason;  // "cache_reason" field, "" when absent
};

/// The access log's JSON lines for reader requests (those with a "decision"), in order.
std::vector<boost::json::object> reader_log_lines(const geogate_process& p);
/// A string field of a log line, "" when absent.
std::string log_field(const boost::json::object& line, const char* key);

/// "/mutable/<name>".
std::string mutable_target(const std::string& name, const std::string& query = "");
/// True when `body` holds the origin's page (its marker) and exactly one notice.
bool page_with_notice(const std::string& body);

class cache_stack {
public:
    /// ru_notice_rules (RU readers get the "legal" notice); `tweak` edits the config.
    explicit cache_stack(const std::function<void(toml_config&)>& tweak = {});

    geo_stack s;

    /// One request for `target` on a fresh connection, as the reader at `ip`, then (bounded)
    /// its access-log line. Requests through read() must not overlap.
    cache_read read(const std::string& target, const std::string& extra = "",
                    const char* ip = reader::ru_moscow, const std::string& method = "GET",
                    const std::string& host = "site.test");
    /// The same on the caller's keep-alive connection (a flood of requests).
    cache_read read_on(raw_client& c, const std::string& target, const std::string& extra = "");
    /// Stores a page at the origin (test_origin::set_page).
    bool set_page(const std::string& name, const std::string& query) const {
        return s.origin.set_page(name, query);
    }
    test_origin::served_counts served(const std::string& name) const {
        return s.origin.served(name);
    }
    /// Lines already paired with a request (or skipped by a test that read them itself).
    std::size_t& logged() { return logged_; }

private:
    cache_read pair_with_log(http_response res);
    std::size_t logged_ = 0;
};

} // namespace geogate::it
