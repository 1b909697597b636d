#!/usr/bin/env python3
"""A small RDAP server for the tests (issue 16): RFC 9083 JSON on 127.0.0.1, a free port, whose
answers the test changes between polls. Python 3 standard library only; it never listens beyond
loopback.

What it serves (GET):
  /dns.json            an RFC 9224 bootstrap file naming this server for the suffixes in the state
  /domain/NAME         the domain object the state holds for NAME (case and trailing dot ignored),
                       as application/rdap+json; an RFC 9083 §6 error object with 404 when it
                       holds none
  /_control/requests   the paths served so far, in order (for rate-limit and poll-count checks)
PUT /_control/state replaces the state with the JSON body; with --state FILE the file is re-read
whenever it changes, so a test may also just rewrite the file.

The state:
  {"suffixes": ["test"],                          # bootstrap entries; default: every domain's TLD
   "domains": {"example.test": {...RFC 9083 domain object...}},
   "behaviour": {"busy.test": {"status": 429, "retry_after": "2"},     # or an HTTP-date
                 "slow.test": {"delay": 3.0},                            # then the domain object
                 "broken.test": {"malformed": true}}}                    # truncated JSON, 200
A behaviour applies to its domain's requests; "*" applies to all. It answers before the domain
object is looked up, so "busy.test" needs no entry in "domains".

Usage:
  rdap_server.py [--state FILE] [--port-file FILE]   prints "port N" on stdout, serves until killed
  rdap_server.py --self-test                        starts one, checks every behaviour, exits 0/1
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RDAP_JSON = "application/rdap+json"
MAX_BODY = 1 << 20  # a PUT state larger than this is refused


def error_object(code, title, description):
    """RFC 9083 §6."""
    return {"rdapConformance": ["rdap_level_0"], "errorCode": code, "title": title,
            "description": [description]}


def domain_key(name):
    return name.strip().rstrip(".").lower()


class State:
    """The served state, shared by the handler threads; reloaded from its file when it changes."""

    def __init__(self, path=None):
        self.lock = threading.Lock()
        self.path = path
        self.mtime = None
        self.data = {"domains": {}, "behaviour": {}}
        self.requests = []

    def replace(self, data):
        if not isinstance(data, dict):
            raise ValueError("the state is a JSON object")
        with self.lock:
            self.data = data

    def snapshot(self):
        with self.lock:
            if self.path:
                try:
                    mtime = os.stat(self.path).st_mtime_ns
                    if mtime != self.mtime:
                        with open(self.path, encoding="utf-8") as f:
                            self.data = json.load(f)
                        self.mtime = mtime
                except (OSError, ValueError):
                    pass  # a file being rewritten: keep the last good state
            return self.data

    def log(self, path):
        with self.lock:
            self.requests.append(path)

    def served(self):
        with self.lock:
            return list(self.requests)


class Handler(BaseHTTPRequestHandler):
    server_version = "zonewatch-rdap-test/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the tests print what matters
        pass

    def send_body(self, status, body, content_type=RDAP_JSON, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def base_url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def bootstrap(self, state):
        suffixes = state.get("suffixes") or sorted(
            {domain_key(d).rsplit(".", 1)[-1] for d in state.get("domains", {})})
        return {"version": "1.0", "publication": "2026-12-06T00:00:00Z",
                "description": "zonewatch test RDAP server",
                "services": [[suffixes, [self.base_url()]]]}

    def behave(self, state, name):
        """Applies the domain's behaviour; True when it answered already."""
        behaviour = state.get("behaviour", {})
        rule = behaviour.get(name) or behaviour.get("*") or {}
        if rule.get("delay"):
            time.sleep(float(rule["delay"]))
        if rule.get("status") in (429, 503):
            headers = {"Retry-After": str(rule["retry_after"])} if "retry_after" in rule else {}
            title = "Too Many Requests" if rule["status"] == 429 else "Service Unavailable"
            self.send_body(rule["status"], error_object(rule["status"], title, "slow down"),
                           headers=headers)
            return True
        if rule.get("malformed"):
            self.send_body(200, b'{"objectClassName": "domain", "ldhName": "' + name.encode()
                           + b'", "status": ["act')
            return True
        return False

    def do_GET(self):
        state = self.server.state.snapshot()
        path = self.path.split("?", 1)[0]
        self.server.state.log(path)
        if path == "/dns.json":
            self.send_body(200, self.bootstrap(state), content_type="application/json")
        elif path == "/_control/requests":
            self.send_body(200, self.server.state.served(), content_type="application/json")
        elif path.startswith("/domain/"):
            name = domain_key(path[len("/domain/"):])
            if self.behave(state, name):
                return
            domains = {domain_key(k): v for k, v in state.get("domains", {}).items()}
            if name in domains:
                self.send_body(200, domains[name])
            else:
                self.send_body(404, error_object(404, "Not Found", f"no domain {name}"))
        else:
            self.send_body(400, error_object(400, "Bad Request", f"unsupported path {path}"))

    def do_PUT(self):
        if self.path != "/_control/state":
            self.send_body(404, error_object(404, "Not Found", self.path))
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_body(413, error_object(413, "Payload Too Large", "state too large"))
            return
        try:
            self.server.state.replace(json.loads(self.rfile.read(length)))
        except ValueError as e:
            self.send_body(400, error_object(400, "Bad Request", str(e)))
            return
        self.send_body(204, b"")


def start(state):
    """A running server on 127.0.0.1 and a free port, in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = state
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- self-test -------------------------------------------------------------------------------------

def domain_object(name, statuses, nameservers):
    return {"objectClassName": "domain", "ldhName": name.upper(), "status": statuses,
            "rdapConformance": ["rdap_level_0"],
            "nameservers": [{"objectClassName": "nameserver", "ldhName": n} for n in nameservers],
            "events": [{"eventAction": "expiration", "eventDate": "2027-01-01T00:00:00Z"}]}


def fetch(url, method="GET", body=None, timeout=10):
    """(status, headers, bytes) without a proxy, whatever the environment says."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Accept": RDAP_JSON})
    try:
        with opener.open(request, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


SELF_TEST_BEHAVIOUR = {"busy.test": {"status": 429, "retry_after": "Sun, 06 Dec 2026 10:10:00 GMT"},
                       "slow.test": {"delay": 1.0},
                       "broken.test": {"malformed": True}}


def check_state_changes(base, state_file, check):
    """The bootstrap, a domain, and the answer changed between polls by file and by PUT."""
    status, headers, body = fetch(base + "dns.json")
    boot = json.loads(body)
    check(status == 200 and boot["services"] == [[["test"], [base]]], "bootstrap: " + str(boot))
    status, headers, body = fetch(base + "domain/Victim.TEST.")
    check(status == 200 and headers["Content-Type"] == RDAP_JSON, "domain: status/type")
    check(json.loads(body)["status"] == ["client transfer prohibited"], "domain: body")
    unlocked = domain_object("victim.test", [], ["ns1.good.test"])
    with open(state_file, "w", encoding="utf-8") as f:
        json.dump({"domains": {"victim.test": unlocked}}, f)
    os.utime(state_file, ns=(time.time_ns(), time.time_ns() + 1))
    check(json.loads(fetch(base + "domain/victim.test")[2])["status"] == [],
          "state file change seen")
    moved = domain_object("victim.test", [], ["ns1.evil.test"])
    state = {"domains": {"victim.test": moved}, "behaviour": SELF_TEST_BEHAVIOUR}
    check(fetch(base + "_control/state", "PUT", json.dumps(state).encode())[0] == 204,
          "control PUT")
    ns = json.loads(fetch(base + "domain/victim.test")[2])["nameservers"][0]["ldhName"]
    check(ns == "ns1.evil.test", "control state seen")


def check_behaviours(base, check):
    """404 with an error object, 429 with Retry-After, a slow answer, malformed JSON."""
    status, _, body = fetch(base + "domain/nosuch.test")
    err = json.loads(body)
    check(status == 404 and err["errorCode"] == 404 and err["title"] == "Not Found", "404")
    status, headers, body = fetch(base + "domain/busy.test")
    check(status == 429 and headers["Retry-After"] == "Sun, 06 Dec 2026 10:10:00 GMT"
          and json.loads(body)["errorCode"] == 429, "429 with Retry-After")
    started = time.monotonic()
    status = fetch(base + "domain/slow.test")[0]
    check(time.monotonic() - started >= 0.9 and status == 404, "slow answer")
    try:
        fetch(base + "domain/slow.test", timeout=0.3)
        check(False, "a short client timeout expires on the slow answer")
    except (TimeoutError, OSError, urllib.error.URLError):
        pass
    status, _, body = fetch(base + "domain/broken.test")
    try:
        json.loads(body)
        check(False, "malformed JSON")
    except ValueError:
        check(status == 200, "malformed JSON comes with 200")


def self_test():
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)
            print("FAIL: " + what, file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        state_file = os.path.join(tmp, "state.json")
        locked = domain_object("victim.test", ["client transfer prohibited"], ["ns1.good.test"])
        with open(state_file, "w", encoding="utf-8") as f:
            json.dump({"domains": {"victim.test": locked}}, f)
        server = start(State(state_file))
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        try:
            check(server.server_address[0] == "127.0.0.1", "bound to loopback")
            check_state_changes(base, state_file, check)
            check_behaviours(base, check)
            served = json.loads(fetch(base + "_control/requests")[2])
            polls = [p for p in served if domain_key(p) == "/domain/victim.test"]
            check(len(polls) == 3, "request log: " + str(served))
        finally:
            server.shutdown()
            server.server_close()
    print("rdap_server self-test: " + ("FAILED" if failures else "ok"))
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", help="JSON state file, re-read when it changes")
    parser.add_argument("--port-file", help="write the port chosen here")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    server = start(State(args.state))
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(f"{port}\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"port {port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
