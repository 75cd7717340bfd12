// split_request_target / normalize_host / parse_listen_address on arbitrary bytes: never crash,
// and the parts are views of the target in the order they appear.
#include "proxy/config/listen_address.hpp"
#include "proxy/http/request_target.hpp"
#include "tests/fuzz/invariant.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what, std::string_view in) {
    geogate::fuzz::invariant_broken(what, "input", in);
}

bool inside(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace geogate;
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    const auto t = split_request_target(in);
    if (t.path.empty())
        fail("empty path", in);
    if (t.path != "/" && !inside(t.path, in))
        fail("path not a view of the target", in);
    if (!inside(t.query, in) || !inside(t.authority, in))
        fail("query/authority not a view of the target", in);
    if (t.authority.find_first_of("/?#") != std::string_view::npos)
        fail("authority holds a delimiter", in);
    if (t.path.find_first_of("?#") != std::string_view::npos ||
        t.query.find('#') != std::string_view::npos)
        fail("path/query holds a delimiter", in);
    if (!t.has_query && !t.query.empty())
        fail("query without has_query", in);
    if (!in.empty() && in.front() == '/') {
        // origin-form: no authority, and origin_form() is the target without its fragment
        if (!t.authority.empty())
            fail("origin-form target with an authority", in);
        if (t.origin_form() != in.substr(0, in.find('#')))
            fail("origin_form() is not the target without fragment", in);
    }

    const auto host = normalize_host(in);
    for (char c : host)
        if (c >= 'A' && c <= 'Z')
            fail("normalize_host kept upper case", in);
    if (!host.empty() && host.back() == '.')
        fail("normalize_host kept a trailing dot", in);

    if (auto ep = parse_listen_address(in)) {
        // Printing the endpoint back gives an address that parses to the same endpoint.
        const auto a = ep->address();
        std::string text = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
        text += ":" + std::to_string(ep->port());
        const auto again = parse_listen_address(text);
        if (!again || *again != *ep)
            fail("listen address does not round-trip", in);
    }
    return 0;
}
