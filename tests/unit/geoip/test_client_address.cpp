// Who the client is: the TCP peer, unless a trusted proxy forwarded the request.
#include "geoip/client_address.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace geogate::geoip;
namespace ip = boost::asio::ip;

namespace {

client_address_policy policy(std::string header, std::vector<std::string> trusted) {
    client_address_policy p;
    for (const auto& t : trusted) {
        auto c = cidr::parse(t);
        REQUIRE(c);
        p.trusted_proxies.push_back(*c);
    }
    p.header_name = header;
    p.kind = client_address_policy::kind_for(header);
    return p;
}

std::string resolve(const client_address_policy& p, std::string peer,
                    std::vector<std::string> lines) {
    std::vector<std::string_view> views(lines.begin(), lines.end());
    auto r = resolve_client_address(ip::make_address(peer), views, p);
    return r ? r->to_string() : "none";
}

} // namespace

TEST_CASE("cidr parse accepts networks and hosts, refuses garbage") {
    struct row {
        const char* text;
        bool ok;
        const char* inside;
        const char* outside;
    };
    const row rows[] = {
        {"10.0.0.0/8", true, "10.255.1.2", "11.0.0.1"},
        {"10.1.2.3/8", true, "10.9.9.9", "9.255.255.255"}, // host bits are masked
        {"192.168.1.7", true, "192.168.1.7", "192.168.1.8"},
        {"0.0.0.0/0", true, "203.0.113.9", "2001:db8::1"},
        {"172.16.0.0/12", true, "172.31.255.255", "172.32.0.0"},
        {"::1/128", true, "::1", "::2"},
        {"2001:db8::/32", true, "2001:db8:ffff::1", "2001:db9::1"},
        {"2001:db8::/33", true, "2001:db8:7fff::1", "2001:db8:8000::1"},
        {"::/0", true, "2001:db8::1", "10.0.0.1"},
        {"::ffff:10.0.0.0/104", true, "10.1.1.1", "11.1.1.1"},      // mapped network = IPv4 /8
        {"10.0.0.0/8", true, "::ffff:10.2.3.4", "::ffff:11.2.3.4"}, // mapped address matches
        {"10.0.0.0/33", false, nullptr, nullptr},
        {"::/129", false, nullptr, nullptr},
        {"10.0.0.0/", false, nullptr, nullptr},
        {"10.0.0.0/-1", false, nullptr, nullptr},
        {"10.0.0.0/+8", false, nullptr, nullptr},
        {"10.0.0.0/0008", false, nullptr, nullptr},
        {" 10.0.0.0/8", false, nullptr, nullptr},
        {"10.0.0/8", false, nullptr, nullptr},
        {"fe80::1%eth0/64", false, nullptr, nullptr},
        {"localhost", false, nullptr, nullptr},
        {"", false, nullptr, nullptr},
        {"/8", false, nullptr, nullptr},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        auto c = cidr::parse(r.text);
        REQUIRE(c.has_value() == r.ok);
        if (!r.ok)
            continue;
        CHECK(c->contains(ip::make_address(r.inside)));
        CHECK_FALSE(c->contains(ip::make_address(r.outside)));
    }
}

TEST_CASE("unmap turns IPv4-mapped IPv6 into IPv4 and leaves the rest") {
    CHECK(unmap(ip::make_address("::ffff:192.0.2.1")) == ip::make_address("192.0.2.1"));
    CHECK(unmap(ip::make_address("192.0.2.1")) == ip::make_address("192.0.2.1"));
    CHECK(unmap(ip::make_address("2001:db8::1")) == ip::make_address("2001:db8::1"));
    CHECK(unmap(ip::make_address("::192.0.2.1")).is_v6()); // IPv4-compatible is not mapped
}

TEST_CASE("the header kind follows the configured header name") {
    CHECK(client_address_policy::kind_for("X-Forwarded-For") ==
          forwarding_header_kind::x_forwarded_for);
    CHECK(client_address_policy::kind_for("x-forwarded-for") ==
          forwarding_header_kind::x_forwarded_for);
    CHECK(client_address_policy::kind_for("FORWARDED") == forwarding_header_kind::forwarded);
    CHECK(client_address_policy::kind_for("CF-Connecting-IP") ==
          forwarding_header_kind::single_address);
    CHECK(client_address_policy::kind_for("X-Real-IP") == forwarding_header_kind::single_address);
}

TEST_CASE("an untrusted peer is the client, whatever headers it sends") {
    auto p = policy("X-Forwarded-For", {"10.0.0.0/8"});
    CHECK(resolve(p, "198.51.100.7", {"203.0.113.1"}) == "198.51.100.7");
    CHECK(resolve(p, "198.51.100.7", {"garbage"}) == "198.51.100.7");
    CHECK(resolve(p, "::ffff:198.51.100.7", {"203.0.113.1"}) == "198.51.100.7");
    auto none = policy("X-Forwarded-For", {});
    CHECK(resolve(none, "10.0.0.1", {"203.0.113.1"}) == "10.0.0.1");
}

TEST_CASE("X-Forwarded-For: rightmost entry that is not a trusted proxy") {
    auto p = policy("X-Forwarded-For", {"10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.1"});
    struct row {
        const char* peer;
        std::vector<std::string> lines;
        const char* expected;
    };
    const std::vector<row> rows = {
        {"10.0.0.1", {"203.0.113.5"}, "203.0.113.5"},
        {"10.0.0.1", {"1.1.1.1, 203.0.113.5"}, "203.0.113.5"},             // spoofed left part
        {"10.0.0.1", {"1.1.1.1, 203.0.113.5, 10.1.1.1"}, "203.0.113.5"},   // our inner hop
        {"10.0.0.1", {"203.0.113.5, 192.0.2.1, 10.2.2.2"}, "203.0.113.5"}, // two of ours
        {"10.0.0.1", {"1.1.1.1", "203.0.113.5"}, "203.0.113.5"},           // lines joined in order
        {"10.0.0.1", {"203.0.113.5", "10.9.9.9"}, "203.0.113.5"},
        {"10.0.0.1", {"203.0.113.5,10.9.9.9"}, "203.0.113.5"},     // no spaces
        {"10.0.0.1", {" \t203.0.113.5 \t"}, "203.0.113.5"},        // OWS
        {"10.0.0.1", {"203.0.113.5, , ,10.9.9.9"}, "203.0.113.5"}, // empty elements
        {"10.0.0.1", {"", "203.0.113.5"}, "203.0.113.5"},          // empty line
        {"10.0.0.1", {"203.0.113.5:41234"}, "203.0.113.5"},        // port
        {"10.0.0.1", {"2001:db8::7"}, "2001:db8::7"},
        {"10.0.0.1", {"[2001:db8::7]"}, "2001:db8::7"},
        {"10.0.0.1", {"[2001:db8::7]:443"}, "2001:db8::7"},
        {"10.0.0.1", {"::ffff:203.0.113.5"}, "203.0.113.5"}, // unmapped
        {"10.0.0.1", {"[::ffff:203.0.113.5]:80"}, "203.0.113.5"},
        {"::ffff:10.0.0.1", {"203.0.113.5"}, "203.0.113.5"},   // mapped peer trusted
        {"2001:db8:ffff::1", {"203.0.113.5"}, "203.0.113.5"},  // IPv6 proxy
        {"10.0.0.1", {"10.3.3.3, 10.2.2.2"}, "10.3.3.3"},      // all ours: leftmost
        {"10.0.0.1", {}, "10.0.0.1"},                          // proxy sent nothing
        {"10.0.0.1", {"garbage, 203.0.113.5"}, "203.0.113.5"}, // garbage left of client
        // Garbage where the walk has to look: no address, never a guess.
        {"10.0.0.1", {"203.0.113.5, garbage"}, "none"},
        {"10.0.0.1", {"203.0.113.5, unknown"}, "none"},
        {"10.0.0.1", {"203.0.113.5 10.9.9.9"}, "none"}, // space inside
        {"10.0.0.1", {"203.0.113.5;10.9.9.9"}, "none"},
        {"10.0.0.1", {"fe80::1%eth0"}, "none"}, // zone id
        {"10.0.0.1", {"[fe80::1%25eth0]"}, "none"},
        {"10.0.0.1", {"203.0.113.5:"}, "none"},
        {"10.0.0.1", {"203.0.113.5:99999"}, "none"},
        {"10.0.0.1", {"203.0.113.5:80:80"}, "none"},
        {"10.0.0.1", {"[2001:db8::7"}, "none"},
        {"10.0.0.1", {"[2001:db8::7]x"}, "none"},
        {"10.0.0.1", {"[203.0.113.5]"}, "none"},
        {"10.0.0.1", {"203.000.113.005"}, "none"}, // leading zeros
        {"10.0.0.1", {"0x7f.1"}, "none"},
        {"10.0.0.1", {"2130706433"}, "none"}, // integer form
        {"10.0.0.1", {"203.0.113"}, "none"},
        {"10.0.0.1", {"256.0.0.1"}, "none"},
        {"10.0.0.1", {std::string(70, '1')}, "none"}, // overlong
        {"10.0.0.1", {"2001:db8::7" + std::string(60, ' ') + "x"}, "none"},
        {"10.0.0.1", {"203.0.113.5\r\n"}, "none"},
        {"10.0.0.1", {std::string("203.0.113.5\0", 12)}, "none"},
        {"10.0.0.1", {""}, "none"}, // header but empty
        {"10.0.0.1", {" , ,"}, "none"},
    };
    for (const auto& r : rows) {
        std::string joined;
        for (const auto& l : r.lines)
            joined += "[" + l + "]";
        INFO("peer " << r.peer << " lines " << joined);
        CHECK(resolve(p, r.peer, r.lines) == r.expected);
    }
}

TEST_CASE("Forwarded (RFC 7239): for= walked from the right") {
    auto p = policy("Forwarded", {"10.0.0.0/8"});
    struct row {
        std::vector<std::string> lines;
        const char* expected;
    };
    const std::vector<row> rows = {
        {{"for=203.0.113.5"}, "203.0.113.5"},
        {{"For=203.0.113.5"}, "203.0.113.5"},
        {{"for=203.0.113.5;proto=https;by=10.0.0.1"}, "203.0.113.5"},
        {{"proto=https;for=203.0.113.5"}, "203.0.113.5"},
        {{"for=1.1.1.1, for=203.0.113.5"}, "203.0.113.5"},
        {{"for=203.0.113.5, for=10.1.1.1"}, "203.0.113.5"},
        {{"for=1.1.1.1", "for=203.0.113.5, for=10.1.1.1"}, "203.0.113.5"},
        {{"for=\"203.0.113.5:4711\""}, "203.0.113.5"},
        {{"for=\"[2001:db8:cafe::17]:4711\""}, "2001:db8:cafe::17"},
        {{"for=\"[2001:db8:cafe::17]\""}, "2001:db8:cafe::17"},
        {{"for=[2001:db8:cafe::17]"}, "2001:db8:cafe::17"}, // unquoted: lenient
        {{"for=203.0.113.5 ; proto=http"}, "203.0.113.5"},
        {{"for=203.0.113.5;by=\"a,b;c\""}, "203.0.113.5"},  // quoted ',' and ';'
        {{"for=203.0.113.5,,for=10.1.1.1"}, "203.0.113.5"}, // empty element
        {{"for=\"_hidden\", for=203.0.113.5"}, "203.0.113.5"},
        // Garbage in the walk.
        {{"for=203.0.113.5, for=unknown"}, "none"},
        {{"for=203.0.113.5, for=_hidden"}, "none"},
        {{"for=203.0.113.5, for=\"_hidden:_port\""}, "none"},
        {{"for=203.0.113.5, proto=https"}, "none"},     // an element without for=
        {{"for=203.0.113.5;for=198.51.100.1"}, "none"}, // two for= in one element
        {{"for=\"203.0.113.5"}, "none"},                // unterminated quote
        {{"for=\"203.0.\\113.5\""}, "none"},            // quoted-pair
        {{"for"}, "none"},
        {{"=203.0.113.5"}, "none"},
        {{"for=203.0.113.5 junk"}, "none"},
        {{"for=\"[fe80::1%eth0]\""}, "none"},
        {{"for=203.0.113.5", "for=\"broken"}, "none"},        // broken line to the right
        {{"for=\"broken", "for=203.0.113.5"}, "203.0.113.5"}, // broken line to the left
        {{"for=2001:db8::1"}, "2001:db8::1"},                 // unquoted bare IPv6: lenient
    };
    for (const auto& r : rows) {
        std::string joined;
        for (const auto& l : r.lines)
            joined += "[" + l + "]";
        INFO(joined);
        CHECK(resolve(p, "10.0.0.1", r.lines) == r.expected);
    }
}

TEST_CASE("single-address headers: one value, one address") {
    auto p = policy("CF-Connecting-IP", {"10.0.0.0/8", "2001:db8:ffff::/48"});
    CHECK(resolve(p, "10.0.0.1", {"203.0.113.5"}) == "203.0.113.5");
    CHECK(resolve(p, "10.0.0.1", {" 2001:db8::5 "}) == "2001:db8::5");
    CHECK(resolve(p, "2001:db8:ffff::1", {"::ffff:203.0.113.5"}) == "203.0.113.5");
    CHECK(resolve(p, "10.0.0.1", {"10.2.3.4"}) == "10.2.3.4"); // no walk: it is the client
    CHECK(resolve(p, "10.0.0.1", {}) == "10.0.0.1");
    CHECK(resolve(p, "10.0.0.1", {"203.0.113.5, 1.1.1.1"}) == "none");
    CHECK(resolve(p, "10.0.0.1", {"203.0.113.5", "1.1.1.1"}) == "none"); // two lines: ambiguous
    CHECK(resolve(p, "10.0.0.1", {""}) == "none");
    CHECK(resolve(p, "10.0.0.1", {"unknown"}) == "none");
    CHECK(resolve(p, "198.51.100.1", {"203.0.113.5"}) == "198.51.100.1");
}
