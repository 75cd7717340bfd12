#!/bin/bash
# Bounded soak test (issue 10): geogate (a normal build) in front of the test origin, driven by
# wrk with keep-alive over a mix of injected pages, passed-through pages and assets, redirects
# and some connection churn (tests/soak/mix.lua). geogate's RSS (VmRSS) and open file
# descriptors are sampled every second. The run fails unless
#   - wrk saw no error at all (connect/read/write/timeout, or a status above 399),
#   - geogate's fd count is back to its pre-traffic baseline after the load stops (client
#     keep-alive connections and pooled origin connections are closed by their idle timeouts,
#     both 3 s here), and geogate then drains cleanly on SIGTERM (exit 0),
#   - RSS is flat under load (see rss_verdict below for what "flat" means here).
#
#   tests/soak/run.sh [DURATION_SECONDS]     (default 180; CI runs 60)
#
# Environment: GEOGATE_BUILD (build dir with proxy/geogate, tests/origin/geogate_test_origin and
# tests/data; default build/), SOAK_CONNS (wrk connections, default 32), SOAK_RSS_SLACK_MB
# (default 3), SOAK_KEEP=1 keeps the scratch dir. Everything listens on 127.0.0.1, port 0; the
# processes started here are stopped by their PID, also on Ctrl-C or failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/soak
BUILD=$(cd "${GEOGATE_BUILD:-$ROOT/build}" && pwd) || exit 1
SHARED=${GEOGATE_SHARED_DIR:-$(cd "$ROOT/.." && pwd)/shared}
DURATION=${1:-180}
CONNS=${SOAK_CONNS:-32}
SLACK_MB=${SOAK_RSS_SLACK_MB:-3}
IDLE=3 # client keep-alive timeout and pooled origin connection idle timeout, seconds

die() { echo "soak: $*" >&2; exit 1; }
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 20 && $DURATION -le 86400 ]] || die "duration must be 20..86400 seconds"
[[ $CONNS =~ ^[0-9]+$ && $CONNS -ge 1 && $CONNS -le 1000 ]] || die "SOAK_CONNS must be 1..1000"
[[ $SLACK_MB =~ ^[0-9]+$ ]] || die "SOAK_RSS_SLACK_MB must be an integer"
GEOGATE=$BUILD/proxy/geogate
ORIGIN=$BUILD/tests/origin/geogate_test_origin
DB=$BUILD/tests/data/geogate-city-flat.mmdb
for f in "$GEOGATE" "$ORIGIN"; do [ -x "$f" ] || die "missing $f (build it first)"; done
[ -r "$DB" ] || die "missing $DB (ninja geogate_test_databases)"
[ -r "$SHARED/bench/origin/make-content.pl" ] || die "missing $SHARED/bench (../shared beside the checkout)"
for cmd in wrk curl perl cmp; do command -v "$cmd" >/dev/null || die "missing $cmd (deploy/install-deps.sh test)"; done

SCRATCH=$(mktemp -d /tmp/geogate-soak.XXXXXX)
PIDS=()
failed=1
cleanup() {
    local pid i
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$failed" = 0 ] && [ "${SOAK_KEEP:-0}" != 1 ]; then
        rm -rf "$SCRATCH"
    else
        echo "soak: files kept in $SCRATCH" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Origin content: the benchmark's ~60 KB article and 200 KiB asset, and a small stylesheet.
perl "$SHARED/bench/origin/make-content.pl" "$SCRATCH/www" >/dev/null
printf 'body { margin: 0 auto; max-width: 42em; }\n' >"$SCRATCH/www/static/site.css"

# Waits until FILE has a line matching REGEX (at most 20 s); prints that line.
wait_line() {
    local file=$1 regex=$2 pid=$3 i line
    for i in $(seq 200); do
        line=$(grep -E -m1 "$regex" "$file" 2>/dev/null || true)
        [ -n "$line" ] && { echo "$line"; return 0; }
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$file" >&2
    return 1
}

"$ORIGIN" --root "$SCRATCH/www" --listen 127.0.0.1:0 >"$SCRATCH/origin.out" 2>"$SCRATCH/origin.err" </dev/null &
ORIGIN_PID=$!
PIDS+=("$ORIGIN_PID")
origin_addr=$(wait_line "$SCRATCH/origin.out" '^listening ' "$ORIGIN_PID") || die "origin did not start"
origin_addr=${origin_addr#listening }

mkdir -p "$SCRATCH/rules" "$SCRATCH/notices/legal"
cat >"$SCRATCH/notices/legal/notice.toml" <<'TOML'
title = "Soak test notice"
default_language = "ru"
languages = ["ru", "uk"]
TOML
printf '<p>Юридическое уведомление (soak).</p>\n' >"$SCRATCH/notices/legal/ru.html"
printf '<p>Судове повідомлення (soak).</p>\n' >"$SCRATCH/notices/legal/uk.html"
cat >"$SCRATCH/rules/10-soak.toml" <<'TOML'
[[rule]]
name = "soak-notice"
regions = ["RU", "UA-43"]
paths = ["/"]
action = "notice"
notice = "legal"
position = "body-start"

[[rule]]
name = "soak-mirror"
regions = ["UA-30"]
paths = ["/"]
action = "redirect"
mirrors = ["https://mirror.example.org"]
status = 302
TOML
cat >"$SCRATCH/geogate.toml" <<TOML
threads = 2

[listen]
http = ["127.0.0.1:0"]
admin = "127.0.0.1:0"

[origin]
url = "http://$origin_addr"
idle_timeout = "${IDLE}s"

[client_ip]
trusted_proxies = ["127.0.0.1/32"]
header = "X-Forwarded-For"

[geoip]
databases = ["$DB"]

[rules]
files = ["rules/*.toml"]

[notices]
dir = "notices"
require_approval = false

[limits]
keepalive_timeout = "${IDLE}s"

[log]
access = "-"
error = "-"
TOML
(cd "$SCRATCH" && exec "$GEOGATE" serve --config geogate.toml >/dev/null 2>"$SCRATCH/events.log" </dev/null) &
GG_PID=$!
PIDS+=("$GG_PID")
port_of() { sed -E 's/.*"address":"[^"]*:([0-9]+)".*/\1/'; }
http_port=$(wait_line "$SCRATCH/events.log" '"event":"listening".*"listener":"http"' "$GG_PID" | port_of) || die "geogate did not start"
admin_port=$(wait_line "$SCRATCH/events.log" '"event":"listening".*"listener":"admin"' "$GG_PID" | port_of) || die "geogate admin did not start"
URL=http://127.0.0.1:$http_port

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$GG_PID/status"; }
fd_count() { local f=(/proc/"$GG_PID"/fd/*); echo "${#f[@]}"; }
sleep 1
base_fds=$(fd_count)
base_rss=$(rss_kb)

# The decisions are right before the load starts (the mix only proves there were no errors).
reader() { curl -s -H "X-Forwarded-For: $1" -H 'Host: news.example' "${@:3}" "$URL$2"; }
# The page is captured first and then searched: with pipefail, `curl | grep -q` fails whenever
# grep has found its match and exited before curl wrote the rest (curl dies of SIGPIPE).
has_notice() { local page; page=$(reader "$1" /article.html) && [[ $page == *'class="geogate-notice"'* ]]; }
has_notice 198.51.100.70 || die "RU reader got no notice"
has_notice 198.51.100.50 || die "Crimea reader got no notice"
reader 198.51.100.180 /article.html -o "$SCRATCH/us.html"
cmp -s "$SCRATCH/us.html" "$SCRATCH/www/article.html" || die "US reader did not get the origin's page"
reader 198.51.100.70 /static/asset.bin -o "$SCRATCH/ru.bin"
cmp -s "$SCRATCH/ru.bin" "$SCRATCH/www/static/asset.bin" || die "RU reader did not get the origin's asset"
code=$(reader 198.51.100.200 '/article.html?id=1' -o /dev/null -w '%{http_code} %{redirect_url}')
[ "$code" = "302 https://mirror.example.org/article.html?id=1" ] || die "Kyiv reader: got '$code', wanted the mirror"

# Load, sampled every second: elapsed-second, RSS kB, fds.
echo "soak: geogate pid $GG_PID on $URL, origin $origin_addr; wrk -c$CONNS for ${DURATION}s"
wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$HERE/mix.lua" "$URL/" >"$SCRATCH/wrk.out" 2>&1 &
WRK_PID=$!
PIDS+=("$WRK_PID")
: >"$SCRATCH/samples.tsv"
t=0
while kill -0 "$WRK_PID" 2>/dev/null; do
    sleep 1
    t=$((t + 1))
    kill -0 "$GG_PID" 2>/dev/null || die "geogate died under load (see $SCRATCH/events.log)"
    printf '%d\t%s\t%s\n' "$t" "$(rss_kb)" "$(fd_count)" >>"$SCRATCH/samples.tsv"
done
wait "$WRK_PID" || die "wrk failed: $(cat "$SCRATCH/wrk.out")"
load_end_rss=$(rss_kb)
load_end_fds=$(fd_count)

# After the load: every connection must go, within the idle timeouts plus a margin.
settle=-1
for i in $(seq $((IDLE * 2 + 10))); do
    sleep 1
    if [ "$(fd_count)" -le "$base_fds" ]; then settle=$i; break; fi
done
after_fds=$(fd_count)
after_rss=$(rss_kb)
metrics=$(curl -s "http://127.0.0.1:$admin_port/metrics")
injected=$(awk '/^geogate_notices_injected_total/ {s += $NF} END {printf "%d", s}' <<<"$metrics")
redirects=$(awk '/^geogate_redirects_total/ {s += $NF} END {printf "%d", s}' <<<"$metrics")

# A clean drain: SIGTERM, exit code 0.
kill -TERM "$GG_PID"
gg_exit=0
wait "$GG_PID" || gg_exit=$?

# wrk's figures.
result=$(grep '^SOAKRESULT' "$SCRATCH/wrk.out") || die "no result from wrk: $(cat "$SCRATCH/wrk.out")"
field() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$result"; }
requests=$(field requests)
errors=$(($(field err_connect) + $(field err_read) + $(field err_write) + $(field err_timeout) + $(field err_status)))

# RSS verdict. The first max(5 s, a sixth of the run) is warm-up (allocator arenas, buffers of
# the first connections, the page caches of the injector); the rest is cut into thirds and the
# largest RSS of the last third may exceed the largest of the first third by at most
# SOAK_RSS_SLACK_MB. Maxima, not means, so one sample of transient buffering does not decide,
# and a leak shows as a rising ceiling: at ~3,000 req/s, 3 MB over the 20 s between the thirds
# of a 60 s run is ~50 bytes per request, over a 180 s run ~15 bytes per request. The slope (a
# least-squares line through all post-warm-up samples) is printed for longer runs to judge.
warm=$((DURATION / 6 > 5 ? DURATION / 6 : 5))
read -r first_max last_max slope n_samples < <(awk -v warm="$warm" '
    BEGIN { n = 0 }
    $1 > warm { t[n] = $1; r[n] = $2; n++ }
    END {
        if (n < 3) { print 0, 0, 0, n; exit }
        third = int(n / 3); fm = 0; lm = 0
        for (i = 0; i < third; i++) if (r[i] > fm) fm = r[i]
        for (i = n - third; i < n; i++) if (r[i] > lm) lm = r[i]
        for (i = 0; i < n; i++) { st += t[i]; sr += r[i]; stt += t[i] * t[i]; str += t[i] * r[i] }
        d = n * stt - st * st
        printf "%d %d %.1f %d\n", fm, lm, d ? (n * str - st * sr) / d * 60 : 0, n
    }' "$SCRATCH/samples.tsv")
max_fds=$(awk 'BEGIN {m = 0} $2 > 0 && $3 > m {m = $3} END {print m}' "$SCRATCH/samples.tsv")
growth_kb=$((last_max - first_max))

mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
echo
echo "soak: ${DURATION}s, wrk -c$CONNS, $requests requests ($(awk -v r="$requests" -v s="$(field secs)" 'BEGIN {printf "%.0f", r / s}') req/s), p99 $(field p99_ms) ms, max $(field max_ms) ms"
echo "soak: notices injected $injected, redirects $redirects"
printf '  %-34s %10s %10s %10s %10s\n' "" baseline "load max" "load end" "after"
printf '  %-34s %10s %10s %10s %10s\n' "RSS MB" "$(mb "$base_rss")" "$(mb "$(awk '$2 > m {m = $2} END {print m}' "$SCRATCH/samples.tsv")")" "$(mb "$load_end_rss")" "$(mb "$after_rss")"
printf '  %-34s %10s %10s %10s %10s\n' "open fds" "$base_fds" "$max_fds" "$load_end_fds" "$after_fds"
printf '  %-34s %s\n' "wrk errors (conn/read/write/timeout/status)" "$(field err_connect)/$(field err_read)/$(field err_write)/$(field err_timeout)/$(field err_status)"
printf '  %-34s first third max %s MB, last third max %s MB, growth %s MB (limit %s), slope %s kB/min over %s samples after %ss warm-up\n' \
    "RSS after warm-up" "$(mb "$first_max")" "$(mb "$last_max")" "$(mb "$growth_kb")" "$SLACK_MB" "$slope" "$n_samples" "$warm"
printf '  %-34s %s\n' "fds back to baseline" "$([ "$settle" -ge 0 ] && echo "after ${settle}s" || echo no)"
printf '  %-34s %s\n' "geogate exit after SIGTERM" "$gg_exit"

problems=()
[ "$errors" -eq 0 ] || problems+=("wrk reported $errors errors")
[ "$requests" -gt 0 ] || problems+=("no requests")
[ "$n_samples" -ge 3 ] || problems+=("too few RSS samples")
[ "$growth_kb" -le $((SLACK_MB * 1024)) ] || problems+=("RSS grew $(mb "$growth_kb") MB between the first and last third (limit $SLACK_MB MB)")
[ "$settle" -ge 0 ] || problems+=("fds did not return to the baseline $base_fds (now $after_fds)")
[ "$gg_exit" -eq 0 ] || problems+=("geogate exited $gg_exit after SIGTERM")
if [ ${#problems[@]} -gt 0 ]; then
    printf 'soak: FAILED: %s\n' "${problems[@]}" >&2
    exit 1
fi
failed=0
echo "soak: passed"
