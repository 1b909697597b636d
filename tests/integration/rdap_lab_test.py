#!/usr/bin/env python3
"""The registration watch (issue 16) of `zonewatch run` on the lab, against the test RDAP server.

    rdap_lab_test.py ZONEWATCH LAB_DIR LAB_SH

With the lab up (ctest fixture "lab"): rdap_server.py runs in this process on a free loopback port
and serves an RDAP domain object for four lab children (client transfer and update locks, one
registrar, an expiry years away). Its /dns.json is the daemon's rdap.bootstrap_url, with no
bootstrap_file and no servers: the children's server is found only through the fetched bootstrap
registry (RFC 9224). `zonewatch run` watches the four children (DNS interval 30s, confirm_polls 1)
with rdap.interval 2s and min_spacing 0s; its metrics and timeline page listen on another free
loopback port.

1. Baseline: the bootstrap URL is fetched (zonewatch_rdap_bootstrap_refresh_total{result="ok"},
   its info line), every child's first registration is stored and published
   (zonewatch_registration_lock and zonewatch_registration_expiry_timestamp_seconds), and no
   registration event is raised.
2. Failures: child03 answers 429 with Retry-After, child07 truncated JSON. Both are counted
   (zonewatch_rdap_queries_total{result="rate_limited"|"bad_response"}), logged once each, and
   raise no event; child07's locks stay as last known.
3. Scenario B: child02's registrar changes at the registry alone: registrar_changed, and no
   hijack_suspected.
4. Scenario A: clientTransferProhibited disappears from child01's status (lock_removed), then the
   lab's NS+DS replacement (move-ns) reaches the DNS: operator_changed, and a hijack_suspected whose
   summary names the lock removal and then the operator change.
5. Fallback: a second daemon whose bootstrap_url is a closed loopback port and whose bootstrap_file
   is a saved copy of /dns.json still publishes every child's locks, counts the failed refresh and
   logs its warning once.

Nothing leaves 127.0.0.0/8. child01 is restored, also on failure. One line per check, then
"N passed, N failed"; exit 1 if anything failed.
"""
import copy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from lab_checks import Checks, free_port, http_get, wait_for
from monitor_lab_test import Lab
import rdap_server

CHILDREN = ["child01.lab.", "child02.lab.", "child03.lab.", "child07.lab."]
RDAP_EVENTS = {"registrar_changed", "lock_removed", "lock_added", "registry_nameservers_changed",
               "registry_dns_mismatch", "registration_expiring", "hijack_suspected"}
SETTLE_TIMEOUT = 120  # the first DNS round and the first RDAP polls
RDAP_TIMEOUT = 60     # an RDAP change seen: polls every 2 s, one loop turn to apply
DNS_TIMEOUT = 150     # the mutation seen by the next DNS poll (interval 30 s, confirm_polls 1)


def registrar(name, iana_id):
    return {"objectClassName": "entity", "handle": str(iana_id), "roles": ["registrar"],
            "publicIds": [{"type": "IANA Registrar ID", "identifier": str(iana_id)}],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]]}


def domain_object(child, statuses=("client transfer prohibited", "client update prohibited"),
                  sponsor=("Good Registrar", 1001)):
    name = child.rstrip(".")
    return {"rdapConformance": ["rdap_level_0"], "objectClassName": "domain", "ldhName": name,
            "handle": name.upper().replace(".", "-"), "status": list(statuses),
            "entities": [registrar(*sponsor)],
            # The registry's NS: what the lab delegates to does not matter here, the mismatch
            # grace (1h at least) is far longer than the test.
            "nameservers": [{"objectClassName": "nameserver", "ldhName": f"ns1.{name}"}],
            "events": [{"eventAction": "registration", "eventDate": "2020-01-01T00:00:00Z"},
                       {"eventAction": "expiration", "eventDate": "2035-01-01T00:00:00Z"}]}


def samples(text, name):
    """{frozenset(label items): value} of one metric in an exposition text."""
    out = {}
    for line in text.splitlines():
        m = re.match(re.escape(name) + r"\{([^}]*)\} (\S+)$", line)
        if m:
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            out[labels] = float(m.group(2))
    return out


class Daemon:
    def __init__(self, zonewatch, work, lab_dir, bootstrap_keys):
        self.zonewatch = zonewatch
        self.port = free_port()
        self.config = os.path.join(work, "zonewatch.yaml")
        self.log_path = os.path.join(work, "zonewatch.log")
        with open(self.config, "w", encoding="utf-8") as f:
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
  listen: 127.0.0.1:{self.port}
log_level: info
rdap:
  enabled: true
  interval: 2s
  min_spacing: 0s
  timeout: 5s
{bootstrap_keys}""")
        self.log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen([zonewatch, "run", "-c", self.config], stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def metrics(self):
        return http_get(f"http://127.0.0.1:{self.port}/metrics")

    def history(self, domain):
        proc = subprocess.run([self.zonewatch, "history", domain, "--json", "--limit", "100000",
                               "-c", self.config], capture_output=True, text=True, timeout=60,
                              check=True)
        return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        if self.log.closed:  # stopped already
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def rdap_events(daemon, domain):
    return [e for e in daemon.history(domain) if e["event"] in RDAP_EVENTS]


def served(state, child):
    path = "/domain/" + child.rstrip(".")
    return sum(1 for p in state.served() if p.lower() == path)


def check_bootstrap_fetched(checks, daemon, url):
    text = daemon.metrics()
    refreshes = samples(text, "zonewatch_rdap_bootstrap_refresh_total")
    checks.check(refreshes.get(frozenset({("result", "ok")}), 0) >= 1 and
                 refreshes.get(frozenset({("result", "failed")})) == 0,
                 "zonewatch_rdap_bootstrap_refresh_total counts the URL's fetch as ok",
                 str(refreshes))
    loaded = [line for line in text.splitlines()
              if line.startswith("zonewatch_rdap_bootstrap_loaded_timestamp_seconds ")]
    checks.check(len(loaded) == 1 and float(loaded[0].split()[1]) > time.time() - 3600,
                 "zonewatch_rdap_bootstrap_loaded_timestamp_seconds is set", str(loaded))
    lines = [line for line in daemon.log_text().splitlines()
             if f"RDAP bootstrap: {url} (1 services, publication 2026-12-06T00:00:00Z)" in line]
    checks.check(len(lines) == 1, "the fetched bootstrap is logged with its publication",
                 f"{len(lines)} lines")


def check_fallback(checks, zonewatch, lab, work, base):
    """An unreachable bootstrap_url: the bootstrap_file is used and the failure logged once."""
    os.makedirs(work, exist_ok=True)
    bootstrap_file = os.path.join(work, "dns.json")
    with open(bootstrap_file, "w", encoding="utf-8") as f:
        f.write(http_get(base + "dns.json"))
    closed = f"http://127.0.0.1:{free_port()}/dns.json"
    daemon = Daemon(zonewatch, work, lab.dir,
                    f"  bootstrap_url: {closed}\n  bootstrap_file: {bootstrap_file}\n")
    try:
        def published():
            locks = samples(daemon.metrics(), "zonewatch_registration_lock")
            return all(locks.get(frozenset({("domain", c), ("lock", "client_update")})) == 1
                       for c in CHILDREN)
        checks.check(wait_for("every child's registration", published, SETTLE_TIMEOUT),
                     "fallback: an unreachable bootstrap_url, the bootstrap_file's server is polled")
        refreshes = samples(daemon.metrics(), "zonewatch_rdap_bootstrap_refresh_total")
        checks.check(refreshes.get(frozenset({("result", "failed")}), 0) >= 1 and
                     refreshes.get(frozenset({("result", "ok")})) == 0,
                     "fallback: the failed refresh is counted", str(refreshes))
        lines = [line for line in daemon.log_text().splitlines()
                 if f"cannot refresh the RDAP bootstrap from {closed} (transport)" in line]
        checks.check(len(lines) == 1, "fallback: the failure is logged once, with its reason",
                     f"{len(lines)} lines")
        checks.check(daemon.proc.poll() is None, "fallback: the daemon is still running")
    finally:
        daemon.stop()


def check_baseline(checks, daemon):
    def published():
        locks = samples(daemon.metrics(), "zonewatch_registration_lock")
        return all(locks.get(frozenset({("domain", c), ("lock", "client_transfer")})) == 1
                   for c in CHILDREN)
    checks.check(wait_for("every child's registration", published, SETTLE_TIMEOUT),
                 "zonewatch_registration_lock{lock=client_transfer} is 1 for every child")
    text = daemon.metrics()
    locks = samples(text, "zonewatch_registration_lock")
    checks.check(locks.get(frozenset({("domain", CHILDREN[0]), ("lock", "server_transfer")})) == 0,
                 "a lock the registry does not show is 0")
    expiry = samples(text, "zonewatch_registration_expiry_timestamp_seconds")
    checks.check(expiry.get(frozenset({("domain", CHILDREN[0])})) == 2051222400,
                 "zonewatch_registration_expiry_timestamp_seconds is the expiration event",
                 str(expiry))
    ok = samples(text, "zonewatch_rdap_queries_total").get(frozenset({("result", "ok")}), 0)
    checks.check(ok >= len(CHILDREN), "zonewatch_rdap_queries_total{result=ok} counts the polls",
                 str(ok))
    got = {c: [e["event"] for e in rdap_events(daemon, c)] for c in CHILDREN}
    checks.check(all(not v for v in got.values()), "the baseline raises no registration event",
                 str(got))


def check_failures(checks, daemon, state, data):
    broken = copy.deepcopy(data)
    broken["behaviour"] = {"child03.lab": {"status": 429, "retry_after": "2"},
                           "child07.lab": {"malformed": True}}
    before = {c: served(state, c) for c in ("child03.lab.", "child07.lab.")}
    state.replace(broken)

    def failed_twice():
        counts = samples(daemon.metrics(), "zonewatch_rdap_queries_total")
        return all(served(state, c) >= before[c] + 2 for c in before) and \
            counts.get(frozenset({("result", "rate_limited")}), 0) >= 2 and \
            counts.get(frozenset({("result", "bad_response")}), 0) >= 2
    checks.check(wait_for("two failed polls of each", failed_twice, RDAP_TIMEOUT),
                 "429 and malformed JSON are counted as rate_limited and bad_response")
    time.sleep(3)  # a loop turn to apply anything that might (wrongly) have been judged
    got = {c: [e["event"] for e in rdap_events(daemon, c)] for c in ("child03.lab.", "child07.lab.")}
    checks.check(all(not v for v in got.values()), "failed polls raise no event", str(got))
    locks = samples(daemon.metrics(), "zonewatch_registration_lock")
    checks.check(locks.get(frozenset({("domain", "child07.lab."), ("lock", "client_transfer")})) == 1,
                 "a failed poll leaves the last known locks")
    log = daemon.log_text()
    for child, kind in (("child03.lab.", "rate_limited"), ("child07.lab.", "bad_response")):
        lines = [line for line in log.splitlines()
                 if f"RDAP query for {child} failed ({kind})" in line]
        checks.check(len(lines) == 1, f"{child}'s {kind} is logged once, with its reason",
                     f"{len(lines)} lines")
    state.replace(data)


def check_registrar_change(checks, daemon, state, data):
    child = "child02.lab."
    data["domains"]["child02.lab"] = domain_object(child, sponsor=("Other Registrar", 2002))
    state.replace(data)

    def changed():
        return "registrar_changed" in [e["event"] for e in rdap_events(daemon, child)]
    checks.check(wait_for("registrar_changed", changed, RDAP_TIMEOUT),
                 f"scenario B: {child}'s new registrar raises registrar_changed")
    start = served(state, child)
    wait_for("more polls", lambda: served(state, child) >= start + 3, RDAP_TIMEOUT)
    time.sleep(2)
    got = sorted(e["event"] for e in rdap_events(daemon, child))
    checks.check(got == ["registrar_changed"],
                 "scenario B: a registrar change alone raises registrar_changed only", str(got))


def check_hijack(checks, daemon, state, data, lab):
    child = "child01.lab."
    data["domains"]["child01.lab"] = domain_object(child, statuses=("client update prohibited",))
    state.replace(data)

    def removed():
        return "lock_removed" in [e["event"] for e in rdap_events(daemon, child)]
    if not checks.check(wait_for("lock_removed", removed, RDAP_TIMEOUT),
                        "scenario A: clientTransferProhibited dropped raises lock_removed"):
        return
    lock_event = next(e for e in rdap_events(daemon, child) if e["event"] == "lock_removed")
    checks.check("client transfer lock" in lock_event.get("summary", ""),
                 "lock_removed names the lock", lock_event.get("summary", ""))
    lab.mutate(child, "move-ns")

    def hijacked():
        return any(e["event"] == "hijack_suspected" and "lock removed" in e.get("summary", "")
                   for e in daemon.history(child))
    checks.check(wait_for("the registration hijack_suspected", hijacked, DNS_TIMEOUT),
                 "scenario A: move-ns after the lock removal raises hijack_suspected")
    events = daemon.history(child)
    names = [e["event"] for e in events]
    checks.check("operator_changed" in names, "scenario A: operator_changed", str(names))
    suspected = [e for e in events
                 if e["event"] == "hijack_suspected" and "lock removed" in e.get("summary", "")]
    if suspected:
        summary = suspected[0]["summary"]
        lock_at = summary.find("client transfer lock removed")
        then_at = summary.find("then operator changed")
        checks.check(0 <= lock_at < then_at,
                     "its summary names the lock removal, then the operator change", summary)
        checks.check(len(suspected) == 1, "one registration hijack_suspected",
                     str(len(suspected)))


def run(checks, zonewatch, lab, work):
    data = {"domains": {c.rstrip("."): domain_object(c) for c in CHILDREN}, "behaviour": {}}
    state = rdap_server.State()
    state.replace(copy.deepcopy(data))
    server = rdap_server.start(state)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    url = base + "dns.json"
    daemon = Daemon(zonewatch, work, lab.dir, f"  bootstrap_url: {url}\n")
    try:
        check_baseline(checks, daemon)
        check_bootstrap_fetched(checks, daemon, url)
        check_failures(checks, daemon, state, data)
        check_registrar_change(checks, daemon, state, data)
        check_hijack(checks, daemon, state, data, lab)
        checks.check(daemon.proc.poll() is None, "the daemon is still running")
        daemon.stop()
        check_fallback(checks, zonewatch, lab, os.path.join(work, "fallback"), base)
    finally:
        daemon.stop()
        server.shutdown()


def main(argv):
    if len(argv) != 4:
        print(__doc__)
        return 2
    zonewatch, lab_dir, lab_sh = argv[1:4]
    checks = Checks()
    lab = Lab(lab_sh, lab_dir)
    work = tempfile.mkdtemp(prefix="zonewatch-rdap-lab-test.")
    try:
        run(checks, zonewatch, lab, work)
    except Exception as err:  # noqa: BLE001 -- a crash of the test is one failed check
        checks.crashed(err)
    finally:
        lab.restore_all(checks)
        if checks.failed == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"    logs kept in {work}")
    return checks.finish("rdap_lab")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
