#!/bin/bash
# The Google Benchmark microbenchmarks in one command (build dir: build/, or $1).
#   tests/run-benchmarks.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$ROOT/build}
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGEOGATE_BENCH=ON >/dev/null
ninja -C "$BUILD" geogate_bench_geoip geogate_bench_rules geogate_bench_html
for b in geoip/geogate_bench_geoip rules/geogate_bench_rules html/geogate_bench_html; do
    echo "== $b"
    "$BUILD/tests/bench/$b" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
done
