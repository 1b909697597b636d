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
#
# Every build of this script has warnings as errors (ZONEWATCH_WERROR=ON, the project's own
# targets only).
#
# The sanitizer job: then a second directory, ${ZONEWATCH_BUILD_DIR}-sanitize (build-sanitize),
# is built with ASan+UBSan (ZONEWATCH_SANITIZE=ON, no coverage), only the unit tests' programs
# (target unit_tests), and `ctest -L unit` runs there; any sanitizer report fails its test
# (ASAN_OPTIONS/UBSAN_OPTIONS below: halt on the first error, leaks detected, stack traces), and a
# failure fails the script like any other. About 10 minutes of a 2-core machine. It runs when the
# script gets no arguments (CI); ZONEWATCH_SANITIZE_JOB chooses otherwise:
#   OFF   never;
#   ON    also with arguments, which then go to both ctest runs (after -L unit in this one);
#   ONLY  the sanitizer job alone (no main build, no coverage), the arguments to its ctest:
#         `ZONEWATCH_SANITIZE_JOB=ONLY tests/run_all.sh` or `... tests/run_all.sh -R differ_test`.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh test
build=${ZONEWATCH_BUILD_DIR:-build}
coverage=${ZONEWATCH_COVERAGE:-ON}
coverage=${coverage^^}
sanitize_job=${ZONEWATCH_SANITIZE_JOB:-}
sanitize_job=${sanitize_job^^}
case $sanitize_job in
  '') if [ $# -eq 0 ]; then sanitize_job=ON; else sanitize_job=OFF; fi ;;
  ON | OFF | ONLY) ;;
  *) echo "run_all.sh: ZONEWATCH_SANITIZE_JOB is ON, OFF or ONLY, not '$sanitize_job'" >&2
     exit 2 ;;
esac
status=0

if [ "$sanitize_job" != ONLY ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DZONEWATCH_COVERAGE="$coverage" -DZONEWATCH_WERROR=ON
  cmake --build "$build" -j"$(nproc)"
  if [ "$coverage" = ON ]; then
    # Counts of an earlier run would add to this one's (gcov merges into existing .gcda files).
    find "$build" -name '*.gcda' -not -path "$build/build-fuzz/*" -delete
  fi
  ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@" || status=$?
  if [ "$coverage" = ON ]; then
    check=()
    [ $# -eq 0 ] || check=(--no-check)
    tests/coverage/report.sh "${check[@]}" "$build" || { [ "$status" -ne 0 ] || status=$?; }
  fi
fi

if [ "$sanitize_job" != OFF ]; then
  sanitize=${build}-sanitize
  # -O1 -g1 (ASan's advice; line tables for file:line in the reports) instead of -O2 -g: under
  # the sanitizers GCC 12 takes half the time to compile at -O1 -g1 (about 25 instead of 55
  # CPU-minutes from scratch), and the unit tests run in well under a minute either way.
  cmake -S . -B "$sanitize" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DZONEWATCH_SANITIZE=ON -DZONEWATCH_COVERAGE=OFF -DZONEWATCH_WERROR=ON
  cmake --build "$sanitize" -j"$(nproc)" --target unit_tests
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:print_stacktrace=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir "$sanitize" --output-on-failure -j"$(nproc)" -L unit "$@" \
    || { [ "$status" -ne 0 ] || status=$?; }
fi
exit "$status"
