#!/bin/bash
# The README's run command: installs what running needs, builds geogate and the demo origin, and
# starts the demo (geogate with the default DB-IP Lite database, the example rules and notices,
# in front of a small demo news site), printing curl lines for each decision. Ctrl-C stops
# everything.
#
# Quiet on purpose: one line per step. apt's output goes to a log (install-deps.sh), CMake's and
# Ninja's to deploy/run/build.log (git-ignored); a failing step prints the log's tail.
#
# Only the packages for building and running (deploy/install-deps.sh build run): no Catch2 or
# other test tools. The build is configured without tests and benchmarks; the demo origin
# (tests/origin, which needs no test framework) is built alone with GEOGATE_ORIGIN. It has its
# own build directory (GEOGATE_BUILD_DIR, default build-demo), so a developer's build/ keeps
# its tests.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${GEOGATE_BUILD_DIR:-$ROOT/build-demo}
RUN=${GEOGATE_RUN_DIR:-$ROOT/deploy/run}
mkdir -p "$RUN"
start=$(date +%s)

echo "== packages for building and running"
bash deploy/install-deps.sh build run # one line; apt's output only if it fails

log=$RUN/build.log
echo "== building geogate and the demo origin in ${BUILD#"$ROOT"/} (a few minutes the first time; log: ${log#"$ROOT"/})"
if ! { cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGEOGATE_TESTS=OFF -DGEOGATE_BENCH=OFF -DGEOGATE_ORIGIN=ON &&
    ninja -C "$BUILD" -j"$(nproc)" geogate geogate_test_origin; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "demo.sh: the build failed; full log in $log" >&2
    exit 1
fi
echo "== built in $(($(date +%s) - start)) s"
GEOGATE_BUILD_DIR=$BUILD GEOGATE_RUN_DIR=$RUN exec bash deploy/demo/run.sh "$@"
