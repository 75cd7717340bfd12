#pragma once
// What the product tests (regions, notices, redirects, blocks, reloads, admin, CLI) share: the
// generated test GeoIP databases, a notice folder, a geogate.toml that trusts 127.0.0.1 to
// name the reader in X-Forwarded-For, requests "from" a documentation address, the admin
// listener, and a bounded wait for a condition.
//
// Reader addresses (tests/data/make-test-databases.pl, flat database):
//   ru_moscow 198.51.100.70 (RU, "Moscow")     ru_crimea 198.51.100.50 (RU, "Crimea" -> UA-43)
//   us        198.51.100.180 (US, California)  ua_kyiv   198.51.100.200 (UA, "Kyiv City")
// The flat-v2 database moves all of 198.51.100.0/24 to PL.
#include "tests/integration/support/geogate_process.hpp"
#include "tests/integration/support/raw_client.hpp"
#include "tests/integration/support/test_origin.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace geogate::it {

namespace reader {
inline constexpr const char* ru_moscow = "198.51.100.70";
inline constexpr const char* ru_crimea = "198.51.100.50";
inline constexpr const char* us = "198.51.100.180";
inline constexpr const char* ua_kyiv = "198.51.100.200";
} // namespace reader

/// The rules of the notice tests: RU gets the "legal" notice at body start; on host end.test
/// it goes before </body>.
inline constexpr const char* ru_notice_rules = R"(
[[rule]]
name = "ru-end"
regions = ["RU"]
hosts = ["end.test"]
action = "notice"
notice = "legal"
position = "body-end"

[[rule]]
name = "ru-notice"
regions = ["RU"]
action = "notice"
notice = "legal"
)";

/// Full path of a generated test database ("geogate-city-flat.mmdb", ...).
std::filesystem::path test_db(const std::string& name);

/// The files of a notice folder notices/<id>/ for file_list: notice.toml plus one
/// <lang>.html per entry of `texts` (language, fragment). The first language is the default.
file_list notice_files(const std::string& id,
                       const std::vector<std::pair<std::string, std::string>>& texts,
                       const std::string& title = "Test notice");

/// The "legal" notice the product tests use: en, ru (Cyrillic), uk; default ru.
file_list legal_notice();
/// Its texts, to find them in pages.
inline constexpr const char* legal_en = "Legal notice for readers";
inline constexpr const char* legal_ru = "\xd0\xae\xd1\x80\xd0\xb8\xd0\xb4\xd0\xb8\xd1\x87\xd0\xb5"
                                        "\xd1\x81\xd0\xba\xd0\xbe\xd0\xb5"; // Юридическое
inline constexpr const char* legal_uk =
    "\xd0\xa1\xd1\x83\xd0\xb4\xd0\xbe\xd0\xb2\xd0\xb5"; // Судове

/// default_config(origin) + trust 127.0.0.1/32 for X-Forwarded-For, the flat test database
/// (copied into the proxy dir as geoip/city.mmdb, so a test can replace it), rules from
/// rules/*.toml, notices without required approval, an admin listener on 127.0.0.1:0.
toml_config geo_config(const std::string& origin_url);
/// The flat database as a file_list entry (geoip/city.mmdb), for geo_config.
file_list geo_db_file(const std::string& name = "geogate-city-flat.mmdb");

/// A GET for `target` as the reader at `ip` (sent by the trusted 127.0.0.1 in X-Forwarded-For).
std::string reader_get(std::string_view target, std::string_view ip, std::string_view extra = "",
                       std::string_view host = "site.test");
/// The same with another method (HEAD, ...).
std::string reader_request(std::string_view method, std::string_view target, std::string_view ip,
                           std::string_view extra = "", std::string_view host = "site.test");

/// GET/POST on the admin listener, one connection each.
http_response admin_get(unsigned short admin_port, std::string_view target);
http_response admin_post(unsigned short admin_port, std::string_view target);

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

/// The notice wrapper in a page: the text from `<div class="geogate-notice"` to the end of
/// that element's opening tag's attributes, "" when absent.
std::string notice_wrapper_tag(const std::string& body);
/// An attribute value of the wrapper (data-geogate-notice, data-geogate-version, lang).
std::string notice_attribute(const std::string& body, const std::string& name);
/// Percent-encodes all but unreserved characters and '/', for query values of test-origin
/// targets (e.g. "/headers?set=" + url_encode("Content-Type:text/html")).
std::string url_encode(std::string_view s);
/// How many times `needle` occurs in `haystack`.
std::size_t occurrences(const std::string& haystack, const std::string& needle);

/// Runs `argv` (argv[0] a path) in a scratch directory, bounded by `timeout`; returns exit code
/// (-1: did not finish), stdout and stderr.
struct command_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};
command_result run_command(const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(20000));
/// run_command() of the geogate binary under test (geogate_binary()) with `args`.
command_result run_geogate(const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(20000));

/// An origin and a geogate configured by geo_config(), with the legal notice, the flat
/// database and `rules` as rules/10-rules.toml; `tweak` edits the config, `extra` adds files.
struct geo_stack {
    test_origin origin;
    std::unique_ptr<geogate_process> proxy;
    explicit geo_stack(const std::string& rules,
                       const std::function<void(toml_config&)>& tweak = {},
                       const file_list& extra = {});
    unsigned short port() const { return proxy->port(); }
    unsigned short admin_port() const { return proxy->admin_port(); }
};

/// Value of the first Prometheus sample whose line starts with `prefix` (e.g.
/// `geogate_reloads_total{result="failed"}`), -1 when absent.
double metric_value(const std::string& metrics, const std::string& prefix);

} // namespace geogate::it
