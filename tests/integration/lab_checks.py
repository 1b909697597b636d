"""What the lab integration tests share: the pass/fail tally (one line per check, and the counts
that end each script as "N passed, N failed"), a free loopback port for the servers they start,
polling until a condition holds, a plain HTTP GET, and the lookup of the lab's lossy proxy."""

import os
import socket
import time
import urllib.request


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout, step=1.0):
    """Polls `predicate` every `step` seconds until it is true or `timeout` seconds passed; an
    exception counts as "not yet" (a server not up: refused, incomplete data). Prints what it
    waited for when it gives up."""
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except Exception as e:  # noqa: BLE001 -- not up yet
            last_error = str(e)
        time.sleep(step)
    print(f"    timed out waiting for {what} {last_error}", flush=True)
    return False


def http_fetch(url, timeout=10):
    """(body as text, headers) of a GET, with no proxy from the environment: every server the
    tests ask is on loopback."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return response.read().decode("utf-8"), dict(response.headers)


def http_get(url, timeout=10):
    """The body of a GET, as text (http_fetch)."""
    return http_fetch(url, timeout)[0]


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.started = time.monotonic()

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS: {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL: {what}" + (f" -- {detail}" if detail else ""), flush=True)
        return ok

    def crashed(self, err):
        """An exception that ended the test early counts as one failed check."""
        self.check(False, "the test ran to the end", f"{type(err).__name__}: {err}")

    def finish(self, name):
        """Prints how long the test took and the tally; returns the exit code."""
        print(f"{name} took {time.monotonic() - self.started:.0f} s")
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1


def lossy_proxy_pid(lab_dir):
    """The PID of the lossy proxy of the lab in `lab_dir` (run/lossy-proxy.pid,
    tests/lab/README.md), if that process runs and is this lab's proxy (its command line names it
    and `lab_dir`), else None."""
    try:
        with open(os.path.join(lab_dir, "run", "lossy-proxy.pid"), encoding="ascii") as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read().decode("utf-8", "replace").split("\0")
    except (OSError, ValueError):
        return None
    return pid if "lossy-proxy" in cmdline and any(
        a.startswith(lab_dir + "/") for a in cmdline) else None
