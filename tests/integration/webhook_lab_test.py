#!/usr/bin/env python3
"""Webhooks from the monitor on the real-server lab to an HTTP receiver in this test.

    webhook_lab_test.py ZONEWATCH LAB_DIR LAB_SH

The lab (tests/lab) must be up in LAB_DIR. zonewatch watches four lab children with
confirm_polls 2 and three `generic` webhooks, all pointing at one HTTP server this test runs on a
free port of 127.0.0.1 (http.server in a thread), one path per webhook:

  /a       webhook "hook-a", secret A; the receiver verifies with A and answers 204 (401 if not)
  /b       webhook "hook-b", secret B; the receiver verifies with B. It is also behind
           authentication: its `headers` (X-Tenant) and `bearer_token_file` must arrive with
           every request, and nothing of them at /a
  /strict  webhook "wrong-secret", signed with a third secret while the receiver verifies with A:
           a receiver given the wrong secret; it must reject every request (401), and zonewatch
           must take that as a permanent rejection (never sent again)

retry_initial and retry_max are 1s, so a failed delivery is due again by the next round. Each round
is one `zonewatch run -c CFG --once` on the same database: the round, then one delivery pass.

1. remove-ds, ds-mismatch and move-ns on child01.lab., each followed by restore: after every
   round, every event stored (`zonewatch history DOMAIN --json`) has arrived at /a and /b exactly
   once and been rejected at /strict exactly once; each scenario's expected events are among them.
2. Every request: the documented headers (alerts/README.md), `X-Zonewatch-Signature` =
   "sha256=" + hex HMAC-SHA256(secret, raw body) recomputed here, the timestamp header equal to
   the body's `sent_at`, and the body fields equal to the stored event. With the other sink's
   secret the HMAC does not match; the same event at /a and /b carries different signatures.
3. The receiver answers 503 for two rounds while child01 is mutated (change-glue), then stops
   listening for two rounds while it is restored; then it comes back, and within a few rounds
   every event has arrived at each sink, none twice.

Nothing leaves 127.0.0.0/8. Every mutated child is restored, also on failure. One line per
check, then "N passed, N failed"; exit 1 if anything failed.
"""

import hashlib
import hmac
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

from lab_checks import Checks
from monitor_lab_test import Lab, Monitor

CHILDREN = ["child01.lab.", "child02.lab.", "child03.lab.", "child07.lab."]
CHILD = "child01.lab."
SECRET_A = b"hook-a-secret-3f9c"
SECRET_B = b"hook-b-secret-81d2"
SECRET_WRONG = b"not-the-receivers-secret"
TOKEN_B = "hook-b-bearer-5e7a"
TENANT_B = "lab tenant b"
# The generic body (alerts/README.md, "generic"): exactly these keys.
BODY_KEYS = {"id", "event", "severity", "domain", "summary", "observed_at", "before", "after",
             "server", "sent_at"}
# scenario -> (events required on confirmation, events required after restore); the full sets are
# monitor_lab_test.py's business, this test checks that what is stored is what is delivered.
SCENARIOS = [
    ("remove-ds", {"ds_removed", "unsigned_downgrade"}, {"ds_added"}),
    ("ds-mismatch", {"ds_changed", "validation_failed"}, {"ds_changed", "validation_recovered"}),
    ("move-ns", {"operator_changed", "hijack_suspected"}, {"operator_changed"}),
]
# After the outage: rounds allowed for every event to arrive, and the pause before each. A round
# on four children takes well under a second, less than the 1 s backoff (retry_initial and
# retry_max): without the pause, rounds would find nothing due yet.
RECOVERY_ROUNDS = 20
RECOVERY_PAUSE = 0.5


def signature(secret, body, timestamp):
    """What alerts/README.md tells receivers to compute: HMAC over "timestamp.body"."""
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body,
                                hashlib.sha256).hexdigest()


class Receiver:
    """One HTTP server, one path per webhook; records every request and the status it got.

    A request is recorded when it arrives, with the status it is to get: a receiver acts on a
    request before it answers. With `hold` seconds set, the answer is held that long (a slow
    receiver); `threaded` serves each request in its own thread, so that several senders' held
    requests do not queue behind each other."""

    def __init__(self, verify_with, threaded=False):
        self.verify_with = verify_with  # path -> the secret this receiver checks signatures with
        self.threaded = threaded
        self.lock = threading.Lock()
        # {"path", "headers" (lowercase names), "body" (bytes), "status", "arrived" (unix time),
        #  "answered" (None while held, then whether the answer could be written)}
        self.requests = []
        self.outage = None  # a status to answer everything with (e.g. 503), or None
        self.hold = 0.0  # seconds each answer is held
        self.port = 0
        self.server = None
        self.thread = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 -- http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                secret = receiver.verify_with.get(self.path)
                with receiver.lock:
                    if receiver.outage is not None:
                        status = receiver.outage
                    elif secret is None:
                        status = 404
                    else:
                        # What alerts/README.md tells receivers to do: the raw bytes, in constant
                        # time.
                        ok = hmac.compare_digest(
                            signature(secret, body, headers.get("x-zonewatch-timestamp", "")),
                            headers.get("x-zonewatch-signature", ""))
                        status = 204 if ok else 401
                    record = {"path": self.path, "headers": headers, "body": body,
                              "status": status, "arrived": time.time(), "answered": None}
                    receiver.requests.append(record)
                    hold = receiver.hold
                if hold > 0:
                    time.sleep(hold)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    self.wfile.flush()
                    answered = True
                except OSError:  # the sender is gone (killed while its request was held)
                    answered = False
                with receiver.lock:
                    record["answered"] = answered

            def log_message(self, *args):  # quiet: the checks say what happened
                pass

        # Port 0 the first time (the kernel picks a free one), the same port when restarted.
        server_class = ThreadingHTTPServer if self.threaded else HTTPServer
        self.server = server_class(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        """Closes the listening socket: connections are refused, as by a receiver that is down."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()
            self.server = None

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def snapshot(self):
        with self.lock:
            return [dict(r) for r in self.requests]


def request_id(request):
    return request["headers"].get("x-zonewatch-id", "")


def stored_events(monitor):
    events = {}
    for domain in CHILDREN:
        for event in monitor.history(domain):
            events[event["id"]] = event
    return events


def tally(requests, path, statuses):
    """id -> how many requests to `path` got one of `statuses`."""
    counts = {}
    for r in requests:
        if r["path"] == path and r["status"] in statuses:
            counts[request_id(r)] = counts.get(request_id(r), 0) + 1
    return counts


def exactly_once(counts, ids):
    """The ids missing, arrived twice or more, and arrived without being stored."""
    missing = sorted(i for i in ids if counts.get(i, 0) == 0)
    twice = sorted(i for i, n in counts.items() if n > 1)
    unknown = sorted(i for i in counts if i not in ids)
    return missing, twice, unknown


def check_delivered(checks, monitor, receiver, what):
    """Every stored event accepted once at /a and /b and rejected once at /strict."""
    events = stored_events(monitor)
    requests = receiver.snapshot()
    ok2xx = set(range(200, 300))
    for path, statuses, outcome in (("/a", ok2xx, "accepted"), ("/b", ok2xx, "accepted"),
                                    ("/strict", {401}, "rejected (wrong secret)")):
        missing, twice, unknown = exactly_once(tally(requests, path, statuses), events)
        checks.check(not missing and not twice and not unknown,
                     f"{what}: each of the {len(events)} stored events {outcome} at {path} "
                     f"exactly once",
                     f"missing {missing}, more than once {twice}, not stored {unknown}")
    accepted_strict = tally(requests, "/strict", ok2xx)
    checks.check(not accepted_strict, f"{what}: /strict accepted nothing", str(accepted_strict))
    return events


def rfc3339_to_unix(text):
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc).timestamp())


def check_requests(checks, receiver, events):
    """Headers, signatures and bodies of every request that arrived while the receiver was up."""
    requests = [r for r in receiver.snapshot() if r["status"] in (204, 401)]
    secrets = {"/a": SECRET_A, "/b": SECRET_B, "/strict": SECRET_WRONG}
    problems = []
    for r in requests:
        h, raw = r["headers"], r["body"]
        where = f"{r['path']} {request_id(r)}"
        try:
            body = json.loads(raw)
        except ValueError as err:
            problems.append(f"{where}: body is not JSON ({err})")
            continue
        if set(body) != BODY_KEYS:
            problems.append(f"{where}: body keys {sorted(body)}")
            continue
        if h.get("content-type") != "application/json" or \
                not h.get("user-agent", "").startswith("zonewatch/"):
            problems.append(f"{where}: content-type/user-agent {h.get('content-type')} "
                            f"{h.get('user-agent')}")
        if h.get("x-zonewatch-id") != body["id"] or h.get("x-zonewatch-event") != body["event"]:
            problems.append(f"{where}: id/event headers {h.get('x-zonewatch-id')} "
                            f"{h.get('x-zonewatch-event')} vs body {body['id']} {body['event']}")
        if h.get("x-zonewatch-signature") != signature(secrets[r["path"]], raw,
                                                        h.get("x-zonewatch-timestamp", "")):
            problems.append(f"{where}: signature is not HMAC-SHA256 of timestamp.body with its "
                            "secret")
        auth = (h.get("authorization"), h.get("x-tenant"))
        if auth != ((f"Bearer {TOKEN_B}", TENANT_B) if r["path"] == "/b" else (None, None)):
            problems.append(f"{where}: authorization/x-tenant {auth}")
        stamp = h.get("x-zonewatch-timestamp", "")
        if not stamp.isdigit() or int(stamp) != rfc3339_to_unix(body["sent_at"]):
            problems.append(f"{where}: X-Zonewatch-Timestamp {stamp!r} vs sent_at "
                            f"{body['sent_at']}")
        stored = events.get(body["id"])
        if stored is None:
            problems.append(f"{where}: not a stored event")
            continue
        for key in ("event", "severity", "domain", "summary", "observed_at", "before", "after",
                    "server"):
            if body[key] != stored.get(key):
                problems.append(f"{where}: {key} {body[key]!r} but stored {stored.get(key)!r}")
    checks.check(requests and not problems,
                 f"all {len(requests)} requests: headers (hook-b's own and its bearer token "
                 "at /b only), signature with the sink's secret, "
                 "timestamp = sent_at, body = the stored event", "; ".join(problems[:5]))

    # A receiver holding the wrong secret notices: with B's secret no request to /a verifies,
    # and the other way round.
    crossed = [r for r in requests if r["path"] in ("/a", "/b") and hmac.compare_digest(
        signature(SECRET_B if r["path"] == "/a" else SECRET_A, r["body"],
                  r["headers"].get("x-zonewatch-timestamp", "")),
        r["headers"].get("x-zonewatch-signature", ""))]
    checks.check(not crossed and any(r["path"] == "/a" for r in requests),
                 "wrong secret: HMAC with the other sink's secret matches none of the signatures",
                 f"{len(crossed)} matched")
    rejected = [r for r in requests if r["path"] == "/strict"]
    checks.check(rejected and all(r["status"] == 401 for r in rejected),
                 f"wrong secret: the receiver verifying /strict with secret A rejected all "
                 f"{len(rejected)} requests signed with another secret")
    by_id = {}
    for r in requests:
        if r["path"] in ("/a", "/b"):
            by_id.setdefault(request_id(r), {})[r["path"]] = r["headers"]["x-zonewatch-signature"]
    pairs = [sigs for sigs in by_id.values() if len(sigs) == 2]
    checks.check(pairs and all(s["/a"] != s["/b"] for s in pairs),
                 f"two sinks, two secrets: the {len(pairs)} events delivered to both carry "
                 "different signatures")


def rounds(monitor, count, what):
    """Runs `count` rounds; returns the delivery pass's totals from the runs' log lines
    ("webhooks: N delivered, N left in the outbox to retry, N given up")."""
    totals = {"delivered": 0, "retry": 0, "given up": 0}
    for number in range(1, count + 1):
        out, seconds = monitor.round()
        line = next((l for l in out.splitlines() if "webhooks: " in l and "delivered" in l), "")
        found = re.search(r"(\d+) delivered, (\d+) left in the outbox to retry, (\d+) given up",
                          line)
        if found:
            for key, value in zip(totals, found.groups()):
                totals[key] += int(value)
        label = what if count == 1 else f"{what} round {number}"
        print(f"   {label} ({seconds:.1f} s): "
              f"{line.split('webhooks: ', 1)[-1] or 'nothing due'}", flush=True)
    return totals


def scenario(checks, monitor, lab, receiver, name, required, back):
    print(f"== {CHILD} {name}", flush=True)
    before = set(stored_events(monitor))
    lab.mutate(CHILD, name)
    rounds(monitor, 2, name)
    events = check_delivered(checks, monitor, receiver, f"{name}, 2 rounds")
    names = {e["event"] for i, e in events.items() if i not in before and e["domain"] == CHILD}
    checks.check(required <= names, f"{name}: {' + '.join(sorted(required))} delivered",
                 f"got {sorted(names)}")
    before = set(events)
    lab.restore(CHILD)
    rounds(monitor, 2, f"{name} restored")
    events = check_delivered(checks, monitor, receiver, f"{name} restored, 2 rounds")
    names = {e["event"] for i, e in events.items() if i not in before and e["domain"] == CHILD}
    checks.check(back <= names, f"{name} restored: {' + '.join(sorted(back))} delivered",
                 f"got {sorted(names)}")


def outage(checks, monitor, lab, receiver):
    print(f"== receiver down: 503 while {CHILD} change-glue, then refusing while restored",
          flush=True)
    before = set(stored_events(monitor))
    seen = len(receiver.snapshot())
    with receiver.lock:
        receiver.outage = 503
    lab.mutate(CHILD, "change-glue")
    answered = rounds(monitor, 2, "503")
    receiver.stop()
    lab.restore(CHILD)
    refused = rounds(monitor, 2, "refused")
    events = stored_events(monitor)
    new = sorted(set(events) - before)
    during = receiver.snapshot()[seen:]
    checks.check(len(new) >= 2 and {"glue_changed"} <= {events[i]["event"] for i in new},
                 f"outage: {len(new)} events stored meanwhile (glue_changed there and back)",
                 str([events[i]["event"] for i in new]))
    checks.check(during and all(r["status"] == 503 for r in during) and
                 answered["retry"] == len(during) and answered["delivered"] == 0,
                 f"outage: zonewatch tried while the receiver answered 503 ({len(during)} "
                 "requests, all 503, all left in the outbox)", str(answered))
    checks.check(refused["retry"] > 0 and refused["delivered"] == 0 and
                 refused["given up"] == 0,
                 f"outage: zonewatch tried while the receiver refused connections "
                 f"({refused['retry']} items left in the outbox)", str(refused))

    receiver.outage = None
    receiver.start()  # the same port
    for number in range(1, RECOVERY_ROUNDS + 1):
        time.sleep(RECOVERY_PAUSE)
        rounds(monitor, 1, f"receiver back, round {number}")
        requests = receiver.snapshot()
        done = all(not exactly_once(tally(requests, p, s), events)[0]
                   for p, s in (("/a", {204}), ("/b", {204}), ("/strict", {401})))
        if done:
            break
    check_delivered(checks, monitor, receiver, f"receiver back, {number} rounds")


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    zonewatch, lab_dir, lab_sh = argv[1:]
    checks = Checks()
    # Never let a proxy setting send loopback traffic elsewhere (libcurl honours them).
    for key in [k for k in os.environ if "proxy" in k.lower()]:
        del os.environ[key]
    lab = Lab(lab_sh, lab_dir)
    work = tempfile.mkdtemp(prefix="zonewatch-webhook-lab-")
    receiver = Receiver({"/a": SECRET_A, "/b": SECRET_B, "/strict": SECRET_A})
    try:
        for child in CHILDREN:
            if lab.state(child)["scenario"] != "original":
                print(f"note: {child} was left mutated ({lab.state(child)['scenario']}); "
                      "restoring it")
                lab.restore(child)
        receiver.start()
        monitor = Monitor(zonewatch, lab_dir, work, CHILDREN)
        hooks = [("hook-a", "/a", SECRET_A), ("hook-b", "/b", SECRET_B),
                 ("wrong-secret", "/strict", SECRET_WRONG)]
        # Relative to the configuration's directory, as an operator would write it.
        with open(os.path.join(os.path.dirname(monitor.config), "hook-b.token"), "w",
                  encoding="utf-8") as handle:
            handle.write(TOKEN_B + "\n")
        with open(monitor.config, "a", encoding="utf-8") as handle:
            handle.write("webhooks:\n")
            for name, path, secret in hooks:
                handle.write(f"  - name: {name}\n    url: {receiver.url(path)}\n"
                             f"    secret: {secret.decode()}\n    format: generic\n"
                             "    timeout: 5s\n    retry_initial: 1s\n    retry_max: 1s\n")
                if name == "hook-b":
                    handle.write(f"    bearer_token_file: hook-b.token\n"
                                 f"    headers: {{X-Tenant: {TENANT_B}}}\n")
        monitor.cli("config", "check")

        print("== baseline", flush=True)
        rounds(monitor, 2, "baseline")
        check_delivered(checks, monitor, receiver, "baseline")
        for name, required, back in SCENARIOS:
            scenario(checks, monitor, lab, receiver, name, required, back)
        outage(checks, monitor, lab, receiver)
        check_requests(checks, receiver, stored_events(monitor))
    except Exception as err:  # noqa: BLE001 -- any failure is reported as a failed check
        checks.crashed(err)
    finally:
        lab.restore_all(checks)
        receiver.stop()
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish("webhook lab test")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
