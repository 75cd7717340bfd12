// Any header lines from a trusted proxy: an address or nullopt, never a crash or a hang.
// Input: header lines separated by '\n'; the first byte picks the header kind.
#include "geoip/client_address.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace geogate::geoip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    static const std::array<client_address_policy, 3> policies = [] {
        client_address_policy p[3];
        const char* names[3] = {"X-Forwarded-For", "Forwarded", "CF-Connecting-IP"};
        for (int i = 0; i < 3; ++i) {
            p[i].trusted_proxies = {*cidr::parse("10.0.0.0/8"), *cidr::parse("2001:db8::/32")};
            p[i].header_name = names[i];
            p[i].kind = client_address_policy::kind_for(names[i]);
        }
        return std::to_array(p);
    }();
    const auto& policy = policies[data[0] % 3];
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    std::vector<std::string_view> lines;
    while (true) {
        const auto nl = text.find('\n');
        lines.push_back(text.substr(0, nl));
        if (nl == text.npos)
            break;
        text.remove_prefix(nl + 1);
    }
    const auto peer = boost::asio::ip::make_address("10.0.0.1");
    auto a = resolve_client_address(peer, lines, policy);
    if (a && a->is_v6() && a->to_v6().is_v4_mapped())
        __builtin_trap(); // results are always unmapped
    (void)cidr::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
