#pragma once
// Two readings of one request head compared the way geogate uses a request: method, target,
// version, and every field in order (its code, its name as sent, its value). For the unit test
// and the fuzzer of read_bodyless_request_head, which must read a head exactly as Beast does.
#include "proxy/http/net.hpp"

#include <string>

namespace geogate::test {

/// Empty when `a` and `b` are the same request; else what differs first.
inline std::string request_head_difference(const http::request_header<>& a,
                                           const http::request_header<>& b) {
    if (a.method() != b.method() || a.method_string() != b.method_string())
        return "method";
    if (a.target() != b.target())
        return "target";
    if (a.version() != b.version())
        return "version";
    auto i = a.begin();
    auto j = b.begin();
    for (; i != a.end() && j != b.end(); ++i, ++j) {
        if (i->name() != j->name() || i->name_string() != j->name_string())
            return "name of field " + std::string(i->name_string());
        if (i->value() != j->value())
            return "value of field " + std::string(i->name_string());
    }
    if (i != a.end() || j != b.end())
        return "number of fields";
    return {};
}

} // namespace geogate::test
