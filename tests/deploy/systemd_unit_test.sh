#!/bin/bash
# The systemd unit: the hardening that docs/operations.md promises is there, and
# `systemd-analyze verify` accepts it (with the binary path pointed at one that exists here).
# Usage: systemd_unit_test.sh SOURCE_DIR
set -uo pipefail
SRC=$1
UNIT=$SRC/deploy/systemd/geogate.service
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

for want in 'User=geogate' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' \
    'PrivateTmp=yes' 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' 'AmbientCapabilities=CAP_NET_BIND_SERVICE' \
    'MemoryDenyWriteExecute=yes' 'SystemCallFilter=@system-service' 'ReadOnlyPaths=/etc/geogate /var/lib/geogate' \
    'ReadWritePaths=/var/log/geogate' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
    'ExecReload=/bin/kill -HUP $MAINPID' 'KillSignal=SIGTERM'; do
    if grep -qxF "$want" "$UNIT"; then ok "$want"; else bad "missing: $want"; fi
done

# TimeoutStopSec must exceed the default drain_timeout (10s).
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$UNIT")
if [ -n "$stop" ] && [ "$stop" -gt 10 ]; then ok "TimeoutStopSec=${stop}s > drain_timeout 10s"; else bad "TimeoutStopSec '$stop'"; fi

if command -v systemd-analyze >/dev/null; then
    T=$(mktemp -d /tmp/geogate-unit.XXXXXX)
    sed 's|/usr/local/bin/geogate|/bin/true|g' "$UNIT" >"$T/geogate.service"
    if out=$(systemd-analyze verify "$T/geogate.service" 2>&1) && [ -z "$out" ]; then
        ok "systemd-analyze verify"
    else bad "systemd-analyze verify: $out"; fi
    # Exposure score of the sandbox: 10 = unprotected; the unit scores about 1.6.
    if score=$(systemd-analyze security --offline=yes "$T/geogate.service" 2>/dev/null |
        sed -n 's/.*Overall exposure level for geogate.service: \([0-9.]*\).*/\1/p') && [ -n "$score" ]; then
        if awk "BEGIN{exit !($score <= 2.5)}"; then ok "exposure $score <= 2.5"; else bad "exposure $score > 2.5"; fi
    fi
    rm -rf "$T"
else
    echo "skip: systemd-analyze not installed"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
