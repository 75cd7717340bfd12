#pragma once
// geogate_test_origin: the origin the integration tests put behind geogate. Blocking sockets,
// one thread per connection, keep-alive and pipelining; it can misbehave at the byte level.
//
// Endpoints (GET unless said; HEAD works where a body is served):
//   /echo                 text/plain dump of what arrived: `connection <id>` (accept order, from
//                         1), `request <request line>`, one `header <Name>: <value>` per header
//                         in order as received, `body-length <n>`, `body-sha256 <hex>`.
//   /fixture/<name>       file <root>/<name>, Content-Type by extension, ETag-free.
//   /status/<code>        that status, body "status <code>\n" (none for 1xx/204/304).
//   /chunked?n=&size=     chunked response: n chunks of `size` pattern bytes (pattern.hpp).
//   /huge?bytes=N         N pattern bytes with Content-Length, written in 64 KiB pieces.
//   /upload               any method; consumes the body streaming (Content-Length or chunked,
//                         honours Expect: 100-continue), answers `length <n>\nsha256 <hex>\n`.
//   /slow-header?ms=      waits ms before the response header.
//   /slow-body?ms=        Content-Length 10: "hello", waits ms, "world".
//   /reset-mid-body?bytes=N   Content-Length N (default 100000), N/2 bytes, then RST.
//   /close-mid-body?bytes=N   same, then a clean FIN.
//   /bad/<kind>           a broken response, then close. Kinds: cl-te, two-cl, garbage-status,
//                         negative-length, bad-cl, bad-chunk, nul-header, bare-lf, empty,
//                         obs-fold.
//   /gzip/<name>, /br/<name>  fixture <name> with Content-Encoding gzip / br.
//   /headers?set=Name:Value&set=...  200 carrying those response headers (percent-decoded).
//   /custom?set=Name:Value&...&fixture=<name>|body=<text>[&gzip=1[&corrupt=1]]  200 with
//                         exactly those headers (no default Content-Type), the fixture's or
//                         the given body, gzip-compressed (16 bytes in its middle overwritten).
//                         conditional=1: 304 when If-None-Match holds the ETag set (or, without
//                         If-None-Match, If-Modified-Since equals the Last-Modified set).
//                         cut=N: the whole length announced, N bytes sent, then FIN.
//                         status=N: that status instead of 200.
//   /websocket            Upgrade: websocket handshake (101 + Sec-WebSocket-Accept), then echoes
//                         every received byte back unchanged until the peer closes.
//   /switch               and any request with `Upgrade: h2c`: 101 Upgrade: h2c, then an
//                         un-noticed text/html 200 right after it and again for every later
//                         read (a blind tunnel's view of the site).
//   /_received            text/plain, one request target per line, every request since start
//                         except the introspection endpoints (/_received, /_connections,
//                         /_bodies, /_set, /_served).
//   /_connections         number of accepted connections since start.
//   /_bodies              text/plain, one line per request that announced a body (Content-Length
//                         above 0 or chunked), once its reading ended: `<target> complete <n>` or
//                         `<target> incomplete <n>` (the connection ended or the framing broke
//                         after n bytes). Lets a test tell a whole body from a cut one.
//   /_set?name=N&...      stores page N (answers `stored N`); parameters, percent-decoded, all
//                         optional but name: body=TEXT (a paragraph of the page), pad=BYTES
//                         (filler text after it), type=T (Content-Type, default
//                         "text/html; charset=utf-8"; none: no field), etag=E (as sent, e.g.
//                         "a1" or W/"a1"), lm=DATE (Last-Modified), cc=V (Cache-Control),
//                         sc=V (Set-Cookie), vary=V (Vary). Setting again replaces the page.
//   /mutable/N            page N: a whole HTML page with <body> holding origin_content_marker
//                         (variant_response.hpp), TEXT and the filler; 304 (ETag,
//                         Last-Modified, Cache-Control, Vary, no body) when If-None-Match names
//                         its ETag (weak comparison, RFC 9110 13.1.2; `*` too) or, without
//                         If-None-Match, If-Modified-Since is not before its Last-Modified.
//   /_served?name=N       what /mutable/N sent: `full <GET 200s>\nnot_modified <304s>\nhead
//                         <HEAD 200s>\nif_none_match <last value>\nif_modified_since <last>\n`.
//   ...?v=1&...          any path: the response the query describes (variant_response.hpp).
//   ?decode-path=1        on any request: the path is routed percent-decoded (%2F too) with
//                         dot segments resolved, as nginx reads it.
//   anything else         with --root, the file under root (/ -> index.html), else 404.
// Every response has Content-Length or chunked framing; Connection: close is honoured.
#include "tests/origin/mutable_pages.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace geogate::test {

struct origin_state {
    std::filesystem::path root; // empty: no files
    std::atomic<std::uint64_t> connections{0};
    mutable_pages pages; // /_set, /mutable/<name>, /_served

    void record(const std::string& target);
    std::string received_text();
    void record_body(const std::string& target, bool complete, std::uint64_t length);
    std::string bodies_text();

private:
    std::mutex mutex_;
    std::vector<std::string> received_;
    std::vector<std::string> bodies_;
};

/// Serves one accepted connection until it closes, then closes fd.
void serve_connection(int fd, std::uint64_t connection_id, origin_state& state);

} // namespace geogate::test
