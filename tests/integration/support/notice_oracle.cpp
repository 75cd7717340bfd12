#include "tests/integration/support/notice_oracle.hpp"

#include "tests/origin/digest.hpp"
#include "tests/origin/variant_response.hpp"

#include <algorithm>
#include <cctype>
#include <vector>
#include <zlib.h>

namespace geogate::it {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return std::string(s);
}

// zlib-wrapped deflate, or raw deflate as some servers send (browsers accept both).
std::string inflate_any(std::string_view in) {
    for (int bits : {MAX_WBITS, -MAX_WBITS}) {
        z_stream zs{};
        if (inflateInit2(&zs, bits) != Z_OK)
            continue;
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        zs.avail_in = static_cast<uInt>(in.size());
        std::string out;
        int rc = Z_OK;
        char buf[16384];
        while (rc == Z_OK) {
            zs.next_out = reinterpret_cast<Bytef*>(buf);
            zs.avail_out = sizeof buf;
            rc = inflate(&zs, Z_NO_FLUSH);
            out.append(buf, sizeof buf - zs.avail_out);
        }
        inflateEnd(&zs);
        if (rc == Z_STREAM_END)
            return out;
    }
    return {};
}

// The codings of Content-Encoding, in the order they were applied.
std::vector<std::string> codings(const http_response& res) {
    std::vector<std::string> out;
    for (const auto& [k, v] : res.headers) {
        if (lower(k) != "content-encoding")
            continue;
        std::size_t start = 0;
        while (start <= v.size()) {
            auto comma = v.find(',', start);
            auto item =
                lower(trim(v.substr(start, comma == std::string::npos ? v.npos : comma - start)));
            if (!item.empty() && item != "identity")
                out.push_back(item);
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
    }
    return out;
}

// UTF-16 text as the ASCII the checks look for (other code units become '?').
std::string utf16_to_ascii(std::string_view bytes, bool big_endian) {
    std::string out;
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
        const unsigned hi = static_cast<unsigned char>(bytes[big_endian ? i : i + 1]);
        const unsigned lo = static_cast<unsigned char>(bytes[big_endian ? i + 1 : i]);
        const unsigned unit = (hi << 8) | lo;
        out += unit < 128 ? static_cast<char>(unit) : '?';
    }
    return out;
}

std::size_t count(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1))
        ++n;
    return n;
}

} // namespace

std::string check_browser_reuse(const http_response& res) {
    // Directive names, with "=" appended when the directive has a value: a qualified
    // `private="Set-Cookie"` or `no-cache="Set-Cookie"` restricts only those fields, so it
    // neither keeps the response out of shared caches nor forces revalidation.
    std::vector<std::string> names;
    std::string all;
    for (const auto& [k, value] : res.headers) {
        if (lower(k) != "cache-control")
            continue;
        all += (all.empty() ? "" : ", ") + value;
        bool quoted = false, in_name = true;
        std::string name;
        for (std::size_t i = 0; i <= value.size(); ++i) {
            const char c = i < value.size() ? value[i] : ',';
            if (quoted) {
                if (c == '\\')
                    ++i;
                else if (c == '"')
                    quoted = false;
                continue;
            }
            if (c == '"')
                quoted = true;
            else if (c == '=' && in_name)
                in_name = false;
            else if (c == ',') {
                if (!trim(name).empty())
                    names.push_back(lower(trim(name)) + (in_name ? "" : "="));
                name.clear();
                in_name = true;
            } else if (in_name)
                name += c;
        }
    }
    auto has = [&](const char* d) {
        return std::find(names.begin(), names.end(), d) != names.end();
    };
    if (names.empty())
        return "no Cache-Control: a browser may reuse it by heuristic freshness";
    if (has("public") || has("s-maxage="))
        return "Cache-Control '" + all + "' lets a shared cache serve it to other regions";
    if (!has("private") && !has("no-store"))
        return "Cache-Control '" + all + "' is not private";
    if (!has("no-cache") && !has("no-store"))
        return "Cache-Control '" + all + "' lets the browser reuse it without asking";
    return {};
}

bool sniffs_as_html(std::string_view b) {
    // A BOM makes it text (UTF-16/UTF-8 text/plain), never HTML, in these rules.
    if (b.substr(0, 2) == "\xfe\xff" || b.substr(0, 2) == "\xff\xfe" ||
        b.substr(0, 3) == "\xef\xbb\xbf")
        return false;
    b = b.substr(0, 1445); // the resource header
    std::size_t i = 0;
    while (i < b.size() &&
           (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == '\f'))
        ++i;
    static const char* const tags[] = {"<!doctype html",
                                       "<html",
                                       "<head",
                                       "<script",
                                       "<iframe",
                                       "<h1",
                                       "<div",
                                       "<font",
                                       "<table",
                                       "<a",
                                       "<style",
                                       "<title",
                                       "<b",
                                       "<body",
                                       "<br",
                                       "<p",
                                       "<!--"};
    const std::string rest = lower(b.substr(i));
    for (const char* t : tags) {
        const std::string tag = t;
        if (rest.size() > tag.size() && rest.compare(0, tag.size(), tag) == 0) {
            const char end = rest[tag.size()];
            if (end == ' ' || end == '>')
                return true;
        }
    }
    return false;
}

guarantee_verdict check_notice_guarantee(const http_response& res, bool head) {
    guarantee_verdict v;
    if (res.status == 101) {
        v.violation = "101 Switching Protocols relayed: the connection leaves geogate's control";
        return v;
    }
    if (head || res.status < 200 || res.status == 204 || res.status == 205 || res.status == 304)
        return v;
    if (lower(res.header("Content-Disposition")).rfind("attachment", 0) == 0)
        return v; // a download, not rendered

    // Fetch's "extract a MIME type": every Content-Type field, split on commas outside quotes;
    // the last value that parses and is not */* wins; its charset is the last one given.
    std::string type, charset;
    bool any_type = false;
    for (const auto& [k, value] : res.headers) {
        if (lower(k) != "content-type")
            continue;
        std::size_t start = 0;
        bool quoted = false;
        for (std::size_t i = 0; i <= value.size(); ++i) {
            if (i < value.size() && value[i] == '"')
                quoted = !quoted;
            if (i < value.size() && (value[i] != ',' || quoted))
                continue;
            const std::string item = lower(trim(value.substr(start, i - start)));
            start = i + 1;
            const std::string essence = trim(item.substr(0, item.find(';')));
            const auto slash = essence.find('/');
            if (slash == std::string::npos || slash == 0 || slash + 1 == essence.size() ||
                essence == "*/*")
                continue;
            if (essence != type)
                charset.clear();
            type = essence;
            any_type = true;
            if (auto cs = item.find("charset="); cs != std::string::npos)
                charset = item.substr(cs + 8);
        }
    }
    const bool nosniff = lower(trim(res.header("X-Content-Type-Options"))) == "nosniff";
    const bool unknown_type =
        !any_type || type == "unknown/unknown" || type == "application/unknown" ||
        type == "application/x-unknown-content-type"; // Firefox sniffs this one too
    const bool typed_document = type == "text/html" || type == "application/xhtml+xml";

    std::string body = res.body;
    const auto applied = codings(res);
    for (auto it = applied.rbegin(); !body.empty() && it != applied.rend(); ++it) {
        const std::string& c = *it;
        if (c == "gzip" || c == "x-gzip")
            body = geogate::test::gzip_decompress(body);
        else if (c == "deflate")
            body = inflate_any(body);
        else if (c == "br")
            body = geogate::test::brotli_decompress(body);
        else {
            // A coding geogate cannot decode (zstd, ...): it could not have put the notice in.
            if (typed_document || unknown_type) {
                v.document = true;
                v.violation = "a document in Content-Encoding '" + c +
                              "' (geogate could not have inserted the notice)";
            }
            return v;
        }
        if (body.empty()) {
            if (typed_document || unknown_type)
                v.violation = "a document whose " + c + " coding does not decode";
            return v;
        }
    }
    const bool document = typed_document || (unknown_type && !nosniff && sniffs_as_html(body));
    if (!document || body.empty())
        return v;

    std::string text = body;
    if (body.substr(0, 2) == "\xff\xfe" || charset.find("utf-16le") != std::string::npos)
        text = utf16_to_ascii(body, false);
    else if (body.substr(0, 2) == "\xfe\xff" || charset.find("utf-16") != std::string::npos)
        text = utf16_to_ascii(body, true);
    if (text.find(geogate::test::origin_content_marker) == std::string::npos)
        return v; // geogate's own page (error, notice page): no origin content in it
    v.document = true;
    const std::size_t notices = count(text, "class=\"geogate-notice\"");
    if (notices == 1) {
        // Where a browser would show it: not inside a comment or a raw-text element, which the
        // parser never renders as markup.
        const std::string before = lower(text.substr(0, text.find("class=\"geogate-notice\"")));
        const auto opened = [&](const std::string& open, const std::string& close) {
            const auto o = before.rfind(open);
            return o != std::string::npos &&
                   (before.rfind(close) == std::string::npos || before.rfind(close) < o);
        };
        for (const auto& [open, close] :
             std::vector<std::pair<std::string, std::string>>{{"<!--", "-->"},
                                                              {"<script", "</script"},
                                                              {"<style", "</style"},
                                                              {"<textarea", "</textarea"},
                                                              {"<title", "</title"}})
            if (opened(open, close))
                v.violation = "the notice is inside " + open + "...: never rendered";
        // (the notice's own <style> comes after its wrapper's class attribute)
    }
    if (notices != 1)
        v.violation = "status " + std::to_string(res.status) + " document (" +
                      (typed_document ? type : "untyped, sniffed as HTML") + ", " +
                      std::to_string(res.body.size()) + " bytes) carries the notice " +
                      std::to_string(notices) + " times";
    return v;
}

} // namespace geogate::it
