#pragma once
// Who the client is. PURE: the TCP peer, a forwarding header and the trusted CIDRs give the
// address geogate looks up. Headers from untrusted peers are ignored. Garbage gives nullopt.
#include <boost/asio/ip/address.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace geogate::geoip {

/// An IPv4 or IPv6 network; IPv4-mapped IPv6 addresses match their IPv4 network.
struct cidr {
    boost::asio::ip::address network;
    unsigned prefix = 0;
    bool contains(const boost::asio::ip::address& a) const noexcept;
    /// "10.0.0.0/8", "::1/128", "127.0.0.1" (a host). nullopt on garbage.
    static std::optional<cidr> parse(std::string_view text) noexcept;
};

enum class forwarding_header_kind {
    x_forwarded_for, // comma-separated list; rightmost entry that is not a trusted proxy
    forwarded,       // RFC 7239 for= parameters, same walk from the right
    single_address   // CF-Connecting-IP, True-Client-IP, X-Real-IP: one address
};

struct client_address_policy {
    std::vector<cidr> trusted_proxies;
    std::string header_name = "X-Forwarded-For"; // as configured
    forwarding_header_kind kind = forwarding_header_kind::x_forwarded_for;

    bool is_trusted(const boost::asio::ip::address& a) const noexcept;
    /// Picks the kind from the header name (Forwarded / X-Forwarded-For / anything else).
    static forwarding_header_kind kind_for(std::string_view header_name) noexcept;
};

/// Unmaps ::ffff:a.b.c.d to a.b.c.d; other addresses unchanged.
boost::asio::ip::address unmap(const boost::asio::ip::address& a) noexcept;

/// `header_values`: every line of the configured header, in the order received (several lines
/// are joined in order, as RFC 9110 5.3 says). Returns the client address (unmapped), or
/// nullopt when the chain is garbage.
///  - untrusted peer: the peer, headers ignored;
///  - trusted peer, no header line: the peer;
///  - X-Forwarded-For / Forwarded: walk from the right past trusted hops; the first untrusted
///    address is the client; garbage met on the way (unknown, _obfuscated, ports out of range,
///    zone ids, spaces inside, over-long entries, a Forwarded element without for=, a broken
///    quoted string) gives nullopt; empty list elements are skipped; when every hop is
///    trusted the leftmost one is the client; a header with no element at all gives nullopt;
///  - single-address header: exactly one line holding one address (with or without port).
std::optional<boost::asio::ip::address>
resolve_client_address(const boost::asio::ip::address& peer,
                       std::span<const std::string_view> header_values,
                       const client_address_policy& policy) noexcept;

} // namespace geogate::geoip
