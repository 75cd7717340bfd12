#include "tests/integration/support/test_origin.hpp"

#include "tests/integration/support/raw_client.hpp"
#include "tests/origin/pattern.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace geogate::it {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string make_index() {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<title>Fixture</title><link rel=\"stylesheet\" href=\"/style.css\">"
                      "</head>\n<body class=\"page\">\n";
    for (int i = 0; i < 200; ++i)
        out += "<p>Paragraph " + std::to_string(i) +
               ": news text \xd0\xbd\xd0\xbe\xd0\xb2\xd0\xbe"
               "\xd1\x81\xd1\x82\xd0\xb8.</p>\n";
    return out + "<script src=\"/app.js\"></script>\n</body></html>\n";
}

} // namespace

const std::vector<fixture>& fixtures() {
    static const std::vector<fixture> all = {
        {"index.html", make_index()},
        {"page-1251.html", "<html><head><meta charset=\"windows-1251\"></head><body>"
                           "\xcd\xee\xe2\xee\xf1\xf2\xe8</body></html>\n"},
        {"style.css", "body { margin: 0; font-family: serif; }\n.page { color: #222; }\n"},
        {"app.js", "document.addEventListener('DOMContentLoaded', () => { console.log(1); });\n"},
        {"image.bin", geogate::test::pattern_bytes(0, 256 * 1024)},
        {"empty.txt", ""}};
    return all;
}

const std::string& fixture_content(const std::string& name) {
    for (const auto& f : fixtures())
        if (f.name == name)
            return f.content;
    static const std::string none;
    return none;
}

test_origin::test_origin(unsigned short port) {
    for (const auto& f : fixtures())
        dir_.write("root/" + f.name, f.content);
    process_ = std::make_unique<child_process>(
        std::vector<std::string>{GEOGATE_ORIGIN_EXE, "--root", (dir_.path() / "root").string(),
                                 "--listen", "127.0.0.1:" + std::to_string(port)},
        dir_.path());
    const auto line = process_->wait_for_output(
        false,
        [](const std::string& text) -> std::optional<std::string> {
            const auto nl = text.find('\n');
            if (nl == std::string::npos)
                return std::nullopt;
            return text.substr(0, nl);
        },
        milliseconds(10000));
    const std::string prefix = "listening 127.0.0.1:";
    if (line && line->rfind(prefix, 0) == 0)
        port_ = static_cast<unsigned short>(std::stoi(line->substr(prefix.size())));
}

namespace {

std::vector<std::string> lines_of(unsigned short port, const std::string& target) {
    const auto res = round_trip(port, get_request(target, "Connection: close\r\n"));
    std::vector<std::string> out;
    std::istringstream in(res.body);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

} // namespace

std::vector<std::string> test_origin::received() const {
    return lines_of(port_, "/_received");
}

std::vector<std::string> test_origin::bodies() const {
    return lines_of(port_, "/_bodies");
}

bool test_origin::received_contains(const std::string& needle) const {
    const auto all = received();
    return std::any_of(all.begin(), all.end(),
                       [&](const std::string& t) { return t.find(needle) != std::string::npos; });
}

unsigned test_origin::connections() const {
    const auto res = round_trip(port_, get_request("/_connections", "Connection: close\r\n"));
    try {
        return static_cast<unsigned>(std::stoul(res.body));
    } catch (...) {
        return 0;
    }
}

bool test_origin::set_page(const std::string& name, const std::string& query) const {
    const auto res =
        round_trip(port_, get_request("/_set?name=" + name + (query.empty() ? "" : "&" + query),
                                      "Connection: close\r\n"));
    return res.status == 200;
}

test_origin::served_counts test_origin::served(const std::string& name) const {
    served_counts out;
    for (const std::string& line : lines_of(port_, "/_served?name=" + name)) {
        const auto sp = line.find(' ');
        const std::string key = line.substr(0, sp);
        const std::string value = sp == std::string::npos ? "" : line.substr(sp + 1);
        const auto number = [&] { return static_cast<unsigned>(std::stoul(value)); };
        if (key == "full")
            out.full = number();
        else if (key == "not_modified")
            out.not_modified = number();
        else if (key == "head")
            out.head = number();
        else if (key == "if_none_match")
            out.if_none_match = value;
        else if (key == "if_modified_since")
            out.if_modified_since = value;
        else if (key == "coding")
            out.coding = value;
    }
    return out;
}

std::string echo_report::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name))
            return v;
    return {};
}

std::size_t echo_report::count(std::string_view name) const {
    return static_cast<std::size_t>(std::count_if(
        headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); }));
}

echo_report parse_echo(const std::string& body) {
    echo_report out;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) {
        const auto sp = line.find(' ');
        const std::string key = line.substr(0, sp);
        const std::string rest = sp == std::string::npos ? "" : line.substr(sp + 1);
        if (key == "connection")
            out.connection = static_cast<unsigned>(std::stoul(rest));
        else if (key == "request")
            out.request_line = rest;
        else if (key == "header") {
            const auto colon = rest.find(": ");
            out.headers.emplace_back(rest.substr(0, colon),
                                     colon == std::string::npos ? "" : rest.substr(colon + 2));
        } else if (key == "body-length")
            out.body_length = std::stoull(rest);
        else if (key == "body-sha256")
            out.body_sha256 = rest;
    }
    return out;
}

} // namespace geogate::it
