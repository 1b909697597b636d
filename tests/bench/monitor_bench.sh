#!/usr/bin/env bash
# The monitor's benchmark (issue 13): `zonewatch run --once` twice on a fresh database (round 1:
# empty database, round 2: nothing changed) at several portfolio sizes, each repeated, over one lab
# that serves the largest size; what it costs per domain; `delv` over a sample of the same domains
# on the same lab; a table of the goals with what was measured. Not a ctest test (the lab alone
# takes minutes to sign: 80 s for 10,000 children, about 13 minutes for 100,000).
#
#   tests/bench/monitor_bench.sh [--zonewatch PATH] [--lab DIR] [--sizes N,N,...] [--reps N]
#                                [--delv-sample N] [--reuse-lab] [--keep-lab] [--no-profile]
#                                [--probe-threads N] [--check]
#
#   --zonewatch PATH  the binary (default: build/monitor/zonewatch)
#   --lab DIR         the lab directory (default /tmp/zonewatch-bench-lab); `up` wipes it first
#   --sizes LIST      portfolio sizes, comma-separated (default 1000,10000,100000); size N watches
#                     the lab's first N children; the lab gets max(LIST) children
#   --children N      the same as --sizes N
#   --reps N          repetitions per size (default 3): each a fresh database, round 1 then round 2;
#                     a figure is the median of the repetitions, with their min-max next to it
#   --delv-sample N   delv over N of the watched domains (default 200; 0 skips delv)
#   --reuse-lab       use the lab already up in DIR (at least max(LIST) children) instead of `up`
#   --keep-lab        leave the lab up at the end (default: `down`)
#   --no-profile      skip the profile of a steady 1,000-domain round (perf record, else callgrind)
#   --probe-threads N `probe_threads: N` in every configuration (default: left out, so 0, one per
#                     CPU); run once with 1 and once without to see what the threads bring
#   --check           exit 1 when a goal is missed (default: print PASS/FAIL, exit 0)
#
# The lab binds fixed addresses: hold the machine-wide lab lock for the whole run,
#   flock /tmp/zonewatch-lab.lock tests/bench/monitor_bench.sh
# Needs root (the lab), /usr/bin/time, sqlite3, bc, python3, delv (unless --delv-sample 0), and
# for the query count and profile linux-perf.
#
# Figures: domains per second (wall clock of the round, start-up included), queries (every UDP
# datagram and TCP write the process sends: `perf stat` on the sendto/sendmsg/writev system calls,
# so retries count), CPU time (user + sys of /usr/bin/time -v), peak RSS (per domain, and above
# the peak of a 12-domain run: the process's base), database size per domain and its growth in
# round 2, and the snapshot rows round 2 added (0 expected: an unchanged domain only advances its
# latest snapshot's last_seen; the bodies live in snapshot_bodies). The NSD servers' own counters
# (nsd-control stats_noreset) are printed as a cross-check: they see the share of the queries that
# went to NSD (Knot, without mod-stats, counts none).
# delv: one process per domain, sequentially, exactly as the lab's oracle checks run it (through
# the lab's Unbound with the CD bit, validating itself from DIR/delv.anchors); once with the
# resolver's caches just emptied (cold) and once more over the same sample (warm). Every answer
# must be what lab.json expects (secure: "; fully validated", insecure: "; unsigned answer").
# Goals are judged at the sizes of 10,000 and more (the issue names 10k and 100k), or at the
# largest size when the list has none.
set -euo pipefail
export LC_ALL=C # one decimal point for EPOCHREALTIME, bc and printf

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
lab_sh="$repo/tests/lab/lab.sh"
zonewatch="$repo/build/monitor/zonewatch"
lab_dir=/tmp/zonewatch-bench-lab
sizes=1000,10000,100000
reps=3
delv_sample=200
reuse=0
keep=0
profile=1
check=0
probe_threads=
while [ $# -gt 0 ]; do
  case $1 in
    --zonewatch) zonewatch=$2; shift ;;
    --lab) lab_dir=$2; shift ;;
    --sizes | --children) sizes=$2; shift ;;
    --reps) reps=$2; shift ;;
    --delv-sample) delv_sample=$2; shift ;;
    --reuse-lab) reuse=1 ;;
    --keep-lab) keep=1 ;;
    --no-profile) profile=0 ;;
    --check) check=1 ;;
    --probe-threads) probe_threads=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "monitor_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[[ $sizes =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] ||
  { echo "monitor_bench: --sizes wants positive numbers, comma-separated: $sizes" >&2; exit 2; }
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "monitor_bench: --reps wants a positive number" >&2; exit 2; }
[[ -z $probe_threads || $probe_threads =~ ^[0-9]+$ ]] ||
  { echo "monitor_bench: --probe-threads wants a number" >&2; exit 2; }
[[ $delv_sample =~ ^[0-9]+$ ]] ||
  { echo "monitor_bench: --delv-sample wants a number (0 skips delv)" >&2; exit 2; }
[ -x "$zonewatch" ] || { echo "monitor_bench: no binary at $zonewatch (--zonewatch)" >&2; exit 2; }
for tool in /usr/bin/time sqlite3 bc python3; do
  command -v "$tool" >/dev/null || { echo "monitor_bench: $tool is required" >&2; exit 2; }
done
if [ "$delv_sample" -gt 0 ] && ! command -v delv >/dev/null; then
  echo "monitor_bench: delv is required (bind9-dnsutils), or --delv-sample 0" >&2
  exit 2
fi
# Ascending and without repeats: the growth curve reads from the top down.
mapfile -t size_list < <(tr , '\n' <<<"$sizes" | sort -n -u)
max_size=${size_list[-1]}

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
# One lab of max(sizes) children serves every size: size N watches its first N children.
if [ "$reuse" = 1 ]; then
  [ -f "$lab_dir/lab.json" ] || { echo "monitor_bench: no lab in $lab_dir" >&2; exit 2; }
  # A lab.json outlives its servers (a reboot, another network namespace): rounds against a dead
  # lab would only measure time-outs.
  "$lab_sh" status "$lab_dir" >"$work/lab-status.txt" 2>&1 || {
    cat "$work/lab-status.txt" >&2
    echo "monitor_bench: the lab in $lab_dir is not running; run without --reuse-lab" >&2
    exit 2
  }
  up_seconds=$(python3 -c 'import json, sys; print(round(json.load(sys.stdin)["up_seconds"]))' \
    <"$lab_dir/lab.json")
  mutated=$(sed -n 's/^children: [0-9]*, //p' "$work/lab-status.txt")
  up_note="reused (its \`up\` took $up_seconds s; $mutated)"
else
  lab_started=1
  echo "monitor_bench: lab up with $max_size children in $lab_dir"
  start=$EPOCHREALTIME
  "$lab_sh" up "$lab_dir" --children "$max_size"
  up_note="$(printf '%.0f' "$(echo "$EPOCHREALTIME - $start" | bc)") s"
fi
# The domain lists: one per size, 12 domains for the base, the profile's 1,000 and delv's sample
# (a fixed pseudo-random draw from the largest size, so every slot of the lab's pattern is in it;
# a stride could hit one slot only), each with the verdict lab.json expects.
python3 - "$lab_dir/lab.json" "$work" "$delv_sample" "${size_list[@]}" <<'PY'
import json, random, sys
lab = json.load(open(sys.argv[1]))
work, sample, sizes = sys.argv[2], int(sys.argv[3]), [int(s) for s in sys.argv[4:]]
children = lab["children"]
if len(children) < max(sizes):
    sys.exit(f"monitor_bench: the lab has only {len(children)} children, {max(sizes)} needed")
def write(name, names):
    open(f"{work}/{name}", "w").write("".join(n + "\n" for n in names))
for size in sizes:
    write(f"domains-{size}.txt", [c["name"] for c in children[:size]])
write("domains-12.txt", [c["name"] for c in children[:12]])
write("domains-profile.txt", [c["name"] for c in children[:min(1000, max(sizes))]])
drawn = random.Random(13).sample(children[:max(sizes)], min(sample, max(sizes)))
write("delv-sample.txt", [f'{c["name"]} {c["expected"]}' for c in drawn])
write("oracle.txt", [lab["oracle"]["address"], lab["delv_anchors"]])
PY
profile_size=$(wc -l <"$work/domains-profile.txt")

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
  if [ -n "$probe_threads" ]; then echo "probe_threads: $probe_threads" >>"$1"; fi
}

nsd_queries() {
  local total=0 n
  for sid in root-nsd tld-nsd child-nsd; do
    n=$(nsd-control -c "$lab_dir/config/$sid.conf" stats_noreset 2>/dev/null |
      sed -n 's/^num.queries=//p')
    total=$((total + ${n:-0}))
  done
  echo "$total"
}
db_bytes() { # db_bytes DATABASE: the database and its write-ahead log, if one was left
  local total=0 f
  for f in "$1" "$1-wal"; do [ -f "$f" ] && total=$((total + $(stat -c %s "$f"))); done
  echo "$total"
}
count() { sqlite3 "$1" "select count(*) from $2"; } # count DATABASE TABLE

# --- the rounds ------------------------------------------------------------------------------------
# One line per round in results.tsv; the report below takes medians and spreads from it.
results="$work/results.tsv"
round() { # round SIZE REP N CONFIG DATABASE
  local size=$1 rep=$2 n=$3 cfg=$4 db=$5 nsd_before start wall queries=n/a status=0
  local tag="$work/$size-$rep-$n"
  nsd_before=$(nsd_queries)
  start=$EPOCHREALTIME
  if [ "$have_perf" = 1 ]; then
    perf stat -x, -e "$events" -o "$tag.perf" -- \
      /usr/bin/time -v -o "$tag.time" "$zonewatch" run -c "$cfg" --once >"$tag.log" 2>&1 ||
      status=$?
  else
    /usr/bin/time -v -o "$tag.time" "$zonewatch" run -c "$cfg" --once >"$tag.log" 2>&1 ||
      status=$?
  fi
  wall=$(echo "$EPOCHREALTIME - $start" | bc)
  if [ "$status" != 0 ]; then
    echo "monitor_bench: zonewatch exited with $status ($size domains, repetition $rep," \
      "round $n); the end of its log:" >&2
    tail -n 20 "$tag.log" >&2
    exit 1
  fi
  if [ "$have_perf" = 1 ]; then
    queries=$(awk -F, '/syscalls:sys_enter_/ {s += $1} END {print s}' "$tag.perf")
  fi
  local fields=("$size" "$rep" "$n" "$wall"
    "$(sed -n 's/.*User time (seconds): //p' "$tag.time")"
    "$(sed -n 's/.*System time (seconds): //p' "$tag.time")"
    "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tag.time")"
    "$queries" "$(($(nsd_queries) - nsd_before))" "$(db_bytes "$db")"
    "$(count "$db" snapshots)" "$(count "$db" snapshot_bodies)" "$(count "$db" events)"
    "$(sed -n 's/.*observed [0-9]* domains (\([0-9]*\) failed).*/\1/p' "$tag.log")")
  (IFS=$'\t'; echo "${fields[*]}") >>"$results"
  printf ' round %s %.2f s' "$n" "$wall"
}
# What the process needs with hardly any domain (PSL, libraries, SQLite): the base of "per domain".
config "$work/small.yaml" "$work/small.sqlite" "$work/domains-12.txt"
/usr/bin/time -v -o "$work/time-small.txt" "$zonewatch" run -c "$work/small.yaml" --once \
  >"$work/run-small.log" 2>&1
base_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time-small.txt")
for size in "${size_list[@]}"; do
  for ((rep = 1; rep <= reps; rep++)); do
    printf 'monitor_bench: %s domains, repetition %s/%s:' "$size" "$rep" "$reps"
    db="$work/bench-$size-$rep.sqlite"
    config "$work/bench.yaml" "$db" "$work/domains-$size.txt"
    round "$size" "$rep" 1 "$work/bench.yaml" "$db"
    round "$size" "$rep" 2 "$work/bench.yaml" "$db"
    echo
    rm -f "$db" "$db-wal" "$db-shm" # 100,000 domains leave over half a GB each
  done
done

# --- delv on the same lab --------------------------------------------------------------------------
# As tests/lab/oracles.py runs it: through the oracle resolver with CD, validating from the lab's
# anchor. Only delv's own run is timed (EPOCHREALTIME around it, no fork for the clock).
delv_results="$work/delv.tsv"
: >"$delv_results"
delv_pass() { # delv_pass NAME: one line "NAME count microseconds as_expected validated failures"
  local pass=$1 name expected out start us total=0 n=0 ok=0 validated=0 got failures=""
  local oracle anchors
  { read -r oracle; read -r anchors; } <"$work/oracle.txt"
  while read -r name expected; do
    out="$work/delv.out"
    start=${EPOCHREALTIME/./}
    timeout 60 delv "@$oracle" -a "$anchors" +root=. +cdflag "$name" SOA >"$out" 2>&1 || true
    us=$((${EPOCHREALTIME/./} - start))
    total=$((total + us))
    n=$((n + 1))
    if grep -q '^; fully validated' "$out"; then # the lines tests/lab/oracles.py reads
      got=secure
      validated=$((validated + 1))
    elif grep -q '^; unsigned answer' "$out"; then
      got=insecure
    elif grep -q 'resolution failed\|validation failed' "$out"; then
      got=failed # bogus or unresolvable: delv does not tell them apart
    else
      got=error
    fi
    if [ "$got" = "${expected/#bogus/failed}" ]; then
      ok=$((ok + 1))
    else
      failures+="${failures:+,}$name:$got"
      if [ $((n - ok)) -le 3 ]; then # the first few in full, for the reason
        { echo "--- delv $name ($pass pass, expected $expected)"; cat "$out"; } \
          >>"$work/delv-failures.txt"
      fi
    fi
  done <"$work/delv-sample.txt"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$pass" "$n" "$total" "$ok" "$validated" "${failures:--}" \
    >>"$delv_results"
  printf ' %s %.2f s' "$pass" "$(echo "$total / 1000000" | bc -l)"
}
if [ "$delv_sample" -gt 0 ]; then
  printf 'monitor_bench: delv over %s domains:' "$(wc -l <"$work/delv-sample.txt")"
  "$lab_sh" flush "$lab_dir" >/dev/null
  delv_pass cold
  delv_pass warm
  echo
  if [ -s "$work/delv-failures.txt" ]; then cat "$work/delv-failures.txt" >&2; fi
fi

# --- the report ------------------------------------------------------------------------------------
echo
echo "== zonewatch run --once at ${size_list[*]} domains, repetitions per size: $reps" \
  "($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg);" \
  "$(sed -n 's/.* info \([0-9]* probe threads\?\)$/\1/p' "$work/run-small.log" | head -1))"
echo "lab: $(python3 -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["children"]))' "$lab_dir/lab.json") children, up: $up_note" \
  "(not part of any figure)"
report_status=0
python3 - "$results" "$delv_results" "$base_rss" "$have_perf" "$check" <<'PY' || report_status=$?
import statistics, sys
results, delv_path, base_rss, have_perf, check = sys.argv[1:6]
base_rss, have_perf, check = int(base_rss), have_perf == "1", check == "1"

cols = ["size", "rep", "round", "wall", "user", "sys", "rss", "queries", "nsd", "bytes",
        "snapshots", "bodies", "events", "failed"]
rounds = {}  # (size, rep) -> {round: row}
for line in open(results):
    row = dict(zip(cols, line.rstrip("\n").split("\t")))
    conv = {k: (float(v) if v not in ("", "n/a") else None) for k, v in row.items()}
    rounds.setdefault((int(conv["size"]), int(conv["rep"])), {})[int(conv["round"])] = conv
sizes = sorted({s for s, _ in rounds})

def per_rep(size, f):
    """f(round1, round2, size) for every repetition of a size, None where it has no value."""
    vals = [f(r[1], r[2], size) for (s, _), r in sorted(rounds.items()) if s == size]
    return [v for v in vals if v is not None]

def fmt(v, digits):
    return f"{v:,.{digits}f}"

def cell(vals, digits=0):
    """The median, and the min-max of the repetitions where they differ."""
    if not vals:
        return "n/a"
    med = fmt(statistics.median(vals), digits)
    if fmt(min(vals), digits) == fmt(max(vals), digits):
        return med
    return f"{med} ({fmt(min(vals), digits)}–{fmt(max(vals), digits)})"

def q(r, size):
    return None if r["queries"] is None else r["queries"] / size

# Per-domain figures of one repetition; the key is the column.
F = {
    "r1 dps": lambda a, b, n: n / a["wall"],
    "r2 dps": lambda a, b, n: n / b["wall"],
    "r1 cpu": lambda a, b, n: (a["user"] + a["sys"]) / n * 1000,
    "r2 cpu": lambda a, b, n: (b["user"] + b["sys"]) / n * 1000,
    "r1 q": lambda a, b, n: q(a, n),
    "r2 q": lambda a, b, n: q(b, n),
    "r1 nsd": lambda a, b, n: a["nsd"] / n,
    "r2 nsd": lambda a, b, n: b["nsd"] / n,
    "r1 fail": lambda a, b, n: a["failed"],
    "r2 fail": lambda a, b, n: b["failed"],
    "r1 rss": lambda a, b, n: a["rss"] / n,
    "r2 rss": lambda a, b, n: b["rss"] / n,
    "peak rss": lambda a, b, n: max(a["rss"], b["rss"]) / n,
    "r1 above": lambda a, b, n: (a["rss"] - base_rss) / n,
    "r2 above": lambda a, b, n: (b["rss"] - base_rss) / n,
    "db": lambda a, b, n: b["bytes"] / n,
    "growth": lambda a, b, n: (b["bytes"] - a["bytes"]) / n,
    "growth bytes": lambda a, b, n: b["bytes"] - a["bytes"],
    "new snapshots": lambda a, b, n: b["snapshots"] - a["snapshots"],
    "new bodies": lambda a, b, n: b["bodies"] - a["bodies"],
    "r2 wall per domain": lambda a, b, n: b["wall"] / n,
}
M = {size: {k: per_rep(size, f) for k, f in F.items()} for size in sizes}

def table(title, header, rows):
    print(f"\n{title}")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")

table("-- time per size (median of the repetitions; their min–max in brackets where they differ)",
      ["domains", "round 1 domains/s", "round 2 domains/s", "CPU ms/domain r1", "CPU ms/domain r2",
       "queries/domain r1", "queries/domain r2", "NSD answered/domain r1 / r2",
       "failed observations r1 / r2"],
      [[fmt(s, 0), cell(M[s]["r1 dps"]), cell(M[s]["r2 dps"]), cell(M[s]["r1 cpu"], 3),
        cell(M[s]["r2 cpu"], 3), cell(M[s]["r1 q"], 2) if have_perf else "n/a (no perf)",
        cell(M[s]["r2 q"], 2) if have_perf else "n/a (no perf)",
        f'{fmt(statistics.median(M[s]["r1 nsd"]), 2)} / {fmt(statistics.median(M[s]["r2 nsd"]), 2)}',
        f'{fmt(max(M[s]["r1 fail"], default=0), 0)} / {fmt(max(M[s]["r2 fail"], default=0), 0)}']
       for s in sizes])
table(f"-- memory and database per size (base: a 12-domain run peaks at {base_rss / 1024:.1f} MiB)",
      ["domains", "peak RSS KiB/domain r1", "peak RSS KiB/domain r2", "above base r1",
       "above base r2", "database bytes/domain", "round 2 growth bytes/domain",
       "round 2 new snapshot rows (bodies)"],
      [[fmt(s, 0), cell(M[s]["r1 rss"], 2), cell(M[s]["r2 rss"], 2), cell(M[s]["r1 above"], 2),
        cell(M[s]["r2 above"], 2), cell(M[s]["db"]), cell(M[s]["growth"], 1),
        f'{fmt(max(M[s]["new snapshots"]), 0)} ({fmt(max(M[s]["new bodies"]), 0)})']
       for s in sizes])

# --- goals
judged = [s for s in sizes if s >= 10000] or [sizes[-1]]
note = ("" if judged[-1] >= 10000
        else f" (the goals name 10k and 100k; judged here at {judged[-1]:,})")
missed = []

def goal_row(label, goal, key, ok, digits=0, unit=""):
    parts, passed = [], True
    for s in judged:
        v = M[s][key]
        passed &= ok(statistics.median(v))
        parts.append(f"{fmt(s, 0)}: {cell(v, digits)}{unit}")
    if not passed:
        missed.append(label)
    return [label, goal, "; ".join(parts), "PASS" if passed else "FAIL"]

rows = [
    goal_row("round 2 (nothing changed), domains/s", "≥ 5,000", "r2 dps", lambda v: v >= 5000),
    goal_row("round 1 (empty database), domains/s", "≥ 2,000", "r1 dps", lambda v: v >= 2000),
    goal_row("peak RSS per domain", "≤ 4 KiB (at 10k and at 100k)", "peak rss",
             lambda v: v <= 4, 2, " KiB"),
]
# The database: its size per domain (median) and, for "+0 per unchanged round", the worst
# repetition: any growth or any new snapshot row in round 2 misses it.
parts, passed = [], True
for s in judged:
    growth, new = max(M[s]["growth bytes"]), max(M[s]["new snapshots"])
    passed &= statistics.median(M[s]["db"]) <= 4096 and growth == 0 and new == 0
    parts.append(f"{fmt(s, 0)}: {cell(M[s]['db'])} bytes, round 2 +{fmt(growth, 0)} bytes"
                 f" and +{fmt(new, 0)} snapshot rows at most")
rows.append(["database per domain", "≤ 4 KiB, +0 per unchanged round", "; ".join(parts),
             "PASS" if passed else "FAIL"])
if not passed:
    missed.append("database per domain")

# delv: per domain, cold and warm, and how many times zonewatch's round-2 time per domain.
delv = {}
for line in open(delv_path):
    name, n, us, ok, validated, failures = line.rstrip("\n").split("\t")
    delv[name] = dict(n=int(n), s=int(us) / 1e6, ok=int(ok), validated=int(validated),
                      failures=failures)
if delv:
    ref = sizes[-1]
    zw = statistics.median(M[ref]["r2 wall per domain"])
    parts, bad = [], 0
    for name in ("cold", "warm"):
        d = delv[name]
        per = d["s"] / d["n"]
        bad += d["n"] - d["ok"]
        parts.append(f"{name} {per * 1000:,.1f} ms/domain = {per / zw:,.0f}×")
    d = delv["cold"]
    measured = (f"{'; '.join(parts)} zonewatch's round 2 ({zw * 1e6:,.0f} µs/domain at {ref:,});"
                f" {d['n']} domains, {d['validated']} fully validated, {d['ok']} as lab.json expects"
                f" (warm: {delv['warm']['ok']})")
    status = "report" if bad == 0 else f"FAIL: {bad} answers not as expected"
    if bad:
        missed.append("delv answers")
        for name in ("cold", "warm"):
            if delv[name]["failures"] != "-":
                names = delv[name]["failures"].split(",")
                more = f" and {len(names) - 5} more" if len(names) > 5 else ""
                measured += f"; {name}, not as expected: {', '.join(names[:5])}{more}"
    rows.append(["`delv` per domain (same run, same lab)", "report", measured, status])
else:
    rows.append(["`delv` per domain (same run, same lab)", "report", "skipped (--delv-sample 0)",
                 "—"])
failed = {s: max(M[s]["r1 fail"] + M[s]["r2 fail"], default=0) for s in sizes}
rows.append(["failed observations (every size)", "0",
             "; ".join(f"{fmt(s, 0)}: {fmt(failed[s], 0)}" for s in sizes),
             "PASS" if not any(failed.values()) else "FAIL"])
if any(failed.values()):
    missed.append("failed observations")

table(f"-- goals (issue 13), medians of the repetitions{note}", ["", "goal", "measured", "result"],
      rows)
if missed:
    print(f"\nmissed: {', '.join(missed)}")
sys.exit(1 if missed and check else 0)
PY

# --- profile of a 1,000-domain round --------------------------------------------------------------
if [ "$profile" = 1 ]; then
  pdb="$work/profile.sqlite"
  config "$work/profile.yaml" "$pdb" "$work/domains-profile.txt"
  echo
  if command -v perf >/dev/null && perf record -o "$work/probe.data" true >/dev/null 2>&1; then
    # The goal is the steady state: profile the second round, the first only fills the database
    # and the verified-signature memo.
    echo "== perf profile of a second --once round over $profile_size domains (nothing changed)"
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
    echo "== callgrind profile of a second --once round over $profile_size domains (nothing changed)"
    "$zonewatch" run -c "$work/profile.yaml" --once >/dev/null 2>&1
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
      "$zonewatch" run -c "$work/profile.yaml" --once >/dev/null 2>&1
    callgrind_annotate "$work/callgrind.out" 2>/dev/null | head -40
  else
    echo "(no perf or valgrind: no profile)"
  fi
fi
[ "$report_status" = 0 ] || exit "$report_status" # a goal was missed and --check was given
