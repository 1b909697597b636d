#!/bin/sh
# The zonewatch binary's exit codes for its command line itself: --help is 0, anything CLI11 or
# the check command rejects is 3 (Nagios UNKNOWN), never CLI11's own 105-111. Every invocation
# here fails before a query is sent; the commands that get as far as reading their options are
# given a root that cannot answer (127.255.53.1), so that even a regression sends nothing off the
# machine.
zw=$1
status=0
hints=$(mktemp)
trap 'rm -f "$hints"' EXIT
printf '. 3600000 IN NS a.root-servers.test.\na.root-servers.test. 3600000 IN A 127.255.53.1\n' \
  >"$hints"
dead="--timeout 100 --root-hints $hints"
# shellcheck disable=SC2086 # $dead is split into its options on purpose
expect() {
  want=$1
  shift
  "$zw" "$@" >/dev/null 2>&1
  got=$?
  if [ "$got" -ne "$want" ]; then
    echo "zonewatch $*: exit $got, expected $want" >&2
    status=1
  fi
}
expect 0 --help
expect 0 check --help
expect 0 --version
expect 0 -V
expect 0 status --help
expect 0 events --help
expect 3
expect 3 no-such-command
expect 3 check
expect 3 check --no-such-option x.test
expect 3 check $dead --timeout abc x.test
expect 3 check $dead -4 -6 x.test
expect 3 check $dead --at yesterday x.test
expect 3 check $dead --signature-warning soon x.test
expect 3 check $dead -w 604800 x.test
expect 3 check $dead -w 1d: -c 7d: x.test
expect 3 check $dead -w 7d: --signature-warning 7d x.test
expect 3 check $dead -f /nonexistent/domains.txt
expect 3 check $dead -f - x.test
expect 3 events --since soon -c /nonexistent/zonewatch.yaml
expect 3 status -c /nonexistent/zonewatch.yaml
expect 3 check --root-hints /nonexistent/root.hints x.test
expect 3 check --root-hints "$hints" --timeout 99999999999 x.test
expect 3 check $dead --signature-warning 1d --signature-critical 7d x.test
expect 3 check $dead ""
expect 3 check $dead .
# The usage goes to stderr on errors, whether CLI11 or the command finds them.
for args in "check" "check $dead --at 2026-11-27 x.test" "check $dead a..b"; do
  # shellcheck disable=SC2086 # word splitting is the point
  if ! "$zw" $args 2>&1 >/dev/null | grep -q "Usage: zonewatch check"; then
    echo "zonewatch $args: no usage on stderr" >&2
    status=1
  fi
done
# --version and -V print the project's version, "zonewatch X.Y.Z", and nothing else.
for flag in --version -V; do
  if ! "$zw" "$flag" 2>&1 | grep -Eqx 'zonewatch [0-9]+\.[0-9]+\.[0-9]+'; then
    echo "zonewatch $flag: not \"zonewatch X.Y.Z\": $("$zw" "$flag" 2>&1)" >&2
    status=1
  fi
done
# A plugin's UNKNOWN is a status line on standard output, for the command line CLI11 rejects and
# for the values the check command rejects alike.
for args in "check --no-such-option x.test" "check $dead -w 604800 x.test"; do
  # shellcheck disable=SC2086 # word splitting is the point
  if ! "$zw" $args 2>/dev/null | head -n 1 | grep -q "^ZONEWATCH UNKNOWN - "; then
    echo "zonewatch $args: no UNKNOWN status line on stdout" >&2
    status=1
  fi
done
if [ -n "$("$zw" check --json --no-such-option x.test 2>/dev/null)" ]; then
  echo "zonewatch check --json with a bad option: stdout is not empty (JSON readers)" >&2
  status=1
fi
# status --help explains the "?" marker.
if ! "$zw" status --help | grep -q 'STATE "?": the latest observation got no data'; then
  echo "zonewatch status --help: no legend of \"?\"" >&2
  status=1
fi
exit $status
