#!/usr/bin/env python3
"""zonewatch on real-world delegation shapes (issue 10): the topology lab (tests/lab/topolab.py).

    topology_test.py ZONEWATCH TOPOLAB_DIR [--rounds N]

The topology lab must be up in TOPOLAB_DIR (ctest: fixture `topolab`). For every child in
DIR/topolab.json, `zonewatch check --json --timeout 1000` must:

  - give the verdict (secure/insecure/bogus) of the lab's Unbound oracle (127.54.3.1: AD = secure,
    NOERROR without AD = insecure, SERVFAIL that +cd clears = bogus) and of delv (BIND's validator
    through the oracle with CD set, anchored at DIR/delv.anchors); for the NS cycle, which no
    resolver can follow, the verdict and reason topolab.json expects (the oracles are asked anyway
    and must fail to resolve it);
  - list in `chain` every zone cut from the root down, as topolab.json gives them, and name the
    real parent in `parent.zone` (where one server serves a zone and its parent, the walk never
    sees the referral between them);
  - give the reason topolab.json expects where it names one (ds_absent, opt_out,
    no_dnskey_matches_ds, ns_resolution_cycle: the last in reason, error or detail), and raise the
    findings it expects (lame_server, parent_servers_disagree, dnssec_bogus);
  - finish within 30 s of wall time (the bound that matters for the cycle and glueless shapes).

Then `zonewatch run --once` on a configuration listing every child (confirm_polls 2) must exit in
bounded time; after the baseline rounds (3: confirm_polls 2, failing_polls 3; what is wrong from
the start is raised and printed) `status --json` must show the expected verdicts (or, for the
unresolvable cycle, a failing observation), and N more rounds (default 20) with nothing changed
must add no event at all (`zonewatch history DOMAIN --json`, as monitor_lab_test.py reads them);
the per-round wall times are printed. Every finding topolab.json expects of a child must have
reached the baseline's events, through the event monitor/probe/README.md's findings table names
for it (`finding_raised` with `after.finding` for the findings without an event of their own).

Nothing is changed in the lab, so nothing needs restoring. Nothing leaves 127.0.0.0/8. Prints one
line per check and ends with "N passed, N failed" (lab_checks.py); exits 1 if anything failed.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True
from lab_checks import Checks  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
import oracles  # noqa: E402  (tests/lab/oracles.py: Unbound and delv as reference validators)

CHECK_BOUND = 30.0      # seconds a `zonewatch check` of one domain may take (issue 10)
CHECK_KILL = 45.0       # ... after which the test stops waiting for it
ROUND_BOUND = 120.0     # seconds one `run --once` over every child may take
# Rounds that set the baseline: confirm_polls 2 confirms a change, failing_polls (default 3) raises
# observation_failing; what is wrong from the start is raised within these rounds.
BASELINE_ROUNDS = 3
POOL = ThreadPoolExecutor(max_workers=2)


def run(cmd, timeout):
    """(exit code or None when killed at the timeout, stdout, stderr, wall seconds)."""
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode() if isinstance(err.stdout, bytes) else (err.stdout or "")
        errs = err.stderr.decode() if isinstance(err.stderr, bytes) else (err.stderr or "")
        return None, out, errs, time.monotonic() - started


# --- zonewatch check ---------------------------------------------------------------------------
def summary(obs):
    """The parts of an observation a failure message needs, on one line."""
    if not obs:
        return "(no observation)"
    servers = [f"{s['name']} {s['address']} {s['error'] or 'ok'}" for s in obs["servers"]]
    return (f"status={obs['status']} reason={obs['reason']} error={obs['error']!r} "
            f"detail={obs['detail']!r} chain={[c['zone'] for c in obs['chain']]} "
            f"parent.zone={obs['parent']['zone']!r} parent.ns={obs['parent']['ns']} "
            f"findings={sorted({f['code'] for f in obs['findings']})} servers={servers}")


def check_child(t, zonewatch, meta, child):
    name = child["name"]
    label = f"{name} [{child['shape']}]"
    references = (POOL.submit(oracles.unbound_verdict, meta["oracle"]["address"], name),
                  POOL.submit(oracles.delv_verdict, meta["oracle"]["address"],
                              meta["delv_anchors"], name))
    cmd = [zonewatch, "check", "--json", "--root-hints", meta["root_hints"], "--trust-anchor",
           meta["trust_anchor"], "--timeout", "1000", name]
    code, out, err, seconds = run(cmd, CHECK_KILL)
    unbound, unbound_text = references[0].result()
    delv, delv_text = references[1].result()
    result = {"name": name, "shape": child["shape"], "seconds": seconds, "code": code,
              "unbound": unbound, "delv": delv, "obs": None}
    t.check(code is not None and seconds < CHECK_BOUND,
            f"{label}: check finished in {seconds:.1f} s (bound {CHECK_BOUND:.0f} s), exit {code}",
            "killed at the timeout" if code is None else err.strip()[-300:])
    lines = [line for line in out.splitlines() if line.strip()]
    try:
        obs = json.loads(lines[0]) if len(lines) == 1 else None
    except json.JSONDecodeError:
        obs = None
    result["obs"] = obs
    if not t.check(obs is not None, f"{label}: one JSON observation",
                   f"stdout {out[:300]!r} stderr {err[-300:]!r}"):
        return result

    status = obs["status"]
    if child["oracle"]:
        delv = result["delv"] = "bogus" if delv == "failed" else delv
        ok = t.check(status == unbound == delv,
                     f"{label}: verdicts agree: zonewatch={status} unbound={unbound} delv={delv}",
                     summary(obs))
        if not ok and unbound != delv:
            print(f"----- oracle -----\n{unbound_text[-1500:]}\n----- delv -----\n"
                  f"{delv_text[-1500:]}\n----- end -----")
    else:
        t.check(unbound == "unresolvable" and delv == "failed",
                f"{label}: the oracles cannot resolve it (unbound={unbound} delv={delv})")
        t.check(status == child["expected"],
                f"{label}: zonewatch={status}, topolab.json expects {child['expected']}",
                summary(obs))
    result["status"] = status

    chain = [c["zone"] for c in obs["chain"]]
    t.check(chain == child["cuts"], f"{label}: chain {chain} lists every zone cut "
            f"{child['cuts']}", summary(obs))
    t.check(obs["parent"]["zone"] == child["parent"],
            f"{label}: parent.zone {obs['parent']['zone']!r} is {child['parent']!r}", summary(obs))

    reason = child["expected_reason"]
    if reason:
        if child["oracle"]:
            ok = obs["reason"] == reason
        else:
            ok = reason in " ".join(str(obs.get(k) or "") for k in ("reason", "error", "detail"))
        t.check(ok, f"{label}: reason {reason} (zonewatch: reason={obs['reason']}, "
                f"error={obs['error']!r})", summary(obs))
    codes = {f["code"] for f in obs["findings"]}
    for finding in child["expected_findings"]:
        t.check(finding in codes, f"{label}: finding {finding}", f"findings {sorted(codes)}")
    return result


# --- every child at once ----------------------------------------------------------------------
# Each pass takes about 12 s, paced by check's per-server query rate towards the shared servers.
CONCURRENT_PASSES = 2


def check_concurrently(t, zonewatch, meta, results):
    """`check -f` over every child with 64 observations in flight, CONCURRENT_PASSES times: each
    verdict and chain must equal the one the child got alone. Observations in flight together share
    the delegation cache, and a cut built twice from cached host addresses once made the domains
    under uk2./co.uk2. bogus (owner_mismatch) for one poll; alone they never were."""
    alone = {r["name"]: r for r in results if r.get("obs")}
    names = [c["name"] for c in meta["children"] if c["name"] in alone]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(names) + "\n")
        listing = handle.name
    cmd = [zonewatch, "check", "--json", "--concurrency", "64", "--root-hints", meta["root_hints"],
           "--trust-anchor", meta["trust_anchor"], "--timeout", "1000", "-f", listing]
    try:
        for number in range(1, CONCURRENT_PASSES + 1):
            code, out, err, seconds = run(cmd, ROUND_BOUND)
            seen = {}
            for line in out.splitlines():
                if line.strip():
                    obs = json.loads(line)
                    seen[obs["domain"]] = obs
            differ = []
            for name in names:
                obs, before = seen.get(name), alone[name]["obs"]
                if obs is None:
                    differ.append(f"{name}: no result")
                elif (obs["status"], obs["reason"]) != (before["status"], before["reason"]):
                    differ.append(f"{name}: {obs['status']}/{obs['reason']} alone "
                                  f"{before['status']}/{before['reason']}; {summary(obs)}")
                elif [c["zone"] for c in obs["chain"]] != [c["zone"] for c in before["chain"]]:
                    differ.append(f"{name}: chain {[c['zone'] for c in obs['chain']]}")
            t.check(code is not None and not differ,
                    f"check -f, {len(names)} children at once, pass {number}: every verdict and "
                    f"chain as when checked alone ({seconds:.1f} s)",
                    "; ".join(differ[:4]) if code is not None else "killed at the timeout")
    finally:
        os.unlink(listing)


# --- zonewatch run --once ----------------------------------------------------------------------
class Monitor:
    """One configuration and database, driven through the zonewatch command line (as in
    monitor_lab_test.py)."""

    def __init__(self, zonewatch, meta, work, domains):
        self.zonewatch = zonewatch
        self.domains = domains
        os.makedirs(work, exist_ok=True)
        self.config = os.path.join(work, "zonewatch.yaml")
        lines = [
            f"database: {os.path.join(work, 'zonewatch.sqlite')}",
            "interval: 30s",
            "confirm_polls: 2",
            f"root_hints: {meta['root_hints']}",
            f"trust_anchors: {meta['trust_anchor']}",
            "ip_versions: [4]",
            "query_timeout: 1000ms",
            "per_server_qps: 100000",
            "metrics:",
            "  enabled: false",
            "log_level: info",
            "domains:",
        ] + [f"  - {d}" for d in domains]
        with open(self.config, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")

    def cli(self, *args, timeout=120):
        return run([self.zonewatch, *args, "-c", self.config], timeout)

    def round(self):
        """(exit code or None, seconds, output tail)."""
        code, out, err, seconds = self.cli("run", "--once", timeout=ROUND_BOUND)
        return code, seconds, (out + err)[-600:]

    def events(self):
        """{domain: [event]} of everything stored so far."""
        out = {}
        for domain in self.domains:
            code, text, err, _ = self.cli("history", domain, "--json", "--limit", "100000")
            if code != 0:
                raise RuntimeError(f"zonewatch history {domain} exited {code}: {err[-300:]}")
            out[domain] = [json.loads(line) for line in text.splitlines() if line.strip()]
        return out

    def status(self):
        code, text, err, _ = self.cli("status", "--json")
        if code != 0:
            raise RuntimeError(f"zonewatch status exited {code}: {err[-300:]}")
        return {row["domain"]: row for row in map(json.loads, text.splitlines()) if row}


def finding_events():
    """{finding code: the event the daemon reports it through}, from monitor/probe/README.md's
    findings table (which a unit test holds to monitor/model/finding_kind.h)."""
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "monitor",
                          "probe", "README.md")
    out = {}
    with open(readme, encoding="utf-8") as handle:
        for line in handle:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 4 and cells[0].startswith("`") and cells[2].startswith("`"):
                out[cells[0].strip("`")] = cells[2].strip("`")
    return out


def reported(events, code, event):
    """Whether `events` hold the daemon's report of finding `code`."""
    for e in events:
        if e.get("event") != event:
            continue
        if event != "finding_raised" or (e.get("after") or {}).get("finding") == code:
            return True
    return False


def check_findings_reported(t, children, domains, baseline):
    mapping = finding_events()
    t.check(bool(mapping), "monitor/probe/README.md's findings table is readable", "")
    by_name = {c["name"]: c for c in children}
    for domain in domains:
        for code in by_name[domain]["expected_findings"]:
            event = mapping.get(code, "?")
            t.check(reported(baseline.get(domain, []), code, event),
                    f"baseline events of {domain} report finding {code} as {event}",
                    describe(baseline.get(domain, [])))


def describe(events):
    return ", ".join(f"{e['event']}[{e.get('severity')}]" for e in events) or "(none)"


def monitor_rounds(t, zonewatch, meta, work, rounds):
    """Round 1 over every child must end in bounded time; rounds 1 and 2 (confirm_polls) set the
    baseline, whose events are printed (a child bogus or unreachable from the start has them);
    then ROUNDS unchanged rounds must add no event at all."""
    children = meta["children"]
    domains = [c["name"] for c in children]
    monitor = Monitor(zonewatch, meta, os.path.join(work, "all"), domains)
    print(f"== run --once over all {len(domains)} children", flush=True)
    code, seconds, tail = monitor.round()
    finished = t.check(code == 0 and seconds < ROUND_BOUND,
                       f"run --once over every child exits ({'killed' if code is None else code}) "
                       f"in {seconds:.1f} s (bound {ROUND_BOUND:.0f} s)", tail)
    if not finished:
        # The rest still says something about the shapes that do finish: watch every child
        # but the cycle's.
        domains = [c["name"] for c in children if c["shape"] != "cycle"]
        print(f"   the round did not finish: the rounds below leave out the cycle "
              f"({len(domains)} children)")
        monitor = Monitor(zonewatch, meta, os.path.join(work, "no-cycle"), domains)
        code, seconds, tail = monitor.round()
        if not t.check(code == 0, f"run --once without the cycle exits ({code}) in {seconds:.1f} s",
                       tail):
            return
    for number in range(2, BASELINE_ROUNDS + 1):
        code, seconds, tail = monitor.round()
        if not t.check(code == 0, f"baseline round {number} exits ({code}) in {seconds:.1f} s",
                       tail):
            return
    rows = monitor.status()
    by_name = {c["name"]: c for c in children}
    for domain in domains:
        row = rows.get(domain) or {}
        want = by_name[domain]["expected"]
        if by_name[domain]["oracle"]:
            ok = row.get("status") == want
        else:
            # Unresolvable: the monitor may keep it as a failing observation instead.
            ok = row.get("status") in (want, "") and (row.get("status") or
                                                      row.get("consecutive_failures", 0) > 0)
        t.check(ok, f"status --json after the baseline rounds: {domain} is "
                f"{row.get('status')!r} (failures {row.get('consecutive_failures')})",
                f"topolab.json expects {want}; {row}")
    baseline = monitor.events()
    seen = {e.get("id") for events in baseline.values() for e in events}
    print(f"   baseline events (rounds 1-{BASELINE_ROUNDS}): " + ("; ".join(
        f"{d}: {describe(e)}" for d, e in baseline.items() if e) or "none"))
    check_findings_reported(t, children, domains, baseline)

    times = []
    noisy = []  # "round N: domain: events"
    for number in range(1, rounds + 1):
        code, seconds, tail = monitor.round()
        times.append(seconds)
        # A round that fails (crash, kill at the bound) is a failure; the next ones still run.
        t.check(code == 0, f"unchanged round {number} exits ({'killed' if code is None else code})"
                f" in {seconds:.1f} s", tail)
        for domain, events in monitor.events().items():
            fresh = [e for e in events if e.get("id") not in seen]
            seen.update(e.get("id") for e in fresh)
            if fresh:
                noisy.append(f"round {number}: {domain}: {describe(fresh)}")
    if times:
        print(f"   {len(times)} rounds: {sum(times):.1f} s, per round min {min(times):.1f} s, "
              f"mean {sum(times) / len(times):.1f} s, max {max(times):.1f} s")
    t.check(not noisy, f"{len(times)} unchanged rounds after the baseline: no event at all",
            "; ".join(noisy))


def main(argv):
    args = argv[1:]
    rounds = 20
    if "--rounds" in args:
        at = args.index("--rounds")
        rounds = int(args[at + 1])
        del args[at:at + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    zonewatch, lab_dir = args
    t = Checks()
    work = tempfile.mkdtemp(prefix="zonewatch-topology-")
    results = []
    try:
        with open(os.path.join(lab_dir, "topolab.json"), encoding="utf-8") as handle:
            meta = json.load(handle)
        for child in meta["children"]:
            print(f"== {child['name']} [{child['shape']}]", flush=True)
            results.append(check_child(t, zonewatch, meta, child))
        print("== per child: name, shape, seconds, zonewatch / unbound / delv / expected")
        by_name = {c["name"]: c for c in meta["children"]}
        for r in results:
            obs = r["obs"] or {}
            print(f"   {r['name']:15} {r['shape']:16} {r['seconds']:5.1f} s  "
                  f"{obs.get('status', '-')}/{r['unbound']}/{r['delv']}/"
                  f"{by_name[r['name']]['expected']}  reason={obs.get('reason', '-')} "
                  f"parent={(obs.get('parent') or {}).get('zone', '-')}")
        check_concurrently(t, zonewatch, meta, results)
        monitor_rounds(t, zonewatch, meta, work, rounds)
    except Exception as err:  # noqa: BLE001 -- reported as a failed check
        t.crashed(err)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return t.finish("topology test")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
