#!/usr/bin/env bash
# zonewatch offline demo: the monitor daemon watching the test lab (tests/lab) while a delegation
# is hijacked and then downgraded to unsigned. Nothing leaves 127.0.0.0/8.
#
#   deploy/demo/lab-demo.sh [--interactive] [--lab DIR] [--zonewatch PATH]
#
#   --interactive    wait for Enter between the steps (default: run straight through, as a test)
#   --lab DIR        use the lab already running in DIR and leave it up (what it mutates it
#                    restores); default: bring up a 12-child lab of its own and tear it down
#   --zonewatch PATH the binary (default: build/monitor/zonewatch, else zonewatch on PATH)
#
# Bringing up a lab needs root (the lab binds port 53 on 127.53.x.x) and the packages of
# `deploy/install-deps.sh test`. Only one lab can run per machine: on a shared machine hold the
# lab lock around the demo, `flock /tmp/zonewatch-lab.lock deploy/demo/lab-demo.sh`.
# Exit status 0 when the daemon reported what each step should raise; see deploy/demo/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
lab_sh="$repo/tests/lab/lab.sh"
interactive=0
lab_dir=""
zonewatch=""

usage() { sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --interactive) interactive=1 ;;
    --lab) lab_dir=${2:?--lab needs a directory}; shift ;;
    --zonewatch) zonewatch=${2:?--zonewatch needs a path}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "lab-demo: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$zonewatch" ]; then
  if [ -x "$repo/build/monitor/zonewatch" ]; then zonewatch="$repo/build/monitor/zonewatch"
  else zonewatch=$(command -v zonewatch || true); fi
fi
if [ -z "$zonewatch" ] || [ ! -x "$zonewatch" ]; then
  echo "lab-demo: no zonewatch binary (build it, or pass --zonewatch PATH)" >&2
  exit 2
fi

child=child01.lab
work=$(mktemp -d /tmp/zonewatch-demo.XXXXXX)
own_lab=0
if [ -z "$lab_dir" ]; then
  own_lab=1
  lab_dir="$work/lab"
elif [ ! -f "$lab_dir/lab.json" ]; then
  echo "lab-demo: $lab_dir/lab.json not found: is a lab running there?" >&2
  exit 2
fi
cfg="$work/zonewatch.yaml"
log="$work/daemon.log"
daemon_pid=""
mutated=0
failures=0

# --- presentation ---------------------------------------------------------------------------------
bold=""; plain=""
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\e[1m'; plain=$'\e[0m'; fi
say() { printf '%s\n' "$*"; }
title() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$plain"; }
pause() {
  if [ "$interactive" = 1 ]; then read -r -p "--- press Enter to continue " _ </dev/tty; fi
}
show() { # show COMMAND...: prints the command as a user would type it, then runs it
  local shown="$*"
  shown=${shown//$lab_sh/tests/lab/lab.sh}
  printf '%s$ %s%s\n' "$bold" "$shown" "$plain"
  "$@"
}
show_zw() { # show_zw ARGS...: a zonewatch command on the demo's configuration
  printf '%s$ zonewatch %s -c %s%s\n' "$bold" "$*" "$cfg" "$plain"
  "$zonewatch" "$@" -c "$cfg" || true
}
log_offset() { stat -c %s "$log" 2>/dev/null || echo 0; }
show_log_since() { # the daemon's log lines written since offset $1
  printf '%s--- the daemon'"'"'s log%s\n' "$bold" "$plain"
  tail -c +$(($1 + 1)) "$log" | sed 's/^/    /'
}
zw() { "$zonewatch" "$@" -c "$cfg"; }
count_event() { zw history "$child" --json --limit 100000 | grep -c "\"event\":\"$1\"" || true; }

# Waits (up to 150 s) until the daemon has stored one more EVENT for the child than `before`.
wait_for_event() { # wait_for_event EVENT BEFORE
  local start=$SECONDS said_pending=0
  say "waiting for the daemon: it polls every 30 s, and with confirm_polls 2 a change must be seen"
  say "on two polls in a row before it becomes an event (up to about a minute)..."
  while [ $((SECONDS - start)) -lt 150 ]; do
    if [ "$(count_event "$1")" -gt "$2" ]; then
      say "  ... $1 after $((SECONDS - start)) s"
      return 0
    fi
    if [ "$said_pending" = 0 ] && zw status --json | grep "\"domain\":\"$child.\"" |
        grep -q '"pending_change":true'; then
      say "  ... the change was seen once ($((SECONDS - start)) s): pending, one more poll to confirm"
      said_pending=1
    fi
    sleep 1
  done
  say "  ... no $1 after 150 s"
  failures=$((failures + 1))
  return 1
}

# attack EVENT MUTATION: applies a lab mutation to the child, waits for the monitor to raise
# the event, then shows the status, the child's history and what the daemon logged meanwhile.
attack() {
  local event=$1 mutation=$2 offset before
  offset=$(log_offset)
  before=$(count_event "$event")
  mutated=1
  show "$lab_sh" mutate "$lab_dir" "$child" "$mutation"
  wait_for_event "$event" "$before" || true
  show_zw status
  show_zw history "$child"
  show_log_since "$offset"
  pause
}

cleanup() {
  local status=$?
  if [ -n "$daemon_pid" ]; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  if [ "$mutated" = 1 ]; then
    "$lab_sh" restore "$lab_dir" "$child" >/dev/null 2>&1 || echo "lab-demo: could not restore $child" >&2
  fi
  if [ "$own_lab" = 1 ] && [ -f "$lab_dir/lab.json" ]; then
    "$lab_sh" down "$lab_dir" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. the lab and the daemon ---------------------------------------------------------------------
title "1. A lab and the monitor"
if [ "$own_lab" = 1 ]; then
  say "Bringing up the test lab in $lab_dir: a signed root, the TLD lab. and 12 children served by"
  say "NSD, Knot DNS and BIND on 127.53.x.x, and an Unbound resolver (tests/lab/README.md)."
  "$lab_sh" up "$lab_dir"
else
  say "Using the lab running in $lab_dir (left up afterwards)."
fi
cat >"$cfg" <<EOF
# The demo's configuration: the 12 lab children, polled every 30 s.
database: $work/zonewatch.sqlite
interval: 30s
confirm_polls: 2
root_hints: $lab_dir/root.hints
trust_anchors: $lab_dir/root.ds
ip_versions: [4]
per_server_qps: 100000
metrics:
  enabled: false
log_level: info
domains:
$(for i in 01 02 03 04 05 06 07 08 09 10 11 12; do echo "  - child$i.lab"; done)
EOF
say "The configuration ($cfg):"
sed 's/^/    /' "$cfg"
offset=$(log_offset)
"$zonewatch" run -c "$cfg" >>"$log" 2>&1 &
daemon_pid=$!
say "Started the daemon: zonewatch run -c $cfg (pid $daemon_pid)."
start=$SECONDS
until [ "$(zw status --json 2>/dev/null | grep -c '"status"' || true)" -ge 12 ]; do
  kill -0 "$daemon_pid" 2>/dev/null || { say "the daemon exited:"; cat "$log"; exit 1; }
  [ $((SECONDS - start)) -lt 60 ] || { say "no first round after 60 s"; exit 1; }
  sleep 0.5
done
say "Its first round is the baseline: every child's state is remembered, no change is reported."
show_zw status
show_log_since "$offset"
pause

# --- 2. a hijack ------------------------------------------------------------------------------------
title "2. A hijack: the delegation of $child moves to another operator, with a new DS"
say "The lab's move-ns scenario does what someone who took over the registrar account would do:"
say "the TLD now delegates $child to ns1/ns2.other-operator.lab (BIND), which serves a copy of"
say "the zone signed with a new key, and the TLD's DS names that key. DNSSEC still validates"
say "(secure) - so validation alone would not notice. The monitor compares with what it knew."
attack hijack_suspected move-ns

# --- 3. back -----------------------------------------------------------------------------------------
title "3. The registrar puts the delegation back"
offset=$(log_offset)
before=$(count_event operator_changed)
show "$lab_sh" restore "$lab_dir" "$child"
mutated=0
wait_for_event operator_changed "$before" || true
say "Moving back is another operator change with another DS: reported the same way."
show_log_since "$offset"
pause

# --- 4. a downgrade ------------------------------------------------------------------------------
title "4. A downgrade: the DS of $child disappears from the TLD"
say "The zone is still signed, but the TLD no longer publishes its DS and proves so (an opt-out"
say "NSEC3): validators now treat $child as unsigned, and forged answers would be accepted."
attack unsigned_downgrade remove-ds

# --- 5. the end ------------------------------------------------------------------------------------
title "5. Restore and tear down"
show "$lab_sh" restore "$lab_dir" "$child"
mutated=0
offset=$(log_offset)
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=""
say "Stopped the daemon (SIGTERM: it finishes the observations in flight first)."
show_log_since "$offset"
if [ "$own_lab" = 1 ]; then
  "$lab_sh" down "$lab_dir"
else
  say "The lab in $lab_dir stays up."
fi
if [ "$failures" -gt 0 ]; then
  say "lab-demo: $failures expected event(s) did not appear"
  exit 1
fi
say "lab-demo: done, every step raised what it should"
