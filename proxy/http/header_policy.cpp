#include "proxy/http/header_policy.hpp"

#include <algorithm>
#include <array>

namespace geogate {
namespace {

// RFC 9110 7.6.1 plus the de-facto ones (Keep-Alive, Proxy-Connection) and the proxy's own
// credentials, which must never reach the origin.
constexpr std::array<std::string_view, 9> fixed_hop_by_hop = {
    "connection", "keep-alive",          "proxy-connection",  "te", "trailer", "transfer-encoding",
    "upgrade",    "proxy-authorization", "proxy-authenticate"};

// Fields meant for every recipient of the content (RFC 9110 7.6.1: a sender must not name such
// a field as a connection option). Whoever names one in Connection anyway is not obeyed: an
// origin's `Connection: content-type` would otherwise strip the very Content-Type the notice
// decision was made on, and the browser would sniff a page geogate passed as text/plain.
constexpr std::array<std::string_view, 16> end_to_end_only = {"content-type",
                                                              "content-encoding",
                                                              "content-disposition",
                                                              "content-length",
                                                              "content-range",
                                                              "content-language",
                                                              "content-location",
                                                              "content-security-policy",
                                                              "content-security-policy-report-only",
                                                              "x-content-type-options",
                                                              "cache-control",
                                                              "etag",
                                                              "last-modified",
                                                              "vary",
                                                              "location",
                                                              "host"};

// One size check and four copies: four `+=` cost four capacity checks, and this runs for
// every field of every head geogate sends. `name` and `value` never point into `out` (the
// resize may move it).
void append_field(std::string& out, std::string_view name, std::string_view value) {
    const auto at = out.size();
    out.resize(at + name.size() + value.size() + 4);
    char* p = out.data() + at;
    p = std::copy(name.begin(), name.end(), p);
    *p++ = ':';
    *p++ = ' ';
    p = std::copy(value.begin(), value.end(), p);
    *p++ = '\r';
    *p = '\n';
}

// Field names in lower case, one at a time, in a buffer reused for the next name: names up
// to 64 bytes (all real ones) take no allocation.
class lowercase_buffer {
public:
    std::string_view operator()(std::string_view s) {
        char* out = small_.data();
        if (s.size() > small_.size()) {
            large_.resize(s.size());
            out = large_.data();
        }
        std::transform(s.begin(), s.end(), out, ascii_lower);
        return {out, s.size()};
    }

private:
    std::array<char, 64> small_;
    std::string large_;
};

} // namespace

std::string to_lower(std::string_view s) {
    return ascii_lowered(s);
}

hop_by_hop_set::hop_by_hop_set(const http::fields& f) {
    // The run of Connection fields that starts at the first one, in field order (what
    // f.find(field::connection) and walking on would give): a walk over the list is cheaper
    // than Beast's case-insensitive search tree, and this runs for every request and response.
    auto it = f.begin();
    while (it != f.end() && it->name() != http::field::connection)
        ++it;
    for (; it != f.end() && it->name() == http::field::connection; ++it) {
        for (auto token : http::token_list(it->value())) {
            // "keep-alive" and "upgrade" are hop-by-hop anyway: the usual Connection header
            // then costs no allocation.
            auto lower = to_lower(token);
            if (std::find(fixed_hop_by_hop.begin(), fixed_hop_by_hop.end(), lower) ==
                    fixed_hop_by_hop.end() &&
                std::find(end_to_end_only.begin(), end_to_end_only.end(), lower) ==
                    end_to_end_only.end())
                named_.push_back(std::move(lower));
        }
    }
}

bool hop_by_hop_set::contains(http::field id, std::string_view name) const noexcept {
    switch (id) { // fixed_hop_by_hop: every one of them is a field Beast knows
    case http::field::connection:
    case http::field::keep_alive:
    case http::field::proxy_connection:
    case http::field::te:
    case http::field::trailer:
    case http::field::transfer_encoding:
    case http::field::upgrade:
    case http::field::proxy_authorization:
    case http::field::proxy_authenticate:
        return true;
    default:
        break;
    }
    for (const auto& n : named_)
        if (iequals(n, name))
            return true;
    return false;
}

bool hop_by_hop_set::contains(std::string_view lower_name) const noexcept {
    for (auto n : fixed_hop_by_hop)
        if (n == lower_name)
            return true;
    for (const auto& n : named_)
        if (n == lower_name)
            return true;
    return false;
}

namespace {

// Only upgrade requests and 101s get here: a whole scan, no reliance on field order.
bool has_token(const http::fields& f, http::field name, std::string_view token) {
    for (const auto& x : f)
        if (x.name() == name)
            for (auto t : http::token_list(x.value()))
                if (iequals(t, token))
                    return true;
    return false;
}

bool single_value(const http::fields& f, http::field name, std::string_view& out) {
    int n = 0;
    for (const auto& x : f)
        if (x.name() == name) {
            ++n;
            out = trim_ows(x.value());
        }
    return n == 1;
}

constexpr auto base64_char = alnum_and("+/");

bool is_base64_nonce(std::string_view key) {
    // 16 bytes in base64: 22 characters of the alphabet, then "==".
    if (key.size() != 24 || key.substr(22) != "==")
        return false;
    for (char c : key.substr(0, 22))
        if (!base64_char[static_cast<unsigned char>(c)])
            return false;
    return true;
}

} // namespace

bool is_websocket_upgrade(const http::request_header<>& req) {
    std::string_view key, version;
    return req.method() == http::verb::get && req.version() == 11 &&
           has_token(req, http::field::upgrade, "websocket") &&
           has_token(req, http::field::connection, "upgrade") &&
           single_value(req, http::field::sec_websocket_key, key) && is_base64_nonce(key) &&
           single_value(req, http::field::sec_websocket_version, version) && version == "13";
}

bool is_websocket_switch(const http::response_header<>& res) {
    return res.result_int() == 101 && has_token(res, http::field::upgrade, "websocket");
}

std::string build_upstream_request_head(const http::request_header<>& req,
                                        const upstream_request_plan& plan) {
    hop_by_hop_set hop(req);
    std::string out;
    out.reserve(1024);
    out += req.method_string();
    out += ' ';
    out += plan.target;
    out += " HTTP/1.1\r\n";
    append_field(out, "Host", plan.host);

    std::string xff, xfproto, xfhost, via;
    for (const auto& f : req) {
        // Names are compared by Beast's field code where it has one (it is case-insensitive),
        // and case-insensitively otherwise: no lower-case copy of each name.
        const auto id = f.name();
        const auto name = f.name_string();
        const auto unknown_named = [&](std::string_view lower) {
            return id == http::field::unknown && iequals(name, lower);
        };
        if (hop.contains(id, name))
            continue; // an upgrade's Upgrade and Connection are re-added below, exactly
        if (id == http::field::host || id == http::field::expect ||
            id == http::field::content_length || unknown_named("x-geogate-preview"))
            continue; // Host set above; Expect answered by geogate; length re-added below;
                      // the preview token never leaves geogate
        if (unknown_named("x-forwarded-for")) {
            if (plan.peer_trusted) {
                if (!xff.empty())
                    xff += ", ";
                xff += f.value();
            }
            continue;
        }
        if (unknown_named("x-forwarded-proto")) {
            if (plan.peer_trusted && xfproto.empty())
                xfproto = f.value();
            continue;
        }
        if (unknown_named("x-forwarded-host")) {
            if (plan.peer_trusted && xfhost.empty())
                xfhost = f.value();
            continue;
        }
        if (id == http::field::via) {
            if (!via.empty())
                via += ", ";
            via += f.value();
            continue;
        }
        if (id == http::field::forwarded && !plan.peer_trusted)
            continue;
        if (!plan.client_ip_header.empty() && !plan.peer_trusted &&
            iequals(name, plan.client_ip_header))
            continue;
        if (!plan.keep_underscore_names && name.find('_') != std::string_view::npos &&
            !iequals(name, plan.client_ip_header)) // a configured name is what it says
            continue; // Transfer_Encoding, X_Forwarded_For: look-alikes of real fields
        if (!plan.region_header.empty() && iequals(name, plan.region_header))
            continue; // never forward a client's claim about its own region
        if (plan.whole_representation &&
            (id == http::field::range || id == http::field::if_range ||
             id == http::field::if_modified_since || id == http::field::if_unmodified_since))
            continue;
        if (plan.if_none_match && id == http::field::if_none_match)
            continue;
        if (plan.accept_encoding && id == http::field::accept_encoding)
            continue;
        append_field(out, f.name_string(), f.value());
    }
    if (plan.if_none_match && !plan.if_none_match->empty())
        append_field(out, "If-None-Match", *plan.if_none_match);
    if (!plan.if_modified_since.empty())
        append_field(out, "If-Modified-Since", plan.if_modified_since);
    if (plan.accept_encoding && !plan.accept_encoding->empty())
        append_field(out, "Accept-Encoding", *plan.accept_encoding);
    if (!xff.empty())
        xff += ", ";
    xff += plan.client_ip;
    append_field(out, "X-Forwarded-For", xff);
    append_field(out, "X-Forwarded-Proto",
                 xfproto.empty() ? plan.proto : std::string_view(xfproto));
    if (xfhost.empty()) {
        auto h = req.find(http::field::host);
        if (h != req.end())
            append_field(out, "X-Forwarded-Host", h->value());
    } else {
        append_field(out, "X-Forwarded-Host", xfhost);
    }
    if (!via.empty())
        via += ", ";
    // The protocol the reader spoke (RFC 9110 7.6.3): HTTP/2 is "2"; its requests carry
    // version 20 here (proxy/connection/h2_session.cpp).
    via += req.version() == 10 ? "1.0 geogate" : req.version() == 20 ? "2 geogate" : "1.1 geogate";
    append_field(out, "Via", via);
    if (!plan.region_header.empty())
        append_field(out, plan.region_header, plan.region_value);
    if (plan.upgrade)
        out += "Upgrade: websocket\r\nConnection: upgrade\r\n"; // never "h2c, websocket"
    if (plan.chunked_body)
        out += "Transfer-Encoding: chunked\r\n";
    else if (auto cl = req.find(http::field::content_length); cl != req.end())
        append_field(out, "Content-Length", cl->value());
    out += "\r\n";
    return out;
}

void for_each_client_response_field(
    const http::response_header<>& res, const client_response_plan& plan,
    const std::function<void(std::string_view name, std::string_view value)>& emit) {
    hop_by_hop_set hop(res);
    std::string via;
    lowercase_buffer lower;
    for (const auto& f : res) {
        const auto id = f.name(); // Beast's field code: compared case-insensitively
        if (plan.keep_upgrade && id == http::field::upgrade)
            ; // kept
        else if (hop.contains(id, f.name_string()))
            continue;
        if (id == http::field::content_length)
            continue;
        if (id == http::field::via) {
            if (!via.empty())
                via += ", ";
            via += f.value();
            continue;
        }
        if (!plan.drop.empty()) {
            const std::string_view name = lower(f.name_string());
            if (std::find(plan.drop.begin(), plan.drop.end(), name) != plan.drop.end())
                continue;
        }
        emit(f.name_string(), f.value());
    }
    for (const auto& [n, v] : plan.add)
        emit(n, v);
    if (!via.empty())
        via += ", ";
    via += res.version() == 10 ? "1.0 geogate" : "1.1 geogate";
    emit("Via", via);
}

std::string build_client_response_head(const http::response_header<>& res,
                                       const client_response_plan& plan) {
    std::string out;
    out.reserve(1024);
    out += "HTTP/1.1 ";
    out += std::to_string(res.result_int());
    out += ' ';
    auto reason = res.reason();
    if (reason.empty())
        out += http::obsolete_reason(res.result());
    else
        out.append(reason.data(), reason.size());
    out += "\r\n";
    for_each_client_response_field(res, plan, [&](std::string_view name, std::string_view value) {
        append_field(out, name, value);
    });
    switch (plan.framing) {
    case body_framing::content_length:
        append_field(out, "Content-Length", std::to_string(plan.content_length));
        break;
    case body_framing::chunked:
        out += "Transfer-Encoding: chunked\r\n";
        break;
    case body_framing::none:
    case body_framing::close_delimited:
        break;
    }
    if (plan.keep_upgrade)
        out += "Connection: upgrade\r\n";
    else if (plan.close)
        out += "Connection: close\r\n";
    out += "\r\n";
    return out;
}

} // namespace geogate
