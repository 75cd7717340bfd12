#pragma once
// `geogate cache purge`: asks a running geogate's admin listener (POST /cache/purge) to drop
// notice variant cache entries. The admin address is --admin HOST:PORT, or listen.admin of
// --config FILE (an address listening on all interfaces is reached on loopback).
#include <optional>
#include <string>

namespace geogate {

struct cache_purge_options {
    std::string config_path;           // read for listen.admin when admin is empty
    std::string admin;                 // HOST:PORT
    std::optional<std::string> prefix; // host + path prefix; none = every entry
};

/// Exit code: 0 purged (prints how many), 1 no admin listener / unreachable / refused,
/// 2 usage.
int cmd_cache_purge(const cache_purge_options& options);

} // namespace geogate
