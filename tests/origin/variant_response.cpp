#include "tests/origin/variant_response.hpp"

#include "tests/origin/digest.hpp"

#include <cstdio>
#include <zlib.h>

namespace geogate::test {
namespace {

std::string zlib_deflate(std::string_view in) {
    uLongf size = compressBound(static_cast<uLong>(in.size()));
    std::string out(size, '\0');
    if (compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                  reinterpret_cast<const Bytef*>(in.data()), static_cast<uLong>(in.size()),
                  6) != Z_OK)
        return {};
    out.resize(size);
    return out;
}

std::string utf16le_with_bom(std::string_view ascii) {
    std::string out = "\xff\xfe";
    for (char c : ascii) {
        out += c;
        out += '\0';
    }
    return out;
}

std::string media_type(const std::string& type) {
    if (type == "xhtml")
        return "application/xhtml+xml";
    if (type == "unknown")
        return "application/unknown";
    if (type == "star")
        return "*/*";
    if (type == "plain")
        return "text/plain";
    if (type == "octet")
        return "application/octet-stream";
    if (type == "json")
        return "application/json";
    return "text/html";
}

std::string page(const std::string& kind, const std::string& charset) {
    if (kind == "empty")
        return {};
    const std::string marker = origin_content_marker;
    if (kind == "bare")
        return "<h1>" + marker + "</h1><p>A story without a body tag.</p>\n";
    if (kind == "open-comment") // ends inside a comment (a cache stamp cut short)
        return "<h1>" + marker + "</h1><p>The story.</p>\n<!-- cache: hit";
    if (kind == "open-script")
        return "<h1>" + marker + "</h1><p>The story.</p>\n<script>var a = 1;";
    std::string meta = charset == "none" || charset.rfind("utf-16le", 0) == 0
                           ? std::string()
                           : "<meta charset=\"" + charset + "\">";
    return "<!DOCTYPE html>\n<html><head>" + meta + "<title>News</title></head>\n<body><h1>" +
           marker + "</h1><p>The story.</p></body></html>\n";
}

} // namespace

std::optional<variant_answer> variant_response(const origin_request& req) {
    if (req.query_value("v") != "1")
        return std::nullopt;
    variant_answer a;
    a.keep_alive = req.keep_alive();
    if (req.query_value("upgrade") == "101" && req.has_header("Upgrade")) {
        a.bytes = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " +
                  req.header("Upgrade") + "\r\n\r\n";
        return a;
    }
    const std::string status = req.query_value("status", "200");
    const std::string type = req.query_value("type", "html");
    // utf-16le-as-1251: UTF-16LE bytes with a BOM, labelled windows-1251 (the BOM wins in
    // browsers).
    const std::string charset_query = req.query_value("charset", "utf-8");
    const bool bom_beats_label = charset_query == "utf-16le-as-1251";
    const std::string charset = bom_beats_label ? "windows-1251" : charset_query;
    const std::string coding = req.query_value("coding", "identity");
    const std::string etag = req.query_value("etag", "none");
    const std::string framing = req.query_value("framing", "length");

    std::string body = page(req.query_value("body", "page"), charset);
    if ((charset == "utf-16le" || bom_beats_label) && !body.empty())
        body = utf16le_with_bom(body);
    std::string content_coding;
    if (coding == "gzip" || coding == "x-gzip") {
        body = gzip_compress(body);
        content_coding = coding;
    } else if (coding == "deflate") {
        body = zlib_deflate(body);
        content_coding = coding;
    } else if (coding == "br") {
        body = brotli_compress(body);
        content_coding = coding;
    } else if (coding == "gzip-br") {
        body = brotli_compress(gzip_compress(body));
        content_coding = "gzip, br";
    } else if (coding == "zstd") {
        content_coding = "zstd";
    }

    std::string head = "HTTP/1.1 " + status + " Variant\r\n";
    const std::string charset_param = charset == "none" ? std::string() : "; charset=" + charset;
    if (type == "dual") // two fields: browsers take the last valid type (Fetch, "extract")
        head += "Content-Type: text/plain\r\nContent-Type: text/html" + charset_param + "\r\n";
    else if (type == "list")
        head += "Content-Type: text/plain, text/html" + charset_param + "\r\n";
    else if (type != "none")
        head += "Content-Type: " + media_type(type) + charset_param + "\r\n";
    if (!content_coding.empty())
        head += "Content-Encoding: " + content_coding + "\r\n";
    if (etag == "strong")
        head += "ETag: \"v1-" + status + "\"\r\n";
    else if (etag == "weak")
        head += "ETag: W/\"v1-" + status + "\"\r\n";
    if (req.query_value("lm") == "1")
        head += "Last-Modified: Tue, 01 Dec 2026 10:00:00 GMT\r\n";
    if (const auto cc = req.query_value("cc"); !cc.empty())
        head += "Cache-Control: " + cc + "\r\n";
    if (const auto c = req.query_value("connection"); !c.empty())
        head += "Connection: " + c + "\r\n"; // an origin naming end-to-end fields in it
    if (const auto d = req.query_value("disposition"); !d.empty())
        head += "Content-Disposition: " + d + "\r\n";
    const bool no_body = req.method == "HEAD" || status == "204" || status == "304";
    if (framing == "close") {
        a.keep_alive = false;
        head += "Connection: close\r\n\r\n";
        a.bytes = head + (no_body ? std::string() : body);
        return a;
    }
    if (!a.keep_alive)
        head += "Connection: close\r\n";
    if (framing == "chunked" && !no_body) {
        head += "Transfer-Encoding: chunked\r\n\r\n";
        std::string chunked;
        const std::size_t piece = 40; // several chunks even for a small page
        for (std::size_t i = 0; i < body.size(); i += piece) {
            const auto part = std::string_view(body).substr(i, piece);
            char size[20];
            std::snprintf(size, sizeof size, "%zx\r\n", part.size());
            chunked += size;
            chunked += part;
            chunked += "\r\n";
        }
        a.bytes = head + chunked + "0\r\n\r\n";
        return a;
    }
    if (status != "204" && status != "304")
        head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    a.bytes = head + "\r\n" + (no_body ? std::string() : body);
    return a;
}

} // namespace geogate::test
