#pragma once
// What crosses the proxy in each direction, header by header. Hop-by-hop fields (RFC 9110
// 7.6.1) and every field named in Connection are removed both ways before geogate adds its
// own; forwarding headers are trusted only from trusted peers. The heads are written straight
// into strings: one pass over the parsed fields, no intermediate field container.
#include "common/http_text.hpp" // iequals, trim_ows: used with these helpers
#include "proxy/http/net.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace geogate {

/// Field names of the Connection header values (lower-case), plus the fixed hop-by-hop set.
/// Fields meant for every recipient (Content-Type, Content-Encoding, Content-Disposition,
/// CSP, Cache-Control, ...) are never taken as connection options, whoever names them.
class hop_by_hop_set {
public:
    explicit hop_by_hop_set(const http::fields& f);
    bool contains(std::string_view lower_name) const noexcept;
    /// The same for a field as Beast parsed it: its code and its name as spelled (any case).
    bool contains(http::field id, std::string_view name) const noexcept;

private:
    std::vector<std::string> named_; // from Connection, lower-case
};

struct upstream_request_plan {
    std::string_view target;    // origin-form target to send (base path already applied)
    std::string_view client_ip; // text of the TCP peer address
    bool peer_trusted = false;  // the peer is a trusted proxy: keep its X-Forwarded-*
    std::string_view proto;     // "http" / "https" as the client reached geogate
    std::string_view host;      // Host to send
    std::string_view
        client_ip_header; // configured header (e.g. CF-Connecting-IP); removed when untrusted
    std::string_view region_header; // configured region header name; "" = none
    std::string_view region_value;  // e.g. "UA-43" / "RU" / "unknown"
    bool upgrade = false; // a valid WebSocket upgrade: send Upgrade: websocket, Connection: upgrade
    bool chunked_body = false; // the request body is sent chunked
    /// Forward fields whose name contains '_' (origin.forward_underscore_headers). Off by
    /// default, as nginx's underscores_in_headers: CGI-style servers map X_Forwarded_For and
    /// X-Forwarded-For to the same variable, so a look-alike would pass for the real field.
    bool keep_underscore_names = false;
    /// Notice decisions: the whole representation is needed, so Range/If-Range and
    /// If-Modified-Since go; If-None-Match is rewritten by the caller (`if_none_match`).
    bool whole_representation = false;
    std::optional<std::string> if_none_match;   // replaces the client's If-None-Match ("" = drop)
    std::optional<std::string> accept_encoding; // replaces the client's Accept-Encoding
    /// Sent as If-Modified-Since when not empty (a cached variant's Last-Modified: the
    /// reader's own never goes with whole_representation).
    std::string if_modified_since;
};

/// Whether `req` is a WebSocket opening handshake (RFC 6455 4.1) that geogate tunnels: GET,
/// HTTP/1.1, an Upgrade list with the `websocket` token, a Connection list with `upgrade`, a
/// Sec-WebSocket-Key of 24 base64 characters (16 bytes) and Sec-WebSocket-Version 13. Every
/// other upgrade (h2c, TLS, anything) is stripped as hop-by-hop and the request forwarded as a
/// plain one: a tunnel carries bytes geogate never sees, so only the one protocol whose
/// messages are not documents may open one, and only when the client asked for it exactly.
bool is_websocket_upgrade(const http::request_header<>& req);

/// Whether a 101 answers that upgrade: its Upgrade list names `websocket` (RFC 6455 4.2.2).
bool is_websocket_switch(const http::response_header<>& res);

/// The request head to send upstream, ending with the empty line.
std::string build_upstream_request_head(const http::request_header<>& req,
                                        const upstream_request_plan& plan);

enum class body_framing { none, content_length, chunked, close_delimited };

struct client_response_plan {
    body_framing framing = body_framing::none;
    std::uint64_t content_length = 0;                     // framing == content_length
    bool close = false;                                   // add Connection: close
    bool keep_upgrade = false;                            // 101: keep Connection/Upgrade
    std::vector<std::string_view> drop;                   // extra lower-case names to remove
    std::vector<std::pair<std::string, std::string>> add; // added after the origin's fields
};

/// The origin's response fields as the reader gets them, whatever the protocol: hop-by-hop
/// fields, Content-Length and plan.drop left out, plan.add appended, Via extended. The
/// framing fields (Content-Length, Transfer-Encoding, Connection) are the codec's.
void for_each_client_response_field(
    const http::response_header<>& res, const client_response_plan& plan,
    const std::function<void(std::string_view name, std::string_view value)>& emit);

/// The HTTP/1.1 response head to send to the client, ending with the empty line.
std::string build_client_response_head(const http::response_header<>& res,
                                       const client_response_plan& plan);

/// Lower-case ASCII copy.
std::string to_lower(std::string_view s);

} // namespace geogate
