#include "proxy/http/error_page.hpp"

#include <string>

namespace geogate {

std::string_view reason_phrase(unsigned status) noexcept {
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 417:
        return "Expectation Failed";
    case 421:
        return "Misdirected Request";
    case 431:
        return "Request Header Fields Too Large";
    case 451:
        return "Unavailable For Legal Reasons";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

std::string error_response(unsigned status, bool close, bool head_only) {
    auto reason = reason_phrase(status);
    std::string code = std::to_string(status);
    std::string body;
    body.reserve(256);
    body += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>";
    body += code;
    body += ' ';
    body += reason;
    body += "</title></head><body><h1>";
    body += code;
    body += ' ';
    body += reason;
    body += "</h1></body></html>\n";

    std::string out;
    out.reserve(body.size() + 256);
    out += "HTTP/1.1 ";
    out += code;
    out += ' ';
    out += reason;
    out += "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ";
    out += std::to_string(body.size());
    out += "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
    if (status == 405)
        out += "Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n";
    if (close)
        out += "Connection: close\r\n";
    out += "\r\n";
    if (!head_only)
        out += body;
    return out;
}

} // namespace geogate
