#pragma once
// What the browser tests share: a reader in Russia (this machine's loopback is RU in the test
// database) opening a fixture page through geogate in headless Chromium, over plain HTTP or
// over HTTPS (a self-signed certificate Chromium is told to accept by its key), and the checks
// that the notice is rendered and visible to that reader (check_notice_visible), with what
// probe.js measured in the page for a test to check further.
#include "tests/browser/chromium_run.hpp"
#include "tests/browser/page_server.hpp"
#include "tests/integration/support/geogate_process.hpp"
#include "tests/integration/support/temp_dir.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace geogate::browser {

/// Without chromium the tests report SKIPPED to ctest (exit 77, SKIP_RETURN_CODE).
void require_chromium();

inline const std::string strict_csp = "default-src 'self'; style-src 'self'; script-src 'self'; "
                                      "img-src 'self'; base-uri 'none'; frame-ancestors 'none'";
inline const std::string page_nonce = "pageN0nce4Browser7est";
inline const std::string nonce_csp = "default-src 'self'; style-src 'self' 'nonce-" + page_nonce +
                                     "'; script-src 'self'; base-uri 'none'";
inline const std::string default_only_csp = "default-src 'self'";

/// How the reader reaches geogate: plain HTTP/1.1, or HTTPS with `[http2] enabled` as given
/// (ALPN then offers h2 first, else http/1.1 only).
struct reader_transport {
    bool https = false;
    bool http2 = true;
};

/// The fixture origin, and geogate in front of it deciding by the peer address alone (no
/// trusted proxies), with the shipped, approved example notices, or with `notices` (files under
/// notices/, approval not required) when a test brings its own.
struct reader_stack {
    page_server pages{GEOGATE_BROWSER_FIXTURES};
    it::temp_dir certs{"geogate-browser-tls"};
    std::unique_ptr<it::geogate_process> proxy;
    unsigned short https_port = 0; // 0: no https listener (or it did not come up)
    /// Flags for every chromium run through this stack (the certificate's key to accept).
    std::vector<std::string> chromium_flags;

    explicit reader_stack(it::file_list notices = {}, reader_transport how = {});
    /// The page as the reader asks for it: https://127.0.0.1:<https port> when there is an
    /// https listener, else http://127.0.0.1:<http port>.
    std::string url(const std::string& path) const;
};

/// What probe.js measured, parsed from the DOM that chromium --dump-dom printed.
struct probe_report {
    bool found = false;
    boost::json::object data;

    /// The value at `path` (a string as is, anything else as JSON); "" when absent.
    std::string str(std::initializer_list<const char*> path) const;
    /// The number at `path`; -1 when absent.
    double num(std::initializer_list<const char*> path) const;
};

probe_report parse_probe(const std::string& dom);

bool logged_csp_violation(const std::string& chromium_log);

/// A file in the artefact folder (created), for screenshots kept after the run.
std::filesystem::path artifact(const std::string& name);

/// Who reads, and what they must see: the browser's languages, the notice text's language
/// and direction, and phrases of it that must be rendered.
struct reader {
    std::string accept_language;
    std::string lang;
    std::string dir;
    std::vector<std::string> phrases;
};

/// A reader in Russia who reads Russian: the example notice's Russian text.
reader russian_reader();

/// The reader's view of one page through geogate: the notice rendered and visible under the
/// page's policy. `expected_nonce` is the page's nonce when the notice's style must reuse it.
/// `meta_policy`: the page (also) delivers a policy in <meta http-equiv=
/// "Content-Security-Policy">, which must now name our hash. Returns what the probe measured
/// in the --dump-dom run, for the caller's own checks.
probe_report check_notice_visible(reader_stack& s, const std::string& path, const std::string& shot,
                                  const std::string& expected_nonce, const std::string& masthead_bg,
                                  bool meta_policy = false, const reader& r = russian_reader());

} // namespace geogate::browser
