"""The pass/fail tally the lab integration tests share: one line per check, and the counts that
end each script as "N passed, N failed"."""

import time


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
