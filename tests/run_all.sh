#!/usr/bin/env bash
# Every test zonewatch has: installs the Debian packages the tests need (as root), builds, and runs
# ctest — unit tests, integration tests against the real-server lab, and a bounded fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh test
build=${ZONEWATCH_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
