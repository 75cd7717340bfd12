#!/bin/bash
# The test command (README, .ci/run): installs every package it needs, builds, and runs the
# whole suite twice (a -Werror build and an ASan+UBSan build), a 60 s soak of the normal build,
# the integration tests against a ThreadSanitizer geogate, then the fuzz targets for a bounded
# time. Run from anywhere as root on Debian 12, with ../shared beside the checkout.
#
#   tests/run-all.sh            everything
#   GEOGATE_SKIP_ASAN=1 ...     skip the ASan+UBSan pass (local iteration only)
#   GEOGATE_SKIP_TSAN=1 ...     skip the ThreadSanitizer pass (local iteration only)
#   GEOGATE_SOAK_SECONDS=N      length of the soak (default 60; docs/reliability.md)
#   GEOGATE_FUZZ_SECONDS=N      seconds per fuzz target (default 20)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
start=$(date +%s)
# Each stamp starts a stage and ends the one before; the table of stage durations is printed at
# the end, also when a stage fails, so CI logs show what each stage costs.
stage_names=() stage_secs=() stage="" stage_start=$start
end_stage() {
    local now
    now=$(date +%s)
    [ -n "$stage" ] && stage_names+=("$stage$1") stage_secs+=($((now - stage_start)))
    stage="" stage_start=$now
}
stamp() {
    end_stage ""
    stage=$* stage_start=$(date +%s)
    echo "== $((stage_start - start))s: $*"
}
print_durations() {
    local i
    end_stage " (failed)"
    echo "== stage durations (seconds)"
    for i in "${!stage_names[@]}"; do printf '%6d  %s\n' "${stage_secs[$i]}" "${stage_names[$i]}"; done
    printf '%6d  %s\n' $(($(date +%s) - start)) total
}
trap print_durations EXIT

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
stamp "soak, normal build (${GEOGATE_SOAK_SECONDS:-60} s)"
GEOGATE_BUILD="$ROOT/build" bash tests/soak/run.sh "${GEOGATE_SOAK_SECONDS:-60}"

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

if [ "${GEOGATE_SKIP_TSAN:-0}" != 1 ]; then
    # Only the geogate binary is built with TSan; the normal build's integration tests drive it
    # (GEOGATE_IT_BINARY). A report makes geogate exit 66 at once (the test in progress fails)
    # and lands in a log file; any such file fails the stage even if no test noticed. No -Werror:
    # g++ 12 warns (-Wtsan) about every atomic_thread_fence in libstdc++'s headers.
    stamp "ThreadSanitizer build (geogate only)"
    cmake -S . -B build-tsan -G Ninja -DGEOGATE_TSAN=ON -DGEOGATE_TESTS=OFF \
        -DGEOGATE_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    ninja -C build-tsan -j"$jobs" geogate
    stamp "integration tests, TSan geogate"
    bash tests/tsan/run.sh "$ROOT/build" "$ROOT/build-tsan/proxy/geogate"
fi

stamp "fuzz targets"
bash tests/fuzz/run.sh "${GEOGATE_FUZZ_SECONDS:-20}"
end_stage ""
echo "== all tests passed"
