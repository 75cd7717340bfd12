#!/bin/bash
# geogate's memory with many idle keep-alive client connections (issue 9: at most 100 MB RSS at
# 10,000, at most 20 MB idle). Starts the test origin and geogate (2 worker threads, started
# with a soft fd limit of 1024 so that geogate must raise its own) on 127.0.0.1 with port 0,
# prints geogate's idle RSS, then runs geogate_idle_conns: N connections from 127.0.0.2..9,
# one keep-alive GET each (the ~60 KB benchmark article, a reader whose page passes through,
# unless IDLE_READER says otherwise), all then held idle while /proc/PID/status is read.
#
#   tests/bench/idle-connections.sh [CONNECTIONS] [BUILD_DIR]     (default 10000, build/)
#   IDLE_READER=198.51.100.70 ...   a reader in RU: the notice is injected into every page
#
# Everything started here is stopped by its PID at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-10000}
BUILD=$(cd "${2:-$ROOT/build}" && pwd) || exit 1
SHARED=${GEOGATE_SHARED_DIR:-$(cd "$ROOT/.." && pwd)/shared}
READER=${IDLE_READER:-198.51.100.180}
die() { echo "idle-connections: $*" >&2; exit 1; }
[[ $N =~ ^[0-9]+$ && $N -ge 1 && $N -le 60000 ]] || die "CONNECTIONS must be 1..60000"
GEOGATE=$BUILD/proxy/geogate
ORIGIN=$BUILD/tests/origin/geogate_test_origin
CLIENT=$BUILD/tests/bench/idle_conns/geogate_idle_conns
DB=$BUILD/tests/data/geogate-city-flat.mmdb
for f in "$GEOGATE" "$ORIGIN" "$CLIENT"; do
    [ -x "$f" ] || die "missing $f (ninja -C $BUILD geogate geogate_test_origin geogate_idle_conns geogate_test_databases)"
done

SCRATCH=$(mktemp -d /tmp/geogate-idle.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

perl "$SHARED/bench/origin/make-content.pl" "$SCRATCH/www" >/dev/null
"$ORIGIN" --root "$SCRATCH/www" --listen 127.0.0.1:0 >"$SCRATCH/origin.out" 2>&1 </dev/null &
PIDS+=("$!")
for _ in $(seq 100); do grep -q '^listening ' "$SCRATCH/origin.out" && break; sleep 0.1; done
origin_addr=$(sed -n 's/^listening //p' "$SCRATCH/origin.out")
[ -n "$origin_addr" ] || die "origin did not start"

mkdir -p "$SCRATCH/rules" "$SCRATCH/notices/legal"
printf 'title = "Notice"\ndefault_language = "ru"\nlanguages = ["ru"]\n' >"$SCRATCH/notices/legal/notice.toml"
printf '<p>Юридическое уведомление.</p>\n' >"$SCRATCH/notices/legal/ru.html"
printf '[[rule]]\nname = "notice"\nregions = ["RU"]\npaths = ["/"]\naction = "notice"\nnotice = "legal"\nposition = "body-start"\n' \
    >"$SCRATCH/rules/10.toml"
cat >"$SCRATCH/geogate.toml" <<TOML
threads = 2

[listen]
http = ["127.0.0.1:0"]

[origin]
url = "http://$origin_addr"

[client_ip]
# Trusted hops are not subject to the per-client connection limit; here every source address
# is the test client.
trusted_proxies = ["127.0.0.0/8"]
header = "X-Forwarded-For"

[geoip]
databases = ["$DB"]

[rules]
files = ["rules/*.toml"]

[notices]
dir = "notices"
require_approval = false

[limits]
max_connections = $((N + 1000))
keepalive_timeout = "600s"

[log]
access = ""
error = "-"
TOML
(cd "$SCRATCH" && ulimit -Sn 1024 && exec "$GEOGATE" serve --config geogate.toml 2>"$SCRATCH/events.log" </dev/null) &
GG=$!
PIDS+=("$GG")
for _ in $(seq 100); do grep -q '"listener":"http"' "$SCRATCH/events.log" 2>/dev/null && break; sleep 0.1; done
port=$(grep -m1 '"listener":"http"' "$SCRATCH/events.log" | sed -E 's/.*"address":"[^"]*:([0-9]+)".*/\1/')
[ -n "$port" ] || { cat "$SCRATCH/events.log" >&2; die "geogate did not start"; }
grep -E '"event":"(fd_limit[a-z_]*)"' "$SCRATCH/events.log" || true
echo "geogate pid $GG, port $port, fd limit $(awk '/^Max open files/ {print $4 "/" $5}' "/proc/$GG/limits")"
sleep 2
printf '%-28s VmRSS %8s kB  VmHWM %8s kB\n' "idle after start" \
    "$(awk '/^VmRSS:/ {print $2}' "/proc/$GG/status")" "$(awk '/^VmHWM:/ {print $2}' "/proc/$GG/status")"
status=0
"$CLIENT" --port "$port" --pid "$GG" --connections "$N" --sources 8 --path "${IDLE_PATH:-/article.html}" \
    --header "X-Forwarded-For: $READER" --hold 5 --timeout 300 || status=$?
sleep 2
printf '%-28s VmRSS %8s kB  VmHWM %8s kB\n' "after the client closed" \
    "$(awk '/^VmRSS:/ {print $2}' "/proc/$GG/status")" "$(awk '/^VmHWM:/ {print $2}' "/proc/$GG/status")"
if grep -q '"level":"error"' "$SCRATCH/events.log"; then grep -m5 '"level":"error"' "$SCRATCH/events.log" >&2; fi
exit "$status"
