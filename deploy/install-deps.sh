#!/bin/sh
# The one list of Debian 12 packages geogate needs, by group. Idempotent and quiet: packages
# already installed are not fetched again, and apt's chatter goes to a log unless it fails.
#
#   deploy/install-deps.sh                 # build + test (what CI and the README need)
#   deploy/install-deps.sh build           # compile geogate only
#   deploy/install-deps.sh build run       # build and run the demo (deploy/demo.sh): no test tools
#   deploy/install-deps.sh build test bench browser
#   deploy/install-deps.sh --list test     # print the packages of the groups, install nothing
#
# Groups:
#   build    compiler, CMake, Boost 1.81, libmaxminddb, toml++, OpenSSL, zlib, brotli
#   run      what the demo and the database scripts use at run time (mmdb-bin, nodejs/npm, curl)
#   test     Catch2, clang + libFuzzer runtime, the mmdb writer for test databases, python3-yaml
#            for the manifest checks, wrk for the soak test, plus run
#   browser  chromium, for the browser tests
#   bench    nginx with the GeoIP2 module and wrk, for ../shared/bench
set -eu

group_build="build-essential cmake ninja-build pkg-config libboost1.81-dev libboost-json1.81-dev libnghttp2-dev
  libmaxminddb-dev libtomlplusplus-dev zlib1g-dev libbrotli-dev libssl-dev"
group_run="mmdb-bin nodejs npm curl ca-certificates openssl"
group_test="$group_run catch2 libbenchmark-dev clang libclang-rt-14-dev libmaxmind-db-writer-perl
  python3 python3-yaml python3-h2 nghttp2-client shellcheck systemd sslscan wrk"
group_browser="chromium"
group_bench="nginx libnginx-mod-http-geoip2 wrk iproute2 procps"

list_only=0
if [ "${1:-}" = "--list" ]; then list_only=1; shift; fi
[ $# -gt 0 ] || set -- build test

pkgs=""
for g in "$@"; do
    case "$g" in
        build) pkgs="$pkgs $group_build" ;;
        run) pkgs="$pkgs $group_run" ;;
        test) pkgs="$pkgs $group_test" ;;
        browser) pkgs="$pkgs $group_browser" ;;
        bench) pkgs="$pkgs $group_bench" ;;
        all) pkgs="$pkgs $group_build $group_test $group_browser $group_bench" ;;
        *) echo "install-deps.sh: unknown group '$g' (build run test browser bench all)" >&2; exit 2 ;;
    esac
done
# shellcheck disable=SC2086 # word splitting is the point
pkgs=$(printf '%s\n' $pkgs | sort -u | tr '\n' ' ')

if [ "$list_only" = 1 ]; then echo "$pkgs"; exit 0; fi

# Only what is missing: a second run does no network traffic at all.
missing=""
for p in $pkgs; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    case "$status" in ii*) continue ;; esac
    # A node/npm installed outside Debian (e.g. by nvm) serves as well.
    case "$p" in nodejs | npm) command -v "${p%js}" >/dev/null 2>&1 && continue ;; esac
    missing="$missing $p"
done
if [ -z "$missing" ]; then echo "install-deps.sh: all packages present ($*)"; exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: needs root to install:$missing" >&2
    exit 1
fi
log=$(mktemp /tmp/geogate-apt.XXXXXX)
export DEBIAN_FRONTEND=noninteractive
echo "install-deps.sh: installing$missing"
# shellcheck disable=SC2086
if ! { apt-get update -q -o DPkg::Lock::Timeout=600 && apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $missing; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "install-deps.sh: apt-get failed; full log in $log" >&2
    exit 1
fi
rm -f "$log"
