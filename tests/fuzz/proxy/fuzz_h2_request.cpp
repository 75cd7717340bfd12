// HTTP/2 frames from a hostile client, through nghttp2 (as geogate's h2_session drives it) and
// geogate's translation (h2_request), to the HTTP/1.1 head the origin would get. Invariants,
// for every request the translation accepts:
// - the origin head is one request line and "Name: value" lines, CRLF-separated, ending with
//   an empty line: no CR or LF anywhere else, no NUL (no smuggled line, no smuggled request);
// - Beast parses that head back to the same method, target and Host;
// - the target is origin-form ("/...") or "*", visible ASCII only.
// The input is what follows the client connection preface (prepended here).
#include "proxy/http/h2_request.hpp"
#include "proxy/http/header_policy.hpp"
#include "tests/fuzz/invariant.hpp"

#include <cstdint>
#include <cstring>
#include <map>
#include <nghttp2/nghttp2.h>
#include <string>
#include <string_view>

using namespace geogate;

namespace {

constexpr h2_head_limits limits{32 * 1024, 100};

struct state {
    std::map<std::int32_t, h2_request> streams;
    std::string_view input;
};

void check_origin_head(const h2_request& r, std::string_view input) {
    const auto& req = r.request();
    const std::string_view target = req.target();
    if (target.empty() || (target != "*" && target.front() != '/'))
        fuzz::invariant_broken("target not origin-form", "input", input);
    for (char c : target)
        if (c <= 0x20 || c >= 0x7f)
            fuzz::invariant_broken("target byte outside visible ASCII", "input", input);
    // As the exchange forwards it with origin.preserve_host (the default): the reader's Host.
    const auto host = req.find(http::field::host);
    if (host == req.end())
        fuzz::invariant_broken("accepted request without Host", "input", input);
    upstream_request_plan plan;
    plan.target = target;
    plan.host = host->value();
    plan.proto = "https";
    plan.client_ip = "198.51.100.7";
    const std::string head = build_upstream_request_head(req, plan);
    if (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0)
        fuzz::invariant_broken("head does not end with an empty line", "head", head);
    for (std::size_t i = 0; i < head.size(); ++i) {
        const char c = head[i];
        if (c == '\0')
            fuzz::invariant_broken("NUL in the origin head", "head", head);
        if (c == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n'))
            fuzz::invariant_broken("bare CR in the origin head", "head", head);
        if (c == '\n' && (i == 0 || head[i - 1] != '\r'))
            fuzz::invariant_broken("bare LF in the origin head", "head", head);
    }
    http::request_parser<http::empty_body> parser;
    parser.eager(false);
    parser.header_limit(1 << 20);
    error_code ec;
    parser.put(net::buffer(head), ec);
    if (ec || !parser.is_header_done())
        fuzz::invariant_broken("Beast cannot parse the origin head", "head", head);
    const auto& back = parser.get();
    if (back.method_string() != req.method_string() || back.target() != req.target())
        fuzz::invariant_broken("origin head reads as another request", "head", head);
    if (back.count(http::field::host) != 1 || back[http::field::host] != host->value())
        fuzz::invariant_broken("origin head has not exactly the reader's Host", "head", head);
}

int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& s = *static_cast<state*>(user);
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    if (frame->headers.cat == NGHTTP2_HCAT_REQUEST)
        s.streams[frame->hd.stream_id] = h2_request{};
    else if (auto it = s.streams.find(frame->hd.stream_id); it != s.streams.end())
        it->second.trailers_begin();
    return 0;
}

int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
              std::size_t namelen, const std::uint8_t* value, std::size_t valuelen, std::uint8_t,
              void* user) {
    auto& s = *static_cast<state*>(user);
    auto it = s.streams.find(frame->hd.stream_id);
    if (it == s.streams.end())
        return 0;
    switch (it->second.add_field({reinterpret_cast<const char*>(name), namelen},
                                 {reinterpret_cast<const char*>(value), valuelen}, limits)) {
    case h2_request::field_verdict::ok:
        return 0;
    case h2_request::field_verdict::stream_error:
        s.streams.erase(it);
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    case h2_request::field_verdict::connection_error:
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return 0;
}

int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& s = *static_cast<state*>(user);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    auto it = s.streams.find(frame->hd.stream_id);
    if (it != s.streams.end() && it->second.finish() == 0)
        check_origin_head(it->second, s.input);
    return 0;
}

int on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t, void* user) {
    static_cast<state*>(user)->streams.erase(id);
    return 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    state s;
    s.input = {reinterpret_cast<const char*>(data), size};
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, 1);
    nghttp2_session* session = nullptr;
    nghttp2_session_server_new2(&session, cbs, &s, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    static constexpr std::string_view preface = NGHTTP2_CLIENT_MAGIC;
    std::string bytes(preface);
    bytes.append(reinterpret_cast<const char*>(data), size);
    nghttp2_session_mem_recv(session, reinterpret_cast<const std::uint8_t*>(bytes.data()),
                             bytes.size());
    // What geogate would send back (SETTINGS, acknowledgements, resets) must come out too.
    const std::uint8_t* out = nullptr;
    while (nghttp2_session_mem_send(session, &out) > 0) {
    }
    nghttp2_session_del(session);
    return 0;
}
