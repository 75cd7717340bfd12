#!/bin/bash
# The geogate demo on one machine: a small news site behind geogate with the default GeoIP
# database (DB-IP Lite), the example rules and the example notices.
#
#   deploy/demo/run.sh            start everything, print curl lines, wait for Ctrl-C
#   deploy/demo/run.sh --smoke    start everything, check each decision once, stop, exit 0/1
#
# What it starts, each remembered by PID and stopped by PID on exit or Ctrl-C:
#   the demo origin   geogate_test_origin --root deploy/demo/site  on ORIGIN (127.0.0.1:8000)
#   geogate serve     on HTTP (127.0.0.1:8080), HTTPS with HTTP/2 (127.0.0.1:8443, a
#                     self-signed demo certificate made here: curl -k), admin on ADMIN
#                     (127.0.0.1:9090)
# Scratch files (demo config, logs, the database) go to deploy/run/ (git-ignored).
#
# Acting as a reader from elsewhere: the demo config trusts 127.0.0.1 as a proxy, so
#   curl -H 'X-Forwarded-For: 77.88.8.8' http://127.0.0.1:8080/
# is a reader at 77.88.8.8 (Moscow in DB-IP) as far as geogate is concerned.
#
# Environment: GEOGATE_BUILD_DIR (build-demo, deploy/demo.sh's, if it holds geogate, else
# build), GEOGATE_RUN_DIR (deploy/run), DEMO_ORIGIN, DEMO_HTTP, DEMO_HTTPS, DEMO_ADMIN (addresses above),
# GEOGATE_DB_DIR (RUN/geoip; a directory of *.mmdb files), GEOGATE_REFRESH_DB=1 (fetch the
# database again even if one is there).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -n "${GEOGATE_BUILD_DIR:-}" ]; then
    BUILD=$GEOGATE_BUILD_DIR
elif [ -x "$ROOT/build-demo/proxy/geogate" ]; then
    BUILD=$ROOT/build-demo
else
    BUILD=$ROOT/build
fi
RUN=${GEOGATE_RUN_DIR:-$ROOT/deploy/run}
DB_DIR=${GEOGATE_DB_DIR:-$RUN/geoip}
ORIGIN_ADDR=${DEMO_ORIGIN:-127.0.0.1:8000}
HTTP_ADDR=${DEMO_HTTP:-127.0.0.1:8080}
ADMIN_ADDR=${DEMO_ADMIN:-127.0.0.1:9090}
HTTPS_ADDR=${DEMO_HTTPS:-127.0.0.1:8443}
SITE=$ROOT/deploy/demo/site
EXAMPLE=$ROOT/deploy/example

smoke=0
case "${1:-}" in
    --smoke) smoke=1 ;;
    "") ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (--smoke, --help)" >&2; exit 2 ;;
esac

find_binary() { # name, candidates...
    local name=$1; shift
    for c in "$@"; do [ -x "$c" ] && { echo "$c"; return 0; }; done
    echo "run.sh: $name not found (looked in: $*); build first, or set GEOGATE_BUILD_DIR" >&2
    return 1
}
GEOGATE=$(find_binary geogate "$BUILD/proxy/geogate" "$BUILD/geogate")
ORIGIN_BIN=$(find_binary geogate_test_origin "$BUILD/tests/origin/geogate_test_origin" \
    "$BUILD/tests/geogate_test_origin")

mkdir -p "$RUN" "$DB_DIR"

# --- processes we started, stopped by PID --------------------------------------------------
pids=()
stop_all() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap 'stop_all' EXIT
trap 'echo; echo "stopping..."; exit 0' INT TERM

# Waits until `file` has a line matching the extended regex, or the process died, or 15 s.
wait_for_line() { # file regex pid
    for _ in $(seq 1 150); do
        if grep -Eq "$2" "$1" 2>/dev/null; then grep -Em1 "$2" "$1"; return 0; fi
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# --- 1. the GeoIP database --------------------------------------------------------------------
shopt -s nullglob
dbs=("$DB_DIR"/*.mmdb)
if [ ${#dbs[@]} -eq 0 ] || [ "${GEOGATE_REFRESH_DB:-0}" = 1 ]; then
    echo "== fetching the default GeoIP database (DB-IP Lite, CC BY 4.0) into $DB_DIR"
    if ! "$ROOT/deploy/geoip/fetch-dbip.sh" "$DB_DIR" >/dev/null; then # stdout: the files' paths
        echo "run.sh: could not fetch the database: every reader will be region 'unknown'" >&2
    fi
    dbs=("$DB_DIR"/*.mmdb)
fi
shopt -u nullglob
db_list=""
for f in "${dbs[@]}"; do db_list="$db_list${db_list:+, }\"$f\""; done

# --- 2. the demo origin -------------------------------------------------------------------------
echo "== starting the demo origin (static site $SITE)"
"$ORIGIN_BIN" --root "$SITE" --listen "$ORIGIN_ADDR" >"$RUN/origin.log" 2>&1 &
pids+=($!)
line=$(wait_for_line "$RUN/origin.log" '^listening ' "$!") || {
    echo "run.sh: the origin did not start:" >&2; cat "$RUN/origin.log" >&2; exit 1; }
ORIGIN_ADDR=${line#listening }

# --- 3. the demo config -------------------------------------------------------------------------
CONFIG=$RUN/demo.toml
# A self-signed certificate for the demo's HTTPS listener, labelled as such: never for readers.
if [ ! -s "$RUN/demo-cert.pem" ] || [ ! -s "$RUN/demo-key.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -keyout "$RUN/demo-key.pem" \
        -out "$RUN/demo-cert.pem" -subj "/CN=geogate demo (self-signed)" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
fi
cat >"$CONFIG" <<EOF
# Written by deploy/demo/run.sh: deploy/example/geogate.toml with the demo's addresses.
[listen]
http = ["$HTTP_ADDR"]
https = ["$HTTPS_ADDR"]
admin = "$ADMIN_ADDR"

[tls]
# Self-signed, made by deploy/demo/run.sh for the demo only.
certificates = [{certificate = "$RUN/demo-cert.pem", private_key = "$RUN/demo-key.pem"}]

[http2]
enabled = true

[origin]
url = "http://$ORIGIN_ADDR"

[client_ip]
# The demo trusts the local machine as a proxy: curl -H 'X-Forwarded-For: IP' acts as IP.
trusted_proxies = ["127.0.0.1/32", "::1/128"]
header = "X-Forwarded-For"

[geoip]
databases = [$db_list]

[rules]
files = ["$EXAMPLE/rules/*.toml"]

[notices]
dir = "$EXAMPLE/notices"
require_approval = true

[log]
access = "$RUN/access.log"
client_ip = "truncate"
error = "-"
EOF

echo "== geogate check"
if ! "$GEOGATE" check --config "$CONFIG"; then
    echo "run.sh: the demo config does not validate (see above)" >&2
    exit 1
fi

# --- 4. geogate -------------------------------------------------------------------------------
echo "== starting geogate on $HTTP_ADDR (admin $ADMIN_ADDR)"
: >"$RUN/access.log"
"$GEOGATE" serve --config "$CONFIG" 2>"$RUN/geogate.log" &
gg_pid=$!
pids+=("$gg_pid")
# The real addresses come from the "listening" events (port 0 in DEMO_HTTP/DEMO_ADMIN works).
listening_address() { # listener
    local line
    line=$(wait_for_line "$RUN/geogate.log" "\"event\":\"listening\".*\"listener\":\"$1\"" "$gg_pid") || return 1
    sed -n 's/.*"address":"\([^"]*\)".*/\1/p' <<<"$line"
}
HTTP_ADDR=$(listening_address http) || {
    echo "run.sh: geogate did not start:" >&2; cat "$RUN/geogate.log" >&2; exit 1; }
ADMIN_ADDR=$(listening_address admin) || echo "run.sh: no admin listener event (admin endpoints may be off)" >&2
HTTPS_ADDR=$(listening_address https) || echo "run.sh: no https listener event" >&2

# --- 5. example readers, looked up in the database we just fetched ------------------------------
# region_of IP -> "CC" or "CC/<subdivision name or code>" from the first database that knows it.
region_of() {
    local f cc sub
    for f in "${dbs[@]}"; do
        cc=$(mmdblookup --file "$f" --ip "$1" country_code 2>/dev/null | grep -o '"[^"]*"' | tr -d '"')
        [ -n "$cc" ] || cc=$(mmdblookup --file "$f" --ip "$1" country iso_code 2>/dev/null | grep -o '"[^"]*"' | tr -d '"')
        [ -n "$cc" ] || continue
        sub=$(mmdblookup --file "$f" --ip "$1" state1 2>/dev/null | grep -o '"[^"]*"' | tr -d '"')
        [ -n "$sub" ] || sub=$(mmdblookup --file "$f" --ip "$1" subdivisions 0 iso_code 2>/dev/null | grep -o '"[^"]*"' | tr -d '"')
        echo "$cc${sub:+/$sub}"
        return 0
    done
    echo "-"
}

# label | candidate IPs (first one the database agrees with is used) | expected country match
# | expected decision. Candidates were picked from DB-IP Lite (2026-06) with mmdblookup.
readers=(
    "Russia (Moscow)|77.88.8.8 5.255.255.5 217.12.104.1|^RU|notice"
    "Crimea, DB says RU|5.3.41.7|^RU/Crimea|notice"
    "Sevastopol, DB says RU|5.3.52.7 5.149.208.7|^RU/Seb|notice"
    "Crimea, DB says UA|91.194.163.7|^UA/Crimea|notice"
    "Mariupol (Donetsk oblast)|5.105.214.7|^UA/Donetsk|notice"
    "China|114.114.114.114 223.5.5.5|^CN|redirect"
    "Iran|5.160.0.1 2.176.0.1|^IR|redirect"
    "Germany|46.4.0.1 185.199.108.1|^DE|pass"
)

base="http://$HTTP_ADDR"
fails=0
show() { # label ip expected-decision [accept-language]
    local label=$1 ip=$2 want=$3 lang=${4:-}
    local hdr=() cmd
    [ -n "$ip" ] && hdr+=(-H "X-Forwarded-For: $ip")
    [ -n "$lang" ] && hdr+=(-H "Accept-Language: $lang")
    # shellcheck disable=SC2016 # the quotes are part of the printed command
    cmd="curl -si ${ip:+-H 'X-Forwarded-For: $ip' }${lang:+-H 'Accept-Language: $lang' }$base/"
    local out status loc notice got
    out=$(curl -s -i --max-time 5 "${hdr[@]}" "$base/" 2>/dev/null | tr -d '\r') || true
    status=$(printf '%s\n' "$out" | awk 'NR==1{print $2}')
    loc=$(printf '%s\n' "$out" | awk 'tolower($1)=="location:"{print $2}')
    notice=$(printf '%s\n' "$out" | grep -c 'undesirable-organization' || true)
    case "$status" in
        30[1278]) got=redirect ;;
        451) got=block ;;
        200) if [ "$notice" -gt 0 ]; then got=notice; else got=pass; fi ;;
        *) got="status ${status:-none}" ;;
    esac
    printf '  %-44s %-16s -> %-8s %s\n' "$label" "${ip:-(no header)}" "$got" "${loc:+Location: $loc}"
    printf '      %s\n' "$cmd"
    [ "$got" = "$want" ] || { echo "      !! expected $want"; fails=$((fails + 1)); }
}

echo
echo "== what readers get (each line: reader, address, decision, and the curl that shows it)"
for r in "${readers[@]}"; do
    IFS='|' read -r label cands match want <<<"$r"
    ip=""
    for c in $cands; do
        region=$(region_of "$c")
        if [[ $region =~ $match ]]; then ip=$c; break; fi
    done
    if [ -z "$ip" ]; then
        printf '  %-44s (no candidate address is %s in this database version)\n' "$label" "$match"
        continue
    fi
    show "$label [$(region_of "$ip")]" "$ip" "$want"
done
show "unknown region (fail-safe)" "" notice
show "Russia, Russian text" 77.88.8.8 notice ru

# HTTPS with HTTP/2 (ALPN h2): a Moscow reader gets the notice over h2 as over HTTP/1.1.
h2_page=$RUN/h2-page.html
h2_version=$(curl -sk --http2 --max-time 5 -H 'X-Forwarded-For: 77.88.8.8' -o "$h2_page" \
    -w '%{http_version}' "https://$HTTPS_ADDR/" 2>/dev/null) || true
if [ "$h2_version" = 2 ] && grep -q 'geogate-notice' "$h2_page"; then
    printf '  %-44s %s\n' "HTTPS, HTTP/2 (self-signed demo cert)" "notice over h2"
else
    echo "  HTTPS, HTTP/2: got HTTP version '${h2_version:-none}'"
    echo "      !! expected the notice over HTTP/2"
    fails=$((fails + 1))
fi

cat <<EOF

== more to try
  curl -sk --http2 -H 'X-Forwarded-For: 77.88.8.8' -o /dev/null -w '%{http_version}\n' https://$HTTPS_ADDR/
        HTTPS with HTTP/2 (a self-signed demo certificate, hence -k)
  curl -s -H 'X-Forwarded-For: 77.88.8.8' $base/ru/archive-1251.html | iconv -f windows-1251
        a windows-1251 page: the notice arrives as character references
  curl -sI -H 'X-Forwarded-For: 77.88.8.8' $base/static/logo.png
        not HTML: untouched for every reader
  curl -s -H 'X-Forwarded-For: 114.114.114.114' -H 'Host: mirror-a.example.net' -o /dev/null -w '%{http_code}\n' $base/
        a request already on a mirror host is never redirected (no loops)
  $GEOGATE explain --config $CONFIG --ip 5.3.41.7 --url $base/news/river-port.html
        why: region, rule, notice version
  curl -s 'http://$ADMIN_ADDR/preview?region=UA-43&url=/news/election-observers.html'
        the page as a reader in Crimea sees it
  curl -s http://$ADMIN_ADDR/metrics | grep '^geogate_'
  kill -HUP $gg_pid          reload config, rules, notices and the database
  tail -f $RUN/access.log    one JSON line per request (client address truncated)
EOF

if [ "$smoke" = 1 ]; then
    echo
    if [ "$fails" -eq 0 ]; then echo "demo smoke: every decision as expected"; exit 0; fi
    echo "demo smoke: $fails decision(s) not as expected" >&2
    exit 1
fi

echo
echo "geogate (pid $gg_pid) and the origin are running; Ctrl-C stops both."
set +e
wait "$gg_pid"
echo "geogate exited with status $?; see $RUN/geogate.log"
