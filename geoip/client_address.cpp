#include "geoip/client_address.hpp"

#include "common/http_text.hpp"

#include <algorithm>
#include <array>

namespace geogate::geoip {
namespace {

using boost::asio::ip::address;
using boost::asio::ip::address_v4;
using boost::asio::ip::address_v6;

constexpr std::size_t max_node_length = 64; // "[v6]:port" is at most 47; longer is garbage

bool all_digits(std::string_view s) noexcept {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_port(std::string_view s) noexcept {
    if (!all_digits(s) || s.size() > 5)
        return false;
    unsigned v = 0;
    for (char c : s)
        v = v * 10 + static_cast<unsigned>(c - '0');
    return v <= 65535;
}

// Strict textual address: no zone ids (a scope is meaningless across hosts), no spaces.
// Dotted-quad exactly as inet_pton(AF_INET) (what make_address_v4 calls) reads it: four
// decimal parts of 0-255 without leading zeros, and nothing else. Parsed here because this
// runs on every request and make_address_v4 copies the text into a string first.
std::optional<address_v4> parse_v4(std::string_view s) noexcept {
    if (s.empty() || s.size() > 15)
        return std::nullopt;
    address_v4::bytes_type bytes{};
    std::size_t part = 0;
    unsigned value = 0;
    std::size_t digits = 0;
    for (char c : s) {
        if (c >= '0' && c <= '9') {
            if (digits == 1 && value == 0)
                return std::nullopt; // a leading zero
            value = value * 10 + static_cast<unsigned>(c - '0');
            if (value > 255)
                return std::nullopt;
            ++digits;
        } else if (c == '.' && digits > 0 && part < 3) {
            bytes[part++] = static_cast<unsigned char>(value);
            value = 0;
            digits = 0;
        } else {
            return std::nullopt;
        }
    }
    if (part != 3 || digits == 0)
        return std::nullopt;
    bytes[3] = static_cast<unsigned char>(value);
    return address_v4(bytes);
}

std::optional<address_v6> parse_v6(std::string_view s) noexcept {
    if (s.empty() || s.size() > 45 || s.find_first_not_of("0123456789abcdefABCDEF:.") != s.npos)
        return std::nullopt;
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address_v6(s, ec);
    if (ec)
        return std::nullopt;
    return a;
}

// One node as forwarding headers write it: 1.2.3.4, 1.2.3.4:80, 2001:db8::1, [2001:db8::1],
// [2001:db8::1]:80. Anything else (unknown, _obfuscated, zones, junk) is garbage.
std::optional<address> parse_node(std::string_view s) noexcept {
    s = trim_ows(s);
    if (s.empty() || s.size() > max_node_length)
        return std::nullopt;
    if (s.front() == '[') {
        auto close = s.find(']');
        if (close == s.npos)
            return std::nullopt;
        auto rest = s.substr(close + 1);
        if (!rest.empty() && (rest.front() != ':' || !valid_port(rest.substr(1))))
            return std::nullopt;
        auto v6 = parse_v6(s.substr(1, close - 1));
        if (!v6)
            return std::nullopt;
        return unmap(address(*v6));
    }
    auto colons = std::count(s.begin(), s.end(), ':');
    if (colons == 0) {
        auto v4 = parse_v4(s);
        return v4 ? std::optional<address>(address(*v4)) : std::nullopt;
    }
    if (colons == 1) { // IPv4 with a port; a bare IPv6 address always has at least two colons
        auto colon = s.find(':');
        if (!valid_port(s.substr(colon + 1)))
            return std::nullopt;
        auto v4 = parse_v4(s.substr(0, colon));
        return v4 ? std::optional<address>(address(*v4)) : std::nullopt;
    }
    auto v6 = parse_v6(s);
    return v6 ? std::optional<address>(unmap(address(*v6))) : std::nullopt;
}

// The walk over the nodes of all header lines. A node is either an address or garbage.
struct node {
    std::optional<address> addr;
};

// RFC 7239: forwarded-element *( "," forwarded-element ), element = pair *( ";" pair ).
// Parsed left to right per line (quoted strings may hide ',' and ';'); a syntax error turns
// the rest of the line into one garbage node so the walk from the right stops there.
void split_forwarded(std::string_view line, std::vector<node>& out) {
    std::size_t i = 0;
    const std::size_t n = line.size();
    auto garbage = [&] { out.push_back(node{std::nullopt}); };
    while (i <= n) {
        // One element.
        bool saw_pair = false;
        bool have_for = false;
        std::optional<address> for_addr;
        while (true) {
            while (i < n && is_ows(line[i]))
                ++i;
            if (i >= n || line[i] == ',' || line[i] == ';') {
                if (i < n && line[i] == ';') {
                    ++i;
                    continue;
                }
                break;
            }
            std::size_t name_start = i;
            while (i < n && is_tchar(line[i]))
                ++i;
            auto name = line.substr(name_start, i - name_start);
            if (name.empty() || i >= n || line[i] != '=')
                return garbage();
            ++i;
            std::string_view value;
            if (i < n && line[i] == '"') {
                std::size_t close = line.find('"', i + 1);
                if (close == line.npos)
                    return garbage();
                value = line.substr(i + 1, close - i - 1);
                // Addresses never need quoted-pairs; a backslash is treated as garbage.
                if (value.find('\\') != value.npos && iequals(name, "for"))
                    return garbage();
                i = close + 1;
            } else {
                std::size_t start = i;
                // Lenient: unquoted IPv6 ("for=[::1]") is accepted although RFC 7239 wants quotes.
                while (i < n && line[i] != ';' && line[i] != ',' && !is_ows(line[i]))
                    ++i;
                value = line.substr(start, i - start);
            }
            saw_pair = true;
            if (iequals(name, "for")) {
                if (have_for) // two for= in one element: ambiguous
                    return garbage();
                have_for = true;
                for_addr = parse_node(value);
            }
            while (i < n && is_ows(line[i]))
                ++i;
            if (i < n && line[i] != ';' && line[i] != ',')
                return garbage();
        }
        if (saw_pair)
            out.push_back(node{have_for ? for_addr : std::nullopt});
        if (i >= n)
            return;
        ++i; // the ','
    }
}

} // namespace

boost::asio::ip::address unmap(const boost::asio::ip::address& a) noexcept {
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
    return a;
}

bool cidr::contains(const boost::asio::ip::address& a) const noexcept {
    const auto x = unmap(a);
    if (x.is_v4() != network.is_v4())
        return false;
    if (x.is_v4()) {
        if (prefix == 0)
            return true;
        const std::uint32_t mask = prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
        return (x.to_v4().to_uint() & mask) == (network.to_v4().to_uint() & mask);
    }
    const auto xb = x.to_v6().to_bytes();
    const auto nb = network.to_v6().to_bytes();
    unsigned bits = std::min(prefix, 128u);
    std::size_t i = 0;
    for (; bits >= 8; bits -= 8, ++i)
        if (xb[i] != nb[i])
            return false;
    if (bits == 0)
        return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - bits));
    return (xb[i] & mask) == (nb[i] & mask);
}

std::optional<cidr> cidr::parse(std::string_view text) noexcept {
    auto slash = text.find('/');
    auto addr_text = text.substr(0, slash);
    std::optional<address> a;
    if (auto v4 = parse_v4(addr_text))
        a = address(*v4);
    else if (auto v6 = parse_v6(addr_text))
        a = address(*v6);
    if (!a)
        return std::nullopt;
    const unsigned max = a->is_v4() ? 32 : 128;
    unsigned prefix = max;
    if (slash != text.npos) {
        auto p = text.substr(slash + 1);
        if (!all_digits(p) || p.size() > 3)
            return std::nullopt;
        prefix = 0;
        for (char c : p)
            prefix = prefix * 10 + static_cast<unsigned>(c - '0');
        if (prefix > max)
            return std::nullopt;
    }
    // ::ffff:10.0.0.0/104 is the IPv4 network 10.0.0.0/8: contains() compares unmapped addresses.
    if (a->is_v6() && a->to_v6().is_v4_mapped() && prefix >= 96)
        return cidr{unmap(*a), prefix - 96};
    return cidr{*a, prefix};
}

bool client_address_policy::is_trusted(const boost::asio::ip::address& a) const noexcept {
    return std::any_of(trusted_proxies.begin(), trusted_proxies.end(),
                       [&](const cidr& c) { return c.contains(a); });
}

forwarding_header_kind client_address_policy::kind_for(std::string_view header_name) noexcept {
    if (iequals(header_name, "Forwarded"))
        return forwarding_header_kind::forwarded;
    if (iequals(header_name, "X-Forwarded-For"))
        return forwarding_header_kind::x_forwarded_for;
    return forwarding_header_kind::single_address;
}

std::optional<boost::asio::ip::address>
resolve_client_address(const boost::asio::ip::address& peer,
                       std::span<const std::string_view> header_values,
                       const client_address_policy& policy) noexcept {
    const auto p = unmap(peer);
    if (!policy.is_trusted(p))
        return p;
    if (header_values.empty())
        return p; // a trusted proxy that did not forward anything: it is the client

    if (policy.kind == forwarding_header_kind::single_address) {
        if (header_values.size() != 1) // several values of a one-address header: ambiguous
            return std::nullopt;
        return parse_node(header_values.front());
    }

    if (policy.kind == forwarding_header_kind::x_forwarded_for) {
        // Right to left without collecting: no quotes in X-Forwarded-For, so the commas are
        // the element boundaries. The hot path of every proxied request: no allocation.
        std::optional<address> leftmost;
        for (auto line = header_values.rbegin(); line != header_values.rend(); ++line) {
            std::string_view rest = *line;
            while (true) {
                const auto comma = rest.rfind(',');
                const auto element = trim_ows(comma == rest.npos ? rest : rest.substr(comma + 1));
                if (!element.empty()) { // RFC 9110 5.6.1: empty list elements are ignored
                    auto a = parse_node(element);
                    if (!a)
                        return std::nullopt;
                    if (!policy.is_trusted(*a))
                        return a;
                    leftmost = a;
                }
                if (comma == rest.npos)
                    break;
                rest = rest.substr(0, comma);
            }
        }
        return leftmost; // every hop is one of ours: the leftmost; none at all: nullopt
    }

    try {
        std::vector<node> nodes;
        nodes.reserve(8);
        for (auto line : header_values)
            split_forwarded(line, nodes);
        if (nodes.empty())
            return std::nullopt; // the header is there but says nothing usable
        for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
            if (!it->addr)
                return std::nullopt;
            if (!policy.is_trusted(*it->addr))
                return it->addr;
        }
        // Every hop is one of ours: the leftmost one is the furthest we know.
        return nodes.front().addr;
    } catch (...) {
        return std::nullopt;
    }
}

} // namespace geogate::geoip
