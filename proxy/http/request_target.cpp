#include "proxy/http/request_target.hpp"

#include "common/http_text.hpp"

#include <algorithm>

namespace geogate {

std::string request_target::origin_form() const {
    std::string s(path);
    if (has_query) {
        s += '?';
        s += query;
    }
    return s;
}

request_target split_request_target(std::string_view target) noexcept {
    request_target t;
    if (!target.empty() && target.front() != '/' && target != "*") {
        auto scheme_end = target.find("://");
        if (scheme_end != std::string_view::npos) {
            auto rest = target.substr(scheme_end + 3);
            auto end = rest.find_first_of("/?#");
            t.authority = rest.substr(0, end);
            target = end == std::string_view::npos ? std::string_view() : rest.substr(end);
        }
    }
    auto hash = target.find('#');
    if (hash != std::string_view::npos)
        target = target.substr(0, hash); // fragments are never sent; drop defensively
    auto q = target.find('?');
    t.path = target.substr(0, q);
    if (q != std::string_view::npos) {
        t.has_query = true;
        t.query = target.substr(q + 1);
    }
    if (t.path.empty())
        t.path = "/";
    return t;
}

namespace {

// The byte an escape at path[i] ('%' then two characters) stands for, lower-cased; 0 if none.
char escaped(std::string_view path, std::size_t i) noexcept {
    if (path[i] != '%' || i + 2 >= path.size())
        return 0;
    const char a = path[i + 1], b = static_cast<char>(path[i + 2] | 0x20);
    if (a == '2' && b == 'e')
        return '.';
    if (a == '2' && b == 'f')
        return '/';
    if (a == '5' && b == 'c')
        return '\\';
    return 0;
}

} // namespace

std::vector<std::string> rule_path_readings(std::string_view path) {
    std::vector<std::string> out;
    for (auto r : {path_reading::decode_slashes, path_reading::decode_dots, path_reading::raw,
                   path_reading::strip_params}) {
        auto p = normalize_path_for_rules(path, r);
        if (std::find(out.begin(), out.end(), p) == out.end())
            out.push_back(std::move(p));
    }
    return out;
}

namespace {

// A path every reading leaves as it is: it starts with '/', has no empty, "." or ".." segment
// (an empty last one is a trailing slash, which stays) and nothing any reading decodes or
// strips ('%', '\\', ';'). The usual path is such a path; it is then copied as it is.
bool already_normal(std::string_view path) noexcept {
    if (path.empty() || path.front() != '/')
        return false;
    std::size_t segment_start = 1;
    for (std::size_t i = 1; i <= path.size(); ++i) {
        const char c = i < path.size() ? path[i] : '/';
        if (c == '/') {
            const auto segment = path.substr(segment_start, i - segment_start);
            if ((segment.empty() && i < path.size()) || segment == "." || segment == "..")
                return false;
            segment_start = i + 1;
        } else if (c == '%' || c == '\\' || c == ';') {
            return false;
        }
    }
    return true;
}

} // namespace

std::string normalize_path_for_rules(std::string_view path, path_reading reading) {
    if (already_normal(path))
        return std::string(path);
    // Decode what this reading decodes; other escapes are compared decoded by decide() itself
    // (except %2F and %5C, which decide() never takes for a slash: see rules/decide.cpp).
    std::string decoded;
    decoded.reserve(path.size());
    for (std::size_t i = 0; i < path.size(); ++i) {
        const char e = reading == path_reading::raw ? 0 : escaped(path, i);
        if (e == '.') {
            decoded += '.';
            i += 2;
        } else if (e && reading == path_reading::decode_slashes) {
            decoded += '/'; // %2F, and %5C as a backslash is read below
            i += 2;
        } else if (path[i] == '\\' && reading == path_reading::decode_slashes) {
            decoded += '/';
        } else {
            decoded += path[i];
        }
    }
    // Split into segments, dropping empty ones (collapsed slashes) and resolving . and ..
    std::string out;
    out.reserve(decoded.size() + 1);
    std::size_t pos = 0;
    bool trailing_slash = false;
    while (pos <= decoded.size()) {
        auto end = decoded.find('/', pos);
        if (end == std::string::npos)
            end = decoded.size();
        std::string_view seg(decoded.data() + pos, end - pos);
        if (reading == path_reading::strip_params)
            seg = seg.substr(0, seg.find(';')); // "..;x" is "..", "a;jsessionid=1" is "a"
        trailing_slash = end < decoded.size() || seg.empty() || seg == "." || seg == "..";
        if (seg == "..") {
            auto cut = out.rfind('/');
            out.erase(cut == std::string::npos ? 0 : cut);
        } else if (!seg.empty() && seg != ".") {
            out += '/';
            out += seg;
            trailing_slash = end < decoded.size();
        }
        pos = end + 1;
    }
    if (out.empty() || trailing_slash)
        out += '/';
    return out;
}

std::string normalize_host(std::string_view host) {
    std::string_view name = host;
    if (!host.empty() && host.front() == '[') {
        auto close = host.find(']');
        name = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
    } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
        name = host.substr(0, colon);
    }
    std::string out = ascii_lowered(name);
    while (!out.empty() && out.back() == '.')
        out.pop_back(); // "example.com." is example.com
    return out;
}

} // namespace geogate
