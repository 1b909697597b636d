#!/usr/bin/env python3
"""The timeline page (issue 17) of `zonewatch run` on the lab, loaded in headless Chromium.

    web_page_test.py ZONEWATCH LAB_DIR LAB_SH [ARTIFACT_DIR]

With the lab up (ctest fixture "lab"): starts `zonewatch run` on four lab children (confirm_polls
1, metrics and the page on a free loopback port), waits until every child was observed, applies
the hijack scenario move-ns to child01.lab. (the TLD delegates it to another operator's servers,
with a new key and DS) and waits for its operator_changed and hijack_suspected events in
/api/events. Then it loads `/` and `/domain/child01.lab.` in Debian's headless `chromium`: the
DOM after the page's script ran (--dump-dom) must show the domains, the events, the timeline's
diff, the chain of trust (the root, the TLD and the domain with their key tags, as /api/domain's
chain has them) and the snapshot links, and the table headers the script made sortable
(which proves the script ran under the page's Content-Security-Policy). A screenshot of each page
is written to ARTIFACT_DIR (default: the temporary directory) as portfolio.png and domain.png.

Chromium reaches nothing but loopback: no proxy, no background networking or component updates,
every host name but 127.0.0.1 unresolvable, a throwaway profile. The child is restored, also on
failure. One line per check, then "N passed, N failed".
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from lab_checks import Checks, free_port, http_fetch, wait_for
from monitor_lab_test import Lab

CHILDREN = ["child01.lab.", "child02.lab.", "child03.lab.", "child07.lab."]
CHILD = "child01.lab."
SCENARIO = "move-ns"
REQUIRED = {"operator_changed", "hijack_suspected"}
SETTLE_TIMEOUT = 120  # the first round, at most an interval (30 s) and its jitter
EVENT_TIMEOUT = 150  # the mutation seen by the next poll of the child, confirm_polls 1
CHROMIUM = "/usr/bin/chromium"


def chromium(profile, *args):
    """Runs headless Chromium confined to loopback; returns its standard output."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-proxy-server",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-extensions",
               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
               f"--user-data-dir={profile}", *args]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    return proc.stdout


def write_config(path, work, lab_dir, port):
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"""database: {work}/zonewatch.sqlite
interval: 30s
confirm_polls: 1
max_snapshots_per_hour: 0
per_server_qps: 100000
ip_versions: [4]
root_hints: {os.path.join(lab_dir, 'root.hints')}
trust_anchors: {os.path.join(lab_dir, 'root.ds')}
domains: [{", ".join(CHILDREN)}]
metrics:
  enabled: true
  listen: 127.0.0.1:{port}
web:
  enabled: true
log_level: info
""")


def check_portfolio(checks, dom):
    for child in CHILDREN:
        checks.check(f'href="/domain/{child}"' in dom, f"/ links to {child}")
    for event in sorted(REQUIRED):
        checks.check(event in dom, f"/ shows {event} in the latest events")
    checks.check("Earliest signature expiry" in dom and "Failing servers" in dom,
                 "/ has the portfolio table's columns")
    checks.check('title="Sort by Domain"' in dom,
                 "the page's script ran under its Content-Security-Policy (sortable headers)")


def check_domain(checks, dom):
    checks.check(f"<h1>{CHILD}</h1>" in dom, f"/domain/{CHILD} names the domain")
    for part in ("Chain of trust", "Servers", "Timeline", "Snapshots"):
        checks.check(f"<h2>{part}</h2>" in dom, f"/domain/{CHILD} has the {part} section")
    for event in sorted(REQUIRED):
        checks.check(f"<b>{event}</b>" in dom, f"/domain/{CHILD}'s timeline shows {event}")
    checks.check(re.search(r'<span class="add">\+ [^<]*other-operator\.lab', dom) is not None,
                 "the timeline's diff adds the new operator's servers",
                 re.findall(r'<span class="(?:add|del)">[^<]*</span>', dom)[:6].__repr__())
    checks.check(re.search(r'<span class="del">- [^<]*\.lab\.', dom) is not None,
                 "the timeline's diff removes the old ones")
    checks.check('class="tag ok"' in dom, "the chain diagram matches a DS to a DNSKEY")


def check_chain(checks, base, dom):
    """The chain diagram: the root, the TLD and the domain, each with the key tags /api/domain's
    chain gives it, the root's link secure from the lab's DS trust anchor."""
    body, _ = http_fetch(f"{base}/api/domain/{CHILD}")
    chain = json.loads(body)["chain"] or []
    zones = [z["zone"] for z in chain]
    checks.check(zones == [".", "lab.", CHILD], "/api/domain's chain runs from the root to the domain",
                 str(zones))
    boxes = re.findall(r'<div class="zone st-(\w+)"><div class="zn">([^<]*)</div>(.*?)</div></div>',
                       dom)
    shown = {zone: (state, inner) for state, zone, inner in boxes}
    for z in chain:
        state, inner = shown.get(z["zone"], ("", ""))
        tags = [str(k["tag"]) for k in z["dnskey"]] + [str(d["key_tag"]) for d in z["ds"]]
        missing = [t for t in tags if f">{t} <small>" not in inner]
        checks.check(bool(inner) and state == z["state"] and tags and not missing,
                     f"the diagram shows {z['zone']} ({z['state']}) with its DS and DNSKEY tags "
                     f"{' '.join(tags)}", f"state {state!r}, missing {missing}")
    checks.check(shown.get(".", ("",))[0] == "secure" and 'trust anchor <span class="tag ok"' in dom,
                 "the root is secure from the configured trust anchor")


def check_snapshot(checks, base, dom):
    links = re.findall(r'href="(/domain/child01\.lab\./snapshot/\d+)"', dom)
    if not checks.check(len(links) >= 2, "a link per snapshot (before and after the move)",
                        str(links)):
        return
    text, headers = http_fetch(base + links[0])
    checks.check(headers.get("Content-Type", "").startswith("text/plain"),
                 "a snapshot's evidence is text/plain", str(headers.get("Content-Type")))
    checks.check(f"; {CHILD} as observed from" in text and " IN NS " in text,
                 "the evidence holds the delegation as observed", text[:200])


def screenshot(checks, profile, url, path):
    chromium(profile, "--window-size=1280,900", f"--screenshot={path}", url)
    ok = os.path.exists(path) and os.path.getsize(path) > 10000
    if ok:
        with open(path, "rb") as f:
            ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
    checks.check(ok, f"screenshot of {url} in {path}")


def wait_for_events(checks, base):
    got = set()

    def seen():
        body, _ = http_fetch(f"{base}/api/events?domain={CHILD}&limit=1000")
        got.update(e["event"] for e in json.loads(body)["events"])
        return REQUIRED <= got
    return checks.check(wait_for(f"{sorted(REQUIRED)} of {CHILD}", seen, EVENT_TIMEOUT),
                        f"/api/events shows {sorted(REQUIRED)} for {CHILD} after {SCENARIO}",
                        f"got {sorted(got)}")


def run(checks, zonewatch, lab, work, artifacts):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = os.path.join(work, "zonewatch.yaml")
    write_config(config, work, lab.dir, port)
    log = open(os.path.join(work, "zonewatch.log"), "w", encoding="utf-8")
    daemon = subprocess.Popen([zonewatch, "run", "-c", config], stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        def all_observed():
            body, _ = http_fetch(f"{base}/api/status")
            return all(d["status"] for d in json.loads(body)["domains"]) and len(
                json.loads(body)["domains"]) == len(CHILDREN)
        if not checks.check(wait_for("every child observed", all_observed, SETTLE_TIMEOUT),
                            "/api/status shows every child observed"):
            return
        _, headers = http_fetch(base + "/")
        checks.check("script-src 'self'" in headers.get("Content-Security-Policy", ""),
                     "/ sends the Content-Security-Policy", str(headers))
        lab.mutate(CHILD, SCENARIO)
        if not wait_for_events(checks, base):
            return
        profile = os.path.join(work, "chromium-profile")
        check_portfolio(checks, chromium(profile, "--dump-dom", base + "/"))
        dom = chromium(profile, "--dump-dom", f"{base}/domain/{CHILD}")
        check_domain(checks, dom)
        check_chain(checks, base, dom)
        check_snapshot(checks, base, dom)
        os.makedirs(artifacts, exist_ok=True)
        screenshot(checks, profile, base + "/", os.path.join(artifacts, "portfolio.png"))
        screenshot(checks, profile, f"{base}/domain/{CHILD}",
                   os.path.join(artifacts, "domain.png"))
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__)
        return 2
    zonewatch, lab_dir, lab_sh = argv[1:4]
    checks = Checks()
    if not checks.check(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is installed (Debian chromium)"):
        return checks.finish("web_page")
    lab = Lab(lab_sh, lab_dir)
    work = tempfile.mkdtemp(prefix="zonewatch-web-page-test.")
    artifacts = argv[4] if len(argv) == 5 else work
    try:
        run(checks, zonewatch, lab, work, artifacts)
    except Exception as err:  # noqa: BLE001 -- a crash of the test is one failed check
        checks.crashed(err)
    finally:
        lab.restore_all(checks)
        if checks.failed == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"    logs kept in {work}")
    return checks.finish("web_page")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
