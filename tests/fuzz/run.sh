#!/usr/bin/env bash
# Fuzzes every parser of outside bytes for a bounded time, shared equally between the targets
# (DNS messages, zone-file text, the configuration, root hints, trust anchors): run.sh [SECONDS]
# (default 75; each target gets SECONDS/5, at least 1).
#
# Configures a separate clang++ build with -DZONEWATCH_FUZZ=ON in $ZONEWATCH_FUZZ_BUILD_DIR
# (default /tmp/zonewatch-fuzz-build), builds only the fuzzers, and runs each over a copy of its
# corpus in tests/fuzz/corpus/ so the committed corpus is never modified. Exits non-zero on any
# finding (crash, sanitizer report, timeout, leak); findings are kept in $build/findings/.
# Exits 77 (ctest's "skipped") when clang++ or its libFuzzer runtime is missing.
set -euo pipefail

seconds=${1:-75}
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
targets=(message zone_text config root_hints trust_anchor)
cmake --build "$build" --target "${targets[@]/%/_fuzzer}" -j"$jobs"

work=$(mktemp -d "${TMPDIR:-/tmp}/zonewatch-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Each target gets its share of the time, over a copy of its committed corpus.
share=$(( seconds / ${#targets[@]} ))
[ "$share" -ge 1 ] || share=1
status=0
for target in "${targets[@]}"; do
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  cp -R "$here/corpus/$target/." "$work/$target/corpus/"
  "$build/tests/fuzz/${target}_fuzzer" \
    -max_total_time="$share" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$target/artifacts/" \
    "$work/$target/corpus" || status=$?
  if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/$target/artifacts")" ]; then
    mkdir -p "$build/findings/$target"
    cp -R "$work/$target/artifacts/." "$build/findings/$target/" 2>/dev/null || true
    echo "run.sh: FINDING in ${target}_fuzzer (exit status $status); inputs kept in" \
      "$build/findings/$target/" >&2
    ls -l "$build/findings/$target" >&2 || true
    exit 1
  fi
done
echo "run.sh: no findings in ${seconds}s (${share}s for each of: ${targets[*]})"
