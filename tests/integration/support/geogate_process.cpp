#include "tests/integration/support/geogate_process.hpp"

#include <arpa/inet.h>
#include <boost/json.hpp>
#include <cstdlib>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace geogate::it {

std::string geogate_binary() {
    // GEOGATE_IT_BINARY runs the tests against another build of geogate (e.g. a sanitizer one).
    const char* binary = std::getenv("GEOGATE_IT_BINARY");
    return binary != nullptr ? binary : GEOGATE_EXE;
}

toml_config& toml_config::set(const std::string& table, const std::string& key,
                              const std::string& raw) {
    auto t = std::find_if(tables_.begin(), tables_.end(),
                          [&](const auto& entry) { return entry.first == table; });
    if (t == tables_.end())
        t = tables_.insert(tables_.end(), {table, {}});
    auto k = std::find_if(t->second.begin(), t->second.end(),
                          [&](const auto& entry) { return entry.first == key; });
    if (k == t->second.end())
        t->second.emplace_back(key, raw);
    else
        k->second = raw;
    return *this;
}

toml_config& toml_config::set_string(const std::string& table, const std::string& key,
                                     const std::string& value) {
    std::string quoted = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\')
            quoted += '\\';
        quoted += c;
    }
    return set(table, key, quoted + "\"");
}

std::string toml_config::get(const std::string& table, const std::string& key) const {
    for (const auto& [t, keys] : tables_)
        if (t == table)
            for (const auto& [k, v] : keys)
                if (k == key)
                    return v;
    return {};
}

std::string toml_config::text() const {
    std::string out;
    // Top-level keys (table "", e.g. threads) must come before the first [table] header.
    for (const bool top : {true, false})
        for (const auto& [table, keys] : tables_) {
            if (table.empty() != top)
                continue;
            if (!table.empty())
                out += "[" + table + "]\n";
            for (const auto& [k, v] : keys)
                out += k + " = " + v + "\n";
            out += "\n";
        }
    return out;
}

toml_config default_config(const std::string& origin_url) {
    toml_config c;
    c.set("listen", "http", "[\"127.0.0.1:0\"]");
    c.set_string("origin", "url", origin_url);
    c.set_string("origin", "connect_timeout", "1s");
    c.set_string("origin", "response_timeout", "3s");
    c.set("geoip", "databases", "[]");
    c.set("rules", "files", "[]");
    c.set_string("limits", "header_timeout", "2s");
    c.set_string("limits", "keepalive_timeout", "2s");
    c.set_string("limits", "drain_timeout", "3s");
    c.set_string("log", "access", "-");
    return c;
}

unsigned short listening_port(const std::string& event_log, const std::string& listener) {
    std::istringstream in(event_log);
    for (std::string line; std::getline(in, line);) {
        if (line.find("listening") == std::string::npos)
            continue;
        boost::system::error_code ec;
        const auto v = boost::json::parse(line, ec);
        if (ec || !v.is_object())
            continue;
        const auto& o = v.as_object();
        const auto* event = o.if_contains("event");
        const auto* name = o.if_contains("listener");
        const auto* address = o.if_contains("address");
        if (!event || !name || !address || !event->is_string() || !name->is_string() ||
            !address->is_string() || event->as_string() != "listening" ||
            name->as_string() != listener)
            continue;
        const std::string a(address->as_string());
        const auto colon = a.rfind(':');
        if (colon != std::string::npos)
            return static_cast<unsigned short>(std::stoi(a.substr(colon + 1)));
    }
    return 0;
}

geogate_process::geogate_process(const toml_config& config, const file_list& files,
                                 milliseconds start_timeout) {
    dir_.write("geogate.toml", config.text());
    std::filesystem::create_directories(dir_.path() / "notices");
    for (const auto& [path, content] : files)
        dir_.write(path, content);
    process_ = std::make_unique<child_process>(
        std::vector<std::string>{geogate_binary(), "serve", "--config",
                                 (dir_.path() / "geogate.toml").string()},
        dir_.path());
    const std::string error_log = config.get("log", "error");
    if (error_log.size() > 2 && error_log != "\"-\"")
        event_file_ = dir_.path() / error_log.substr(1, error_log.size() - 2);
    const bool wants_admin = config.text().find("admin =") != std::string::npos;
    const auto found = [&] {
        const std::string text = event_log();
        const unsigned short http = listening_port(text, "http");
        const unsigned short admin = wants_admin ? listening_port(text, "admin") : 0;
        if (http == 0 || (wants_admin && admin == 0))
            return false;
        port_ = http;
        admin_port_ = admin;
        return true;
    };
    const auto deadline = std::chrono::steady_clock::now() + start_timeout;
    while (!found() && std::chrono::steady_clock::now() < deadline &&
           !process_->wait_exit(milliseconds(0)))
        std::this_thread::sleep_for(milliseconds(5));
    if (port_ == 0)
        found(); // exited meanwhile: one last look at the complete log
}

std::string geogate_process::event_log() const {
    return event_file_.empty() ? process_->stderr_text() : read_file(event_file_);
}

unsigned short closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd); // never listened: connecting gets RST (ECONNREFUSED)
    return ntohs(addr.sin_port);
}

} // namespace geogate::it
