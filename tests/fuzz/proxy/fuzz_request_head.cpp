// check_request_head on arbitrary bytes: never crashes, answers only statuses geogate knows,
// and a head it accepts is one Beast's parser reads without error and the same way: same
// method, target and version, same body framing; and geogate's own reading of a head without
// a body (read_bodyless_request_head) is Beast's, field by field. A head that the check passes but
// Beast reads differently is where request smuggling starts. Input: the bytes of a head; cut after
// the first CRLFCRLF (one is appended when missing).
#include "proxy/http/net.hpp"
#include "proxy/http/request_head_check.hpp"
#include "proxy/http/request_head_read.hpp"
#include "proxy/http/request_target.hpp"
#include "tests/fuzz/invariant.hpp"
#include "tests/unit/proxy/http/request_head_compare.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void fail(const char* what, std::string_view head) {
    geogate::fuzz::invariant_broken(what, "head", head);
}

bool iequals(std::string_view a, std::string_view b) {
    return geogate::beast::iequals(a, b);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace geogate;
    std::string buf(reinterpret_cast<const char*>(data), size);
    buf += "\r\n\r\n";
    const std::string_view head = std::string_view(buf).substr(0, buf.find("\r\n\r\n") + 4);

    request_head_limits limits;
    limits.max_request_line = 1024;
    const auto v = check_request_head(head, limits);
    switch (v.status) {
    case 0:
        break;
    case 400:
    case 405:
    case 414:
    case 431: // more than limits.max_header_fields fields
    case 505:
        if (v.reason.empty())
            fail("refusal without a reason", head);
        return 0;
    default:
        fail("unexpected status", head);
    }

    http::request_parser<http::empty_body> p;
    p.header_limit(64 * 1024);
    p.body_limit(boost::none); // a size limit is the session's business (413), not the check's
    p.eager(false);
    beast::error_code ec;
    const auto n = p.put(net::buffer(head.data(), head.size()), ec);
    if (ec) {
        std::fprintf(stderr, "beast: %s\n", ec.message().c_str());
        fail("accepted by check_request_head, refused by Beast", head);
    }
    if (!p.is_header_done() || n != head.size())
        fail("Beast did not read the whole head", head);

    // Same request line.
    const auto line = head.substr(0, head.find("\r\n"));
    const auto sp1 = line.find(' ');
    const auto sp2 = line.find(' ', sp1 + 1);
    const auto& req = p.get();
    if (req.method_string() != line.substr(0, sp1))
        fail("method differs", head);
    if (req.target() != line.substr(sp1 + 1, sp2 - sp1 - 1))
        fail("target differs", head);
    if (req.version() != (line.substr(sp2 + 1) == "HTTP/1.0" ? 10u : 11u))
        fail("version differs", head);

    // Same framing: one Content-Length of digits, or chunked, never both.
    std::size_t lengths = 0, te = 0, hosts = 0;
    for (const auto& f : req) {
        lengths += iequals(f.name_string(), "content-length");
        te += iequals(f.name_string(), "transfer-encoding");
        hosts += iequals(f.name_string(), "host");
    }
    if (lengths > 1 || te > 1 || (lengths && te) || hosts > 1)
        fail("duplicate framing or Host fields accepted", head);
    if (te && !p.chunked())
        fail("Transfer-Encoding accepted but Beast does not read chunked", head);
    if (lengths && !p.content_length())
        fail("Content-Length accepted but Beast has no length", head);
    if (req.version() == 11 && hosts != 1)
        fail("HTTP/1.1 without Host accepted", head);
    if (req.method() == http::verb::connect || req.method() == http::verb::trace)
        fail("CONNECT/TRACE accepted", head);

    // geogate reads a head without a body itself (read_bodyless_request_head): exactly as
    // Beast does, and never one that declares a body.
    http::request<http::empty_body> own;
    if (read_bodyless_request_head(head, own)) {
        if (lengths || te)
            fail("a head with a body read as bodyless", head);
        if (!test::request_head_difference(own, req).empty())
            fail("bodyless head read differently from Beast", head);
        if (own.keep_alive() != req.keep_alive())
            fail("bodyless head: keep-alive differs from Beast", head);
        if (connection_lists_upgrade(own) != p.upgrade())
            fail("bodyless head: upgrade differs from Beast", head);
    } else if (!lengths && !te) {
        fail("a head without a body not read by read_bodyless_request_head", head);
    }

    // What the session does next with an accepted target.
    const auto t = split_request_target(req.target());
    if (t.path.empty() || (t.path.front() != '/' && t.path != "*"))
        fail("split path is not origin-form", head);
    if (!t.authority.empty() && !valid_host_value(t.authority))
        fail("absolute-form authority not a valid host", head);
    return 0;
}
