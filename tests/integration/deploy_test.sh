#!/usr/bin/env bash
# Checks deploy/ with the real tools, as far as this machine can run them (no Docker daemon here):
#   deploy_test.sh ZONEWATCH_BINARY BUILD_DIR
# - Prometheus: `promtool check config` (both prometheus.yml), `check rules` on every rule file,
#   `test rules` (tests/deploy/prometheus/rules_test.yml); every alert with a firing and a silent
#   case, the severities of the rules that mirror an event equal to the event's;
# - Alertmanager: `amtool check-config`;
# - the Grafana dashboard: valid JSON, an __inputs data source DS_PROMETHEUS that every panel,
#   query and variable uses (and a datasource variable of that name for provisioning, with a
#   default Prometheus data source in the provisioning file), the events panels, and every
#   zonewatch_* name in the dashboard and the rules declared in alerts/metrics.cpp;
# - the systemd unit: `systemd-analyze verify` (on a copy naming the built binary), its
#   Documentation= (man:zonewatch(1), the installed README), the LoadCredential= example verified
#   and its configuration read by `zonewatch config check`;
# - the container stack: Debian's `docker-compose config` (1.29) accepts compose.yaml, the
#   Prometheus and Alertmanager images are built from Debian packages and their command lines
#   start with Debian's binaries on loopback, every file compose.yaml mounts exists, the
#   container's zonewatch.yaml passes `zonewatch config check`;
# - deploy/kubernetes: tests/integration/kubernetes_check.py (schema and references, the
#   ConfigMap's configuration through `zonewatch config check`), the scrape job by promtool;
# - `cmake --install BUILD --prefix TMP`: binary, configuration, unit, manual pages and bash
#   completion land where they should.
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
  # Test files live apart from the rule files (tests/deploy/prometheus): every file of
  # deploy/prometheus but the server's configuration must pass `promtool check rules` alone.
  for f in "$deploy"/prometheus/*.yml; do
    [ "$(basename "$f")" = prometheus.yml ] && continue
    check "promtool check rules deploy/prometheus/$(basename "$f") (a rule file)" \
      promtool check rules "$f"
  done
  check "promtool test rules tests/deploy/prometheus/rules_test.yml" \
    promtool test rules "$root/tests/deploy/prometheus/rules_test.yml"
fi
# Every alert of rules.yml has a case where it fires and one where it does not in rules_test.yml,
# each firing case names its severity, and every rule that mirrors an event
# (zonewatch_events_total{event="X"} or an `event` label) has the severity
# monitor/model/event_kind.h gives the event: exactly for a counter of the event, and the worst of
# the rules of one event equal to the event's (signature_expiring: warning, then critical).
check "rules: fire and not-fire cases, severities of the events" python3 - "$root" <<'EOF'
import re, sys, yaml
root = sys.argv[1]
rules = [r for g in yaml.safe_load(open(f"{root}/deploy/prometheus/rules.yml"))["groups"]
         for r in g["rules"] if "alert" in r]
tests = yaml.safe_load(open(f"{root}/tests/deploy/prometheus/rules_test.yml"))["tests"]
table = dict(re.findall(r'\{EventKind::k\w+,\s*"(\w+)",\s*Severity::k(\w+)',
                        open(f"{root}/monitor/model/event_kind.h").read()))
table = {k: v.lower() for k, v in table.items()}
assert len(table) >= 20, f"could not read the event table: {table}"
rank = {"info": 0, "warning": 1, "critical": 2}
problems = []
fires, silent = set(), set()
for t in tests:
    for case in t.get("alert_rule_test", []):
        (fires if case.get("exp_alerts") else silent).add(case["alertname"])
        for a in case.get("exp_alerts") or []:
            if a.get("exp_labels", {}).get("severity") not in rank:
                problems.append(f"{case['alertname']}: a test case without a severity label")
worst = {}
for r in rules:
    name, severity = r["alert"], r.get("labels", {}).get("severity")
    if severity not in rank: problems.append(f"{name}: severity {severity!r}")
    if name not in fires: problems.append(f"{name}: no test case where it fires")
    if name not in silent: problems.append(f"{name}: no test case where it does not fire")
    counted = re.findall(r'zonewatch_events_total\{event="(\w+)"\}', r["expr"])
    events = set(counted) | ({r["labels"]["event"]} if "event" in r.get("labels", {}) else set())
    for e in events:
        if e not in table:
            problems.append(f"{name}: event {e} is not in event_kind.h")
            continue
        if e in counted and severity != table[e]:
            problems.append(f"{name}: severity {severity}, but {e} is {table[e]}")
        if rank.get(severity, -1) > rank[table[e]]:
            problems.append(f"{name}: severity {severity} above {e}'s ({table[e]})")
        worst[e] = max(worst.get(e, "info"), severity, key=lambda s: rank.get(s, -1))
for e, s in worst.items():
    if e in table and s != table[e]:
        problems.append(f"the rules of {e} reach {s} at worst, the event {table[e]}")
for e in ("expectation_violated", "portfolio_operator_change", "observation_failing",
          "operator_changed", "hijack_suspected"):
    if e not in worst: problems.append(f"no rule for the event {e}")
if problems:
    print("\n".join(dict.fromkeys(problems)))
    sys.exit(1)
print(f"{len(rules)} rules, {len(worst)} events mirrored")
EOF

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
# The import dialog asks for the data source through __inputs, and Grafana replaces
# ${DS_PROMETHEUS} by the one chosen; a provisioned dashboard (no import) resolves it through the
# datasource variable of the same name instead, to the default Prometheus data source, which the
# provisioning file declares.
inputs = {i.get("name"): i for i in dash.get("__inputs", [])}
want = {"type": "datasource", "pluginId": "prometheus"}
if any(inputs.get("DS_PROMETHEUS", {}).get(k) != v for k, v in want.items()):
    problems.append(f"__inputs has no Prometheus data source input DS_PROMETHEUS: {inputs}")
if set(inputs) != {"DS_PROMETHEUS"}: problems.append(f"unexpected __inputs: {sorted(inputs)}")
required = {r["id"] for r in dash.get("__requires", []) if r.get("type") == "panel"}
for t in sorted({p["type"] for p in panels} - required):
    problems.append(f"__requires does not name the panel type {t}")
# Every data source reference anywhere (panels, their queries, variables) is the input.
def refs(node, where):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "datasource":
                uid = v.get("uid") if isinstance(v, dict) else v
                if uid != "${DS_PROMETHEUS}": problems.append(f"{where}: data source {v!r}")
            else:
                refs(v, f"{where}.{k}")
    elif isinstance(node, list):
        for n, v in enumerate(node): refs(v, f"{where}[{n}]")
refs(dash["panels"], "panels")
refs([v for v in dash["templating"]["list"] if v["type"] != "datasource"], "templating")
for p in panels:
    for t in p.get("targets", []):
        if t.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
            problems.append(f"{p.get('title')}: query {t.get('refId')} without ${{DS_PROMETHEUS}}")
titles = {p["title"]: p for p in panels}
for title in ("Recent events", "Operator changes"):
    exprs = " ".join(t["expr"] for t in titles.get(title, {}).get("targets", []))
    if "zonewatch_events_total" not in exprs: problems.append(f"no panel {title!r} on the events metric")
import yaml
prov = yaml.safe_load(open(f"{root}/deploy/grafana/provisioning/datasources/prometheus.yaml"))
defaults = [d for d in prov["datasources"] if d.get("isDefault") and d.get("type") == "prometheus"]
if len(defaults) != 1: problems.append("provisioning: no default Prometheus data source for ${DS_PROMETHEUS}")
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
  # verify runs `man` on Documentation='s man: pages; zonewatch(1) is checked on the installed unit
  # below, where `cmake --install` puts the page.
  check "systemd-analyze verify deploy/systemd/zonewatch.service (man pages: with the install)" \
    systemd-analyze verify --man=no "$tmp/zonewatch.service"
  unit=$deploy/systemd/zonewatch.service
  if grep -q '^Documentation=.*man:zonewatch(1)' "$unit" &&
    grep -q '^Documentation=.*file:///usr/local/share/doc/zonewatch/README.md' "$unit"; then
    pass "unit: Documentation= names man:zonewatch(1) and the README"
  else fail "unit: Documentation= does not name man:zonewatch(1) and the README"; fi
  # The LoadCredential= example of the comment block, uncommented into the unit, is what systemd
  # accepts; and the configuration it shows reads the credentials from
  # /run/credentials/zonewatch.service (here a temporary directory in its place).
  creds=$(sed -n 's/^#\(LoadCredential=\)/\1/p' "$unit")
  { cat "$tmp/zonewatch.service"; echo "[Service]"; echo "$creds"; } > "$tmp/zonewatch-credentials.service"
  if [ "$(echo "$creds" | grep -c '^LoadCredential=[a-z-]*:/')" -ge 2 ]; then
    check "systemd-analyze verify with the documented LoadCredential= lines" \
      systemd-analyze verify --man=no "$tmp/zonewatch-credentials.service"
  else fail "unit: no LoadCredential= example for a webhook secret and the database password"; fi
  mkdir -p "$tmp/credentials"
  { echo "database: postgresql://zonewatch@127.0.0.1:5432/zonewatch"
    echo "domains: [example.com]"
    sed -n '/^# and in .*zonewatch.yaml:$/,/^# [^ ]/s/^#   //p' "$unit"
  } | sed "s#/run/credentials/zonewatch.service#$tmp/credentials#" > "$tmp/credentials.yaml"
  for name in $(echo "$creds" | sed 's/^LoadCredential=\([^:]*\):.*/\1/'); do
    echo "not-the-real-$name" > "$tmp/credentials/$name"
  done
  check "the unit's credentials example: config check reads secret_file and database_password_file" \
    "$zonewatch" config check -c "$tmp/credentials.yaml"
  if grep -q 'secret_file: .*/credentials/soc-webhook' "$tmp/credentials.yaml" &&
    rm "$tmp/credentials/soc-webhook" && ! "$zonewatch" config check -c "$tmp/credentials.yaml" >/dev/null 2>&1; then
    pass "the unit's credentials example: config check fails without the webhook's credential"
  else fail "the unit's credentials example does not read the webhook secret from the credential"; fi
  for key in DynamicUser=yes StateDirectory=zonewatch ProtectSystem=strict NoNewPrivileges=yes \
    CapabilityBoundingSet= MemoryDenyWriteExecute=yes SystemCallFilter=@system-service; do
    if grep -qx "$key" "$deploy/systemd/zonewatch.service"; then pass "unit sets $key"
    else fail "unit does not set $key"; fi
  done
fi

# --- container stack ----------------------------------------------------------------------------
# Debian's docker-compose (1.29, the one `apt-get install docker-compose` gives) validates
# compose.yaml; CI installs it (deploy/install-deps.sh test). No image is pulled or built: the
# Prometheus and Alertmanager images are Dockerfiles FROM debian:12 installing Debian's packages,
# so their command lines from compose.yaml are started here with the same Debian binaries, on
# loopback, with the mounted files in place (each mount's target under a temporary root).
if command -v docker-compose >/dev/null; then
  check "docker-compose config deploy/container/compose.yaml ($(docker-compose version --short 2>/dev/null))" \
    docker-compose -f "$deploy/container/compose.yaml" config -q
  if docker-compose -f "$deploy/container/compose.yaml" config > "$tmp/compose.yml" 2>&1; then
    check "compose.yaml: Prometheus and Alertmanager built from Debian packages, their command lines start" \
      python3 - "$deploy/container" "$tmp/compose.yml" "$tmp/stack" <<'EOF'
import json, os, re, shutil, socket, subprocess, sys, time, urllib.request, yaml
here, rendered, root = sys.argv[1:4]
source = yaml.safe_load(open(f"{here}/compose.yaml"))
config = yaml.safe_load(open(rendered))
problems = []
if "name" in source: problems.append("a top-level name: (docker-compose 1.29 rejects it)")
if not str(source.get("version", "")).startswith("3"): problems.append("no version: \"3.x\"")
packages = {"prometheus": "prometheus", "alertmanager": "prometheus-alertmanager"}
for name, service in config["services"].items():
    if name == "grafana": continue  # not packaged in Debian: Grafana's own image
    if "build" not in service: problems.append(f"{name}: not built here (image {service.get('image')})")
for name, package in packages.items():
    service = config["services"][name]
    build = service.get("build", {})
    dockerfile = open(os.path.join(build.get("context", here), build.get("dockerfile", "Dockerfile"))).read()
    if not re.search(r"^FROM debian:12\s*$", dockerfile, re.M): problems.append(f"{name}: not FROM debian:12")
    if not re.search(rf"apt-get install .*\b{package}\b", dockerfile.replace("\\\n", " ")):
        problems.append(f"{name}: its Dockerfile does not install the package {package}")
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])", dockerfile, re.M).group(1))
    # Each mount's target under root: bind mounts copied (their container paths in the text
    # rewritten), named volumes empty directories.
    base = f"{root}/{name}"
    mounts = []
    for v in service.get("volumes", []):
        src, target = (v.split(":") + [""])[:2] if isinstance(v, str) else (v.get("source"), v["target"])
        mounts.append((src, target))
    targets = sorted((t for _, t in mounts), key=len, reverse=True)
    def rebase(text):
        for t in targets: text = text.replace(t, base + t)
        return text
    for src, target in mounts:
        os.makedirs(os.path.dirname(base + target), exist_ok=True)
        if src.startswith("/"):
            open(base + target, "w").write(rebase(open(src).read()))
        else:
            os.makedirs(base + target, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    args = [rebase(a) for a in entry + service.get("command", [])]
    args.append(f"--web.listen-address=127.0.0.1:{port}")
    log = open(f"{base}.log", "w")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    ready = False
    try:
        for _ in range(100):
            if proc.poll() is not None: break
            try:
                ready = urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=1).status == 200
            except OSError:
                pass
            if ready: break
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    if not ready:
        problems.append(f"{name}: {' '.join(args)} did not start:\n" + open(f"{base}.log").read()[-1500:])
if problems:
    print("\n".join(problems))
    sys.exit(1)
EOF
  else
    fail "docker-compose config deploy/container/compose.yaml"
    sed 's/^/    /' "$tmp/compose.yml"
  fi
else
  echo "SKIP: docker-compose is not installed (Debian package docker-compose; deploy/install-deps.sh test installs it): compose.yaml not validated"
fi
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
  for f in bin/zonewatch etc/zonewatch/zonewatch.yaml lib/systemd/system/zonewatch.service \
    share/man/man1/zonewatch.1 share/man/man5/zonewatch.yaml.5 \
    share/bash-completion/completions/zonewatch; do
    if [ -e "$prefix/$f" ]; then pass "installed $f"; else fail "not installed: $f"; fi
  done
  # Documentation= of the installed unit: man:zonewatch(1) and the README, both installed.
  configured=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
  readme=$(sed -n 's#^Documentation=.*file://\([^ ]*README.md\).*#\1#p' "$prefix/lib/systemd/system/zonewatch.service")
  if [ -n "$readme" ] && [ -e "$prefix/${readme#"$configured"/}" ]; then
    pass "installed unit: Documentation= names the installed README ($readme)"
  else fail "installed unit: Documentation= README ${readme:-(none)} is not installed"; fi
  if [ -e "$prefix/share/man/man1/zonewatch.1" ]; then
    sed "s#$configured/bin/zonewatch#$prefix/bin/zonewatch#g" \
      "$prefix/lib/systemd/system/zonewatch.service" > "$tmp/installed.service"
    check "systemd-analyze verify on the installed unit, man:zonewatch(1) included" \
      env MANPATH="$prefix/share/man:" systemd-analyze verify "$tmp/installed.service"
  else
    echo "NOTE: man:zonewatch(1) is not installed by this build yet: Documentation='s man page not checked"
  fi
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
