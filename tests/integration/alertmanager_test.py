#!/usr/bin/env python3
"""zonewatch's Alertmanager format against a real Prometheus Alertmanager on loopback.

Writes an Alertmanager configuration (checked by `amtool check-config`), starts
prometheus-alertmanager on 127.0.0.1 with clustering off, lets alert_send_tool deliver one event
through the real Deliverer + libcurl, and reads it back through the API v2 and `amtool alert
query`. Alertmanager is stopped by its PID at the end. No traffic leaves 127.0.0.0/8.

usage: alertmanager_test.py ALERT_SEND_TOOL [ALERTMANAGER_BINARY] [AMTOOL_BINARY]
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CONFIG = """\
route:
  receiver: "null"
  group_by: ["alertname", "domain"]
receivers:
  - name: "null"
"""

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def main():
    tool = sys.argv[1]
    am_binary = sys.argv[2] if len(sys.argv) > 2 else "/usr/bin/prometheus-alertmanager"
    amtool = sys.argv[3] if len(sys.argv) > 3 else "/usr/bin/amtool"
    for binary in (am_binary, amtool):
        if not shutil.which(binary):
            print(f"{binary} not installed (Debian package prometheus-alertmanager)")
            print("0 passed, 1 failed")
            return 1

    # Never let a proxy setting send loopback traffic elsewhere.
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    tmp = tempfile.mkdtemp(prefix="zw-am-")
    proc = None
    try:
        config = os.path.join(tmp, "alertmanager.yml")
        with open(config, "w") as f:
            f.write(CONFIG)
        rc = subprocess.run([amtool, "check-config", config], capture_output=True, text=True,
                            env=env)
        check("amtool check-config", rc.returncode == 0, rc.stdout + rc.stderr)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(tmp, "alertmanager.log"), "w")
        proc = subprocess.Popen(
            [am_binary, f"--config.file={config}", f"--storage.path={tmp}/data",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        ready = wait_ready(base, proc)
        check("alertmanager ready", ready)
        if not ready:
            with open(os.path.join(tmp, "alertmanager.log")) as f:
                print(f.read()[-2000:])
            return 1

        uid = f"itest-{os.getpid()}"
        rc = subprocess.run([tool, os.path.join(tmp, "zonewatch.sqlite"), base, "alertmanager",
                             uid], capture_output=True, text=True, env=env, timeout=60)
        check("alert_send_tool delivered", rc.returncode == 0, rc.stdout + rc.stderr)
        print(rc.stdout, end="")

        alerts = get_json(base + "/api/v2/alerts")
        mine = [a for a in alerts if a.get("annotations", {}).get("event_id") == uid]
        check("alert visible through API v2", len(mine) == 1, json.dumps(alerts))
        if mine:
            a = mine[0]
            labels = a["labels"]
            check("labels", labels == {"alertname": "zonewatch_operator_changed",
                                       "event": "operator_changed", "domain": "example.com.",
                                       "severity": "critical", "source": "zonewatch"},
                  json.dumps(labels))
            ann = a["annotations"]
            check("annotations", ann.get("summary", "").startswith("operator changed")
                  and json.loads(ann["after"]) == {"operators": ["ns.two.example."]}
                  and ann.get("server") == "127.0.0.1", json.dumps(ann))
            check("firing", a["status"]["state"] == "active", json.dumps(a["status"]))
            check("generatorURL", a.get("generatorURL") == "http://127.0.0.1/zonewatch")

        rc = subprocess.run([amtool, f"--alertmanager.url={base}", "-o", "json", "alert", "query",
                             "alertname=zonewatch_operator_changed", "domain=example.com."],
                            capture_output=True, text=True, env=env)
        found = []
        if rc.returncode == 0:
            found = [a for a in json.loads(rc.stdout)
                     if a.get("annotations", {}).get("event_id") == uid]
        check("amtool alert query finds it", len(found) == 1, rc.stdout + rc.stderr)

        # A second event of the same kind for the same domain has the same label set: Alertmanager
        # updates the firing alert (README: one alert per event kind and domain) instead of
        # opening a second one, and the annotations name the newer event.
        rc = subprocess.run([tool, os.path.join(tmp, "zonewatch.sqlite"), base, "alertmanager",
                             uid + "-2"], capture_output=True, text=True, env=env, timeout=60)
        check("second event delivered", rc.returncode == 0, rc.stdout + rc.stderr)
        alerts = get_json(base + "/api/v2/alerts")
        same = [a for a in alerts if a["labels"].get("alertname") == "zonewatch_operator_changed"]
        check("same kind and domain update one alert",
              len(same) == 1 and same[0]["annotations"].get("event_id") == uid + "-2",
              json.dumps(alerts))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
