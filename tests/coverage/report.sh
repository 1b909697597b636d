#!/usr/bin/env bash
# Line coverage of the production sources after a ctest run in a ZONEWATCH_COVERAGE=ON build
# (issue 18, "Coverage in CI"): report.sh [--no-check] [--markdown] BUILD_DIR
#
# Reads the .gcno files the build wrote and the .gcda files every test process wrote when it exited
# (unit test programs, and the zonewatch binary the integration tests start), with lcov from
# Debian (geninfo runs gcov). Prints one row per production file (lines hit/found, %), the totals
# per area and overall, and checks tests/coverage/thresholds.txt: exits 1, naming each file or
# area below its goal, when one is missed (--no-check: print only, for a partial ctest run).
# --markdown prints the tables as Markdown (README.md's testing section).
#
# Only production code counts: sources under monitor/, storage/, alerts/ and config/ of the source
# tree (tests/, /usr/ and anything generated into a build directory, config's example.cpp
# included, are dropped). Files the build compiled but no test ran count with 0 lines hit
# (lcov --initial). The clang fuzz build (BUILD_DIR/build-fuzz, tests/fuzz/run.sh) writes no
# gcov data and is not read.
set -euo pipefail

check=1
format=text
while [ $# -gt 0 ]; do
  case $1 in
    --no-check) check=0 ;;
    --markdown) format=markdown ;;
    -*) echo "report.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: report.sh [--no-check] [--markdown] BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "$1" && pwd)

if ! command -v lcov >/dev/null 2>&1; then
  echo "report.sh: lcov not found (deploy/install-deps.sh test installs it)" >&2
  exit 2
fi
if ! find "$build" -name '*.gcno' -print -quit | grep -q .; then
  echo "report.sh: no .gcno files in $build: configure it with -DZONEWATCH_COVERAGE=ON" >&2
  exit 2
fi

# The build's own objects: the production libraries and the zonewatch binary, and the test
# programs (a production header's inline code can run from a test program's objects). Not
# build-fuzz, nor anything else below the build directory.
objects=()
for d in monitor storage alerts config; do
  [ -d "$build/$d" ] && objects+=("$build/$d")
done
production=("${objects[@]/#/--directory=}")
[ -d "$build/tests" ] && objects+=("$build/tests")
everything=("${objects[@]/#/--directory=}")

out="$build/coverage"
rm -rf "$out"
mkdir -p "$out"
if ! find "${objects[@]}" -name '*.gcda' -print -quit | grep -q .; then
  echo "report.sh: no .gcda files in $build: run ctest first" >&2
  exit 2
fi
started=$SECONDS
lcov_opts=(--quiet --rc lcov_branch_coverage=0)
# Two captures side by side (geninfo is single-threaded; CI has two cores): every line the
# production objects hold, with count 0 (--initial), so that a file no test ran still counts; and
# the counts the tests left. The test programs' objects are left out of the first: gtest makes them
# slow to read, and the only production lines they could add are inline code of a production
# header that only a test program compiles and no test runs.
lcov "${lcov_opts[@]}" --capture --initial "${production[@]}" --output-file "$out/base.info" \
  2>"$out/lcov-base.log" &
base=$!
lcov "${lcov_opts[@]}" --capture "${everything[@]}" --output-file "$out/run.info" \
  2>"$out/lcov-run.log"
wait "$base"
lcov "${lcov_opts[@]}" --add-tracefile "$out/base.info" --add-tracefile "$out/run.info" \
  --output-file "$out/total.info" 2>"$out/lcov.log"
lcov "${lcov_opts[@]}" --extract "$out/total.info" "$src/monitor/*" "$src/storage/*" \
  "$src/alerts/*" "$src/config/*" --output-file "$out/production.info" 2>>"$out/lcov.log"
echo "coverage: lcov read the counts in $((SECONDS - started)) s; its logs are in $out/" >&2

args=(--source "$src" --thresholds "$here/thresholds.txt" --format "$format")
[ "$check" = 1 ] || args+=(--no-check)
python3 "$here/coverage_table.py" "${args[@]}" "$out/production.info"
