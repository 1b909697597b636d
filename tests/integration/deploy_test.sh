#!/usr/bin/env bash
# Checks deploy/ with the real tools, as far as this machine can run them (no Docker here):
#   deploy_test.sh ZONEWATCH_BINARY BUILD_DIR
# - Prometheus: `promtool check config` (both prometheus.yml), `check rules`, `test rules`;
# - Alertmanager: `amtool check-config`;
# - the Grafana dashboard: valid JSON, every panel has a query on ${DS_PROMETHEUS}, and every
#   zonewatch_* name in the dashboard and the rules is declared in alerts/metrics.cpp;
# - the systemd unit: `systemd-analyze verify` (on a copy naming the built binary);
# - the container stack: every file compose.yaml mounts exists, the container's zonewatch.yaml
#   passes `zonewatch config check`;
# - deploy/kubernetes: tests/integration/kubernetes_check.py (schema and references, the
#   ConfigMap's configuration through `zonewatch config check`), the scrape job by promtool;
# - `cmake --install BUILD --prefix TMP`: binary, configuration and unit land where they should.
# One PASS/FAIL line per check, then "N passed, N failed"; exit 1 if anything failed.
set -uo pipefail

zonewatch=$(realpath "${1:?usage: $0 ZONEWATCH_BINARY BUILD_DIR}")
build=${2:?usage: $0 ZONEWATCH_BINARY BUILD_DIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
deploy=$root/deploy
tmp=$(mktemp -d /tmp/zonewatch-deploy-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

passes=0
failures=0
pass() { echo "PASS: $*"; passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# check DESCRIPTION COMMAND...: runs the command, shows its output only when it fails.
check() {
  local what=$1
  shift
  local out
  if out=$("$@" 2>&1); then pass "$what"; else fail "$what"; echo "$out" | sed 's/^/    /'; fi
}
need() {
  command -v "$1" >/dev/null || { fail "$1 is not installed (package $2)"; return 1; }
}

# --- Prometheus ---------------------------------------------------------------------------------
if need promtool prometheus; then
  check "promtool check config deploy/prometheus/prometheus.yml" \
    promtool check config "$deploy/prometheus/prometheus.yml"
  # The container's configuration names the rules at their path inside the container.
  sed "s#/etc/prometheus/rules.yml#$deploy/prometheus/rules.yml#" \
    "$deploy/container/prometheus.yml" > "$tmp/prometheus-container.yml"
  check "promtool check config deploy/container/prometheus.yml" \
    promtool check config "$tmp/prometheus-container.yml"
  check "promtool check rules deploy/prometheus/rules.yml" \
    promtool check rules "$deploy/prometheus/rules.yml"
  check "promtool test rules deploy/prometheus/rules_test.yml" \
    promtool test rules "$deploy/prometheus/rules_test.yml"
  # Every alert of rules.yml has at least one case in rules_test.yml.
  untested=$(grep -o 'alert: [A-Za-z]*' "$deploy/prometheus/rules.yml" | cut -d' ' -f2 | while read -r a; do
    grep -q "alertname: $a\$" "$deploy/prometheus/rules_test.yml" || echo "$a"
  done)
  if [ -z "$untested" ]; then pass "every alert has a promtool test case"
  else fail "alerts without a test case: $untested"; fi
fi

# --- Alertmanager -------------------------------------------------------------------------------
if need amtool prometheus-alertmanager; then
  check "amtool check-config deploy/alertmanager/alertmanager.yml" \
    amtool check-config "$deploy/alertmanager/alertmanager.yml"
fi

# --- Grafana dashboard and metric names ------------------------------------------------------------
check "dashboard: JSON, queries, datasource, metric names" python3 - "$root" <<'EOF'
import json, re, sys
root = sys.argv[1]
dash = json.load(open(f"{root}/deploy/grafana/zonewatch.json"))
source = open(f"{root}/alerts/metrics.cpp").read()
# The names in the table of alerts/metrics.cpp (the one place they are declared).
declared = set(re.findall(r'\{"(zonewatch_[a-z_]+)", Kind::', source))
assert len(declared) >= 10, f"could not read the metric table: {declared}"
problems = []
def known(name):
    return any(name == d or name in (d + "_bucket", d + "_sum", d + "_count") for d in declared)
ids = set()
panels = [p for p in dash["panels"] if p["type"] != "row"]
if not panels: problems.append("no panels")
for p in panels:
    title = p.get("title", "?")
    if p["id"] in ids: problems.append(f"{title}: duplicate id {p['id']}")
    ids.add(p["id"])
    if p.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
        problems.append(f"{title}: datasource is not ${{DS_PROMETHEUS}}")
    if not p.get("description"): problems.append(f"{title}: no description")
    exprs = [t.get("expr", "").strip() for t in p.get("targets", [])]
    if not exprs or not all(exprs): problems.append(f"{title}: a panel without a query")
    for e in exprs:
        for name in re.findall(r"\bzonewatch_[a-z_]+", e):
            if not known(name): problems.append(f"{title}: {name} is not declared in metrics.cpp")
variables = {v["name"]: v for v in dash["templating"]["list"]}
if variables.get("DS_PROMETHEUS", {}).get("type") != "datasource":
    problems.append("no datasource variable DS_PROMETHEUS")
rules = open(f"{root}/deploy/prometheus/rules.yml").read()
for name in re.findall(r"\bzonewatch_[a-z_]+", rules):
    if not known(name): problems.append(f"rules.yml: {name} is not declared in metrics.cpp")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"{len(panels)} panels")
EOF

# --- systemd ------------------------------------------------------------------------------------
if need systemd-analyze systemd; then
  # verify wants the executables to exist: point the copy at the built binary.
  sed "s#/usr/local/bin/zonewatch#$zonewatch#g" "$deploy/systemd/zonewatch.service" \
    > "$tmp/zonewatch.service"
  check "systemd-analyze verify deploy/systemd/zonewatch.service" \
    systemd-analyze verify "$tmp/zonewatch.service"
  for key in DynamicUser=yes StateDirectory=zonewatch ProtectSystem=strict NoNewPrivileges=yes \
    CapabilityBoundingSet= MemoryDenyWriteExecute=yes SystemCallFilter=@system-service; do
    if grep -qx "$key" "$deploy/systemd/zonewatch.service"; then pass "unit sets $key"
    else fail "unit does not set $key"; fi
  done
fi

# --- container stack ----------------------------------------------------------------------------
missing=""
for f in $(grep -oE '\.\.?/[A-Za-z0-9_./-]+' "$deploy/container/compose.yaml" | sort -u); do
  f=${f%%:*}
  [ -e "$deploy/container/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then pass "every file compose.yaml mounts exists"
else fail "compose.yaml mounts missing files:$missing"; fi
check "zonewatch config check deploy/container/zonewatch.yaml" \
  "$zonewatch" config check -c "$deploy/container/zonewatch.yaml"

# --- Kubernetes ---------------------------------------------------------------------------------
# No cluster here: a schema check of our own and the references between the objects
# (kubernetes_check.py), the scrape job by promtool, and `kubectl kustomize` (offline) when a
# kubectl is installed.
if need python3 python3; then
  k8s_out=$(python3 "$root/tests/integration/kubernetes_check.py" "$deploy/kubernetes" "$zonewatch" 2>&1)
  k8s_rc=$?
  passes=$((passes + $(echo "$k8s_out" | grep -c '^PASS')))
  failures=$((failures + $(echo "$k8s_out" | grep -c '^FAIL')))
  echo "$k8s_out" | sed 's/^\(PASS\|FAIL\): /\1: kubernetes: /'
  [ "$k8s_rc" -eq 0 ] || [ "$(echo "$k8s_out" | grep -c '^FAIL')" -gt 0 ] ||
    fail "kubernetes_check.py failed: $k8s_out"
fi
if command -v promtool >/dev/null; then
  check "promtool check config deploy/kubernetes/prometheus-scrape.yml" \
    promtool check config "$deploy/kubernetes/prometheus-scrape.yml"
fi
if command -v kubectl >/dev/null; then
  check "kubectl kustomize deploy/kubernetes" kubectl kustomize "$deploy/kubernetes"
fi

# --- cmake --install ----------------------------------------------------------------------------
prefix=$tmp/prefix
if cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  pass "cmake --install $build --prefix TMP"
  for f in bin/zonewatch etc/zonewatch/zonewatch.yaml lib/systemd/system/zonewatch.service; do
    if [ -e "$prefix/$f" ]; then pass "installed $f"; else fail "not installed: $f"; fi
  done
  check "installed configuration passes config check" \
    "$prefix/bin/zonewatch" config check -c "$prefix/etc/zonewatch/zonewatch.yaml"
  if cmp -s "$root/config/example.yaml" "$prefix/etc/zonewatch/zonewatch.yaml"; then
    pass "installed configuration is config/example.yaml"
  else fail "installed configuration differs from config/example.yaml"; fi
else
  fail "cmake --install $build --prefix TMP"
  sed 's/^/    /' "$tmp/install.log"
fi

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
