"""The pass/fail tally the lab integration tests share: one line per check, and the counts that
end each script as "N passed, N failed"."""


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS: {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL: {what}" + (f" -- {detail}" if detail else ""), flush=True)
        return ok
