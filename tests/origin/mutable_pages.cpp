#include "tests/origin/mutable_pages.hpp"

#include "tests/origin/digest.hpp"
#include "tests/origin/variant_response.hpp"

#include <ctime>
#include <optional>
#include <vector>

namespace geogate::test {
namespace {

using header_list = std::vector<std::pair<std::string, std::string>>;

std::string response(int code, const header_list& headers, const std::string& body, bool with_body,
                     bool keep_alive) {
    std::string out = "HTTP/1.1 " + std::to_string(code) +
                      (code == 200   ? " OK"
                       : code == 304 ? " Not Modified"
                       : code == 404 ? " Not Found"
                                     : " Bad Request") +
                      "\r\n";
    for (const auto& [k, v] : headers)
        out += k + ": " + v + "\r\n";
    if (code != 304)
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    if (!keep_alive)
        out += "Connection: close\r\n";
    out += "\r\n";
    if (with_body && code != 304)
        out += body;
    return out;
}

std::string text(int code, const std::string& body, bool keep_alive) {
    return response(code, {{"Content-Type", "text/plain; charset=utf-8"}}, body, true, keep_alive);
}

// The opaque-tags (quotes included, W/ dropped) of an If-None-Match list; "*" stays "*".
std::vector<std::string> opaque_tags(const std::string& list) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < list.size()) {
        const char c = list[i];
        if (c == ' ' || c == '\t' || c == ',') {
            ++i;
        } else if (c == '*') {
            out.emplace_back("*");
            ++i;
        } else if (list.compare(i, 2, "W/") == 0) {
            i += 2;
        } else if (c == '"') {
            const auto end = list.find('"', i + 1);
            if (end == std::string::npos)
                break;
            out.push_back(list.substr(i, end + 1 - i));
            i = end + 1;
        } else {
            ++i; // not an entity-tag: skipped
        }
    }
    return out;
}

// RFC 9110 8.8.3.2 weak comparison, as If-None-Match uses it (13.1.2).
bool none_match_fails(const std::string& inm, const std::string& etag) {
    if (etag.empty())
        return false;
    const std::string ours = etag.compare(0, 2, "W/") == 0 ? etag.substr(2) : etag;
    for (const auto& tag : opaque_tags(inm))
        if (tag == "*" || tag == ours)
            return true;
    return false;
}

std::optional<std::time_t> http_date(const std::string& s) {
    std::tm tm{};
    const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0')
        return std::nullopt;
    return timegm(&tm);
}

// RFC 9110 13.1.3: not modified when the page's date is not later than the one given.
bool not_modified_since(const std::string& ims, const std::string& last_modified) {
    if (last_modified.empty())
        return false;
    const auto a = http_date(ims), b = http_date(last_modified);
    return a && b ? *b <= *a : ims == last_modified;
}

std::string whole_page(const std::string& name, const std::string& text, std::size_t pad) {
    static const std::string filler = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
    std::string padding;
    while (padding.size() < pad)
        padding += filler;
    padding.resize(pad);
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + name +
           "</title></head>\n<body><h1>" + origin_content_marker + "</h1><p>" + text + "</p><p>" +
           padding + "</p></body></html>\n";
}

} // namespace

std::string mutable_pages::set(const origin_request& req, bool keep_alive) {
    const std::string name = req.query_value("name");
    if (name.empty())
        return text(400, "name missing\n", keep_alive);
    page p;
    std::size_t pad = 0;
    try {
        pad = static_cast<std::size_t>(std::stoull(req.query_value("pad", "0")));
    } catch (...) {
        return text(400, "bad pad\n", keep_alive);
    }
    p.body = whole_page(name, req.query_value("body"), pad);
    const std::string type = req.query_value("type", "text/html; charset=utf-8");
    p.type = type == "none" ? "" : type;
    p.etag = req.query_value("etag");
    p.last_modified = req.query_value("lm");
    p.cache_control = req.query_value("cc");
    p.set_cookie = req.query_value("sc");
    p.vary = req.query_value("vary");
    p.negotiate_gzip = req.query_value("gzip") == "negotiate";
    std::lock_guard lock(mutex_);
    page& slot = pages_[name];
    // The counters survive a change of content: a test compares them before and after.
    p.full = slot.full;
    p.not_modified = slot.not_modified;
    p.head = slot.head;
    slot = std::move(p);
    return text(200, "stored " + name + "\n", keep_alive);
}

std::string mutable_pages::serve(const origin_request& req, bool keep_alive) {
    const std::string name = req.path.substr(std::string("/mutable/").size());
    std::lock_guard lock(mutex_);
    const auto it = pages_.find(name);
    if (it == pages_.end())
        return text(404, "no such page\n", keep_alive);
    page& p = it->second;
    p.last_inm = req.header("If-None-Match");
    p.last_ims = req.header("If-Modified-Since");
    const bool gzipped =
        p.negotiate_gzip && req.header("Accept-Encoding").find("gzip") != std::string::npos;
    p.last_coding = gzipped ? "gzip" : "identity";
    // The representation's own tag: the gzip one is another sequence of bytes.
    std::string etag = p.etag;
    if (gzipped && etag.size() >= 2 && etag.back() == '"')
        etag.insert(etag.size() - 1, "-gz");
    header_list validators;
    if (!etag.empty())
        validators.emplace_back("ETag", etag);
    if (!p.last_modified.empty())
        validators.emplace_back("Last-Modified", p.last_modified);
    if (!p.cache_control.empty())
        validators.emplace_back("Cache-Control", p.cache_control);
    if (!p.vary.empty())
        validators.emplace_back("Vary", p.vary);
    else if (p.negotiate_gzip)
        validators.emplace_back("Vary", "Accept-Encoding");
    // RFC 9110 13.2.2: If-None-Match decides; If-Modified-Since only without it.
    const bool conditional_get = req.method == "GET" || req.method == "HEAD";
    const bool unchanged =
        conditional_get &&
        (req.has_header("If-None-Match") ? none_match_fails(p.last_inm, etag)
                                         : req.has_header("If-Modified-Since") &&
                                               not_modified_since(p.last_ims, p.last_modified));
    if (unchanged) {
        ++p.not_modified;
        return response(304, validators, {}, false, keep_alive); // 15.4.5: the same fields
    }
    header_list headers;
    if (!p.type.empty())
        headers.emplace_back("Content-Type", p.type);
    headers.insert(headers.end(), validators.begin(), validators.end());
    if (!p.set_cookie.empty())
        headers.emplace_back("Set-Cookie", p.set_cookie);
    if (gzipped)
        headers.emplace_back("Content-Encoding", "gzip");
    ++(req.method == "HEAD" ? p.head : p.full);
    return response(200, headers, gzipped ? gzip_compress(p.body) : p.body, req.method != "HEAD",
                    keep_alive);
}

std::string mutable_pages::served(const origin_request& req, bool keep_alive) {
    std::lock_guard lock(mutex_);
    const auto it = pages_.find(req.query_value("name"));
    if (it == pages_.end())
        return text(404, "no such page\n", keep_alive);
    const page& p = it->second;
    return text(200,
                "full " + std::to_string(p.full) + "\nnot_modified " +
                    std::to_string(p.not_modified) + "\nhead " + std::to_string(p.head) +
                    "\nif_none_match " + p.last_inm + "\nif_modified_since " + p.last_ims +
                    "\ncoding " + p.last_coding + "\n",
                keep_alive);
}

} // namespace geogate::test
