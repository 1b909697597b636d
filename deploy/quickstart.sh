#!/usr/bin/env bash
# Runs the zonewatch monitor daemon on the example portfolio (config/example.yaml): installs the
# Debian packages it needs (as root), builds, and starts `zonewatch run`. The history goes to
# zonewatch.sqlite in the current directory. Stop it with Ctrl-C (SIGINT): it finishes the
# observations in flight and exits.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh build
build=${ZONEWATCH_BUILD_DIR:-build-daemon}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZONEWATCH_TESTS=OFF
cmake --build "$build" -j"$(nproc)" --target zonewatch
exec "$build/monitor/zonewatch" run -c "${ZONEWATCH_CONFIG:-config/example.yaml}" "$@"
