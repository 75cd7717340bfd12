#!/bin/bash
# The test command (README, .ci/run): installs every package it needs, builds, and runs the
# whole suite twice (a -Werror build and an ASan+UBSan build), then the fuzz targets for a
# bounded time. Run from anywhere as root on Debian 12, with ../shared beside the checkout.
#
#   tests/run-all.sh            everything
#   GEOGATE_SKIP_ASAN=1 ...     skip the sanitizer pass (local iteration only)
#   GEOGATE_FUZZ_SECONDS=N      seconds per fuzz target (default 20)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
start=$(date +%s)
stamp() { echo "== $(($(date +%s) - start))s: $*"; }

if [ ! -d "$ROOT/../shared/testdata" ]; then
    echo "run-all.sh: ../shared (test data, bench) must sit beside the checkout" >&2
    exit 1
fi
stamp "installing packages"
bash deploy/install-deps.sh build test browser

jobs=$(nproc)
stamp "normal build (-Werror)"
# -g1 (line tables only): enough for symbolised stack traces, and the build is much cheaper
# than with full debug info — CI time is dominated by compiling Beast/Asio-heavy files.
cmake -S . -B build -G Ninja -DGEOGATE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
ninja -C build -j"$jobs"
stamp "tests, normal build"
(cd build && ctest -j"$jobs" --output-on-failure --timeout 600)

if [ "${GEOGATE_SKIP_ASAN:-0}" != 1 ]; then
    stamp "ASan+UBSan build"
    cmake -S . -B build-asan -G Ninja -DGEOGATE_WERROR=ON -DGEOGATE_SANITIZE=ON -DGEOGATE_BENCH=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >/dev/null
    ninja -C build-asan -j"$jobs"
    stamp "tests, ASan+UBSan build"
    export ASAN_OPTIONS=detect_leaks=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    (cd build-asan && ctest -j"$jobs" --output-on-failure --timeout 900)
    unset ASAN_OPTIONS UBSAN_OPTIONS
fi

stamp "fuzz targets"
bash tests/fuzz/run.sh "${GEOGATE_FUZZ_SECONDS:-20}"
stamp "all tests passed"
