// CSP amender on arbitrary header values: never crashes, keeps the header count, never adds
// 'unsafe-inline', and a returned nonce occurs in the input.
// Input: lines; a line starting with 'R' is a report-only value, others enforced.
#include "proxy/html/csp.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {
// whole source expressions equal to `what` (ASCII case-insensitive)
std::size_t count(std::string_view s, std::string_view what) {
    std::size_t n = 0, i = 0;
    auto sep = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == ';' || c == ',';
    };
    while (i < s.size()) {
        while (i < s.size() && sep(s[i]))
            ++i;
        const std::size_t b = i;
        while (i < s.size() && !sep(s[i]))
            ++i;
        if (i - b != what.size())
            continue;
        bool same = true;
        for (std::size_t k = 0; k < what.size() && same; ++k) {
            char c = s[b + k];
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c | 0x20);
            same = c == what[k];
        }
        n += same;
    }
    return n;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> enforce, report;
    std::size_t pos = 0;
    while (pos <= in.size()) {
        auto nl = in.find('\n', pos);
        if (nl == std::string_view::npos)
            nl = in.size();
        auto line = in.substr(pos, nl - pos);
        if (!line.empty() && line[0] == 'R')
            report.push_back(line.substr(1));
        else
            enforce.push_back(line);
        pos = nl + 1;
    }
    const auto r = geogate::html::amend_csp_for_style(enforce, report, "'sha256-AbC='");
    if (r.enforce.size() != enforce.size() || r.report_only.size() != report.size())
        std::abort();
    for (std::size_t i = 0; i < enforce.size(); ++i)
        if (count(r.enforce[i], "'unsafe-inline'") != count(enforce[i], "'unsafe-inline'"))
            std::abort();
    if (!r.nonce.empty() && in.find(r.nonce) == std::string_view::npos)
        std::abort();
    return 0;
}
