#!/bin/bash
# CPU per request of a proxy, split into user and kernel time, plus context switches: the
# figures behind docs/performance.md ("Session 4"). run.sh's `srv us/r` is their sum.
#
#   ../shared/bench/run.sh --serve &          # origin :18080 and the nginx anchor :18081
#   build/proxy/geogate serve --config deploy/bench/geogate.toml &
#   deploy/bench/cpu-split.sh 127.0.0.1:18090 /article.html 10.5.0.1     # geogate, pass-html
#   deploy/bench/cpu-split.sh 127.0.0.1:18081 /article.html 10.5.0.1     # nginx, same row
#
# Arguments: ADDRESS PATH X-FORWARDED-FOR [CONNECTIONS=32] [SECONDS=6]; GK_HEADER="Name: value"
# adds request fields, several separated by '|' (the browser rows: GK_HEADER="Accept-Encoding:
# gzip"; a navigation: GK_HEADER="Accept: text/html|Accept-Encoding: gzip"). Counts every process
# listening on ADDRESS's port (nginx: master and workers; geogate: its one process, all
# threads), from /proc/PID/stat and /proc/PID/task/*/status around one wrk run after a 2 s
# warm-up. Loopback only; starts and stops nothing but wrk. Compare two proxies only within
# one window of time: this machine's figures drift by 10-20 % between minutes.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,16p' "$0"; exit 2; }
addr=$1 path=$2 xff=$3 conns=${4:-32} secs=${5:-6}
case $addr in 127.*:*) ;; *) echo "cpu-split.sh: loopback addresses only" >&2; exit 2 ;; esac
command -v wrk >/dev/null || { echo "cpu-split.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }

port=${addr##*:}
mapfile -t pids < <(ss -Hltnp "sport = :$port" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
[ ${#pids[@]} -gt 0 ] || { echo "cpu-split.sh: nothing listens on $addr" >&2; exit 1; }

cpu_ticks() { # user and system clock ticks of all pids (fields 14 and 15 of stat)
    local u=0 s=0 p f
    for p in "${pids[@]}"; do
        f=$(cat "/proc/$p/stat") || continue
        read -r -a a <<<"${f##*) }"
        u=$((u + a[11])) s=$((s + a[12]))
    done
    echo "$u $s"
}
switches() { # voluntary and involuntary context switches of all their threads
    local files=() p
    for p in "${pids[@]}"; do files+=(/proc/"$p"/task/*/status); done
    awk '/^voluntary_ctxt_switches/ {v += $2} /^nonvoluntary_ctxt_switches/ {n += $2}
         END {print v + 0, n + 0}' "${files[@]}"
}

url="http://$addr$path"
headers=(-H "X-Forwarded-For: $xff")
if [ -n "${GK_HEADER:-}" ]; then
    IFS='|' read -r -a extra <<<"$GK_HEADER"
    for h in "${extra[@]}"; do
        h=${h#"${h%%[![:space:]]*}"} # "A: x| B: y": no leading blank in a field name
        headers+=(-H "$h")
    done
fi
wrk -t1 -c"$conns" -d2s "${headers[@]}" "$url" >/dev/null
read -r u0 s0 < <(cpu_ticks)
read -r v0 n0 < <(switches)
out=$(wrk -t1 -c"$conns" -d"${secs}s" "${headers[@]}" "$url")
read -r u1 s1 < <(cpu_ticks)
read -r v1 n1 < <(switches)
reqs=$(awk '/requests in/ {print $1}' <<<"$out")
rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
awk -v r="$reqs" -v rps="$rps" -v hz="$(getconf CLK_TCK)" -v u=$((u1 - u0)) -v s=$((s1 - s0)) \
    -v v=$((v1 - v0)) -v n=$((n1 - n0)) -v what="$addr $path c$conns" 'BEGIN {
    if (r == 0) { print "cpu-split.sh: wrk completed no request" > "/dev/stderr"; exit 1 }
    printf "%-40s %8.0f req/s  user %5.1f  sys %5.1f  total %5.1f us/r  switches %.2f vol %.2f invol /r\n",
        what, rps, u * 1e6 / hz / r, s * 1e6 / hz / r, (u + s) * 1e6 / hz / r, v / r, n / r }'
