"""The two reference validators the lab tests hold zonewatch's verdicts against.

Unbound (the lab's oracle resolver, asked with dig): AD = secure, NOERROR without AD = insecure,
SERVFAIL that +cd clears = bogus, SERVFAIL with +cd too = unresolvable. delv (BIND's validator,
through the oracle with CD set, anchored at the lab's delv.anchors): "; fully validated" = secure,
"; unsigned answer" = insecure, a resolution or validation failure = failed (bogus or unresolvable:
delv does not tell them apart). Used by tests/lab/topolab.py and the integration tests; nothing
here leaves 127.0.0.0/8 (the oracle's address is the lab's).
"""

import subprocess


def run_quiet(cmd, timeout=60):
    """A command's stdout and stderr together; its time-out said as text."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return proc.stdout + proc.stderr
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s"


def dig_status_flags(text):
    """The rcode and the header flags of dig's output."""
    status, flags = None, set()
    for line in text.splitlines():
        if status is None and "status:" in line:
            status = line.split("status:", 1)[1].split(",", 1)[0].strip()
        if line.startswith(";; flags:") and not flags:
            flags = set(line[len(";; flags:"):].split(";", 1)[0].split())
    return status, flags


def unbound_verdict(oracle, name, rtype="SOA", timeout=30):
    """(secure | insecure | bogus | unresolvable | error:..., dig's output)."""
    text = run_quiet(["dig", f"@{oracle}", "+dnssec", "+time=3", "+tries=2", name, rtype], timeout)
    status, flags = dig_status_flags(text)
    if status == "NOERROR":
        return ("secure" if "ad" in flags else "insecure"), text
    if status == "SERVFAIL":
        cd = run_quiet(["dig", f"@{oracle}", "+dnssec", "+cd", "+time=3", "+tries=2", name,
                        rtype], timeout)
        text += "\n--- with +cd ---\n" + cd
        return ("bogus" if dig_status_flags(cd)[0] == "NOERROR" else "unresolvable"), text
    return f"error:{status or 'no answer'}", text


def delv_verdict(oracle, anchors, name, rtype="SOA", timeout=60):
    """(secure | insecure | failed | error:..., delv's output)."""
    text = run_quiet(["delv", f"@{oracle}", "-a", anchors, "+root=.", "+cdflag", name, rtype],
                     timeout)
    lines = text.splitlines()
    if any(line.startswith("; fully validated") for line in lines):
        return "secure", text
    if any(line.startswith("; unsigned answer") for line in lines):
        return "insecure", text
    if "resolution failed" in text or "validation failed" in text:
        return "failed", text
    return "error:" + (lines[-1] if lines else "no output"), text
