#!/bin/bash
# Every shell script under deploy/ parses (bash -n), and passes shellcheck when it is installed.
# Usage: shell_scripts_test.sh SOURCE_DIR
set -uo pipefail
SRC=$1
pass=0 fail=0
while IFS= read -r f; do
    if out=$(bash -n "$f" 2>&1); then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $f: $out"; fi
    if command -v shellcheck >/dev/null; then
        if out=$(shellcheck -S warning "$f" 2>&1); then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $out"; fi
    fi
done < <(find "$SRC/deploy" "$SRC/tests/deploy" "$SRC/tests/soak" "$SRC/tests/tsan" "$SRC/tests/bench" -name '*.sh' -type f | sort)
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
