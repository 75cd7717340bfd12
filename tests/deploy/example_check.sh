#!/bin/bash
# The shipped example (deploy/example: config, rules, notices) passes `geogate check`, and
# `geogate explain` applies its rules as documented, with MaxMind's test database standing in
# for DB-IP: 175.16.199.1 (CN) is redirected to a mirror; an address with no record is region
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

explain() { "$GEOGATE" explain --config "$T/geogate.toml" --ip "$1" --url "$2" 2>&1; }
out=$(explain 175.16.199.1 http://news.example.com/news/a.html)
if grep -q "mirrors-for-blocked" <<<"$out" && grep -qi "redirect" <<<"$out"; then ok "CN -> mirror"; else bad "CN: $out"; fi
out=$(explain 203.0.113.9 http://news.example.com/)
if grep -q "unknown-readers-notice" <<<"$out" && grep -q "undesirable-organization" <<<"$out"; then
    ok "unknown -> notice (fail-safe)"
else bad "unknown: $out"; fi
out=$(explain 81.2.69.142 http://news.example.com/)
if ! grep -q "undesirable-org-notice\|mirrors-for-blocked\|unknown-readers-notice" <<<"$out"; then ok "GB -> pass"; else bad "GB: $out"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
