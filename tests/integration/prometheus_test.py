#!/usr/bin/env python3
"""zonewatch's metrics through a real Prometheus, and every query of the Grafana dashboard.

    prometheus_test.py ZONEWATCH_BINARY LAB_DIR LAB_SH

With the lab up (ctest fixture "lab"): makes one child bogus (ds-mismatch), starts `zonewatch run`
on the lab's children with metrics on a free loopback port, starts /usr/bin/prometheus scraping it
every second with deploy/prometheus/rules.yml loaded, and waits until every child was observed.
Then it checks that each child's zonewatch_domain_state matches the verdict the lab promises
(lab.json `expected`), that Prometheus loaded the alerting rules, and runs every panel query of
deploy/grafana/zonewatch.json (Grafana variables substituted: $__rate_interval and $__range by 1m,
$domain and $job by .*) against /api/v1/query: each must succeed, and its result must equal a
value computed without the metrics (issue 18: a panel that "may be empty" is compared too, never
passed as is): the domain sets and states from lab.json, the last change per domain from
`zonewatch history --json`, the counts from the configuration. A panel with no such value
(durations, rates) must return data. The child is restored, also on failure. One line per check,
then "N passed, N failed".
"""
import collections
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from lab_checks import free_port, http_get, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BOGUS_CHILD = "child02.lab."  # signed (RSA, NSEC): ds-mismatch makes it bogus
SETTLE_TIMEOUT = 120  # seconds to wait for the daemon's first round and Prometheus's samples

passed = 0
failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS: {what}", flush=True)
    else:
        failed += 1
        print(f"FAIL: {what}" + (f": {detail}" if detail else ""), flush=True)
    return ok


def prom_query(base, expr):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        return json.loads(http_get(url))
    except urllib.error.HTTPError as e:  # Prometheus answers 400/422 with a JSON error body
        return json.loads(e.read().decode())


def substitute(expr):
    # What Grafana would put in place of its variables for a 1-second scrape interval.
    for var, value in (("$__rate_interval", "1m"), ("$__range", "1m"), ("$__interval", "1m"),
                       ("${domain}", ".*"), ("$domain", ".*"), ("${job}", ".*"), ("$job", ".*")):
        expr = expr.replace(var, value)
    return expr


def bare(domain):
    return domain.rstrip(".")


def by_label(data, label):
    """{label value: sample value} of an instant query's series."""
    return {bare(s["metric"].get(label, "")): float(s["value"][1]) for s in data}


def last_changes(zonewatch, config, children):
    """Each child's latest change, from the database through `zonewatch history` (not from the
    metrics): what the "Last change per domain" panel must show, in milliseconds. A change is an
    event with a state before it; what a first observation reports (a baseline that is already
    bogus) is a problem, not a change, and sets no last-change time."""
    changes = {}
    for child in children:
        out = subprocess.run([zonewatch, "history", child, "--json", "-c", config],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        events = [json.loads(line) for line in out.splitlines() if line.strip()]
        times = [e["observed_at_unix"] for e in events if e.get("before") is not None]
        if times:
            changes[bare(child)] = max(times) * 1000.0
    return changes


def operators(zonewatch, config, children):
    """Each child's operators from the database through `zonewatch status --json` (not from the
    metrics): what the "Operators per domain" panel must show, as sorted (domain, operator) pairs."""
    out = subprocess.run([zonewatch, "status", "--json", "-c", config],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return sorted((bare(r["domain"]), op) for r in rows if r["domain"] in children
                  for op in r.get("operators") or [])


def panel_expectations(children, expected, zonewatch, config):
    """Panel title -> (function of the panel's series, the value it must have), every value
    computed without the metrics. Panels missing here have no such value and must return data."""
    def states(wanted):
        return sorted(bare(c) for c in children if expected[c] == wanted)
    return {
        "Domains watched": (lambda data: by_label(data, "job"), {"zonewatch": len(children)}),
        "Domains by state": (lambda data: {k: v for k, v in by_label(data, "state").items() if v},
                             dict(collections.Counter(expected[c] for c in children))),
        "zonewatch up": (lambda data: by_label(data, "job"), {"zonewatch": 1.0}),
        "Bogus domains": (lambda data: sorted(by_label(data, "domain")), states("bogus")),
        "Insecure domains": (lambda data: sorted(by_label(data, "domain")), states("insecure")),
        "Current state per domain": (
            lambda data: {bare(s["metric"]["domain"]): s["metric"]["state"] for s in data},
            {bare(c): expected[c] for c in children}),
        "Last change per domain": (lambda data: by_label(data, "domain"),
                                   last_changes(zonewatch, config, children)),
        "Operators per domain": (
            lambda data: sorted((bare(s["metric"]["domain"]), s["metric"]["operator"])
                                for s in data),
            operators(zonewatch, config, children)),
        # No webhook is configured: nothing delivered, nothing waiting.
        "Webhook deliveries": (lambda data: sorted(by_label(data, "sink").values()), [0.0]),
        "Outbox pending": (lambda data: sorted(by_label(data, "job").values()), [0.0]),
    }


def check_panel(base, label, expr, expectation):
    """Compares the panel's query to its expected value, retrying for a few scrapes: the metrics
    follow the database by up to a scrape interval."""
    got = {}

    def matches():
        r = prom_query(base, expr)
        got["status"] = r.get("status")
        got["value"] = expectation[0](r["data"]["result"]) if r.get("status") == "success" else r
        return got["value"] == expectation[1]
    ok = wait_for(f"{label} to show {expectation[1]}", matches, 10, step=0.5)
    check(ok, f"{label}: {expectation[1]}", f"got {got.get('value')} ({expr})")


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    zonewatch, lab_dir, lab_sh = sys.argv[1:]
    lab = json.load(open(os.path.join(lab_dir, "lab.json")))
    children = [c["name"] for c in lab["children"]][:12]
    if not check(os.access("/usr/bin/prometheus", os.X_OK), "/usr/bin/prometheus is installed"):
        print(f"{passed} passed, {failed} failed")
        return 1

    tmp = tempfile.mkdtemp(prefix="zonewatch-prometheus-test.")
    metrics_port, prom_port = free_port(), free_port()
    daemon = prometheus = None
    mutated = False
    try:
        subprocess.run(["bash", lab_sh, "mutate", lab_dir, BOGUS_CHILD, "ds-mismatch"],
                       check=True, stdout=subprocess.DEVNULL)
        mutated = True
        expected = {c["name"]: c["expected"] for c in
                    json.load(open(os.path.join(lab_dir, "lab.json")))["children"]}
        check(expected.get(BOGUS_CHILD) == "bogus", f"lab: {BOGUS_CHILD} is now expected bogus",
              str(expected.get(BOGUS_CHILD)))

        config = os.path.join(tmp, "zonewatch.yaml")
        with open(config, "w") as f:
            f.write(f"""database: {tmp}/zonewatch.sqlite
interval: 30s
per_server_qps: 100000
ip_versions: [4]
root_hints: {lab["root_hints"]}
trust_anchors: {lab["trust_anchor"]}
confirm_polls: 1
max_snapshots_per_hour: 0
domains: [{", ".join(children)}]
metrics:
  enabled: true
  listen: 127.0.0.1:{metrics_port}
  per_domain: true
log_level: warning
""")
        daemon_log = open(os.path.join(tmp, "zonewatch.log"), "w")
        daemon = subprocess.Popen([zonewatch, "run", "-c", config], stdout=daemon_log,
                                  stderr=subprocess.STDOUT)
        metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        serving = wait_for("zonewatch's /metrics",
                           lambda: "zonewatch_domains_watched" in http_get(metrics_url), 30)
        if not check(serving, f"zonewatch run serves /metrics on 127.0.0.1:{metrics_port}",
                     "the daemon does not start the metrics listener (log: " +
                     open(os.path.join(tmp, "zonewatch.log")).read()[-500:] + ")"):
            return 1
        # The listener serves the gauge (at 0) before the daemon has loaded the portfolio: wait for
        # the value, not only the name.
        watched = f"zonewatch_domains_watched {len(children)}"
        check(wait_for(watched, lambda: watched in http_get(metrics_url), 30),
              f"zonewatch_domains_watched is {len(children)}",
              "last seen: " + next((line for line in http_get(metrics_url).splitlines()
                                    if line.startswith("zonewatch_domains_watched")), "none"))

        prom_config = os.path.join(tmp, "prometheus.yml")
        with open(prom_config, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [{ROOT}/deploy/prometheus/rules.yml]
scrape_configs:
  - job_name: zonewatch
    static_configs:
      - targets: ["127.0.0.1:{metrics_port}"]
""")
        prometheus = subprocess.Popen(
            ["/usr/bin/prometheus", f"--config.file={prom_config}",
             f"--storage.tsdb.path={tmp}/tsdb", f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "prometheus.log"), "w"))
        base = f"http://127.0.0.1:{prom_port}"

        def all_observed():
            r = prom_query(base, 'count(zonewatch_domain_last_observed_timestamp_seconds'
                                 '{job="zonewatch"})')
            return r["data"]["result"] and int(float(r["data"]["result"][0]["value"][1])) == len(
                children)
        check(wait_for("every child observed, in Prometheus", all_observed, SETTLE_TIMEOUT),
              f"Prometheus scraped zonewatch and sees all {len(children)} children observed")
        # A few more scrapes, so that rate()/increase() over 1m have two samples after the round.
        time.sleep(5)

        r = prom_query(base, 'up{job="zonewatch"}')
        check(r["status"] == "success" and r["data"]["result"] and
              r["data"]["result"][0]["value"][1] == "1", 'up{job="zonewatch"} is 1')

        # Each child's state, as the lab's own validators see it.
        r = prom_query(base, 'zonewatch_domain_state{job="zonewatch"} == 1')
        states = {s["metric"]["domain"]: s["metric"]["state"] for s in r["data"]["result"]}
        for child in children:
            got = states.get(child, states.get(child.rstrip(".")))
            check(got == expected[child], f"zonewatch_domain_state of {child} is {expected[child]}",
                  f"got {got}")
        r = prom_query(base, 'zonewatch_domains_by_state{job="zonewatch",state="bogus"}')
        want = sum(1 for c in children if expected[c] == "bogus")
        check(r["data"]["result"] and float(r["data"]["result"][0]["value"][1]) == want,
              f"zonewatch_domains_by_state{{state=\"bogus\"}} is {want}")

        rules = json.loads(http_get(f"{base}/api/v1/rules"))
        loaded = [rule for g in rules["data"]["groups"] for rule in g["rules"]]
        names = sorted(rule["name"] for rule in loaded)
        # The alert names as written in the file, read without a YAML parser (none is installed).
        with open(os.path.join(ROOT, "deploy", "prometheus", "rules.yml"), encoding="utf-8") as f:
            written = sorted(re.findall(r"^\s*- alert:\s*(\S+)", f.read(), re.M))
        check(len(written) >= 8 and names == written and
              all(rule["health"] == "ok" for rule in loaded),
              f"Prometheus loaded the {len(written)} alerting rules of rules.yml, all healthy",
              f"loaded {names}, written {written}")

        dashboard = json.load(open(os.path.join(ROOT, "deploy", "grafana", "zonewatch.json")))
        expectations = panel_expectations(children, expected, zonewatch, config)
        for panel in dashboard["panels"]:
            if panel["type"] == "row":
                continue
            may_be_empty = "may be empty" in panel.get("description", "").lower()
            expectation = expectations.get(panel["title"])
            for target in panel.get("targets", []):
                expr = substitute(target["expr"])
                r = prom_query(base, expr)
                ok = r.get("status") == "success"
                data = r.get("data", {}).get("result", []) if ok else []
                label = f"panel '{panel['title']}' [{target['refId']}]"
                if not check(ok, f"{label}: query succeeds", r.get("error", "")):
                    continue
                if expectation:
                    check_panel(base, label, expr, expectation)
                elif may_be_empty:
                    check(False, f"{label}: may be empty, so it needs an expected value here")
                else:
                    check(len(data) > 0, f"{label}: returns data ({len(data)} series)", expr)
        check(not set(expectations) - {p["title"] for p in dashboard["panels"]},
              "every expected value belongs to a panel of the dashboard",
              str(sorted(set(expectations) - {p["title"] for p in dashboard["panels"]})))
    except Exception as e:  # a crash of the test itself still ends with the summary line
        check(False, "the test ran to its end", repr(e))
    finally:
        stop(prometheus)
        stop(daemon)
        if mutated:
            restored = subprocess.run(["bash", lab_sh, "restore", lab_dir, BOGUS_CHILD],
                                      stdout=subprocess.DEVNULL).returncode == 0
            check(restored, f"lab: {BOGUS_CHILD} restored")
        if failed == 0:
            subprocess.run(["rm", "-rf", tmp])
        else:
            print(f"    logs kept in {tmp}")
        print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
