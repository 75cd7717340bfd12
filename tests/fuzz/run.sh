#!/bin/bash
# Builds every libFuzzer target (clang, ASan+UBSan) and runs each for a bounded time.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET]      (default 20; CI uses the default)
# Each target reads its checked-in seed corpus (tests/fuzz/<module>/corpus*) read-only: new
# inputs go to a scratch directory, crashes to build-fuzz/artifacts/. Exit 1 on any crash.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SECONDS_PER_TARGET=${1:-20}
BUILD=${GEOGATE_FUZZ_BUILD:-$ROOT/build-fuzz}

mkdir -p "$BUILD"
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DGEOGATE_FUZZ=ON -DGEOGATE_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/configure.log" 2>&1 || { cat "$BUILD/configure.log"; exit 1; }
targets=$(ninja -C "$BUILD" -t targets all | sed -n 's/^\(geogate_fuzz_[a-z0-9_]*\): phony$/\1/p' | sort -u)
[ -n "$targets" ] || { echo "fuzz: no targets found" >&2; exit 1; }
# shellcheck disable=SC2086
ninja -C "$BUILD" -j2 $targets

mkdir -p "$BUILD/artifacts"
failed=0
passed=0
for t in $targets; do
    bin=$(find "$BUILD/tests/fuzz" -type f -name "$t" -perm -u+x -print -quit)
    module=$(basename "$(dirname "$bin")")
    name=${t#geogate_fuzz_}
    seeds=()
    for d in "$ROOT/tests/fuzz/$module"/corpus*; do
        [ -d "$d" ] || continue
        case "$(basename "$d")" in corpus | "corpus_$name") seeds+=("$d") ;; esac
    done
    scratch=$(mktemp -d /tmp/geogate-fuzz-$name.XXXXXX)
    echo "fuzz: $t for ${SECONDS_PER_TARGET}s (seeds: ${seeds[*]:-none})"
    if "$bin" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -artifact_prefix="$BUILD/artifacts/$name-" "$scratch" "${seeds[@]}" >"$BUILD/$name.log" 2>&1; then
        passed=$((passed + 1))
        grep -E "^(#[0-9]+ *DONE|Done [0-9]+ runs)" "$BUILD/$name.log" | tail -n1 || true
    else
        failed=$((failed + 1))
        echo "fuzz: $t FAILED; last lines of $BUILD/$name.log:" >&2
        tail -n 30 "$BUILD/$name.log" >&2
    fi
    rm -rf "$scratch"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
