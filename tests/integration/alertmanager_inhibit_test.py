#!/usr/bin/env python3
"""One event, one notification: deploy/alertmanager/alertmanager.yml's inhibit rules on a real
prometheus-alertmanager.

    alertmanager_inhibit_test.py [ALERTMANAGER_BINARY]

An event reaches Alertmanager twice when both paths are wired: zonewatch's webhook with
`format: alertmanager` posts zonewatch_<event> (labels event, domain, severity, source="zonewatch",
as alerts/webhook_format.cpp writes them; the lab test integration.alertmanager checks those
labels on the real daemon), and the Prometheus rule mirroring the event (rules.yml) fires with
the same `event` label. The test starts Alertmanager on a free port of 127.0.0.1 (clustering off,
its own storage directory) with the project's configuration, whose receivers are pointed at an
HTTP receiver in the test, group_wait shortened to 1 s and everything else unchanged. It posts
both alerts of several cases through API v2, as zonewatch and Prometheus do, and counts the
notifications per (alertname, domain):
- a hijack on a.example. from both paths: one notification, the webhook's; the rule's alert is
  suppressed (API v2 names its inhibitor);
- a rule alert whose event has no webhook alert (the fallback): notified;
- a per-domain rule (bogus chain) muted by the same event on the same domain only;
- a critical rule alert never muted by a warning of the same event.
Then the same alerts on the configuration without its inhibit rules: the hijack notifies twice
(what an operator got before), so the first run's single notification is the rules' doing.
Nothing leaves 127.0.0.0/8; Alertmanager is stopped by its PID, also on failure. One line per
check, then "N passed, N failed"; exit 1 if anything failed.
"""
import datetime
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import yaml

from lab_checks import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
AM_CONFIG = os.path.join(ROOT, "deploy", "alertmanager", "alertmanager.yml")

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


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def webhook_alert(event, domain, severity):
    """What zonewatch's `format: alertmanager` webhook posts (alerts/webhook_format.cpp)."""
    now = time.time()
    return {"labels": {"alertname": f"zonewatch_{event}", "event": event, "domain": domain,
                       "severity": severity, "source": "zonewatch"},
            "annotations": {"summary": f"{event} {domain}", "event_id": f"test-{event}-{domain}"},
            "startsAt": rfc3339(now - 5), "endsAt": rfc3339(now + 3600)}


def rule_alert(alertname, severity, event, **labels):
    """What Prometheus posts for a rule of rules.yml: the series' labels and the rule's."""
    now = time.time()
    return {"labels": {"alertname": alertname, "severity": severity, "event": event,
                       "job": "zonewatch", "instance": "127.0.0.1:9153", **labels},
            "annotations": {"summary": alertname},
            "startsAt": rfc3339(now - 5), "endsAt": rfc3339(now + 180),
            "generatorURL": "http://127.0.0.1:9090/graph"}


# Sources (zonewatch's webhook), then the rules' alerts, as they arrive in practice: the webhook
# posts when the event is stored, Prometheus after its next scrape and evaluation.
SOURCES = [
    webhook_alert("hijack_suspected", "a.example.", "critical"),
    webhook_alert("validation_failed", "b.example.", "critical"),
    webhook_alert("signature_expiring", "d.example.", "warning"),
]
TARGETS = [
    rule_alert("ZonewatchHijackSuspected", "critical", "hijack_suspected"),
    rule_alert("ZonewatchOperatorChanged", "critical", "operator_changed"),
    rule_alert("ZonewatchBogusChain", "critical", "validation_failed", domain="b.example.",
               state="bogus"),
    rule_alert("ZonewatchBogusChain", "critical", "validation_failed", domain="c.example.",
               state="bogus"),
    rule_alert("ZonewatchSignaturesExpiring", "critical", "signature_expiring",
               domain="d.example."),
]
# Notifications per (alertname, domain) with the project's inhibit rules.
WANTED = {
    ("zonewatch_hijack_suspected", "a.example."): 1,
    ("ZonewatchOperatorChanged", ""): 1,  # no webhook alert of its event: the fallback speaks
    ("zonewatch_validation_failed", "b.example."): 1,
    ("ZonewatchBogusChain", "c.example."): 1,  # another domain's event does not mute it
    ("zonewatch_signature_expiring", "d.example."): 1,
    ("ZonewatchSignaturesExpiring", "d.example."): 1,  # a warning does not mute a critical
}
MUTED = [("ZonewatchHijackSuspected", ""), ("ZonewatchBogusChain", "b.example.")]


class Receiver(http.server.BaseHTTPRequestHandler):
    notifications = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 -- the name http.server calls
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        with Receiver.lock:
            Receiver.notifications.append((self.path, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def counted():
    """Notifications per (alertname, domain) of the firing alerts they carry."""
    out = {}
    with Receiver.lock:
        for _, body in Receiver.notifications:
            for alert in body.get("alerts", []):
                if alert.get("status") != "firing":
                    continue
                key = (alert["labels"].get("alertname"), alert["labels"].get("domain", ""))
                out[key] = out.get(key, 0) + 1
    return out


def post(base, alerts):
    request = urllib.request.Request(f"{base}/api/v2/alerts", data=json.dumps(alerts).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as r:
        return r.status


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


def run(am_binary, tmp, receiver_url, inhibit, what):
    """Starts Alertmanager on the project's configuration (receivers to the test's, group_wait
    1 s; without its inhibit rules unless `inhibit`), posts SOURCES then TARGETS, and returns the
    notifications per (alertname, domain) and the API's view of the alerts."""
    with open(AM_CONFIG, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    config["route"]["group_wait"] = "1s"
    for receiver in config["receivers"]:
        receiver["webhook_configs"] = [{"url": f"{receiver_url}/{receiver['name']}",
                                        "send_resolved": False}]
    if not inhibit:
        config.pop("inhibit_rules", None)
    path = os.path.join(tmp, f"alertmanager-{what}.yml")
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = os.path.join(tmp, f"alertmanager-{what}.log")
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen([am_binary, f"--config.file={path}",
                                 f"--storage.path={tmp}/data-{what}",
                                 f"--web.listen-address=127.0.0.1:{port}",
                                 "--cluster.listen-address="],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        if not check(wait_ready(base, proc), f"{what}: alertmanager ready on {base}"):
            with open(log_path, encoding="utf-8") as f:
                print(f.read()[-2000:])
            return None, None
        with Receiver.lock:
            Receiver.notifications.clear()
        check(post(base, SOURCES) == 200, f"{what}: zonewatch's webhook alerts accepted")
        time.sleep(0.5)
        check(post(base, TARGETS) == 200, f"{what}: the rules' alerts accepted")
        # group_wait is 1 s; group_interval (5m) and repeat_interval keep any second notification
        # of a group out of this window, so what arrived by then is all there is.
        expected = sum(WANTED.values()) + (0 if inhibit else len(MUTED))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sum(counted().values()) < expected:
            time.sleep(0.2)
        time.sleep(3)
        with urllib.request.urlopen(f"{base}/api/v2/alerts", timeout=5) as r:
            api = json.load(r)
        return counted(), api
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv):
    am_binary = argv[1] if len(argv) > 1 else "/usr/bin/prometheus-alertmanager"
    if not shutil.which(am_binary):
        check(False, f"{am_binary} is installed", "Debian package prometheus-alertmanager")
        print(f"{passed} passed, {failed} failed")
        return 1
    for key in [k for k in os.environ if "proxy" in k.lower()]:
        del os.environ[key]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver_url = f"http://127.0.0.1:{server.server_address[1]}"
    tmp = tempfile.mkdtemp(prefix="zonewatch-am-inhibit-")
    try:
        got, api = run(am_binary, tmp, receiver_url, True, "inhibit rules")
        if got is not None:
            for key, n in sorted(WANTED.items()):
                check(got.get(key, 0) == n, f"{key[0]} {key[1] or '(no domain)'}: {n} notification",
                      f"got {got.get(key, 0)}")
            for key in MUTED:
                check(got.get(key, 0) == 0,
                      f"{key[0]} {key[1] or '(no domain)'}: muted by zonewatch's alert",
                      f"got {got.get(key, 0)} notification(s)")
            check(set(got) <= set(WANTED), "no other notification", str(got))
            hijack = [a for a in api if a["labels"]["alertname"] == "ZonewatchHijackSuspected"]
            check(len(hijack) == 1 and hijack[0]["status"]["state"] == "suppressed" and
                  hijack[0]["status"]["inhibitedBy"],
                  "API v2: ZonewatchHijackSuspected is suppressed, inhibited by the webhook's alert",
                  json.dumps(hijack)[:600])
        got, _ = run(am_binary, tmp, receiver_url, False, "no inhibit rules")
        if got is not None:
            check(got.get(("zonewatch_hijack_suspected", "a.example."), 0) == 1 and
                  got.get(("ZonewatchHijackSuspected", ""), 0) == 1,
                  "without the inhibit rules one hijack notifies twice (the webhook's and the rule's)",
                  str(got))
    except Exception as err:  # noqa: BLE001 -- any failure is reported as a failed check
        check(False, "the test ran to its end", repr(err))
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
