#pragma once
// The browser tests' origin: serves the files of one folder over HTTP/1.1 on 127.0.0.1:0, each
// route with the response headers the test gives it (e.g. a Content-Security-Policy), which
// geogate_test_origin cannot attach to a file, and compressed with gzip or br when the route
// says so. One thread per connection, one request per connection (Connection: close), every
// read bounded; the destructor stops and joins all.
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace geogate::browser {

using header_list = std::vector<std::pair<std::string, std::string>>;

class page_server {
public:
    explicit page_server(std::filesystem::path root);
    ~page_server();
    page_server(const page_server&) = delete;
    page_server& operator=(const page_server&) = delete;

    /// GET `path` answers file `file` (under root) with these extra headers. Any other path
    /// answers the file of that name with a Content-Type only, or 404.
    void route(const std::string& path, const std::string& file, header_list headers);
    /// The same, with the body in a content coding: "gzip" or "br" whatever the request
    /// accepts (as an origin serving precompressed files does), or "negotiate": br, else gzip,
    /// else none, as the request's Accept-Encoding lists them (with Vary: Accept-Encoding).
    void route_compressed(const std::string& path, const std::string& file, header_list headers,
                          const std::string& coding);

    bool started() const noexcept { return port_ != 0; }
    unsigned short port() const noexcept { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    /// Request targets received so far, in arrival order.
    std::vector<std::string> received() const;
    /// The Content-Encoding of the last answer to GET `path`: "" for none or no answer yet.
    std::string coding_sent(const std::string& path) const;

private:
    struct entry {
        std::string file;
        header_list headers;
        std::string coding; // "", "gzip", "br" or "negotiate"
    };
    void accept_loop();
    void serve(int fd);

    std::filesystem::path root_;
    int listen_fd_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::map<std::string, entry> routes_;
    std::vector<std::string> received_;
    std::map<std::string, std::string> coding_sent_;
    std::vector<std::thread> connections_;
    std::thread acceptor_;
};

} // namespace geogate::browser
