#pragma once
// log.client_ip as the loader reads it ("truncate" | "full" | "none"), and how the access log,
// refusal lines and event lines show a client address. Here, not in proxy/telemetry, because
// the config holds it typed and telemetry sits above config.
namespace geogate {

enum class client_ip_logging { truncate, full, none };

} // namespace geogate
