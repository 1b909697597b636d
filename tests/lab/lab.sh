#!/usr/bin/env bash
# zonewatch test lab: a real signed DNS hierarchy on loopback (NSD, Knot DNS, BIND, Unbound).
#   lab.sh up DIR [--children N] [--jobs J]   build, sign and start everything; writes DIR/lab.json
#   lab.sh down DIR                           stop every process started in DIR (by PID)
#   lab.sh mutate DIR CHILD SCENARIO          change one child (see tests/lab/README.md)
#   lab.sh restore DIR CHILD                  put the child back as it was created
#   lab.sh status DIR | flush DIR             show state / empty the oracle resolver's caches
# The work is done by lab.py next to this script (python3, standard library only).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v python3 >/dev/null || { echo "lab.sh: python3 is required" >&2; exit 1; }
exec python3 "$here/lab.py" "$@"
