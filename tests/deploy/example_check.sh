#!/bin/bash
# The shipped example (deploy/example: config, rules, notices) passes `geogate check`, and
# `geogate explain` applies its rules as documented, with MaxMind's test database standing in
# for DB-IP: 175.16.199.1 (CN) is redirected to a mirror (not for /robots.txt; to the other
# mirror while one fails health checks, `--unhealthy-mirror`); an address with no record is region
# "unknown" and gets the notice on a protected host (the fail-safe).
# Usage: example_check.sh GEOGATE SOURCE_DIR SHARED_DIR
set -uo pipefail
GEOGATE=$1 SRC=$2 SHARED=$3
T=$(mktemp -d /tmp/geogate-example.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

cp -r "$SRC/deploy/example/rules" "$SRC/deploy/example/notices" "$T/"
db=$SHARED/testdata/maxmind-db/test-data/GeoIP2-City-Test.mmdb
sed -e "s|^databases = .*|databases = [\"$db\"]|" "$SRC/deploy/example/geogate.toml" >"$T/geogate.toml"

if out=$("$GEOGATE" check --config "$T/geogate.toml" 2>&1); then ok "geogate check"; else bad "geogate check: $out"; fi

# "action rule target" from `geogate explain --json` (the same decision `serve` makes).
decision() { # ip url [explain options]
    "$GEOGATE" explain --config "$T/geogate.toml" --ip "$1" --url "$2" "${@:3}" --json 2>&1 |
        python3 -c 'import json, sys
d = json.load(sys.stdin)["decision"]
print(d["action"], d.get("rule") or "-", d.get("notice") or d.get("location") or "-")' 2>&1
}
expect() { # what ip url expected-prefix [explain options]
    local got
    got=$(decision "$2" "$3" "${@:5}")
    case "$got" in "$4"*) ok "$1: $got" ;; *) bad "$1: got '$got', expected '$4...'" ;; esac
}
expect "CN -> mirror" 175.16.199.1 http://news.example.com/news/a.html?x=1 "redirect mirrors-for-blocked https://mirror-"
expect "unknown -> notice (fail-safe)" 203.0.113.9 http://news.example.com/ "notice unknown-readers-notice undesirable-organization"
expect "unknown elsewhere -> pass" 203.0.113.9 http://other.example/ "pass - -"
expect "GB -> pass" 81.2.69.142 http://news.example.com/ "pass - -"
expect "CN robots.txt -> pass (exempt)" 175.16.199.1 http://news.example.com/robots.txt "pass - -"
expect "CN, mirror-a failing -> mirror-b" 175.16.199.1 http://news.example.com/a \
    "redirect mirrors-for-blocked https://mirror-b.example.org/a" --unhealthy-mirror https://mirror-a.example.net
expect "CN, both mirrors failing -> pass" 175.16.199.1 http://news.example.com/a "pass - -" \
    --unhealthy-mirror https://mirror-a.example.net --unhealthy-mirror https://mirror-b.example.org/

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
