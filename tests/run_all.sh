#!/usr/bin/env bash
# Every test zonewatch has: installs the Debian packages the tests need (as root), builds, and runs
# ctest — unit tests, integration tests against the real-server lab, and a bounded fuzzing run.
#
# The build is instrumented for line coverage (ZONEWATCH_COVERAGE=ON, issue 18) and built once:
# after ctest, tests/coverage/report.sh prints the line coverage of every production file and
# area, from the unit and integration tests together, and fails the run when a goal of
# tests/coverage/thresholds.txt is missed. Arguments go to ctest; with any (a subset of the tests,
# `tests/run_all.sh -L unit`) the table is printed but the goals are not checked.
# ZONEWATCH_COVERAGE=OFF in the environment builds without instrumentation and prints no table;
# ZONEWATCH_BUILD_DIR chooses the build directory (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh test
build=${ZONEWATCH_BUILD_DIR:-build}
coverage=${ZONEWATCH_COVERAGE:-ON}
coverage=${coverage^^}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZONEWATCH_COVERAGE="$coverage"
cmake --build "$build" -j"$(nproc)"
if [ "$coverage" = ON ]; then
  # Counts of an earlier run would add to this one's (gcov merges into existing .gcda files).
  find "$build" -name '*.gcda' -not -path "$build/build-fuzz/*" -delete
fi
status=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@" || status=$?
if [ "$coverage" = ON ]; then
  check=()
  [ $# -eq 0 ] || check=(--no-check)
  tests/coverage/report.sh "${check[@]}" "$build" || { [ "$status" -ne 0 ] || status=$?; }
fi
exit "$status"
