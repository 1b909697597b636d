#!/usr/bin/env python3
"""zonewatch watching the lab, alerting a real Prometheus Alertmanager on loopback.

    alertmanager_test.py ZONEWATCH LAB_DIR LAB_SH [ALERTMANAGER_BINARY] [AMTOOL_BINARY]

The lab (tests/lab) must be up in LAB_DIR. The test starts prometheus-alertmanager on a free port
of 127.0.0.1 with clustering off and its own storage directory, configured with the project's
deploy/alertmanager/alertmanager.yml (checked by `amtool check-config`; its receivers send
nothing anywhere). zonewatch watches three lab children with confirm_polls 2 and one webhook with
`format: alertmanager` and url http://127.0.0.1:PORT/api/v2/alerts; each round is one
`zonewatch run -c CFG --once` (the round, then one delivery pass).

child01.lab. is made bogus (ds-mismatch). The first round must not alert (the change is not
confirmed yet); after the second, each event stored for it (`zonewatch history --json`) must be
an active alert in Alertmanager, read through API v2 and through `amtool alert query`, with the
labels alertname zonewatch_<event>, event, domain, severity and source=zonewatch, and the event id
and summary in its annotations. After restore, the recovery events are alerts too, and the second
ds_changed updates the first one's alert (same label set) instead of adding one.

Nothing leaves 127.0.0.0/8. The child is restored and Alertmanager stopped (by its PID), also on
failure. One line per check, then "N passed, N failed"; exit 1 if anything failed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from lab_checks import Checks, free_port
from monitor_lab_test import Lab, Monitor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
AM_CONFIG = os.path.join(ROOT, "deploy", "alertmanager", "alertmanager.yml")
CHILDREN = ["child01.lab.", "child02.lab.", "child03.lab."]
CHILD = "child01.lab."


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def wait_ready(base, proc, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(base + "/-/ready", timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def zonewatch_alerts(base):
    """Alertmanager's active zonewatch alerts (API v2), keyed by (alertname, domain, severity)."""
    query = urllib.parse.urlencode({"filter": 'source="zonewatch"', "active": "true"})
    alerts = get_json(f"{base}/api/v2/alerts?{query}")
    out = {}
    for a in alerts:
        labels = a["labels"]
        key = (labels.get("alertname"), labels.get("domain"), labels.get("severity"))
        out.setdefault(key, []).append(a)
    return out


def amtool_query(amtool, base, *matchers):
    proc = subprocess.run([amtool, f"--alertmanager.url={base}", "-o", "json", "alert", "query",
                           *matchers], capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        return None, proc.stdout + proc.stderr
    return json.loads(proc.stdout or "[]"), ""


def latest_per_kind(events):
    """The newest stored event of each kind: what Alertmanager's one alert per label set shows."""
    out = {}
    for e in sorted(events, key=lambda e: (e["observed_at_unix"], e["id"])):
        out[e["event"]] = e
    return out


def check_alerts(checks, base, amtool, events, what, earlier=()):
    """Each event kind of `events` is one active alert with the newest event's labels and id.
    Its startsAt is the observation of the first event with its label set, `earlier` included:
    Alertmanager keeps the start of an alert that is updated while it fires."""
    alerts = zonewatch_alerts(base)
    for kind, event in sorted(latest_per_kind(events).items()):
        first = min(e["observed_at"] for e in [*earlier, *events]
                    if (e["event"], e["domain"], e["severity"]) ==
                    (kind, event["domain"], event["severity"]))
        mine = alerts.get((f"zonewatch_{kind}", event["domain"], event["severity"]), [])
        labels = mine[0]["labels"] if len(mine) == 1 else {}
        annotations = mine[0]["annotations"] if len(mine) == 1 else {}
        want = {"alertname": f"zonewatch_{kind}", "event": kind, "domain": event["domain"],
                "severity": event["severity"], "source": "zonewatch"}
        checks.check(len(mine) == 1 and labels == want and
                     annotations.get("event_id") == event["id"] and
                     annotations.get("summary") == event["summary"] and
                     mine[0]["status"]["state"] == "active" and
                     mine[0]["startsAt"].startswith(first.rstrip("Z")),
                     f"{what}: API v2 shows one active alert zonewatch_{kind} "
                     f"[{event['severity']}] for {event['domain']} naming event {event['id']}",
                     json.dumps(mine)[:800])
        found, error = amtool_query(amtool, base, f"alertname=zonewatch_{kind}",
                                    f"domain={event['domain']}", f"severity={event['severity']}",
                                    "source=zonewatch")
        ids = [a.get("annotations", {}).get("event_id") for a in found or []]
        checks.check(ids == [event["id"]],
                     f"{what}: amtool alert query alertname=zonewatch_{kind} "
                     f"domain={event['domain']} severity={event['severity']} finds it",
                     error or str(ids))


def rounds(monitor, count, what, first=1):
    for number in range(first, first + count):
        out, seconds = monitor.round()
        line = next((l for l in out.splitlines() if "webhooks: " in l and "delivered" in l), "")
        print(f"   {what} round {number} ({seconds:.1f} s): "
              f"{line.split('webhooks: ', 1)[-1] or 'nothing due'}", flush=True)


def main(argv):
    if len(argv) not in (4, 5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    zonewatch, lab_dir, lab_sh = argv[1:4]
    am_binary = argv[4] if len(argv) > 4 else "/usr/bin/prometheus-alertmanager"
    amtool = argv[5] if len(argv) > 5 else "/usr/bin/amtool"
    checks = Checks()
    for binary in (am_binary, amtool):
        if not shutil.which(binary):
            checks.check(False, f"{binary} is installed", "Debian package prometheus-alertmanager")
            print(f"{checks.passed} passed, {checks.failed} failed")
            return 1
    # Never let a proxy setting send loopback traffic elsewhere (libcurl and urllib honour them).
    for key in [k for k in os.environ if "proxy" in k.lower()]:
        del os.environ[key]

    lab = Lab(lab_sh, lab_dir)
    tmp = tempfile.mkdtemp(prefix="zonewatch-am-")
    proc = None
    try:
        config = os.path.join(tmp, "alertmanager.yml")
        shutil.copyfile(AM_CONFIG, config)
        rc = subprocess.run([amtool, "check-config", config], capture_output=True, text=True,
                            timeout=30)
        checks.check(rc.returncode == 0, "amtool check-config deploy/alertmanager/alertmanager.yml",
                     rc.stdout + rc.stderr)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(os.path.join(tmp, "alertmanager.log"), "w", encoding="utf-8") as log:
            proc = subprocess.Popen(
                [am_binary, f"--config.file={config}", f"--storage.path={tmp}/data",
                 f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
                stdout=log, stderr=subprocess.STDOUT)
        ready = wait_ready(base, proc)
        if not checks.check(ready, f"alertmanager ready on {base}"):
            with open(os.path.join(tmp, "alertmanager.log"), encoding="utf-8") as f:
                print(f.read()[-2000:])
            return 1

        for child in CHILDREN:
            if lab.state(child)["scenario"] != "original":
                print(f"note: {child} was left mutated; restoring it")
                lab.restore(child)
        monitor = Monitor(zonewatch, lab_dir, os.path.join(tmp, "zonewatch"), CHILDREN)
        with open(monitor.config, "a", encoding="utf-8") as handle:
            handle.write(f"webhooks:\n  - name: alertmanager\n    url: {base}/api/v2/alerts\n"
                         "    format: alertmanager\n    timeout: 5s\n"
                         "    retry_initial: 1s\n    retry_max: 1s\n")
        monitor.cli("config", "check")

        rounds(monitor, 2, "baseline")
        checks.check(not zonewatch_alerts(base), "baseline: no zonewatch alert",
                     str(zonewatch_alerts(base)))

        print(f"== {CHILD} ds-mismatch", flush=True)
        seen = {e["id"] for e in monitor.history(CHILD)}
        lab.mutate(CHILD, "ds-mismatch")
        rounds(monitor, 1, "ds-mismatch")
        checks.check(not zonewatch_alerts(base),
                     "ds-mismatch, round 1: no alert yet (confirm_polls 2)",
                     str(zonewatch_alerts(base)))
        rounds(monitor, 1, "ds-mismatch", first=2)
        events = [e for e in monitor.history(CHILD) if e["id"] not in seen]
        kinds = {e["event"] for e in events}
        checks.check({"validation_failed", "ds_changed"} <= kinds,
                     f"ds-mismatch, round 2: events stored: {sorted(kinds)}",
                     "wanted validation_failed and ds_changed")
        failed = [e for e in events if e["event"] == "validation_failed"]
        checks.check(failed and failed[0]["severity"] == "critical",
                     "validation_failed is critical", str(failed))
        check_alerts(checks, base, amtool, events, "ds-mismatch")
        first_ds = latest_per_kind(events).get("ds_changed", {}).get("id")

        print(f"== {CHILD} restored", flush=True)
        seen |= {e["id"] for e in events}
        lab.restore(CHILD)
        rounds(monitor, 2, "restored")
        back = [e for e in monitor.history(CHILD) if e["id"] not in seen]
        kinds = {e["event"] for e in back}
        checks.check({"validation_recovered", "ds_changed"} <= kinds,
                     f"restored: events stored: {sorted(kinds)}",
                     "wanted validation_recovered and ds_changed")
        check_alerts(checks, base, amtool, back, "restored", events)
        # Both ds_changed are warnings (neither side secure), so they share one label set: the
        # second updates the first one's alert instead of opening another.
        second_ds = latest_per_kind(back).get("ds_changed", {})
        ds_alerts = [a for k, v in zonewatch_alerts(base).items() for a in v
                     if k[:2] == ("zonewatch_ds_changed", CHILD)]
        checks.check(len(ds_alerts) == 1 and first_ds and second_ds.get("id") not in (None, first_ds)
                     and ds_alerts[0]["annotations"].get("event_id") == second_ds["id"],
                     "the second ds_changed updated the first one's alert (one alert, newer id)",
                     json.dumps(ds_alerts)[:800])
        others = {k: len(v) for k, v in zonewatch_alerts(base).items() if k[1] != CHILD}
        checks.check(not others, "no alert for the children left alone", str(others))
    except Exception as err:  # noqa: BLE001 -- any failure is reported as a failed check
        checks.crashed(err)
    finally:
        lab.restore_all(checks)
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return checks.finish("alertmanager test")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
