#!/bin/bash
# Mutation spot-check (issue 18): each mutation below flips a cap, a comparison or a filter in a
# place where a regression would be silent, builds the unit tests that cover that place, runs them
# and reports KILLED (at least one test failed) or SURVIVED (every test still passed: no test
# guards that line). A survivor is a missing test, not a flaky one.
#
# Everything happens in a throwaway `git worktree` under /tmp, never in the caller's tree: the
# worktree is checked out at HEAD and, by default, the caller's uncommitted changes and untracked
# files are copied over it (--base tree), so the tree as it is now is what gets mutated; --base
# head mutates the last commit alone. The worktree has its own build directory; nothing is
# written to the caller's tree or build directories. Slow (a first build of the tested targets,
# then one rebuild and test run per mutation): not part of ctest or CI. See README.md here.
#
# usage: tests/mutation/spot_check.sh [--base tree|head] [--jobs N] [--keep] [--report FILE]
#                                    [--list] [NAME ...]
#   NAME ...       run only these mutations (default: all)
#   --jobs N       build parallelism (default 2: the development machine has 2 shared cores)
#   --keep         leave the worktree and its build in place (printed) instead of removing them
#   --report FILE  also write the result table (Markdown) to FILE
#   --list         print the mutations and exit
# Exit status: 0 when every mutation was killed, 1 when one survived, 2 on a setup error (the
# build or the unmutated tests failed, or a mutation's text was not found: the list needs updating).
# shellcheck disable=SC2086,SC2317 # target lists split into words on purpose; cleanup runs by trap
set -u -o pipefail

base=tree
jobs=2
keep=0
report=
list=0
only=()
while [ $# -gt 0 ]; do
  case $1 in
    --base) base=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --report) report=$2; shift 2 ;;
    --list) list=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "spot_check.sh: unknown option $1" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
  esac
done
case $base in tree|head) ;; *) echo "spot_check.sh: --base is tree or head" >&2; exit 2 ;; esac

# --- the mutations -----------------------------------------------------------------------------
# mutation NAME FILE OCCURRENCE 'TEXT' 'REPLACEMENT' TESTS...
# Replaces the OCCURRENCE-th (1-based) exact occurrence of TEXT in FILE; TESTS are ctest names.
names=() files=() occurrences=() texts=() replacements=() tests=()
mutation() {
  names+=("$1") files+=("$2") occurrences+=("$3") texts+=("$4") replacements+=("$5")
  shift 5
  tests+=("$*")
}

# The iterator's caps (monitor/probe/iterator.cpp): referrals per walk, the cut probes of the same
# walk (shared-parent answers), referrals per NS host lookup.
mutation referral_cap monitor/probe/iterator.cpp 1 \
  'if (++walk->steps > options_.maxReferrals) {' \
  'if (++walk->steps > options_.maxReferrals * 1000) {' prober_test iterator_test
mutation cut_probe_cap monitor/probe/iterator.cpp 2 \
  'if (++walk->steps > options_.maxReferrals) {' \
  'if (++walk->steps > options_.maxReferrals * 1000) {' prober_test iterator_test
mutation host_referral_cap monitor/probe/iterator.cpp 1 \
  'if (++lookup->steps > options_.maxReferrals) {' \
  'if (++lookup->steps > options_.maxReferrals * 1000) {' prober_test iterator_test
# The bailiwick filter on a referral's glue (RFC 1034 §4.2.1: a zone speaks only for names in it).
mutation glue_bailiwick_iterator monitor/probe/iterator.cpp 1 \
  'if (!rr.owner.isSubdomainOf(zone)) continue;' \
  'if ((false)) continue;' prober_test iterator_test
# ... and on the addresses a domain's servers give for its NS hosts (held against the glue).
mutation glue_bailiwick_prober monitor/probe/prober.cpp 1 \
  'if (!rr.owner.isSubdomainOf(run->domain)) continue;' \
  'if ((false)) continue;' prober_test prober_bailiwick_test
# The shared-parent branch: a server of the zone asked that answers from a deeper zone it also
# serves (the root and a TLD, uk. and co.uk.); the cuts in between must be probed.
mutation shared_parent_branch monitor/probe/iterator.cpp 1 \
  'if (from > zone.labelCount() + 1) {' \
  'if ((false) && from > zone.labelCount() + 1) {' prober_test
# The NS-name cap of the observation's work budget (WorkLimits::maxNsNames).
mutation ns_name_cap monitor/probe/prober.cpp 1 \
  'if (!run->budget->spend(WorkBudget::Kind::kNsNames)) return;' \
  'run->budget->spend(WorkBudget::Kind::kNsNames);' prober_test
# The scheduler's backoff after failed observations: 2x after the second, 4x from the third.
mutation scheduler_backoff_4x monitor/scheduler/scheduler.cpp 1 \
  'e.failures == 2 ? 2.0 : 4.0' \
  'e.failures == 2 ? 2.0 : 2.0' scheduler_test
# Per-webhook filters: min_severity and events (config/config.cpp, WebhookSpec::accepts).
mutation webhook_min_severity config/config.cpp 1 \
  'if (event.severity < minSeverity) return false;' \
  'if ((false)) return false;' config_unit_tests daemon_test
mutation webhook_events_filter config/config.cpp 1 \
  'return events.empty() || std::find(events.begin(), events.end(), event.kind) != events.end();' \
  'return true;' config_unit_tests daemon_test
# The validator's signature-time comparisons (RFC 4035 §5.3.1, serial arithmetic of RFC 4034
# §3.1.5): the inclusive bounds, one second off, and the expiration check gone.
mutation sig_expiration_bound monitor/dnssec/signature.cpp 1 \
  'if (!serialLessOrEqual(ctx_.now, sig.expiration)) {' \
  'if (!serialLessOrEqual(ctx_.now + 1, sig.expiration)) {' \
  validator_test dnssec_rfc_vectors_test
mutation sig_inception_bound monitor/dnssec/signature.cpp 1 \
  'if (!serialLessOrEqual(sig.inception, ctx_.now)) {' \
  'if (!serialLessOrEqual(sig.inception + 1, ctx_.now)) {' \
  validator_test dnssec_rfc_vectors_test
mutation sig_expiration_ignored monitor/dnssec/signature.cpp 1 \
  'if (!serialLessOrEqual(ctx_.now, sig.expiration)) {' \
  'if ((false)) {' validator_test dnssec_rfc_vectors_test
mutation serial_arithmetic monitor/dnssec/signature.cpp 1 \
  'return static_cast<int32_t>(b - a) >= 0;' \
  'return b >= a;' validator_test dnssec_rfc_vectors_test
# The differ: a change alerts after confirm_polls polls, a server after confirm_polls failures.
mutation confirm_polls monitor/detect/differ.cpp 1 \
  'if (m.pendingCount >= static_cast<int>(std::max(1u, options.confirmPolls))) {' \
  'if (m.pendingCount > static_cast<int>(std::max(1u, options.confirmPolls))) {' differ_test
mutation server_unreachable_polls monitor/detect/differ.cpp 1 \
  'if (!s.down && s.failures >= static_cast<int>(std::max(1u, options.confirmPolls))) {' \
  'if (!s.down && s.failures > static_cast<int>(std::max(1u, options.confirmPolls))) {' \
  differ_test
# Findings as events (monitor/detect/finding_events.cpp): raised after confirm_polls observations
# in a row, cleared after as many without, and only for the kinds without an event of their own.
mutation finding_raise_polls monitor/detect/finding_events.cpp 1 \
  'if (!m.raised && m.seen >= needed) {' \
  'if (!m.raised && m.seen >= 1) {' finding_events_test differ_test
mutation finding_clear_polls monitor/detect/finding_events.cpp 1 \
  'if (m.raised && ++m.absent < needed) {' \
  'if (m.raised && ++m.absent < 1) {' finding_events_test differ_test
mutation finding_kinds_reported monitor/detect/finding_events.cpp 1 \
  'if (reportedAsFinding(f.kind)) out[f.kind].push_back(&f);' \
  'out[f.kind].push_back(&f);' finding_events_test differ_test
# An outbox item whose event cannot be read is given up, not delivered (alerts/deliverer.cpp).
mutation outbox_unreadable alerts/deliverer.cpp 1 \
  'if (!item.unreadable.empty()) {' \
  'if ((false)) {' deliverer_test
# An observation without data (monitor/detect/observation_failure.cpp): a delegation moved to silent
# servers stays a change, not a failure.
mutation moved_to_silent_servers monitor/detect/observation_failure.cpp 1 \
  'if (moved) return std::nullopt;' \
  'if ((false)) return std::nullopt;' differ_test daemon_test
# `zonewatch ack` (monitor/commands/monitor_commands.cpp): never accept a state no observation with data
# produced, nor today's operators after a failed observation.
mutation ack_after_failure monitor/commands/monitor_commands.cpp 1 \
  'if (failures > 0) {' \
  'if (failures > 1) {' monitor_commands_test daemon_test
mutation ack_empty_state monitor/commands/monitor_commands.cpp 1 \
  'if (detect::fromObservationWithoutData(*state)) {' \
  'if ((false)) {' monitor_commands_test daemon_test

if [ "$list" = 1 ]; then
  for i in "${!names[@]}"; do
    printf '%-26s %s #%s: %s\n%-26s   -> %s  [%s]\n' "${names[$i]}" "${files[$i]}" \
      "${occurrences[$i]}" "${texts[$i]}" "" "${replacements[$i]}" "${tests[$i]}"
  done
  exit 0
fi
selected=()
for i in "${!names[@]}"; do
  if [ ${#only[@]} -eq 0 ]; then
    selected+=("$i")
    continue
  fi
  for n in "${only[@]}"; do [ "$n" = "${names[$i]}" ] && selected+=("$i"); done
done
if [ ${#selected[@]} -eq 0 ]; then
  echo "spot_check.sh: no mutation named ${only[*]} (--list shows them)" >&2
  exit 2
fi

# --- the worktree ------------------------------------------------------------------------------
repo=$(git rev-parse --show-toplevel) || exit 2
work=$(mktemp -d /tmp/zw-mutation-XXXXXX) || exit 2
src=$work/src
build=$work/build
log=$work/log
mkdir -p "$log"
cleanup() {
  if [ "$keep" = 1 ]; then
    echo "kept: worktree $src, build $build, logs $log"
    return
  fi
  git -C "$repo" worktree remove --force "$src" >/dev/null 2>&1
  rm -rf "$work"
  git -C "$repo" worktree prune >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "worktree $src ($base at $(git -C "$repo" rev-parse --short HEAD))"
git -C "$repo" worktree add --detach --quiet "$src" HEAD || exit 2
if [ "$base" = tree ]; then
  # The caller's uncommitted changes and untracked files, read without taking the index lock.
  git -C "$repo" --no-optional-locks diff --binary HEAD >"$work/tree.diff" || exit 2
  if [ -s "$work/tree.diff" ] && ! git -C "$src" apply --whitespace=nowarn "$work/tree.diff"; then
    echo "spot_check.sh: the working tree's changes do not apply to HEAD" >&2
    exit 2
  fi
  (cd "$repo" && git --no-optional-locks ls-files -z --others --exclude-standard) |
    (cd "$repo" && xargs -0 -r cp --parents -t "$src") || exit 2
fi

all_tests=$(for i in "${selected[@]}"; do echo "${tests[$i]}"; done | tr ' ' '\n' | sort -u)
echo "configuring and building $(echo $all_tests | wc -w) test targets (unmutated)"
if ! cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DZONEWATCH_SANITIZE=OFF -DZONEWATCH_COVERAGE=OFF -DZONEWATCH_FUZZ=OFF \
    >"$log/configure.log" 2>&1; then
  echo "spot_check.sh: cmake failed, see $log/configure.log" >&2
  keep=1
  exit 2
fi
if ! cmake --build "$build" -j"$jobs" --target $all_tests >"$log/baseline-build.log" 2>&1; then
  echo "spot_check.sh: the unmutated tree does not build, see $log/baseline-build.log" >&2
  keep=1
  exit 2
fi

# run_tests_to LOG TEST...: runs the named ctest tests (their TIMEOUT, at most 600 s each); 0 when
# all pass.
run_tests_to() {
  local out=$1
  shift
  local regex
  regex="^($(echo "$*" | tr ' ' '|'))\$"
  ctest --test-dir "$build" -R "$regex" --timeout 600 --output-on-failure >"$out" 2>&1
}
if ! run_tests_to "$log/baseline-tests.log" $all_tests; then
  echo "spot_check.sh: the unmutated tests fail, see $log/baseline-tests.log" >&2
  keep=1
  exit 2
fi

# Replaces occurrence N of TEXT in FILE; fails when FILE has fewer occurrences.
apply_mutation() {
  python3 - "$@" <<'EOF'
import sys
path, occurrence, text, replacement = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(path, encoding="utf-8") as f:
    source = f.read()
at = -1
for _ in range(occurrence):
    at = source.find(text, at + 1)
    if at < 0:
        sys.exit(f"occurrence {occurrence} of {text!r} not found in {path}")
with open(path, "w", encoding="utf-8") as f:
    f.write(source[:at] + replacement + source[at + len(text):])
EOF
}

# --- one mutation at a time --------------------------------------------------------------------
results=()
survived=0
broken=0
for i in "${selected[@]}"; do
  name=${names[$i]}
  file=$src/${files[$i]}
  cp "$file" "$work/original"
  started=$(date +%s)
  if ! apply_mutation "$file" "${occurrences[$i]}" "${texts[$i]}" "${replacements[$i]}" \
      2>"$log/$name.apply.log"; then
    verdict="NOT APPLIED"
    broken=1
  elif ! cmake --build "$build" -j"$jobs" --target ${tests[$i]} >"$log/$name.build.log" 2>&1; then
    verdict="BUILD FAILED"
    broken=1
  elif run_tests_to "$log/$name.tests.log" ${tests[$i]}; then
    verdict=SURVIVED
    survived=1
  else
    verdict=KILLED
  fi
  cp "$work/original" "$file"
  # The failing tests' names, from ctest's summary.
  failed=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) .*/\1/p' "$log/$name.tests.log" 2>/dev/null |
    tr '\n' ' ')
  line="| $name | ${files[$i]} | $verdict | ${failed:-—} | $(($(date +%s) - started)) s |"
  results+=("$line")
  echo "$line"
done
# Rebuild unmutated, so that a kept build matches its sources.
cmake --build "$build" -j"$jobs" --target $all_tests >/dev/null 2>&1

table="| mutation | file | verdict | failing tests | time |
|---|---|---|---|---|"
for line in "${results[@]}"; do table+=$'\n'"$line"; done
echo
echo "$table"
[ -n "$report" ] && printf '%s\n' "$table" >"$report"
[ "$broken" = 1 ] && exit 2
[ "$survived" = 1 ] && exit 1
exit 0
