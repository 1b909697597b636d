#!/usr/bin/env python3
"""`zonewatch check` as a Nagios/Icinga plugin against the lab (tests/lab), its output read the way
Icinga 2 reads a plugin's (lib/icinga/pluginutility.cpp, perfdatavalue.cpp): the first line's text
up to '|', then performance data split on spaces outside single quotes, each item
'label'=value[UOM];warn;crit;min;max. For each state:

  - OK: a signed child as created; rrsig_expiry in seconds with the default ranges, every server
    answering, rtt_max in seconds;
  - WARNING: the same child with -w 3650d: (its signatures expire within ten years);
  - CRITICAL: the child with the lab's ds-mismatch mutation (bogus), restored afterwards;
  - UNKNOWN: a name the lab does not delegate, and a command line with a bad range;

then `check -f -` over three children and that name: a status line per domain, the worst exit;
and that -f streams: a child whose second server is silent (the `lossy` scenario's proxy, stopped
with SIGSTOP) listed first comes out after a healthy child listed second.
The lab must be up and the caller must hold it (ctest: FIXTURES_REQUIRED/RESOURCE_LOCK lab).
Nothing leaves 127.0.0.0/8.

usage: check_plugin_lab_test.py ZONEWATCH LAB_DIR LAB_SH
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

from lab_checks import Checks, lossy_proxy_pid

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATES = {"OK": OK, "WARNING": WARNING, "CRITICAL": CRITICAL, "UNKNOWN": UNKNOWN}
VALUE = re.compile(r"^(U|[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)([a-zA-Z%]*)$")
UOMS = {"", "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c"}


def split_perfdata(text):
    items, current, quoted, i = [], "", False, 0
    while i < len(text):
        c = text[i]
        if c == "'":
            if quoted and text[i + 1:i + 2] == "'":
                current += "''"
                i += 2
                continue
            quoted = not quoted
            current += c
        elif c == " " and not quoted:
            if current:
                items.append(current)
            current = ""
        else:
            current += c
        i += 1
    if quoted:
        raise ValueError("unbalanced quote in the perfdata")
    if current:
        items.append(current)
    return items


def perf_item(item):
    if item.startswith("'"):
        end = 1
        label = ""
        while end < len(item):
            if item[end] == "'" and item[end + 1:end + 2] == "'":
                label += "'"
                end += 2
            elif item[end] == "'":
                break
            else:
                label += item[end]
                end += 1
        rest = item[end + 1:]
        if not rest.startswith("="):
            raise ValueError(f"quoted label without '=': {item}")
        rest = rest[1:]
    else:
        label, _, rest = item.partition("=")
        if not label or " " in label or "'" in label:
            raise ValueError(f"bad label: {item}")
    fields = rest.split(";")
    if not 1 <= len(fields) <= 5:
        raise ValueError(f"not value;warn;crit;min;max: {item}")
    m = VALUE.match(fields[0])
    if not m or m.group(2) not in UOMS:
        raise ValueError(f"bad value or unit: {item}")
    fields += [""] * (5 - len(fields))
    value = None if m.group(1) == "U" else float(m.group(1))
    return label, {"value": value, "uom": m.group(2), "warn": fields[1], "crit": fields[2],
                   "min": fields[3], "max": fields[4]}


def parse_plugin(line):
    text, _, perf = line.partition("|")
    m = re.match(r"^ZONEWATCH (OK|WARNING|CRITICAL|UNKNOWN) - (.*\S)\s*$", text)
    if not m:
        raise ValueError(f"not a status line: {line!r}")
    return m.group(1), m.group(2), dict(perf_item(i) for i in split_perfdata(perf))


class Run:
    def __init__(self, zw, lab_dir):
        with open(os.path.join(lab_dir, "lab.json"), encoding="utf-8") as handle:
            self.meta = json.load(handle)
        self.base = [zw, "check", "--root-hints", self.meta["root_hints"],
                     "--trust-anchor", self.meta["trust_anchor"]]

    def __call__(self, *args, stdin=None):
        p = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=300,
                           input=stdin, check=False)
        return p.returncode, p.stdout, p.stderr


def expect_state(t, label, code, out, want):
    try:
        state, text, perf = parse_plugin(out.splitlines()[0] if out else "")
    except ValueError as err:
        t.check(False, f"{label}: Icinga reads the status line", str(err))
        return None, None
    t.check(state == want and code == STATES[want], f"{label}: {want}, exit {STATES[want]}",
            f"{state}, exit {code}: {out.splitlines()[0]}")
    return text, perf


def check_states(t, run, lab, lab_sh, child):
    code, out, err = run(child)
    text, perf = expect_state(t, f"{child} as created", code, out, "OK")
    if perf is not None:
        expiry = perf.get("rrsig_expiry", {})
        t.check(expiry.get("uom") == "s" and (expiry.get("value") or 0) > 0 and
                expiry.get("warn") == "604800:" and expiry.get("crit") == "86400:",
                f"{child}: rrsig_expiry in seconds with the default ranges", str(expiry))
        servers = perf.get("servers_answering", {})
        t.check(servers.get("value") is not None and servers.get("value") >= 1 and
                servers.get("max") == str(int(servers["value"])) and servers.get("min") == "0",
                f"{child}: every server answering", str(servers))
        rtt = perf.get("rtt_max", {})
        t.check(rtt.get("uom") == "s" and 0 < (rtt.get("value") or 0) < 5,
                f"{child}: rtt_max in seconds", str(rtt))
        t.check(len(out.splitlines()) > 3 and out.splitlines()[1] == child,
                f"{child}: the report follows as the long output", out[:300])

    code, out, _ = run("-w", "3650d:", child)
    text, perf = expect_state(t, f"{child} -w 3650d:", code, out, "WARNING")
    if text is not None:
        t.check("signature_expiring (warning)" in text, f"{child} -w: signature_expiring", text)
        t.check(perf.get("rrsig_expiry", {}).get("warn") == "315360000:",
                f"{child} -w: the range in the perfdata", str(perf.get("rrsig_expiry")))

    mutated = subprocess.run(["bash", lab_sh, "mutate", lab, child, "ds-mismatch"],
                             capture_output=True, text=True, timeout=300, check=False)
    try:
        if t.check(mutated.returncode == 0, f"{child}: lab.sh mutate ds-mismatch",
                   mutated.stdout + mutated.stderr):
            code, out, _ = run(child)
            text, _ = expect_state(t, f"{child} ds-mismatch", code, out, "CRITICAL")
            if text is not None:
                t.check(text.startswith(f"{child} bogus ("), f"{child}: bogus in the text", text)
    finally:
        restored = subprocess.run(["bash", lab_sh, "restore", lab, child], capture_output=True,
                                  text=True, timeout=300, check=False)
        t.check(restored.returncode == 0, f"{child}: lab.sh restore",
                restored.stdout + restored.stderr)


def check_streaming(t, run, lab, lab_sh, slow, fast):
    """-f prints each domain as it completes: `slow` (its ns2 silent) is listed first, `fast`
    second, and `fast`'s status line must come out first."""
    mutated = subprocess.run(["bash", lab_sh, "mutate", lab, slow, "lossy"], capture_output=True,
                             text=True, timeout=300, check=False)
    try:
        pid = lossy_proxy_pid(lab)
        if not t.check(mutated.returncode == 0 and pid is not None,
                       f"{slow}: lab.sh mutate lossy, the proxy runs",
                       mutated.stdout + mutated.stderr):
            return
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            code, out, _ = run("-f", "-", "--timeout", "300", stdin=f"{slow}\n{fast}\n")
            elapsed = time.monotonic() - started
        finally:
            os.kill(pid, signal.SIGCONT)
        order = [line.split(" ")[3] for line in out.splitlines() if line.startswith("ZONEWATCH ")]
        t.check(order == [fast, slow], f"-f streams: {fast} (quick) before {slow} (silent ns2)",
                f"order {order}, exit {code}, {elapsed:.1f} s")
    finally:
        restored = subprocess.run(["bash", lab_sh, "restore", lab, slow], capture_output=True,
                                  text=True, timeout=300, check=False)
        t.check(restored.returncode == 0, f"{slow}: lab.sh restore",
                restored.stdout + restored.stderr)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    zw, lab, lab_sh = argv[1:]
    t = Checks()
    if not os.path.isfile(os.path.join(lab, "lab.json")):
        print(f"FAIL: {lab}/lab.json missing: is the lab up?\n0 passed, 1 failed")
        return 1
    run = Run(zw, lab)
    children = sorted(run.meta["children"], key=lambda c: c["index"])
    signed = [c["name"] for c in children if c["signed"]]
    try:
        check_states(t, run, lab, lab_sh, signed[0])
        missing = "not-delegated-zonewatch.lab."
        code, out, _ = run(missing)
        text, _ = expect_state(t, missing, code, out, "UNKNOWN")
        if text is not None:
            t.check(text.startswith(f"{missing} indeterminate ("), f"{missing}: the text", text)
        code, out, err = run("-w", "604800", signed[0])
        expect_state(t, "-w 604800 (alerts while time is left)", code, out, "UNKNOWN")
        t.check("Usage: zonewatch check" in err, "the usage on stderr", err)

        names = [c["name"] for c in children[:3]] + [missing]
        code, out, err = run("-f", "-", stdin="# portfolio\n" + "\n".join(names) + "\n")
        lines = [line for line in out.splitlines() if line.startswith("ZONEWATCH ")]
        seen = {}
        for line in lines:
            try:
                state, text, _ = parse_plugin(line)
                seen[text.split(" ")[0]] = state
            except ValueError as err_:
                t.check(False, "-f: Icinga reads each status line", str(err_))
        t.check(sorted(seen) == sorted(names), "-f -: one status line per domain", str(seen))
        t.check(seen.get(missing) == "UNKNOWN" and code == UNKNOWN and err == "",
                "-f -: the worst exit code, no progress line off a terminal",
                f"exit {code}, {seen}, stderr {err!r}")
        # The lossy scenario moves the child's own ns2 glue: a child with glue of its own.
        glued = [c["name"] for c in children if c.get("glue")]
        fast = next(c["name"] for c in children if c["name"] != glued[0])
        check_streaming(t, run, lab, lab_sh, glued[0], fast)
    except Exception as err:  # noqa: BLE001 (any crash is one failure, reported)
        t.crashed(err)
    return t.finish("check_plugin_lab")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
