#!/bin/bash
# The integration tests of a normal build, run against a ThreadSanitizer build of geogate
# (GEOGATE_IT_BINARY; tests/integration/support/geogate_process.cpp). Called by run-all.sh.
#
#   tests/tsan/run.sh BUILD_DIR TSAN_GEOGATE [extra ctest arguments]
#
# A TSan report makes geogate exit 66 at once (halt_on_error), so the test in progress fails;
# every report is also written to a log file, and any such file fails this script even when no
# test noticed (a report during the shutdown of a passing test). All integration tests run;
# the peak-RSS bounds among them hold under TSan too (its shadow memory is not counted there).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR TSAN_GEOGATE [ctest args]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
BIN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
shift 2
[ -x "$BIN" ] || { echo "tsan: no geogate at $BIN" >&2; exit 1; }
[ -f "$BUILD/CTestTestfile.cmake" ] || { echo "tsan: $BUILD is not a build directory" >&2; exit 1; }

LOGS=$(mktemp -d /tmp/geogate-tsan.XXXXXX)
export GEOGATE_IT_BINARY=$BIN
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 log_path=$LOGS/tsan"

# Some kernels map memory where TSan's fixed layout wants its shadow ("FATAL: ThreadSanitizer:
# unexpected memory mapping"); without address randomisation they do not. setarch -R is
# inherited by ctest, the test binaries and the geogate they start.
prefix=()
if ! "$BIN" --version >/dev/null 2>&1; then
    if setarch "$(uname -m)" -R "$BIN" --version >/dev/null 2>&1; then
        echo "tsan: this kernel needs address randomisation off for TSan: running under setarch -R"
        prefix=(setarch "$(uname -m)" -R)
    else
        echo "tsan: the TSan geogate does not start:" >&2
        "$BIN" --version >&2 || true
        cat "$LOGS"/tsan.* >&2 2>/dev/null || true
        exit 1
    fi
fi
rm -f "$LOGS"/tsan.*

# A failing test gets one more try: under TSan geogate runs ~10x slower, so a bounded wait can
# run out without any race. (The TOML parser is a fresh exec'd process, not a fork() of the
# TSan process, whose child could wait forever on a runtime lock: see isolated_parser.cpp.)
# A race still fails the stage: every report lands in $LOGS, checked below whatever ctest says.
status=0
(cd "$BUILD" && "${prefix[@]}" ctest -L integration -j"$(nproc)" --timeout 300 \
    --repeat until-pass:2 --output-on-failure "$@") || status=$?
reports=("$LOGS"/tsan.*)
if [ -e "${reports[0]}" ]; then
    echo "tsan: ${#reports[@]} ThreadSanitizer report file(s):" >&2
    for r in "${reports[@]}"; do echo "== $r" >&2; head -c 20000 "$r" >&2; done
    status=1
fi
rm -rf "$LOGS"
exit "$status"
