#!/bin/bash
# The README's run command: installs what is needed, builds geogate, and starts the demo
# (geogate with the default DB-IP Lite database, the example rules and notices, in front of a
# small demo news site), printing curl lines for each decision. Ctrl-C stops everything.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash deploy/install-deps.sh build run test  # test: Catch2, which the tests/ folder (and its demo origin) configures with
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGEOGATE_BENCH=OFF >/dev/null
ninja -C build -j"$(nproc)" geogate geogate_test_origin
exec bash deploy/demo/run.sh "$@"
