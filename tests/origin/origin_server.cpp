#include "tests/origin/origin_server.hpp"

#include "tests/origin/digest.hpp"
#include "tests/origin/origin_io.hpp"
#include "tests/origin/pattern.hpp"
#include "tests/origin/variant_response.hpp"

#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace geogate::test {
namespace {

using namespace std::string_literals;

std::string reason(int code) {
    static const std::map<int, std::string> names = {{100, "Continue"},
                                                     {101, "Switching Protocols"},
                                                     {200, "OK"},
                                                     {204, "No Content"},
                                                     {301, "Moved Permanently"},
                                                     {302, "Found"},
                                                     {304, "Not Modified"},
                                                     {400, "Bad Request"},
                                                     {404, "Not Found"},
                                                     {500, "Internal Server Error"},
                                                     {503, "Service Unavailable"}};
    const auto it = names.find(code);
    return it == names.end() ? "Status" : it->second;
}

std::string content_type(const std::filesystem::path& p) {
    const std::string ext = p.extension().string();
    const std::string name = p.filename().string();
    if (ext == ".html" || ext == ".htm")
        return name.find("1251") != std::string::npos ? "text/html; charset=windows-1251"
                                                      : "text/html; charset=utf-8";
    static const std::map<std::string, std::string> types = {{".css", "text/css"},
                                                             {".js", "application/javascript"},
                                                             {".json", "application/json"},
                                                             {".png", "image/png"},
                                                             {".jpg", "image/jpeg"},
                                                             {".svg", "image/svg+xml"},
                                                             {".txt", "text/plain; charset=utf-8"}};
    const auto it = types.find(ext);
    return it == types.end() ? "application/octet-stream" : it->second;
}

std::uint64_t to_u64(const std::string& s, std::uint64_t fallback) {
    try {
        return s.empty() ? fallback : std::stoull(s);
    } catch (...) {
        return fallback;
    }
}

void sleep_ms(std::uint64_t ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

struct responder {
    origin_io& io;
    const origin_request& req;
    bool keep_alive;

    std::string head(int code, const std::vector<std::pair<std::string, std::string>>& headers) {
        std::string out = "HTTP/1.1 " + std::to_string(code) + " " + reason(code) + "\r\n";
        for (const auto& [k, v] : headers)
            out += k + ": " + v + "\r\n";
        if (!keep_alive)
            out += "Connection: close\r\n";
        return out + "\r\n";
    }

    bool send(int code, std::string body, std::vector<std::pair<std::string, std::string>> headers,
              bool with_length = true) {
        if (with_length)
            headers.emplace_back("Content-Length", std::to_string(body.size()));
        std::string out = head(code, headers);
        if (req.method != "HEAD")
            out += body;
        return io.write_all(out);
    }

    bool text(int code, std::string body) {
        return send(code, std::move(body), {{"Content-Type", "text/plain; charset=utf-8"}});
    }
};

std::optional<std::string> read_file(const std::filesystem::path& root, const std::string& rel) {
    if (root.empty() || rel.find("..") != std::string::npos)
        return std::nullopt;
    std::filesystem::path p = root / rel;
    if (std::filesystem::is_directory(p))
        p /= "index.html";
    std::ifstream in(p, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Writes half of an announced body, then ends the connection with a FIN or an RST.
void die_mid_body(origin_io& io, const origin_request& req, bool reset) {
    const std::uint64_t n = to_u64(req.query_value("bytes"), 100000);
    io.write_all("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                 std::to_string(n) + "\r\n\r\n");
    io.write_all(pattern_bytes(0, static_cast<std::size_t>(n / 2)));
    if (reset) {
        linger lg{1, 0}; // zero linger: close() sends RST
        ::setsockopt(io.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    } else {
        ::shutdown(io.fd(), SHUT_WR);
    }
}

std::string bad_response(const std::string& kind) {
    static const std::map<std::string, std::string> kinds = {
        {"cl-te", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n0\r\n\r\n"},
        {"two-cl", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
        {"garbage-status", "HTPT/1.1 abc\r\nContent-Length: 5\r\n\r\nhello"},
        {"negative-length", "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello"},
        {"bad-cl", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello"},
        {"bad-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n"
                      "0\r\n\r\n"},
        {"nul-header", "HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 5\r\n\r\nhello"s},
        {"bare-lf", "HTTP/1.1 200 OK\nContent-Length: 5\n\nhello"},
        {"obs-fold", "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 5\r\n\r\nhello"},
        {"empty", ""}};
    const auto it = kinds.find(kind);
    return it == kinds.end() ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" : it->second;
}

bool serve_websocket(origin_io& io, const origin_request& req) {
    if (!iequals(req.header("Upgrade"), "websocket") || !req.has_header("Sec-WebSocket-Key")) {
        io.write_all("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return false;
    }
    io.write_all("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: " +
                 websocket_accept(req.header("Sec-WebSocket-Key")) + "\r\n\r\n");
    std::string bytes;
    while (io.read_some(bytes))
        if (!io.write_all(bytes))
            break;
    return false;
}

// What an h2c-speaking origin would do: 101 to another protocol, and from then on the
// connection carries whatever the origin likes. Here that is the same un-noticed HTML page
// after the 101 and again for every later read: what a reader would get through a blind tunnel.
bool serve_foreign_switch(origin_io& io) {
    static const std::string page = "<!doctype html><html><head><title>tunnel</title></head>"
                                    "<body><p>tunnelled page</p></body></html>\n";
    const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                 "Content-Length: " +
                                 std::to_string(page.size()) + "\r\n\r\n" + page;
    if (!io.write_all("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"
                      "Connection: Upgrade\r\n\r\n" +
                      response))
        return false;
    std::string bytes;
    while (io.read_some(bytes))
        if (!io.write_all(response))
            break;
    return false;
}

// The path as an origin that decodes before routing reads it (nginx): every %XX decoded, %2F
// included, then dot segments resolved.
std::string decoded_path(const std::string& raw) {
    std::string d;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '%' && i + 2 < raw.size() &&
            std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
            d += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            d += raw[i];
        }
    }
    std::vector<std::string> segments;
    std::size_t pos = 0;
    while (pos <= d.size()) {
        auto end = d.find('/', pos);
        if (end == std::string::npos)
            end = d.size();
        const std::string seg = d.substr(pos, end - pos);
        if (seg == "..") {
            if (!segments.empty())
                segments.pop_back();
        } else if (!seg.empty() && seg != ".") {
            segments.push_back(seg);
        }
        pos = end + 1;
    }
    std::string out;
    for (const auto& seg : segments)
        out += "/" + seg;
    return out.empty() ? "/" : out;
}

// Serves one request; returns whether the connection may carry another.
bool serve_request(origin_io& io, origin_request& req, std::uint64_t id, origin_state& state) {
    if (req.query_value("decode-path") == "1")
        req.path = decoded_path(req.path);
    const std::string& path = req.path;
    const bool introspection = path == "/_received" || path == "/_connections" ||
                               path == "/_bodies" || path == "/_set" || path == "/_served";
    if (!introspection)
        state.record(req.target);
    responder r{io, req, req.keep_alive()};

    if (path == "/websocket")
        return serve_websocket(io, req);
    if (path == "/switch" || iequals(req.header("Upgrade"), "h2c"))
        return serve_foreign_switch(io);

    // Every other endpoint consumes the request body first (streaming, hashed).
    if (iequals(req.header("Expect"), "100-continue"))
        io.write_all("HTTP/1.1 100 Continue\r\n\r\n");
    sha256 body_hash;
    std::uint64_t body_length = 0;
    const bool announces_body =
        !req.header("Transfer-Encoding").empty() ||
        (!req.header("Content-Length").empty() && req.header("Content-Length") != "0");
    const bool body_ok = io.read_body(req, [&](std::string_view piece) {
        body_hash.update(piece);
        body_length += piece.size();
    });
    if (announces_body && !introspection)
        state.record_body(req.target, body_ok, body_length);
    if (!body_ok) {
        r.keep_alive = false;
        r.text(400, "bad request body\n");
        return false;
    }

    if (auto v = variant_response(req))
        return io.write_all(v->bytes) && v->keep_alive;
    if (path == "/_set")
        return io.write_all(state.pages.set(req, r.keep_alive)) && r.keep_alive;
    if (path == "/_served")
        return io.write_all(state.pages.served(req, r.keep_alive)) && r.keep_alive;
    if (path.rfind("/mutable/", 0) == 0)
        return io.write_all(state.pages.serve(req, r.keep_alive)) && r.keep_alive;
    if (path == "/echo") {
        std::string out =
            "connection " + std::to_string(id) + "\nrequest " + req.request_line + "\n";
        for (const auto& [k, v] : req.headers)
            out += "header " + k + ": " + v + "\n";
        out += "body-length " + std::to_string(body_length) + "\nbody-sha256 " + body_hash.hex() +
               "\n";
        return r.text(200, out) && r.keep_alive;
    }
    if (path == "/upload") {
        return r.text(200, "length " + std::to_string(body_length) + "\nsha256 " + body_hash.hex() +
                               "\n") &&
               r.keep_alive;
    }
    if (path == "/_received")
        return r.text(200, state.received_text()) && r.keep_alive;
    if (path == "/_connections")
        return r.text(200, std::to_string(state.connections.load()) + "\n") && r.keep_alive;
    if (path == "/_bodies")
        return r.text(200, state.bodies_text()) && r.keep_alive;
    if (path.rfind("/status/", 0) == 0) {
        const int code = static_cast<int>(to_u64(path.substr(8), 500));
        if (code < 200 || code == 204 || code == 304)
            return io.write_all(r.head(code, {})) && r.keep_alive;
        return r.text(code, "status " + std::to_string(code) + "\n") && r.keep_alive;
    }
    if (path == "/chunked") {
        const std::uint64_t n = to_u64(req.query_value("n"), 3);
        const std::size_t size = static_cast<std::size_t>(to_u64(req.query_value("size"), 10));
        if (!io.write_all(r.head(200, {{"Content-Type", "application/octet-stream"},
                                       {"Transfer-Encoding", "chunked"}})))
            return false;
        if (req.method != "HEAD") {
            for (std::uint64_t k = 0; k < n && size > 0; ++k) {
                std::ostringstream chunk;
                chunk << std::hex << size << "\r\n" << pattern_bytes(k * size, size) << "\r\n";
                if (!io.write_all(chunk.str()))
                    return false;
            }
            if (!io.write_all("0\r\n\r\n"))
                return false;
        }
        return r.keep_alive;
    }
    if (path == "/huge") {
        const std::uint64_t n = to_u64(req.query_value("bytes"), 1 << 20);
        if (!io.write_all(r.head(200, {{"Content-Type", "application/octet-stream"},
                                       {"Content-Length", std::to_string(n)}})))
            return false;
        for (std::uint64_t off = 0; req.method != "HEAD" && off < n; off += 65536)
            if (!io.write_all(pattern_bytes(
                    off, static_cast<std::size_t>(std::min<std::uint64_t>(65536, n - off)))))
                return false;
        return r.keep_alive;
    }
    if (path == "/slow-header") {
        sleep_ms(to_u64(req.query_value("ms"), 1000));
        return r.text(200, "slow\n") && r.keep_alive;
    }
    if (path == "/slow-body") {
        if (!io.write_all(r.head(200, {{"Content-Type", "text/plain"}, {"Content-Length", "10"}})))
            return false;
        if (req.method == "HEAD")
            return r.keep_alive;
        if (!io.write_all("hello"))
            return false;
        sleep_ms(to_u64(req.query_value("ms"), 1000));
        return io.write_all("world") && r.keep_alive;
    }
    if (path == "/reset-mid-body" || path == "/close-mid-body") {
        die_mid_body(io, req, path == "/reset-mid-body");
        return false;
    }
    if (path.rfind("/bad/", 0) == 0) {
        io.write_all(bad_response(path.substr(5)));
        return false;
    }
    if (path.rfind("/gzip/", 0) == 0 || path.rfind("/br/", 0) == 0) {
        const bool gz = path[1] == 'g';
        const std::string name = path.substr(gz ? 6 : 4);
        const auto file = read_file(state.root, name);
        if (!file)
            return r.text(404, "no such fixture\n") && r.keep_alive;
        return r.send(200, gz ? gzip_compress(*file) : brotli_compress(*file),
                      {{"Content-Type", content_type(name)},
                       {"Content-Encoding", gz ? "gzip" : "br"},
                       {"Vary", "Accept-Encoding"}}) &&
               r.keep_alive;
    }
    if (path == "/custom") {
        // Exactly the headers asked for (no default Content-Type), the body of a fixture or
        // given literally, optionally gzip-compressed (and then corrupted in its middle).
        std::vector<std::pair<std::string, std::string>> headers;
        for (const std::string& set : req.query_all("set")) {
            const auto colon = set.find(':');
            if (colon != std::string::npos)
                headers.emplace_back(set.substr(0, colon), set.substr(colon + 1));
        }
        std::string body = req.query_value("body");
        if (const auto name = req.query_value("fixture"); !name.empty()) {
            const auto file = read_file(state.root, name);
            if (!file)
                return r.text(404, "no such fixture\n") && r.keep_alive;
            body = *file;
        }
        if (req.query_value("gzip") == "1") {
            body = gzip_compress(body);
            headers.emplace_back("Content-Encoding", "gzip");
            if (req.query_value("corrupt") == "1")
                for (std::size_t i = body.size() / 2; i < body.size() / 2 + 16 && i < body.size();
                     ++i)
                    body[i] = static_cast<char>(0xFF);
        }
        std::string etag, last_modified;
        for (const auto& [k, v] : headers) {
            if (iequals(k, "ETag"))
                etag = v;
            if (iequals(k, "Last-Modified"))
                last_modified = v;
        }
        if (req.query_value("conditional") == "1") {
            // RFC 9110 13.1: If-None-Match (exact tags here) decides; If-Modified-Since only
            // without it.
            const std::string inm = req.header("If-None-Match");
            const bool not_modified =
                req.has_header("If-None-Match")
                    ? !etag.empty() && inm.find(etag) != std::string::npos
                    : !last_modified.empty() && req.header("If-Modified-Since") == last_modified;
            if (not_modified) {
                std::vector<std::pair<std::string, std::string>> kept;
                for (const auto& h : headers)
                    if (iequals(h.first, "ETag") || iequals(h.first, "Cache-Control") ||
                        iequals(h.first, "Last-Modified"))
                        kept.push_back(h);
                return io.write_all(r.head(304, kept)) && r.keep_alive;
            }
        }
        if (const auto cut = req.query_value("cut"); !cut.empty() && req.method != "HEAD") {
            // The whole length announced, the first `cut` bytes sent, then a clean FIN.
            headers.emplace_back("Content-Length", std::to_string(body.size()));
            io.write_all(r.head(200, headers) +
                         body.substr(0, static_cast<std::size_t>(to_u64(cut, 0))));
            ::shutdown(io.fd(), SHUT_WR);
            return false;
        }
        const int code = static_cast<int>(to_u64(req.query_value("status"), 200));
        return r.send(code, body, headers) && r.keep_alive;
    }
    if (path == "/headers") {
        std::vector<std::pair<std::string, std::string>> headers;
        bool has_type = false;
        for (const std::string& set : req.query_all("set")) {
            const auto colon = set.find(':');
            if (colon == std::string::npos)
                continue;
            headers.emplace_back(set.substr(0, colon), set.substr(colon + 1));
            has_type = has_type || iequals(headers.back().first, "Content-Type");
        }
        if (!has_type)
            headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
        return r.send(200, "headers\n", headers) && r.keep_alive;
    }
    const std::string rel = path.rfind("/fixture/", 0) == 0 ? path.substr(9) : path.substr(1);
    if (const auto file = read_file(state.root, rel))
        return r.send(200, *file,
                      {{"Content-Type", content_type(rel.empty() ? "index.html" : rel)}}) &&
               r.keep_alive;
    return r.text(404, "not found\n") && r.keep_alive;
}

} // namespace

void origin_state::record(const std::string& target) {
    std::lock_guard lock(mutex_);
    received_.push_back(target);
}

std::string origin_state::received_text() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& t : received_)
        out += t + "\n";
    return out;
}

void origin_state::record_body(const std::string& target, bool complete, std::uint64_t length) {
    std::lock_guard lock(mutex_);
    bodies_.push_back(target + (complete ? " complete " : " incomplete ") + std::to_string(length));
}

std::string origin_state::bodies_text() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& b : bodies_)
        out += b + "\n";
    return out;
}

void serve_connection(int fd, std::uint64_t connection_id, origin_state& state) {
    origin_io io(fd);
    origin_request req;
    while (io.read_request(req))
        if (!serve_request(io, req, connection_id, state))
            break;
    ::close(fd);
}

} // namespace geogate::test
