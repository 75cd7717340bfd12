#!/bin/bash
# geogate vs nginx + GeoIP2 serving readers over TLS, HTTP/2 and HTTPS/1.1, measured with h2load
# (Debian's nghttp2-client) in one run. Both proxies do the job of ../shared/bench (RU readers get
# the banner, CN/IR a redirect, everyone else passes) in front of the same origin, with the same
# self-signed certificate, interleaved row by row.
#
#   ninja -C build proxy/geogate
#   deploy/bench/h2-bench.sh [path/to/geogate]      (default: $GEOGATE, then build/proxy/geogate)
#
# Rows: h2 pass-through of /article.html (DE reader, X-Forwarded-For 10.5.0.1), h2 notice page
# (RU reader, 10.1.2.3: banner injected), and the same two over HTTPS/1.1 (h2load --h1).
# Per row and proxy: a warm-up run, then one measured h2load run; req/s is h2load's, CPU per
# request is user+sys of the proxy's processes (geogate: its process, all threads; nginx: master
# and workers) from /proc/PID/stat around the measured run, and RSS per connection is the RSS
# sampled during the run minus the RSS just before it (after the warm-up), over the connections.
#
# Knobs (environment): H2B_DURATION (8 s per measured run), H2B_WARMUP (2 s), H2B_CONNS (32),
# H2B_STREAMS (1 concurrent stream per h2 connection, h2load -m), H2B_KEEP (1: keep the scratch
# dir). Ports: two free ones in 18400-18499. The origin is ../shared/bench's nginx on
# 127.0.0.1:18080: reused when it already serves /article.html, otherwise started here with
# `../shared/bench/run.sh --serve` (which also needs 18081 free) and stopped afterwards.
# Everything this script starts is stopped by PID on exit. Loopback only. Scratch dir:
# /tmp/h2bench.XXXXXX (certificate, configs, logs, raw h2load output, results.tsv).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${GEOGATE_SHARED_DIR:-$(cd "$ROOT/.." && pwd)/shared}
GEOGATE=${1:-${GEOGATE:-$ROOT/build/proxy/geogate}}
DURATION=${H2B_DURATION:-8}
WARMUP=${H2B_WARMUP:-2}
CONNS=${H2B_CONNS:-32}
STREAMS=${H2B_STREAMS:-1}
KEEP=${H2B_KEEP:-0}

ORIGIN=127.0.0.1:18080
PAGE=/article.html
XFF_PASS=10.5.0.1   # DE: passed through
XFF_RU=10.1.2.3     # RU: banner injected
MMDB=/tmp/gkbench/geo.mmdb
BANNER_TEXT='Legal notice:'

die() { echo "h2-bench.sh: $*" >&2; exit 1; }
note() { echo "h2-bench.sh: $*" >&2; }

for v in DURATION WARMUP CONNS STREAMS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "H2B_$v must be a number"
done
if ! { [ "$DURATION" -ge 1 ] && [ "$CONNS" -ge 1 ] && [ "$STREAMS" -ge 1 ]; }; then die "bad knobs"; fi
[ -x "$GEOGATE" ] || die "no geogate binary at $GEOGATE (ninja -C build proxy/geogate)"
for cmd in h2load nginx openssl curl ss ps awk; do
    command -v "$cmd" >/dev/null ||
        die "missing '$cmd' (apt-get install -y nghttp2-client nginx libnginx-mod-http-geoip2 openssl curl iproute2 procps)"
done

SCRATCH=$(mktemp -d /tmp/h2bench.XXXXXX)
chmod 755 "$SCRATCH" # nginx workers (www-data under root) read the origin pages in it
HZ=$(getconf CLK_TCK)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- processes -----------------------------------------------------------------------------
alive() { local s; s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ -n "$s" ] && [ "$s" != Z ]; }
port_busy() { [ -n "$(ss -Hltn "sport = :$1")" ]; }
free_port() { # first port in 18400-18499 that nothing listens on and that is not in "$@"
    local p
    for p in $(seq 18400 18499); do
        [[ " $* " == *" $p "* ]] && continue
        port_busy "$p" || { echo "$p"; return 0; }
    done
    die "no free port in 18400-18499"
}
stop_pid() { # pid signal: signal, then TERM after 10 s, KILL after 15 s
    local pid=$1 sig=$2 i
    [ -n "$pid" ] && alive "$pid" || return 0
    kill "-$sig" "$pid" 2>/dev/null || true
    for i in $(seq 150); do
        alive "$pid" || return 0
        [ "$i" -eq 100 ] && kill -TERM "$pid" 2>/dev/null
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}
GG_PID='' NG_PID='' ORIGIN_RUNNER=''
cleanup() {
    stop_pid "$GG_PID" TERM
    stop_pid "$NG_PID" QUIT
    stop_pid "$ORIGIN_RUNNER" TERM # run.sh stops its two nginx masters on TERM
    if [ "$KEEP" = 1 ]; then note "scratch dir kept: $SCRATCH"; else rm -rf "$SCRATCH"; fi
}
trap cleanup EXIT
trap 'note interrupted; exit 130' INT TERM

proxy_pids() { # name: the processes whose CPU and memory count
    case $1 in
        geogate) echo "$GG_PID" ;;
        nginx) echo "$NG_PID"; ps -o pid= --ppid "$NG_PID" | tr -d ' ' ;;
    esac
}
ticks() { # user+sys clock ticks of the given pids (a process's stat covers all its threads)
    local t=0 p f
    for p in "$@"; do
        f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        read -r -a a <<<"${f##*) }"
        t=$((t + a[11] + a[12]))
    done
    echo "$t"
}
rss_kb() { # summed VmRSS of the given pids
    local t=0 p r
    for p in "$@"; do
        r=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
        t=$((t + ${r:-0}))
    done
    echo "$t"
}
wait_listening() { # pid port what
    local i
    for i in $(seq 100); do
        alive "$1" || die "$3 (pid $1) exited during startup; see $SCRATCH"
        port_busy "$2" && return 0
        sleep 0.1
    done
    die "$3 does not listen on $2 after 10 s"
}

# ---- origin, certificate, configs ----------------------------------------------------------
note "scratch dir $SCRATCH"
bash "$HERE/prepare.sh" "$GEOGATE" >"$SCRATCH/prepare.log" 2>&1 ||
    { cat "$SCRATCH/prepare.log" >&2; die "deploy/bench/prepare.sh failed"; }
[ -s "$MMDB" ] || die "no $MMDB after prepare.sh"

origin_ok() { [ "$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://$ORIGIN$PAGE")" = 200 ]; }
if origin_ok; then
    note "reusing the origin already serving on $ORIGIN"
else
    port_busy "${ORIGIN##*:}" && die "port ${ORIGIN##*:} is busy but does not serve $PAGE"
    GK_RUN_DIR=$SCRATCH/origin "$SHARED/bench/run.sh" --serve >"$SCRATCH/origin.log" 2>&1 &
    ORIGIN_RUNNER=$!
    for i in $(seq 300); do
        origin_ok && break
        alive "$ORIGIN_RUNNER" || { cat "$SCRATCH/origin.log" >&2; die "run.sh --serve exited"; }
        sleep 0.1
    done
    origin_ok || die "origin not up after 30 s; see $SCRATCH/origin.log"
fi
curl -s -o "$SCRATCH/origin-page.html" "http://$ORIGIN$PAGE"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench.local \
    -addext subjectAltName=DNS:bench.local,IP:127.0.0.1 \
    -keyout "$SCRATCH/key.pem" -out "$SCRATCH/cert.pem" 2>/dev/null

GG_PORT=$(free_port)
NG_PORT=$(free_port "$GG_PORT")

# geogate: deploy/bench/geogate.toml with an https listener instead of http, absolute paths for
# its rules and notices (the copy lives in the scratch dir), the certificate, and h2 by ALPN.
sed -e "s|^http = .*|https = [\"127.0.0.1:$GG_PORT\"]|" \
    -e "s|^files = \\[\"rules/|files = [\"$HERE/rules/|" \
    -e "s|^dir = \"notices\"|dir = \"$HERE/notices\"|" \
    -e "s|^databases = .*|databases = [\"$MMDB\"]|" \
    "$HERE/geogate.toml" >"$SCRATCH/geogate.toml"
cat >>"$SCRATCH/geogate.toml" <<TOML

[tls]
certificate = "$SCRATCH/cert.pem"
private_key = "$SCRATCH/key.pem"

[http2]
enabled = true                       # the default, spelled out
TOML
"$GEOGATE" check --config "$SCRATCH/geogate.toml" >"$SCRATCH/geogate-check.log" 2>&1 ||
    { cat "$SCRATCH/geogate-check.log" >&2; die "geogate check failed on the derived config"; }

modpath=$(nginx -V 2>&1 | grep -o -- '--modules-path=[^ ]*' | cut -d= -f2)
[ -f "$modpath/ngx_http_geoip2_module.so" ] ||
    die "ngx_http_geoip2_module.so not found (apt-get install -y libnginx-mod-http-geoip2)"
mkdir -p "$SCRATCH/nginx/tmp"
ln -s "$modpath" "$SCRATCH/nginx/modules"
sed -e "s|@PORT@|$NG_PORT|" -e "s|@CERT@|$SCRATCH/cert.pem|" -e "s|@KEY@|$SCRATCH/key.pem|" \
    -e "s|@MMDB@|$MMDB|" -e "s|@ORIGIN@|$ORIGIN|" "$HERE/nginx-h2.conf" >"$SCRATCH/nginx/nginx-h2.conf"

# ---- start both ----------------------------------------------------------------------------
"$GEOGATE" serve --config "$SCRATCH/geogate.toml" >"$SCRATCH/geogate.log" 2>&1 &
GG_PID=$!
nginx -p "$SCRATCH/nginx/" -e "$SCRATCH/nginx/error.log" -c "$SCRATCH/nginx/nginx-h2.conf" \
    -g 'daemon off;' >"$SCRATCH/nginx.log" 2>&1 &
NG_PID=$!
wait_listening "$GG_PID" "$GG_PORT" geogate
wait_listening "$NG_PID" "$NG_PORT" nginx

# ---- conformance: each proxy, each protocol, both readers ----------------------------------
declare -A PORT=([geogate]=$GG_PORT [nginx]=$NG_PORT) BAD=()
check() { # name proto(h2|h1) xff expect(pass|notice)
    local name=$1 proto=$2 xff=$3 want=$4 f=$SCRATCH/check-$1-$2-$4.html flag got
    flag=--http2
    [ "$proto" = h1 ] && flag=--http1.1
    got=$(curl -sk "$flag" --max-time 5 -H "X-Forwarded-For: $xff" -o "$f" \
        -w '%{http_version} %{http_code}' "https://127.0.0.1:${PORT[$name]}$PAGE" || true)
    local ok=1
    case $proto in h2) [ "$got" = "2 200" ] || ok=0 ;; h1) [ "$got" = "1.1 200" ] || ok=0 ;; esac
    if [ "$want" = pass ]; then cmp -s "$f" "$SCRATCH/origin-page.html" || ok=0
    else grep -q "$BANNER_TEXT" "$f" || ok=0; fi
    if [ "$ok" = 0 ]; then
        BAD[$name-$proto-$want]=1
        note "CHECK FAILED: $name $proto $want (curl: '$got', $(wc -c <"$f" 2>/dev/null || echo 0) bytes)"
    fi
}
for name in geogate nginx; do
    for proto in h2 h1; do
        check "$name" "$proto" "$XFF_PASS" pass
        check "$name" "$proto" "$XFF_RU" notice
    done
done

# ---- load ----------------------------------------------------------------------------------
TSV=$SCRATCH/results.tsv
printf 'row\tproxy\treq_s\tdone\tfailed\tnon2xx\tus_per_req\trss_kb_per_conn\tbytes_per_req\n' >"$TSV"
run_one() { # row proto xff name
    local row=$1 proto=$2 xff=$3 name=$4 url args pids t0 t1 idle peak r out h2p i
    url="https://127.0.0.1:${PORT[$name]}$PAGE"
    args=(-c "$CONNS" -m "$STREAMS" -H "X-Forwarded-For: $xff")
    [ "$proto" = h1 ] && args+=(--h1)
    [ "$WARMUP" -gt 0 ] && h2load "${args[@]}" -D "$WARMUP" "$url" >/dev/null 2>&1
    mapfile -t pids < <(proxy_pids "$name")
    idle=$(rss_kb "${pids[@]}")
    t0=$(ticks "${pids[@]}")
    out=$SCRATCH/h2load-$row-$name.txt
    h2load "${args[@]}" -D "$DURATION" "$url" >"$out" 2>&1 &
    h2p=$!
    peak=$idle
    for i in 1 2 3; do # RSS at 1/4, 2/4, 3/4 of the run; the largest counts
        sleep "$(awk -v d="$DURATION" 'BEGIN {print d / 4}')"
        r=$(rss_kb "${pids[@]}")
        [ "$r" -gt "$peak" ] && peak=$r
    done
    wait "$h2p" || note "h2load exited non-zero on $row $name (see $out)"
    t1=$(ticks "${pids[@]}")
    grep -q "Application protocol: $([ "$proto" = h1 ] && echo http/1.1 || echo h2)" "$out" ||
        note "$row $name: unexpected protocol: $(grep 'Application protocol' "$out" || echo none)"
    awk -v row="$row" -v name="$name" -v hz="$HZ" -v dt=$((t1 - t0)) -v rss=$((peak - idle)) \
        -v conns="$CONNS" '
        /^finished in/ { rps = $4 + 0 }
        /^requests:/ { done = $6; failed = $10 + $12 + $14 }
        /^status codes:/ { non2xx = $5 + $7 + $9 }
        /^traffic:/ { gsub(/[()]/, "", $3); bytes = $3 }
        END {
            us = done > 0 ? dt * 1e6 / hz / done : 0
            printf "%s\t%s\t%.0f\t%d\t%d\t%d\t%.1f\t%.1f\t%.0f\n", row, name, rps, done, failed,
                non2xx, us, rss / conns, (done > 0 ? bytes / done : 0)
        }' "$out" >>"$TSV"
}
ROWS=("h2-pass h2 $XFF_PASS" "h2-notice h2 $XFF_RU" "h1-pass h1 $XFF_PASS" "h1-notice h1 $XFF_RU")
note "load: h2load -c$CONNS -m$STREAMS, ${WARMUP}s warm-up + ${DURATION}s per row and proxy"
for spec in "${ROWS[@]}"; do
    read -r row proto xff <<<"$spec"
    for name in geogate nginx; do run_one "$row" "$proto" "$xff" "$name"; done
done

# ---- report --------------------------------------------------------------------------------
cipher=$(awk -F': ' '/^Cipher:/ {print $2; exit}' "$SCRATCH/h2load-h2-pass-geogate.txt")
ncipher=$(awk -F': ' '/^Cipher:/ {print $2; exit}' "$SCRATCH/h2load-h2-pass-nginx.txt")
echo "## h2-bench $(date -u +%Y-%m-%dT%H:%MZ)"
echo "host: $(uname -sr), $(nproc) CPUs, load average before: $LOAD0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools: $(nginx -v 2>&1 | sed 's/.*: //'), $(h2load --version | head -1), geogate $GEOGATE"
echo "h2load -c$CONNS -m$STREAMS -D$DURATION (after ${WARMUP}s warm-up) per row and proxy, interleaved;" \
    "TLS cipher geogate: ${cipher:-?}, nginx: ${ncipher:-?}"
echo
echo "| row | reader | geogate req/s | nginx req/s | x nginx | geogate us/req | nginx us/req | x nginx | geogate KB/conn | nginx KB/conn | bytes/resp g / n | errors g / n |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
awk -F'\t' -v bad="${!BAD[*]}" '
    NR == 1 { next }
    { key = $1; rps[key, $2] = $3; us[key, $2] = $7; kb[key, $2] = $8
      err[key, $2] = $5 + $6; by[key, $2] = $9; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
    END {
        split(bad, b, " "); for (i in b) broken[b[i]] = 1
        for (i = 1; i <= n; i++) {
            k = order[i]; split(k, p, "-")
            reader = p[2] == "pass" ? "DE, passed" : "RU, banner"
            mark = (("geogate-" p[1] "-" p[2]) in broken) ? " !" : ""
            printf "| %s %s%s | %s | %d | %d | %.2f | %.1f | %.1f | %.2f | %.1f | %.1f | %d / %d | %d / %d |\n",
                (p[1] == "h2" ? "h2" : "https/1.1"), p[2], mark, reader,
                rps[k, "geogate"], rps[k, "nginx"],
                (rps[k, "nginx"] > 0 ? rps[k, "geogate"] / rps[k, "nginx"] : 0),
                us[k, "geogate"], us[k, "nginx"],
                (us[k, "nginx"] > 0 ? us[k, "geogate"] / us[k, "nginx"] : 0),
                kb[k, "geogate"], kb[k, "nginx"], by[k, "geogate"], by[k, "nginx"],
                err[k, "geogate"], err[k, "nginx"]
        }
    }' "$TSV"
echo
echo "x nginx: geogate / nginx (req/s: higher is better; us/req: lower is better). us/req: user+sys"
echo "CPU of the proxy per completed request. KB/conn: RSS during the run minus RSS before it, per"
echo "connection. bytes/resp: h2load's traffic (TLS payload: headers and body) per response."
echo "errors: failed/errored/timed-out requests plus non-2xx statuses. '!' marks a row"
echo "whose conformance check failed. h2load, the origin and both proxies share this machine's CPUs."
[ ${#BAD[@]} -eq 0 ] || note "conformance failures: ${!BAD[*]}"
