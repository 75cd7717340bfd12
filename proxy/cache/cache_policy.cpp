#include "proxy/cache/cache_policy.hpp"

#include "common/http_text.hpp"
#include "proxy/http/cache_control.hpp"

#include <vector>

namespace geogate {
namespace {

template <class Fields> std::vector<std::string_view> lines_of(const Fields& f, http::field name) {
    std::vector<std::string_view> lines;
    for (auto it = f.find(name); it != f.end() && it->name() == name; ++it)
        lines.push_back(it->value());
    return lines;
}

} // namespace

std::string_view cache_bypass_reason(const http::request_header<>& req) {
    if (req.method() != http::verb::get && req.method() != http::verb::head)
        return "method";
    if (req.find(http::field::authorization) != req.end())
        return "authorization";
    auto lines = lines_of(req, http::field::cache_control);
    if (lines.empty())
        return {};
    auto directives = parse_cache_control(lines);
    if (!directives)
        return "no_store";
    for (const auto& d : *directives)
        if (iequals(d.name, "no-store"))
            return "no_store";
    return {};
}

std::string_view not_storable_reason(const http::response_header<>& res) {
    if (res.result_int() != 200)
        return "status";
    if (auto lines = lines_of(res, http::field::cache_control); !lines.empty()) {
        auto directives = parse_cache_control(lines);
        if (!directives)
            return "no_store"; // what a browser reads of it is a guess: the strictest answer
        for (const auto& d : *directives) {
            if (iequals(d.name, "no-store"))
                return "no_store";
            if (iequals(d.name, "private"))
                return "private"; // private="Set-Cookie" too: never store part of a response
        }
    }
    if (res.find(http::field::set_cookie) != res.end())
        return "set_cookie";
    if (res.find(http::field::content_range) != res.end())
        return "partial";
    for (auto it = res.find(http::field::vary); it != res.end() && it->name() == http::field::vary;
         ++it)
        for (auto t : http::token_list(it->value()))
            if (!iequals(t, "accept-encoding"))
                return "vary";
    return {};
}

} // namespace geogate
