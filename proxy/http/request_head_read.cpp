#include "proxy/http/request_head_read.hpp"

namespace geogate {

bool read_bodyless_request_head(std::string_view head, http::request_header<>& out) {
    // The check accepted the head: every line ends in CRLF, the request line is three parts
    // split by single spaces, every field has a colon after a token name, no obs-fold.
    const auto line_end = head.find("\r\n");
    if (line_end == std::string_view::npos)
        return false;
    const auto line = head.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos)
        return false;
    out.method_string(line.substr(0, sp1));
    out.target(line.substr(sp1 + 1, sp2 - sp1 - 1));
    out.version(line.substr(sp2 + 1) == "HTTP/1.0" ? 10 : 11);
    std::size_t pos = line_end + 2;
    for (;;) {
        const auto end = head.find("\r\n", pos);
        if (end == std::string_view::npos)
            return false;
        if (end == pos)
            return true; // the empty line
        const auto field = head.substr(pos, end - pos);
        pos = end + 2;
        const auto colon = field.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return false;
        const auto name = field.substr(0, colon);
        const auto id = http::string_to_field(name);
        if (id == http::field::content_length || id == http::field::transfer_encoding)
            return false;                              // a body follows: Beast's parser frames it
        out.insert(id, name, field.substr(colon + 1)); // insert() drops the value's OWS
    }
}

bool connection_lists_upgrade(const http::request_header<>& req) {
    for (const auto& f : req)
        if (f.name() == http::field::connection || f.name() == http::field::proxy_connection)
            for (auto option : http::token_list(f.value()))
                if (beast::iequals(option, "upgrade"))
                    return true;
    return false;
}

} // namespace geogate
