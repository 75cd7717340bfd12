#!/bin/bash
# The README's run command (deploy/demo.sh) needs no test toolchain: the packages it installs
# (deploy/install-deps.sh build run) hold no test tool, and the build it configures (tests and
# benchmarks off, GEOGATE_ORIGIN on) configures with Catch2 and Google Benchmark hidden from
# CMake and still has both targets the demo runs.
# Usage: demo_build_test.sh SOURCE_DIR SCRATCH_DIR
set -uo pipefail
SRC=$1
SCRATCH=$2
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if grep -q 'install-deps.sh build run\b' "$SRC/deploy/demo.sh" &&
    ! grep -Eq 'install-deps.sh .*\b(test|bench|browser|all)\b' "$SRC/deploy/demo.sh"; then
    ok "demo.sh installs the build and run groups only"
else
    bad "demo.sh does not install exactly 'build run'"
fi
run_pkgs=" $(sh "$SRC/deploy/install-deps.sh" --list build run) "
for p in catch2 libbenchmark-dev clang libmaxmind-db-writer-perl python3-yaml shellcheck wrk chromium; do
    case "$run_pkgs" in *" $p "*) bad "install-deps.sh build run lists test package $p" ;; *) ok "no $p" ;; esac
done

rm -rf "$SCRATCH"
if out=$(cmake -S "$SRC" -B "$SCRATCH" -G Ninja -DGEOGATE_TESTS=OFF -DGEOGATE_BENCH=OFF \
    -DGEOGATE_ORIGIN=ON -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON \
    -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON 2>&1); then
    ok "configures without Catch2 and Google Benchmark"
    targets=$(ninja -C "$SCRATCH" -t targets all 2>&1)
    for t in geogate geogate_test_origin; do
        if grep -q "^$t: " <<<"$targets"; then ok "target $t"; else bad "no target $t"; fi
    done
    if grep -q "^geogate_catch_main: \|^geogate_origin_tests: " <<<"$targets"; then
        bad "test targets configured with GEOGATE_TESTS=OFF"
    else
        ok "no test targets"
    fi
else
    bad "the demo's configure failed without Catch2: $(tail -n 20 <<<"$out")"
fi
rm -rf "$SCRATCH"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
