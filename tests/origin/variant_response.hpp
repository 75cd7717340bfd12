#pragma once
// The test origin's "chameleon" answer for the notice-guarantee tests: any request whose query
// has `v=1` is answered the way the query says, whatever its path (an origin that serves the
// page at any spelling of its path, as one that decodes %2F does). Parameters (all optional):
//   status=N          status code (200)
//   type=T            html | xhtml | none | unknown (application/unknown) | star (*/*) |
//                     plain | octet (application/octet-stream) | json | dual (text/plain and
//                     text/html, two fields) | list ("text/plain, text/html", one field) (html)
//   charset=C         utf-8 | windows-1251 | utf-16le | none: the Content-Type parameter and
//                     the body's encoding (utf-16le with a BOM); utf-16le-as-1251: UTF-16LE
//                     bytes with a BOM labelled windows-1251 (browsers obey the BOM) (utf-8)
//   coding=K          identity | gzip | x-gzip | deflate | br | zstd (bytes left as they are:
//                     a coding geogate cannot decode) | gzip-br (both, stacked)  (identity)
//   etag=E            strong | weak | none;  lm=1: a Last-Modified               (none)
//   cc=V              a Cache-Control value, as given
//   framing=F         length | chunked | close                                   (length)
//   disposition=D     a Content-Disposition value
//   body=B            page (a whole HTML page) | bare (markup without <body>) | open-comment,
//                     open-script (markup without <body> that ends inside a comment or a
//                     script) | empty                                             (page)
//   connection=V      a Connection field with that value (e.g. naming Content-Type)
//   upgrade=101       when the request asks for any Upgrade, answer 101 naming it and go on
//                     serving requests on the connection (what a tunnel would carry)
// Every page body contains the marker below, so a client can tell the origin's content from a
// page geogate made itself.
#include "tests/origin/origin_io.hpp"

#include <optional>
#include <string>

namespace geogate::test {

inline constexpr const char* origin_content_marker = "ORIGIN-CONTENT-7f3a";

struct variant_answer {
    std::string bytes; // the whole response: head and body
    bool keep_alive = true;
};

/// The answer to a `v=1` request, or nullopt for any other request.
std::optional<variant_answer> variant_response(const origin_request& req);

} // namespace geogate::test
