#pragma once
// The main configuration (geogate.toml), validated whole and typed: the loader parses every
// value once (addresses to endpoints, enumerations to enums, durations and sizes to numbers)
// and nothing downstream parses config text again. Every field has a documented default
// (docs/operations.md, "Configuration reference"); unknown keys are errors. Durations are TOML
// strings "250ms", "2s", "1m"; sizes are integers (bytes) or strings "64KiB", "8MiB".
//
// TOML names: a table per struct below, named after the member ([listen], [tls], [origin],
// [client_ip], [geoip], [notices], [limits], [cache], [log], [reload], [mirror_health]); keys are
// exactly the member names. Exceptions: [rules] files = [...] fills rule_files;
// [[tls.certificates]] entries; [mirror_health] expect_status = [min, max] fills
// expect_status_min/max; `threads` is a top-level key; fields marked "derived" are not keys.
//
// On start, `geogate serve` writes one JSON event line per bound listener to the event log
// (stderr by default), e.g. {"time":"...","level":"info","event":"listening","listener":"http",
// "address":"127.0.0.1:41234"}: tests bind port 0 and read the real port from it.
#include "geoip/client_address.hpp"
#include "geoip/geo_provider.hpp"
#include "proxy/config/client_ip_logging.hpp"
#include "rules/toml/diagnostic.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace geogate {

/// One listen address, parsed by the loader (parse_listen_address): the server binds
/// `endpoint`; `text` is what the config said, for event lines.
struct listen_endpoint {
    std::string text;                        // "127.0.0.1:8080", "[::]:8443"
    boost::asio::ip::tcp::endpoint endpoint; // port 0 = any free port
};

struct listen_config {
    std::vector<listen_endpoint> http;    // "127.0.0.1:8080", "[::]:8080"
    std::vector<listen_endpoint> https;   // needs [tls]
    std::optional<listen_endpoint> admin; // "127.0.0.1:9090"; admin = "" (default): none
};

struct tls_certificate {
    std::string certificate; // PEM chain
    std::string private_key; // PEM key
};

struct tls_config {
    std::vector<tls_certificate> certificates; // first is the default; others chosen by SNI
    std::chrono::seconds hsts_max_age{0};      // 0 = no Strict-Transport-Security
};

struct origin_config {
    std::string url = "http://127.0.0.1:8000"; // http:// or https://
    // derived from url by the loader (not keys):
    bool tls = false;
    std::string host;          // host name or address to connect to
    std::string port;          // "80" / "443" / explicit
    std::string base_path;     // path prefix of url without trailing slash ("" for "/")
    std::string host_header;   // what to send as Host when not preserving: host[:port]
    bool preserve_host = true; // forward the client's Host (true) or send host_header
    // Forward request fields with '_' in the name (dropped by default, as nginx does: a
    // CGI-style origin reads X_Forwarded_For as X-Forwarded-For).
    bool forward_underscore_headers = false;
    // A notice reader's navigation asks the origin for identity: the page is rewritten anyway
    // (html::choose_origin_coding). false: ask for the reader's coding, for an origin far away
    // where the bytes between it and geogate cost more than decoding them.
    bool identity_for_navigations = true;
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds response_timeout{30000}; // until the response header arrives
    std::chrono::milliseconds idle_timeout{60000};     // idle pooled upstream connection
    std::size_t max_idle_connections = 256;
};

struct client_ip_config {
    std::vector<std::string> trusted_proxies; // CIDR text, as configured
    std::string header = "X-Forwarded-For";
    geoip::client_address_policy policy; // derived: compiled from the two above
    std::string region_header;           // e.g. "X-Geo-Region"; empty = not sent upstream
};

struct limits_config {
    std::size_t max_request_line = 8 * 1024;  // 414 above
    std::size_t max_header_bytes = 32 * 1024; // 431 above
    std::size_t max_header_fields = 100;      // 431 above (Envoy's default)
    // 413 above (request bodies). A news site's readers send forms and comments, never
    // uploads: 1 MiB, nginx's client_max_body_size default.
    std::uint64_t max_body_bytes = 1ull << 20;
    std::size_t max_connections = 10000;
    // Open connections per peer address (IPv4 address, or IPv6 address); more are closed at
    // accept. 0 = no limit. Peers in client_ip.trusted_proxies are exempt (a CDN's or load
    // balancer's few addresses carry everyone's connections).
    std::size_t max_connections_per_client = 256;
    std::chrono::milliseconds header_timeout{10000};    // whole request header (slowloris)
    std::chrono::milliseconds keepalive_timeout{60000}; // idle between requests
    std::chrono::milliseconds body_timeout{60000};      // no body progress for this long
    std::chrono::milliseconds drain_timeout{10000};     // SIGTERM: in-flight requests get this long
};

/// What a notice reader gets instead of a document geogate cannot rewrite (a coding it cannot
/// decode, UTF-16, an untyped XML document, a corrupt body): "error" = a 502 page naming no
/// internals; "notice" = the rule's notice as a page (as a block rule's 451).
enum class unrewritable_answer { error, notice };

struct notices_config {
    std::string dir = "notices";
    bool require_approval = true;
    unrewritable_answer on_unrewritable = unrewritable_answer::error;
};

struct cache_config {
    /// false: responses that differ by region get Cache-Control private (safe default).
    /// true: the cache in front keys on geogate's X-Geogate-Variant header (documented for CDNs).
    bool shared_cache_keys_on_variant = false;
    /// The cache of rewritten notice pages (proxy/cache/variant_cache.hpp; docs/operations.md,
    /// "Notice variant cache"): every reuse is confirmed by the origin first.
    bool variants = true;
    std::uint64_t max_bytes = 256ull << 20;     // bodies + heads held, least recently used go
    std::uint64_t max_entry_bytes = 8ull << 20; // a larger rewritten page is not stored
    int variant_gzip_level = 9;                 // a stored variant is compressed once: well
    int variant_brotli_quality = 11;
};

/// [http2]: HTTP/2 to readers (proxy/connection/h2_session.hpp).
struct http2_config {
    bool enabled = true;    // offer h2 by ALPN on every https listener (preferred to http/1.1)
    bool cleartext = false; // h2c with prior knowledge on the http listeners (never by Upgrade)
    // SETTINGS_MAX_CONCURRENT_STREAMS; also the bound on requests of one connection that are
    // still running (a stream reset by the reader counts until its request has ended).
    std::uint32_t max_concurrent_streams = 100;
};

/// [compression]: how a rewritten page is compressed while it streams (not stored).
struct compression_config {
    int gzip_level = 5;
    int brotli_quality = 5;
};

struct log_config {
    std::string access = "-";                                  // path, "-" = stdout, "" = off
    client_ip_logging client_ip = client_ip_logging::truncate; // "truncate" | "full" | "none"
    bool log_query = false;
    std::string error = "-"; // event log: path or "-" = stderr
};

struct reload_config {
    bool watch_files = false;
    std::chrono::milliseconds watch_interval{2000};
};

/// [mirror_health]: geogate probes each mirror of the rules itself
/// (proxy/runtime/mirror_health.hpp) and skips the failing ones like mirrors marked down. Off by
/// default.
struct mirror_health_config {
    bool enabled = false;
    std::chrono::milliseconds interval{10000}; // one probe per mirror per interval, at most
    std::chrono::milliseconds timeout{3000};   // whole probe: resolve, connect, TLS, response head
    std::string path = "/";                    // GET this path (and query) on every mirror
    unsigned unhealthy_after = 3;              // consecutive failures before a mirror is skipped
    unsigned healthy_after = 2;                // consecutive successes before it is used again
    unsigned expect_status_min = 200;          // expect_status = [200, 399]: a healthy answer
    unsigned expect_status_max = 399;
    std::string ca_file; // extra PEM CA certificates, trusted besides the system store; absolute
};

struct config {
    std::filesystem::path file;     // the config file itself
    std::filesystem::path base_dir; // relative paths in the config are relative to this
    listen_config listen;
    std::optional<tls_config> tls;
    origin_config origin;
    client_ip_config client_ip;
    geoip::geo_config geoip;             // paths made absolute
    std::vector<std::string> rule_files; // globs, made absolute
    notices_config notices;              // dir made absolute
    limits_config limits;
    cache_config cache;
    compression_config compression;
    http2_config http2;
    log_config log;
    reload_config reload;
    mirror_health_config mirror_health;
    unsigned threads = 0; // 0 = hardware concurrency
};

/// Loads and validates the config file (parsed in isolation, see rules/toml/document.hpp).
/// On errors returns nullopt and appends every problem with file:line:column to `out`.
std::optional<config> load_config(const std::filesystem::path& file, diagnostics& out);

/// "2s" "250ms" "1m" "1h"; nullopt on anything else.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept;
/// 1234, "64KiB", "8MiB", "1GiB"; nullopt on anything else.
std::optional<std::uint64_t> parse_size(std::string_view text) noexcept;

} // namespace geogate
