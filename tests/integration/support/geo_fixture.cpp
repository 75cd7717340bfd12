#include "tests/integration/support/geo_fixture.hpp"

#include "tests/integration/support/temp_dir.hpp"

#include <cctype>
#include <cstdlib>
#include <thread>

namespace geogate::it {

std::filesystem::path test_db(const std::string& name) {
    return std::filesystem::path(GEOGATE_TEST_DB_DIR) / name;
}

file_list notice_files(const std::string& id,
                       const std::vector<std::pair<std::string, std::string>>& texts,
                       const std::string& title) {
    std::string languages;
    for (const auto& [lang, text] : texts)
        languages += (languages.empty() ? "\"" : ", \"") + lang + "\"";
    file_list out;
    out.emplace_back("notices/" + id + "/notice.toml",
                     "title = \"" + title + "\"\ndefault_language = \"" + texts.front().first +
                         "\"\nlanguages = [" + languages + "]\n");
    for (const auto& [lang, text] : texts)
        out.emplace_back("notices/" + id + "/" + lang + ".html", text);
    return out;
}

file_list legal_notice() {
    return notice_files("legal",
                        {{"ru", std::string("<p>") + legal_ru +
                                    " \xd1\x83\xd0\xb2\xd0\xb5\xd0\xb4"
                                    "\xd0\xbe\xd0\xbc\xd0\xbb\xd0\xb5"
                                    "\xd0\xbd\xd0\xb8\xd0\xb5.</p>\n"},
                         {"uk", std::string("<p>") + legal_uk +
                                    " \xd0\xbf\xd0\xbe\xd0\xb2\xd1\x96"
                                    "\xd0\xb4\xd0\xbe\xd0\xbc\xd0\xbb"
                                    "\xd0\xb5\xd0\xbd\xd0\xbd\xd1\x8f."
                                    "</p>\n"},
                         {"en", std::string("<p>") + legal_en + " in this region.</p>\n"}},
                        "Legal notice");
}

toml_config geo_config(const std::string& origin_url) {
    toml_config c = default_config(origin_url);
    c.set("listen", "admin", "\"127.0.0.1:0\"");
    c.set("client_ip", "trusted_proxies", "[\"127.0.0.1/32\"]");
    c.set_string("client_ip", "header", "X-Forwarded-For");
    c.set("geoip", "databases", "[\"geoip/city.mmdb\"]");
    c.set("rules", "files", "[\"rules/*.toml\"]");
    c.set_string("notices", "dir", "notices");
    c.set("notices", "require_approval", "false");
    return c;
}

file_list geo_db_file(const std::string& name) {
    return {{"geoip/city.mmdb", read_file(test_db(name))}};
}

std::string reader_request(std::string_view method, std::string_view target, std::string_view ip,
                           std::string_view extra, std::string_view host) {
    std::string out(method);
    out += ' ';
    out += target;
    out += " HTTP/1.1\r\nHost: ";
    out += host;
    out += "\r\nX-Forwarded-For: ";
    out += ip;
    out += "\r\n";
    out += extra;
    out += "\r\n";
    return out;
}

std::string reader_get(std::string_view target, std::string_view ip, std::string_view extra,
                       std::string_view host) {
    return reader_request("GET", target, ip, extra, host);
}

http_response admin_get(unsigned short admin_port, std::string_view target) {
    return round_trip(admin_port, get_request(target, "Connection: close\r\n", "127.0.0.1"),
                      milliseconds(10000));
}

http_response admin_post(unsigned short admin_port, std::string_view target) {
    std::string req = "POST ";
    req += target;
    req += " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    return round_trip(admin_port, req, milliseconds(20000));
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::string notice_wrapper_tag(const std::string& body) {
    const auto start = body.find("<div class=\"geogate-notice\"");
    if (start == std::string::npos)
        return {};
    const auto end = body.find('>', start);
    return body.substr(start, end == std::string::npos ? std::string::npos : end + 1 - start);
}

std::string notice_attribute(const std::string& body, const std::string& name) {
    const std::string tag = notice_wrapper_tag(body);
    const auto at = tag.find(" " + name + "=\"");
    if (at == std::string::npos)
        return {};
    const auto begin = at + name.size() + 3;
    return tag.substr(begin, tag.find('"', begin) - begin);
}

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
            out += static_cast<char>(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size()))
        ++n;
    return n;
}

command_result run_geogate(const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{geogate_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, timeout);
}

command_result run_command(const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout) {
    temp_dir run_dir("geogate-cli");
    child_process p(argv, run_dir.path());
    command_result r;
    if (!p.started())
        return r;
    const auto code = p.wait_exit(timeout);
    r.exit_code = code ? *code : -1;
    if (!code)
        p.stop();
    r.out = p.stdout_text();
    r.err = p.stderr_text();
    return r;
}

geo_stack::geo_stack(const std::string& rules, const std::function<void(toml_config&)>& tweak,
                     const file_list& extra) {
    toml_config c = geo_config(origin.url());
    if (tweak)
        tweak(c);
    file_list files = legal_notice();
    for (auto& f : geo_db_file())
        files.push_back(f);
    files.emplace_back("rules/10-rules.toml", rules);
    files.insert(files.end(), extra.begin(), extra.end());
    proxy = std::make_unique<geogate_process>(c, files);
}

double metric_value(const std::string& metrics, const std::string& prefix) {
    std::size_t pos = 0;
    while (pos < metrics.size()) {
        auto end = metrics.find('\n', pos);
        if (end == std::string::npos)
            end = metrics.size();
        const std::string line = metrics.substr(pos, end - pos);
        if (line.rfind(prefix, 0) == 0) {
            const auto sp = line.rfind(' ');
            try {
                return std::stod(line.substr(sp + 1));
            } catch (...) {
                return -1;
            }
        }
        pos = end + 1;
    }
    return -1;
}

} // namespace geogate::it
