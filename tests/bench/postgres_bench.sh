#!/usr/bin/env bash
# One worker on PostgreSQL next to SQLite (issue 14, docs/scale-out.md): `zonewatch run --once`
# twice on a fresh database (round 1: empty, round 2: nothing changed) over the first N children of
# a lab that is up, the two backends alternating in one run, and what each round costs the
# database server: its CPU time, its commits and rows written, and the WAL it wrote.
#
#   tests/bench/postgres_bench.sh [--zonewatch PATH] [--lab DIR] [--size N] [--reps N]
#
# Starts its own PostgreSQL 15 (initdb in a temporary directory, 127.0.0.1 only, fsync on as in
# production) and stops it at the end. Hold the lab lock for the whole run:
#   flock /tmp/zonewatch-lab.lock tests/bench/postgres_bench.sh
# Needs root (the server runs as nobody), the lab (tests/lab/lab.sh up DIR --children N), bc.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
zonewatch="$repo/build/monitor/zonewatch"
lab_dir=/tmp/zonewatch-bench-lab
size=10000
reps=3
while [ $# -gt 0 ]; do
  case $1 in
    --zonewatch) zonewatch=$(realpath "$2"); shift 2 ;;
    --lab) lab_dir=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "postgres_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
bin=/usr/lib/postgresql/15/bin
[ -x "$bin/postgres" ] || { echo "postgres_bench: PostgreSQL 15 is not installed" >&2; exit 1; }
[ -f "$lab_dir/lab.json" ] || { echo "postgres_bench: no lab in $lab_dir" >&2; exit 1; }

work=$(mktemp -d /tmp/zonewatch-pg-bench.XXXXXX)
chmod 755 "$work"
pg="$work/pg"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { runuser -u nobody -- "$@"; }
stop() {
  as_pg "$bin/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT
install -d -o nobody "$pg"
as_pg "$bin/initdb" -D "$pg/data" -U zonewatch --auth=trust >"$work/initdb.log" 2>&1
as_pg "$bin/pg_ctl" -D "$pg/data" -w -l "$pg/server.log" \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$pg" start >/dev/null
psql_() { psql -h 127.0.0.1 -p "$port" -U zonewatch -X -A -t -q "$@"; }

python3 - "$lab_dir/lab.json" "$size" >"$work/domains.txt" <<'PY'
import json, sys
lab = json.load(open(sys.argv[1]))
for c in lab["children"][: int(sys.argv[2])]:
    print(c["name"])
PY
[ "$(wc -l <"$work/domains.txt")" -eq "$size" ] || { echo "postgres_bench: the lab has fewer than $size children" >&2; exit 1; }

config() { # config FILE DATABASE
  cat >"$1" <<EOC
database: $2
interval: 5m
confirm_polls: 2
root_hints: $lab_dir/root.hints
trust_anchors: $lab_dir/root.ds
ip_versions: [4]
per_server_qps: 100000
metrics:
  enabled: false
log_level: warning
domains_file: $work/domains.txt
EOC
}

# The server's CPU time (user + system, seconds): the postmaster's own and that of the children it
# reaped (a connection's backend exits with it), and the children still running.
pg_cpu() {
  local postmaster ticks pid
  postmaster=$(head -1 "$pg/data/postmaster.pid")
  ticks=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat")
  for pid in $(pgrep -P "$postmaster"); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "scale=2; $ticks / $(getconf CLK_TCK)" | bc
}
pg_counters() {
  psql_ -d postgres -c "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted,
    pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') FROM pg_stat_database WHERE datname = '$1'" |
    tr '|' ' '
}

printf '| backend | rep | round | domains/s | zonewatch CPU ms/domain | server CPU ms/domain | commits | rows written/domain | WAL bytes/domain |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
round_of() { # round_of BACKEND REP ROUND CONFIG DATABASE_NAME
  local backend=$1 rep=$2 n=$3 cfg=$4 db=$5 start wall cpu0 cpu1 before after
  cpu0=$(pg_cpu)
  [ "$backend" = postgresql ] && read -r -a before <<<"$(pg_counters "$db")"
  start=$EPOCHREALTIME
  /usr/bin/time -f '%U %S' -o "$work/time" "$zonewatch" run -c "$cfg" --once >"$work/log" 2>&1 ||
    { echo "postgres_bench: the round failed:" >&2; tail -5 "$work/log" >&2; exit 1; }
  wall=$(echo "$EPOCHREALTIME - $start" | bc)
  cpu1=$(pg_cpu)
  local zw_cpu server commits rows wal
  zw_cpu=$(awk -v n="$size" '{printf "%.3f", ($1 + $2) * 1000 / n}' "$work/time")
  server=$(echo "scale=3; ($cpu1 - $cpu0) * 1000 / $size" | bc)
  commits=- rows=- wal=-
  if [ "$backend" = postgresql ]; then
    sleep 0.6  # the statistics collector reports at most every 500 ms
    read -r -a after <<<"$(pg_counters "$db")"
    commits=$((after[0] - before[0]))
    rows=$(echo "scale=2; (${after[1]} - ${before[1]}) / $size" | bc)
    wal=$(echo "scale=0; (${after[2]} - ${before[2]}) / $size" | bc)
  else
    server=-
  fi
  printf '| %s | %d | %d | %.0f | %s | %s | %s | %s | %s |\n' "$backend" "$rep" "$n" \
    "$(echo "$size / $wall" | bc -l)" "$zw_cpu" "$server" "$commits" "$rows" "$wal"
}

for rep in $(seq 1 "$reps"); do
  for backend in sqlite postgresql; do
    if [ "$backend" = sqlite ]; then
      db="$work/bench-$rep.sqlite"
      config "$work/zonewatch.yaml" "$db"
      name=-
    else
      name="bench$rep"
      psql_ -d postgres -c "CREATE DATABASE $name"
      config "$work/zonewatch.yaml" "postgresql://zonewatch@127.0.0.1:$port/$name"
    fi
    round_of "$backend" "$rep" 1 "$work/zonewatch.yaml" "$name"
    # With PostgreSQL, `--once` observes what is due in the shared queue: make the round whole.
    [ "$backend" = postgresql ] && psql_ -d "$name" -c "UPDATE work SET due_at = 0"
    round_of "$backend" "$rep" 2 "$work/zonewatch.yaml" "$name"
  done
done
