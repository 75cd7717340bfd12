#include "tests/integration/support/cache_fixture.hpp"

#include <sstream>

namespace geogate::it {

std::vector<boost::json::object> reader_log_lines(const geogate_process& p) {
    std::vector<boost::json::object> out;
    std::istringstream in(p.access_log());
    for (std::string line; std::getline(in, line);) {
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        if (!ec && v.is_object() && v.as_object().contains("decision"))
            out.push_back(v.as_object());
    }
    return out;
}

std::string log_field(const boost::json::object& line, const char* key) {
    const auto* v = line.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string mutable_target(const std::string& name, const std::string& query) {
    return "/mutable/" + name + (query.empty() ? "" : "?" + query);
}

bool page_with_notice(const std::string& body) {
    return body.find("ORIGIN-CONTENT-7f3a") != std::string::npos &&
           occurrences(body, "data-geogate-notice=") == 1;
}

cache_stack::cache_stack(const std::function<void(toml_config&)>& tweak)
    : s(ru_notice_rules, tweak) {}

cache_read cache_stack::read(const std::string& target, const std::string& extra, const char* ip,
                             const std::string& method, const std::string& host) {
    return pair_with_log(round_trip(s.port(), reader_request(method, target, ip, extra, host),
                                    milliseconds(10000), method == "HEAD"));
}

cache_read cache_stack::read_on(raw_client& c, const std::string& target,
                                const std::string& extra) {
    if (!c.send(reader_get(target, reader::ru_moscow, extra)))
        return pair_with_log(http_response{});
    return pair_with_log(c.read_response(milliseconds(10000)));
}

cache_read cache_stack::pair_with_log(http_response res) {
    cache_read out;
    out.res = std::move(res);
    std::vector<boost::json::object> lines;
    // The access log is written by its own thread: the line can trail the response.
    out.logged = eventually([&] {
        lines = reader_log_lines(*s.proxy);
        return lines.size() > logged_;
    });
    if (out.logged) {
        out.cache = log_field(lines[logged_], "cache");
        out.reason = log_field(lines[logged_], "cache_reason");
        ++logged_;
    }
    return out;
}

} // namespace geogate::it
