#!/bin/sh
# The zonewatch binary's exit codes for its command line itself: --help is 0, anything CLI11 or
# the check command rejects is 3 (Nagios UNKNOWN), never CLI11's own 105-111. Every invocation
# here fails before a query is sent (no test may reach the real root servers).
zw=$1
status=0
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
expect 3
expect 3 no-such-command
expect 3 check
expect 3 check --no-such-option x.test
expect 3 check --timeout abc x.test
expect 3 check -4 -6 x.test
expect 3 check --at yesterday x.test
expect 3 check --signature-warning soon x.test
expect 3 check --root-hints /nonexistent/root.hints x.test
# The usage goes to stderr on errors.
if ! "$zw" check 2>&1 >/dev/null | grep -q "Usage: zonewatch check"; then
  echo "zonewatch check: no usage on stderr" >&2
  status=1
fi
exit $status
