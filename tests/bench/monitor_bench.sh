#!/usr/bin/env bash
# The monitor's benchmark: `zonewatch run --once` over a 10,000-child lab, twice on a fresh
# database, with what it costs per domain. Not a ctest test (the lab alone takes minutes to sign).
#
#   tests/bench/monitor_bench.sh [--zonewatch PATH] [--lab DIR] [--children N] [--reuse-lab]
#                                [--keep-lab] [--no-profile]
#
#   --zonewatch PATH  the binary (default: build/monitor/zonewatch)
#   --lab DIR         the lab directory (default /tmp/zonewatch-bench-lab); `up` wipes it first
#   --children N      lab children, all watched (default 10000)
#   --reuse-lab       use the lab already up in DIR (at least N children) instead of `up`
#   --keep-lab        leave the lab up at the end (default: `down`)
#   --no-profile      skip the profile of a steady 1,000-domain round (perf record, else callgrind)
#
# The lab binds fixed addresses: hold the machine-wide lab lock for the whole run,
#   flock /tmp/zonewatch-lab.lock tests/bench/monitor_bench.sh
# Needs root (the lab), /usr/bin/time, sqlite3, and for the query count and profile linux-perf.
#
# Figures: domains per second (wall clock of the round, start-up included), queries (every UDP
# datagram and TCP write the process sends: `perf stat` on the sendto/sendmsg/writev system calls,
# so retries count), CPU seconds (user + sys of /usr/bin/time -v), peak RSS, database size per
# domain and its growth in round 2, and the snapshot rows round 2 added (0 expected: an unchanged
# domain only advances its latest snapshot's last_seen; the bodies live in snapshot_bodies).
# The NSD servers' own counters (nsd-control stats_noreset) are printed as a cross-check: they see
# the share of the queries that went to NSD (Knot, without mod-stats, counts none).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
lab_sh="$repo/tests/lab/lab.sh"
zonewatch="$repo/build/monitor/zonewatch"
lab_dir=/tmp/zonewatch-bench-lab
children=10000
reuse=0
keep=0
profile=1
while [ $# -gt 0 ]; do
  case $1 in
    --zonewatch) zonewatch=$2; shift ;;
    --lab) lab_dir=$2; shift ;;
    --children) children=$2; shift ;;
    --reuse-lab) reuse=1 ;;
    --keep-lab) keep=1 ;;
    --no-profile) profile=0 ;;
    -h | --help) sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "monitor_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$zonewatch" ] || { echo "monitor_bench: no binary at $zonewatch (--zonewatch)" >&2; exit 2; }
for tool in /usr/bin/time sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "monitor_bench: $tool is required" >&2; exit 2; }
done

work=$(mktemp -d /tmp/zonewatch-bench.XXXXXX)
lab_started=0
cleanup() {
  if [ "$lab_started" = 1 ] && [ "$keep" = 0 ]; then "$lab_sh" down "$lab_dir" >/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The query counter: system-call tracepoints, if perf can read them here.
events=syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_writev
have_perf=0
if command -v perf >/dev/null && perf stat -x, -e "$events" -o "$work/probe.txt" true 2>/dev/null &&
    ! grep -q 'not supported\|<not counted>' "$work/probe.txt"; then
  have_perf=1
fi

# --- the lab ---------------------------------------------------------------------------------------
if [ "$reuse" = 1 ]; then
  [ -f "$lab_dir/lab.json" ] || { echo "monitor_bench: no lab in $lab_dir" >&2; exit 2; }
  up_seconds=reused
else
  lab_started=1
  start=$(date +%s.%N)
  "$lab_sh" up "$lab_dir" --children "$children"
  up_seconds=$(printf '%.0f' "$(echo "$(date +%s.%N) - $start" | bc)")
fi
python3 - "$lab_dir/lab.json" "$children" "$work/domains.txt" "$work/domains-1000.txt" <<'PY'
import json, sys
names = [c["name"] for c in json.load(open(sys.argv[1]))["children"]][:int(sys.argv[2])]
if len(names) < int(sys.argv[2]):
    sys.exit(f"the lab has only {len(names)} children")
open(sys.argv[3], "w").write("\n".join(names) + "\n")
open(sys.argv[4], "w").write("\n".join(names[:1000]) + "\n")
PY

config() { # config FILE DATABASE DOMAINS_FILE
  cat >"$1" <<EOF
database: $2
interval: 5m
confirm_polls: 2
root_hints: $lab_dir/root.hints
trust_anchors: $lab_dir/root.ds
ip_versions: [4]
per_server_qps: 100000
metrics:
  enabled: false
log_level: info
domains_file: $3
EOF
}
db="$work/zonewatch.sqlite"
config "$work/bench.yaml" "$db" "$work/domains.txt"

nsd_queries() {
  local total=0 n
  for sid in root-nsd tld-nsd child-nsd; do
    n=$(nsd-control -c "$lab_dir/config/$sid.conf" stats_noreset 2>/dev/null |
      sed -n 's/^num.queries=//p')
    total=$((total + ${n:-0}))
  done
  echo "$total"
}
db_bytes() { # the database and its write-ahead log, if one was left
  local total=0 f
  for f in "$db" "$db-wal"; do [ -f "$f" ] && total=$((total + $(stat -c %s "$f"))); done
  echo "$total"
}
sql() { sqlite3 "$db" "$1"; }

# --- the rounds ------------------------------------------------------------------------------------
declare -A R
round() { # round N
  local n=$1 nsd_before start
  nsd_before=$(nsd_queries)
  start=$(date +%s.%N)
  if [ "$have_perf" = 1 ]; then
    perf stat -x, -e "$events" -o "$work/perf$n.txt" -- \
      /usr/bin/time -v -o "$work/time$n.txt" "$zonewatch" run -c "$work/bench.yaml" --once \
      >"$work/run$n.log" 2>&1
  else
    /usr/bin/time -v -o "$work/time$n.txt" "$zonewatch" run -c "$work/bench.yaml" --once \
      >"$work/run$n.log" 2>&1
  fi
  R[wall$n]=$(echo "$(date +%s.%N) - $start" | bc)
  R[nsd$n]=$(($(nsd_queries) - nsd_before))
  R[user$n]=$(sed -n 's/.*User time (seconds): //p' "$work/time$n.txt")
  R[sys$n]=$(sed -n 's/.*System time (seconds): //p' "$work/time$n.txt")
  R[rss$n]=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time$n.txt")
  R[queries$n]=n/a
  if [ "$have_perf" = 1 ]; then
    R[queries$n]=$(awk -F, '/syscalls:sys_enter_/ {s += $1} END {print s}' "$work/perf$n.txt")
  fi
  R[bytes$n]=$(db_bytes)
  R[snapshots$n]=$(sql 'select count(*) from snapshots')
  R[bodies$n]=$(sql 'select count(*) from snapshot_bodies')
  R[events$n]=$(sql 'select count(*) from events')
  R[failed$n]=$(sed -n 's/.*observed [0-9]* domains (\([0-9]*\) failed).*/\1/p' "$work/run$n.log")
}
# What the process needs with hardly any domain (PSL, libraries, SQLite): the base of "per domain".
head -n 12 "$work/domains.txt" >"$work/domains-12.txt"
config "$work/small.yaml" "$work/small.sqlite" "$work/domains-12.txt"
/usr/bin/time -v -o "$work/time-small.txt" "$zonewatch" run -c "$work/small.yaml" --once \
  >"$work/run-small.log" 2>&1
base_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time-small.txt")
echo "monitor_bench: round 1 (baseline) over $children domains"
round 1
echo "monitor_bench: round 2 (nothing changed)"
round 2

per() { printf "%.${3:-1}f" "$(echo "$1 / $2" | bc -l)"; }
echo
echo "== zonewatch run --once over $children lab children ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "lab up: ${up_seconds} s"
for n in 1 2; do
  cpu=$(printf '%.2f' "$(echo "${R[user$n]} + ${R[sys$n]}" | bc)")
  echo "round $n: wall $(printf '%.2f' "${R[wall$n]}") s, $(per "$children" "${R[wall$n]}") domains/s," \
    "failed observations ${R[failed$n]:-?}"
  echo "  CPU ${cpu} s (user ${R[user$n]}, sys ${R[sys$n]}), $(per "$cpu" "$children" 6) CPU s/domain"
  if [ "${R[queries$n]}" != n/a ]; then
    echo "  queries sent ${R[queries$n]}: $(per "${R[queries$n]}" "$children" 2) per domain," \
      "$(per "${R[queries$n]}" "${R[wall$n]}" 0) per second (NSD servers answered ${R[nsd$n]})"
  else
    echo "  queries: n/a (no perf tracepoints); NSD servers answered ${R[nsd$n]}"
  fi
  above=$(("${R[rss$n]}" - base_rss))
  echo "  peak RSS $(per "${R[rss$n]}" 1024) MiB, $(per "${R[rss$n]}" "$children" 2) KiB per domain;" \
    "above a 12-domain run's $(per "$base_rss" 1024) MiB: $(per "$above" "$children" 2) KiB per domain"
  echo "  database $(per "${R[bytes$n]}" 1048576) MiB, $(per "${R[bytes$n]}" "$children" 0) bytes" \
    "per domain; snapshots ${R[snapshots$n]} (bodies ${R[bodies$n]}), events ${R[events$n]}"
done
growth=$(("${R[bytes2]}" - "${R[bytes1]}"))
echo "round 2 database growth: $growth bytes ($(per "$growth" "$children" 1) per domain)"
echo "round 2 snapshot rows added: $(("${R[snapshots2]}" - "${R[snapshots1]}"))" \
  "(snapshot bodies: $(("${R[bodies2]}" - "${R[bodies1]}")))"

# --- profile of a 1,000-domain round --------------------------------------------------------------
if [ "$profile" = 1 ]; then
  pdb="$work/profile.sqlite"
  config "$work/profile.yaml" "$pdb" "$work/domains-1000.txt"
  echo
  if command -v perf >/dev/null && perf record -o "$work/probe.data" true >/dev/null 2>&1; then
    # The goal is the steady state: profile the second round, the first only fills the database
    # and the verified-signature memo.
    echo "== perf profile of a second --once round over 1,000 domains (nothing changed)"
    "$zonewatch" run -c "$work/profile.yaml" --once >/dev/null 2>&1
    # DWARF unwinding: the RelWithDebInfo build keeps no frame pointers.
    perf record -F 499 --call-graph dwarf,8192 -o "$work/perf.data" -- \
      "$zonewatch" run -c "$work/profile.yaml" --once >/dev/null 2>&1
    echo "-- by shared object"
    perf report -i "$work/perf.data" --stdio --no-children --sort dso --percent-limit 2 -g none \
      2>/dev/null | grep -v '^#' | sed 's/ *$//' | grep -v '^$' | head -15 || true
    echo "-- by symbol (self time)"
    perf report -i "$work/perf.data" --stdio --no-children --sort dso,symbol --percent-limit 1 \
      -g none 2>/dev/null | grep -v '^#' | sed 's/[ -]*$//' | grep -v '^$' | head -30 || true
    echo "-- inclusive time (self + callees) by function"
    perf report -i "$work/perf.data" --stdio --children --sort symbol --percent-limit 5 -g none \
      2>/dev/null | grep -v '^#' | sed 's/[ -]*$//' | grep -v '^$' | cut -c1-160 | head -40 || true
  elif command -v valgrind >/dev/null; then
    echo "== callgrind profile of a second --once round over 1,000 domains (nothing changed)"
    "$zonewatch" run -c "$work/profile.yaml" --once >/dev/null 2>&1
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
      "$zonewatch" run -c "$work/profile.yaml" --once >/dev/null 2>&1
    callgrind_annotate "$work/callgrind.out" 2>/dev/null | head -40
  else
    echo "(no perf or valgrind: no profile)"
  fi
fi
