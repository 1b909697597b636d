#!/usr/bin/env bash
# Fuzzes the DNS message parser for a bounded time: run.sh [SECONDS] (default 60).
#
# Configures a separate clang++ build with -DZONEWATCH_FUZZ=ON in $ZONEWATCH_FUZZ_BUILD_DIR
# (default /tmp/zonewatch-fuzz-build), builds only `message_fuzzer`, and runs it over a copy of
# tests/fuzz/corpus/message so the committed corpus is never modified. Exits non-zero on any
# finding (crash, sanitizer report, timeout, leak); findings are kept in $build/findings/.
# Exits 77 (ctest's "skipped") when clang++ or its libFuzzer runtime is missing.
set -euo pipefail

seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${ZONEWATCH_FUZZ_BUILD_DIR:-/tmp/zonewatch-fuzz-build}
cxx=${ZONEWATCH_FUZZ_CXX:-clang++}
jobs=${ZONEWATCH_FUZZ_JOBS:-2}

if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "run.sh: $cxx not found; install clang (deploy/install-deps.sh test)" >&2
  exit 77
fi
probe=$(mktemp -d "${TMPDIR:-/tmp}/zonewatch-fuzz-probe.XXXXXX")
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$probe/probe.cpp"
if ! "$cxx" -fsanitize=fuzzer "$probe/probe.cpp" -o "$probe/probe" >/dev/null 2>&1; then
  rm -rf "$probe"
  echo "run.sh: $cxx cannot link -fsanitize=fuzzer (install libclang-rt-*-dev)" >&2
  exit 77
fi
rm -rf "$probe"

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DZONEWATCH_FUZZ=ON -DZONEWATCH_TESTS=ON >/dev/null
cmake --build "$build" --target message_fuzzer -j"$jobs"

work=$(mktemp -d "${TMPDIR:-/tmp}/zonewatch-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp -R "$here/corpus/message/." "$work/corpus/"

status=0
"$build/tests/fuzz/message_fuzzer" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" || status=$?

if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  mkdir -p "$build/findings"
  cp -R "$work/artifacts/." "$build/findings/" 2>/dev/null || true
  echo "run.sh: FINDING (exit status $status); inputs kept in $build/findings/" >&2
  ls -l "$build/findings" >&2 || true
  exit 1
fi
echo "run.sh: no findings in ${seconds}s"
