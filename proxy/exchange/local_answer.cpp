#include "proxy/exchange/local_answer.hpp"

#include "proxy/http/error_page.hpp"
#include "proxy/http/redirect.hpp"
#include "rules/notices/notice_text.hpp"

namespace geogate {
namespace {

void field(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

void status_line(std::string& out, unsigned status) {
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += reason_phrase(status);
    out += "\r\n";
}

} // namespace

std::string redirect_response(const rules::rule& r, const rules::mirror& m,
                              const request_target& target, bool close) {
    unsigned status = r.status ? r.status : 302;
    std::string out;
    out.reserve(256 + target.path.size() + target.query.size());
    status_line(out, status);
    std::string_view path = target.path == "*" ? std::string_view("/") : target.path;
    field(out, "Location", build_redirect_location(m.base, path, target.query, target.has_query));
    out += "Cache-Control: private, no-store\r\nContent-Length: 0\r\n";
    if (close)
        out += "Connection: close\r\n";
    out += "\r\n";
    return out;
}

std::string block_response(const rules::rule& r, const notice_plan& notice,
                           const http::request_header<>& req, request_record& rec, bool close) {
    const notices::notice_text* text = notice.text;
    std::string out;
    status_line(out, 451);
    out += "Content-Type: text/html; charset=utf-8\r\n";
    out += "Cache-Control: private, no-store\r\nX-Content-Type-Options: nosniff\r\n";
    out += "Vary: Accept-Language\r\n";
    if (!r.blocked_by.empty()) {
        out += "Link: <";
        out += r.blocked_by;
        out += ">; rel=\"blocked-by\"\r\n";
    }
    std::string_view body;
    if (text) {
        field(out, "Content-Security-Policy", text->page_451_csp);
        field(out, "Content-Language", text->language);
        body = text->page_451;
        rec.notice_id = text->notice_id;
        rec.notice_lang = text->language;
        rec.notice_version = text->version;
    }
    std::string fallback;
    if (body.empty()) {
        // No servable text (cannot happen with a validated snapshot): still a 451, never a
        // page with an unapproved text.
        fallback = error_response(451, close);
        return fallback;
    }
    field(out, "Content-Length", std::to_string(body.size()));
    if (close)
        out += "Connection: close\r\n";
    out += "\r\n";
    if (req.method() != http::verb::head)
        out += body;
    return out;
}

} // namespace geogate
