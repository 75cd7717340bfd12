#!/bin/bash
# deploy/geoip-update.sh as ops rely on it: a good database replaces the old one by rename and
# the proxy is told (SIGHUP); an identical one changes nothing; a broken or wrong one (failed
# --expect) replaces nothing, not even the good files fetched with it; no temp files are left.
# Usage: geoip_update_test.sh SOURCE_DIR SHARED_DIR
set -uo pipefail
SRC=$1 SHARED=$2
UPDATE=$SRC/deploy/geoip-update.sh
DATA=$SHARED/testdata/maxmind-db/test-data
[ -r "$DATA/GeoIP2-Country-Test.mmdb" ] || { echo "FAIL: no MaxMind test data in $DATA"; exit 1; }
T=$(mktemp -d /tmp/geogate-geoip-update.XXXXXX)
hup_pid=""
cleanup() { [ -n "$hup_pid" ] && kill "$hup_pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

mkdir -p "$T/v1" "$T/v2" "$T/broken" "$T/db"
cp "$DATA/GeoIP2-Country-Test.mmdb" "$T/v1/country.mmdb"
cp "$DATA/GeoLite2-Country-Test.mmdb" "$T/v2/country.mmdb"
cp "$DATA/GeoLite2-Country-Test.mmdb" "$T/broken/country.mmdb"
head -c 4096 "$DATA/GeoIP2-City-Test.mmdb" >"$T/broken/city.mmdb" # truncated: no metadata

# A stand-in for geogate that records SIGHUP.
bash -c 'trap "echo hup >>'"$T"'/hups" HUP; while :; do sleep 0.2; done' &
hup_pid=$!

"$UPDATE" --dest "$T/db" --from-dir "$T/v1" --expect 2.125.160.216=GB --pid "$hup_pid" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$T/db/country.mmdb" "$T/v1/country.mmdb"; then ok "first install"; else bad "first install (rc $rc): $(cat "$T/err")"; fi
ino1=$(stat -c %i "$T/db/country.mmdb")

"$UPDATE" --dest "$T/db" --from-dir "$T/v1" --pid "$hup_pid" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(stat -c %i "$T/db/country.mmdb")" = "$ino1" ]; then ok "identical file: untouched"; else bad "identical file (rc $rc)"; fi

"$UPDATE" --dest "$T/db" --from-dir "$T/v2" --pid "$hup_pid" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$T/db/country.mmdb" "$T/v2/country.mmdb" && [ "$(stat -c %i "$T/db/country.mmdb")" != "$ino1" ]; then
    ok "new file replaced by rename (new inode)"
else bad "update (rc $rc): $(cat "$T/err")"; fi

"$UPDATE" --dest "$T/db" --from-dir "$T/broken" --pid "$hup_pid" 2>"$T/err"
rc=$?
if [ $rc -eq 1 ] && cmp -s "$T/db/country.mmdb" "$T/v2/country.mmdb" && [ ! -e "$T/db/city.mmdb" ]; then
    ok "broken file: nothing replaced"
else bad "broken file (rc $rc)"; fi

"$UPDATE" --dest "$T/db" --from-dir "$T/v1" --expect 2.125.160.216=RU --pid "$hup_pid" 2>"$T/err"
rc=$?
if [ $rc -eq 1 ] && cmp -s "$T/db/country.mmdb" "$T/v2/country.mmdb"; then ok "failed --expect: nothing replaced"; else bad "failed --expect (rc $rc)"; fi

# --url: a gzip'd file and a tar.gz with a database inside (file:// stands in for https://).
gzip -c "$T/v1/country.mmdb" >"$T/country.mmdb.gz"
mkdir -p "$T/tar/inner" && cp "$DATA/GeoLite2-City-Test.mmdb" "$T/tar/inner/city.mmdb"
tar -czf "$T/bundle.tar.gz" -C "$T/tar" inner
"$UPDATE" --dest "$T/db2" --url "file://$T/country.mmdb.gz" --url "file://$T/bundle.tar.gz" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$T/db2/country.mmdb" "$T/v1/country.mmdb" && cmp -s "$T/db2/city.mmdb" "$DATA/GeoLite2-City-Test.mmdb"; then
    ok "--url: .mmdb.gz and .tar.gz unpacked and installed"
else bad "--url (rc $rc): $(cat "$T/err")"; fi

leftover=$(find "$T/db" "$T/db2" -name '.update.*' | wc -l)
if [ "$leftover" = 0 ]; then ok "no temporary files left"; else bad "$leftover temporary files left"; fi

# Two swaps happened (first install and update): two SIGHUPs, none for the no-ops and failures.
for _ in $(seq 1 50); do [ "$(cat "$T/hups" 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.1; done
hups=$(cat "$T/hups" 2>/dev/null | wc -l)
if [ "$hups" = 2 ]; then ok "SIGHUP after each swap only"; else bad "$hups SIGHUPs, expected 2"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
