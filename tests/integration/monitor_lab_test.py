#!/usr/bin/env python3
"""The monitor against the real-server lab: every lab mutation becomes the expected events.

    monitor_lab_test.py ZONEWATCH LAB_DIR LAB_SH

The lab (tests/lab) must be up in LAB_DIR. A configuration watches all 12 lab children with
confirm_polls 2; each "round" is one `zonewatch run -c CFG --once` on the same database. For each
mutation of a child: the first round after it must raise no change event (the change is pending),
the second exactly the expected events (read back with `zonewatch history DOMAIN --json`, new
event ids only), and after `restore` two more rounds give the recovery events. `status --json`
must show the verdict the lab expects. Then the lab's `lossy` scenario: with the proxy stopped,
one server that does not answer at all must give exactly one server_unreachable; with 30 % of its
UDP answers dropped it must cause no change event over many rounds, not even a pending one.

server_unreachable/server_recovered are expected only where a scenario makes a server unreachable
(UNREACHABLE, and the lossy part); anywhere else they fail the test: a false server_unreachable is
the false alarm this test exists to catch.

Event names are the public contract (monitor/detect/differ.h). Where this test expects something the
differ does not do, it fails: the expectation is the issue's, not adapted to the code.

Every mutated child is restored, also on failure. Prints one line per check and ends with
"N passed, N failed"; exits 1 if anything failed.
"""

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from lab_checks import Checks, lossy_proxy_pid

CHILDREN = [f"child{i:02d}.lab." for i in range(1, 13)]
REACHABILITY = {"server_unreachable", "server_recovered"}
# Problem events judged on each observation alone, not confirmed over confirm_polls (the differ
# warns of an expiry as soon as it sees it): allowed in the first round after a mutation.
UNCONFIRMED = {"signature_expiring"}
# The NS hosts a scenario makes unreachable: each must get exactly one server_unreachable once the
# scenario is confirmed, and no other reachability event may appear. diverge: ns3 exists only in
# ns2's copy of the zone; ns1's authoritative NXDOMAIN for it ends its lookup (RFC 1034 §5.3.3),
# so it has no address (`zonewatch check` says the same: server_unreachable, "no address found").
UNREACHABLE = {"diverge": {"ns3.child01.lab."}}
LOSSY = "127.53.6.1"


class Monitor:
    """One configuration and database, driven through the zonewatch command line."""

    def __init__(self, zonewatch, lab_dir, work, domains):
        self.zonewatch = zonewatch
        os.makedirs(work, exist_ok=True)
        self.config = os.path.join(work, "zonewatch.yaml")
        self.seen = set()  # event ids already returned by new_events()
        lines = [
            f"database: {os.path.join(work, 'zonewatch.sqlite')}",
            "interval: 30s",
            "confirm_polls: 2",
            # Every mutation here changes one child a few times in seconds: under the default
            # limit (4 snapshots an hour) it would be flapping by the third mutation.
            # daemon_storage_test checks the limit itself.
            "max_snapshots_per_hour: 0",
            f"root_hints: {os.path.join(lab_dir, 'root.hints')}",
            f"trust_anchors: {os.path.join(lab_dir, 'root.ds')}",
            "ip_versions: [4]",
            "per_server_qps: 100000",
            # A one-shot run serves no metrics; say so anyway, the port may be someone else's.
            "metrics:",
            "  enabled: false",
            "log_level: info",
            "domains:",
        ] + [f"  - {d}" for d in domains]
        with open(self.config, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")

    def cli(self, *args, check=True):
        proc = subprocess.run([self.zonewatch, *args, "-c", self.config], capture_output=True,
                              text=True, timeout=300)
        if check and proc.returncode != 0:
            raise RuntimeError(f"zonewatch {' '.join(args)} exited {proc.returncode}:\n"
                               f"{proc.stdout}{proc.stderr}")
        return proc

    def round(self):
        started = time.monotonic()
        proc = self.cli("run", "--once")
        return proc.stdout + proc.stderr, time.monotonic() - started

    def history(self, domain):
        out = self.cli("history", domain, "--json", "--limit", "100000").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def new_events(self, domain):
        fresh = [e for e in self.history(domain) if e.get("id") not in self.seen]
        self.seen.update(e.get("id") for e in fresh)
        return fresh

    def sql(self, query):
        with sqlite3.connect(os.path.join(os.path.dirname(self.config), "zonewatch.sqlite")) as db:
            return db.execute(query).fetchone()[0]

    def status(self):
        out = self.cli("status", "--json").stdout
        return {row["domain"]: row for row in map(json.loads, out.splitlines()) if row}


class Lab:
    def __init__(self, lab_sh, lab_dir):
        self.lab_sh = lab_sh
        self.dir = lab_dir
        self.mutated = set()

    def run(self, *args):
        proc = subprocess.run(["bash", self.lab_sh, *args], capture_output=True, text=True,
                              timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"lab.sh {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")

    def mutate(self, child, scenario):
        self.mutated.add(child)
        self.run("mutate", self.dir, child, scenario)

    def restore(self, child):
        self.run("restore", self.dir, child)
        self.mutated.discard(child)

    def restore_all(self, checks):
        """Restores every child still mutated (after a failure too); a failure is a failed check."""
        for child in sorted(self.mutated):
            try:
                self.restore(child)
                print(f"restored {child}")
            except Exception as err:  # noqa: BLE001 -- reported, and the others still restored
                checks.check(False, f"restore {child}", str(err))

    def state(self, child):
        with open(os.path.join(self.dir, "state", child.rstrip(".") + ".json"),
                  encoding="utf-8") as handle:
            return json.load(handle)

    def lossy_proxy_pid(self):
        """The PID of this lab's lossy proxy, else None (lab_checks.lossy_proxy_pid)."""
        return lossy_proxy_pid(self.dir)


def names(events):
    return sorted(e["event"] for e in events)


def describe(events):
    return ", ".join(f"{e['event']}[{e['severity']}]" for e in events) or "(none)"


# scenario -> (child, required events on confirmation, optional ones, required after restore,
#              optional after restore). "Optional" marks what the issue lists in parentheses.
SCENARIOS = [
    ("move-ns", "child01.lab.",
     {"operator_changed", "ds_changed", "dnskey_changed", "hijack_suspected"}, set(),
     {"operator_changed", "ds_changed", "dnskey_changed"}, {"hijack_suspected"}),
    ("move-ns-unsigned", "child01.lab.",
     {"operator_changed", "ds_removed", "unsigned_downgrade", "hijack_suspected"},
     {"dnskey_changed"},
     {"operator_changed", "ds_added"}, {"dnskey_changed", "hijack_suspected"}),
    ("remove-ds", "child01.lab.", {"ds_removed", "unsigned_downgrade"}, set(),
     {"ds_added"}, set()),
    ("ds-mismatch", "child01.lab.", {"ds_changed", "validation_failed"}, set(),
     {"ds_changed", "validation_recovered"}, set()),
    ("resign-newkey", "child01.lab.", {"dnskey_changed", "validation_failed"}, set(),
     {"dnskey_changed", "validation_recovered"}, set()),
    ("strip-sigs", "child01.lab.", {"validation_failed"}, {"dnskey_changed"},
     {"validation_recovered"}, {"dnskey_changed"}),
    ("expire-sigs", "child01.lab.", {"validation_failed"}, {"signature_expiring"},
     {"validation_recovered"}, set()),
    ("change-glue", "child01.lab.", {"glue_changed"}, set(), {"glue_changed"}, set()),
    # One server adds ns3 to its NS set: the servers disagree, and that set is not the parent's.
    ("diverge", "child01.lab.", {"server_inconsistent", "nameservers_inconsistent"}, set(), set(),
     set()),
    ("cds-publish", "child01.lab.", {"cds_published"}, set(), set(), set()),
    ("cds-delete", "child01.lab.", {"cds_delete"}, set(), set(), set()),
]
# KSK rollover (RFC 6781 §4.1.2): each step is routine; only info-severity events.
ROLL = [("ksk-roll-1", {"dnskey_changed"}), ("ksk-roll-2", {"ds_changed"}),
        ("ksk-roll-3", {"dnskey_changed"})]


def host_of(event):
    """The NS host a reachability event is about ("HOST ADDRESS", the address empty when the host
    has none)."""
    return (event.get("server") or "").split(" ")[0]


def expect_set(checks, what, got, required, optional, unreachable=frozenset()):
    """The change events are `required` (+ some of `optional`), each once; the reachability events
    are exactly one server_unreachable per host in `unreachable`."""
    change = [n for n in names(got) if n not in REACHABILITY]
    reach = sorted((e["event"], host_of(e)) for e in got if e["event"] in REACHABILITY)
    want_reach = sorted(("server_unreachable", h) for h in unreachable)
    ok = required <= set(change) and set(change) <= required | optional and \
        len(change) == len(set(change)) and reach == want_reach
    want = " + ".join(sorted(required)) + (
        f" (+ maybe {' + '.join(sorted(optional))})" if optional else "") + "".join(
        f" + server_unreachable({h})" for h in sorted(unreachable))
    checks.check(ok, f"{what}: events {describe(got)}", f"wanted {want or '(none)'}; got {reach}")


def others_quiet(checks, monitor, child, what):
    """No other child may see an event because one child changed."""
    noisy = {}
    for other in CHILDREN:
        if other == child:
            continue
        # Reachability events too: nothing made another child's servers unreachable.
        events = monitor.new_events(other)
        if events:
            noisy[other] = describe(events)
    checks.check(not noisy, f"{what}: no event for the other children", str(noisy))


def check_status(checks, monitor, lab, child, what, operators=None):
    row = monitor.status().get(child) or {}
    expected = lab.state(child)["expected"]
    operators = operators or [child]
    checks.check(row.get("status") == expected and row.get("operators") == operators and
                 not row.get("pending_change"),
                 f"{what}: status --json says {child} is {row.get('status')}, operators "
                 f"{row.get('operators')}", f"the lab expects {expected} and {operators}; {row}")


def two_rounds(checks, monitor, child, what, required, optional, unreachable=frozenset()):
    """Round 1: nothing confirmed yet; round 2: the expected set (with what round 1 may raise)."""
    _, seconds = monitor.round()
    first = monitor.new_events(child)
    # server_unreachable waits for confirm_polls failed polls in a row as well.
    change = [e for e in first if e["event"] not in UNCONFIRMED]
    checks.check(not change, f"{what}, round 1 ({seconds:.1f} s): no change or reachability "
                 f"event yet (confirm_polls 2){'; also ' + describe(first) if first else ''}",
                 describe(change))
    _, seconds = monitor.round()
    events = first + monitor.new_events(child)
    expect_set(checks, f"{what}, rounds 1+2 ({seconds:.1f} s)", events, required, optional,
               unreachable)
    others_quiet(checks, monitor, child, what)
    return events


def parent_evidence(monitor, child, at=None):
    """The parent servers' part of `zonewatch evidence` for the snapshot current at `at`."""
    args = ["evidence", child, "--json"] + (["--at", at] if at else [])
    snapshot = json.loads(monitor.cli(*args).stdout)
    text = snapshot["evidence"]
    return "\n".join(block for block in text.split("; ") if block.startswith("parent ")), snapshot


def scenario(checks, monitor, lab, name, child, required, optional, back, back_optional):
    print(f"== {child} {name}", flush=True)
    # A second between the last round and `before`, and between `before` and the next round.
    time.sleep(1.0)
    before = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(time.time()) - 1))
    lab.mutate(child, name)
    two_rounds(checks, monitor, child, name, required, optional, UNREACHABLE.get(name, set()))
    check_status(checks, monitor, lab, child, name,
                 ["other-operator.lab."] if name.startswith("move-ns") else None)
    if name == "remove-ds":
        # The stored evidence shows what the parent published then and now: its signed DS before,
        # its signed denial of the DS after.
        then, old = parent_evidence(monitor, child, before)
        now, new = parent_evidence(monitor, child)
        checks.check(" IN DS " in then and "RRSIG DS" in then and old["last_seen"] <= before,
                     f"evidence --at {before}: the parent's signed DS "
                     f"(snapshot {old['first_seen']}..{old['last_seen']})", then[:400])
        checks.check(" IN DS " not in now and ("IN NSEC" in now) and "RRSIG NSEC" in now,
                     f"evidence (latest, from {new['first_seen']}): the parent's signed denial",
                     now[:400])
    lab.restore(child)
    two_rounds(checks, monitor, child, f"{name} restored", back, back_optional)
    check_status(checks, monitor, lab, child, f"{name} restored")


def rollover(checks, monitor, lab, child):
    print(f"== {child} KSK rollover", flush=True)
    for step, required in ROLL:
        lab.mutate(child, step)
        events = two_rounds(checks, monitor, child, step, required, set())
        loud = [e for e in events if e["severity"] != "info"]
        checks.check(not loud, f"{step}: every event is info", describe(loud))
        check_status(checks, monitor, lab, child, step)
    lab.restore(child)
    events = two_rounds(checks, monitor, child, "ksk-roll restored",
                        {"dnskey_changed", "ds_changed"}, set())
    loud = [e for e in events if e["severity"] != "info"]
    checks.check(not loud, "ksk-roll restored: every event is info", describe(loud))


def lossy(checks, zonewatch, lab, work, child, rounds):
    """An unreachable server, then transient loss, which must never read as a change. The
    scenario moves ns2's glue to the lab's lossy proxy, which is itself a change of the
    delegation; so this part watches with a database of its own whose baseline is taken with the
    glue already there, and every later event is the silence's or the loss's doing.

    First the proxy is stopped (SIGSTOP): ns2 answers nothing, over UDP or TCP, for the baseline
    and the next round, so exactly one server_unreachable must come, after confirm_polls (2)
    rounds, and nothing else. Then it forwards again, dropping 30% of the UDP answers: over
    `rounds` rounds no change event and none pending, and one reachability event: ns2's
    recovery."""
    print(f"== {child} silent, then lossy: ns2 stopped for 2 rounds, then {rounds} rounds with "
          "30% of its UDP answers dropped", flush=True)
    lab.mutate(child, "lossy")
    monitor = Monitor(zonewatch, lab.dir, work, CHILDREN)
    silent = f"ns2.{child} {LOSSY}"
    pid = lab.lossy_proxy_pid()
    if not checks.check(pid is not None, "lossy: the proxy runs (run/lossy-proxy.pid)"):
        lab.restore(child)
        return
    os.kill(pid, signal.SIGSTOP)
    try:
        silent_rounds(checks, monitor, child, silent)
    finally:
        os.kill(pid, signal.SIGCONT)
    reach = []
    for number in range(2, rounds + 2):
        _, seconds = monitor.round()
        events = monitor.new_events(child)
        reach += [e for e in events if e["event"] in REACHABILITY]
        change = [e for e in events if e["event"] not in REACHABILITY]
        row = monitor.status().get(child) or {}
        # Stricter than "no event": a lost answer must not even start a change (a pending one
        # needs only one more unlucky round to become an event).
        checks.check(not change and row.get("status") == "secure" and not row.get("pending_change"),
                     f"lossy round {number} ({seconds:.1f} s): no change event, none pending, "
                     f"{child} {row.get('status')}", f"{describe(change)}; {row}")
    others_quiet(checks, monitor, child, "silent and lossy")
    print(f"   reachability events during the loss: {describe(reach)}")
    elsewhere = [e for e in reach if e.get("server") != silent]
    checks.check(not elsewhere, f"lossy: reachability events about {silent} only",
                 str([(e["event"], e.get("server")) for e in elsewhere]))
    # A question whose UDP answers are all dropped is asked again over TCP (the server answered
    # others), so loss alone never makes ns2 unreachable again: its recovery, and nothing more.
    checks.check([e["event"] for e in reach] == ["server_recovered"],
                 f"lossy: server_recovered for {silent} once it forwards again, then no "
                 "reachability event for loss alone", describe(reach))
    counts_path = os.path.join(lab.dir, "log", "lossy-proxy.log")
    try:
        with open(counts_path, encoding="utf-8") as handle:
            counts = json.loads(handle.read())
    except (OSError, ValueError):
        counts = {}
    # Without drops the rounds above would prove nothing.
    checks.check(counts.get("dropped", 0) > 0,
                 f"lossy: the proxy dropped UDP answers ({counts})", counts_path)
    lab.restore(child)


def silent_rounds(checks, monitor, child, silent):
    """The baseline and one more round with ns2 (`silent`) answering nothing."""
    for number, what in ((0, "baseline"), (1, "round 1")):
        _, seconds = monitor.round()
        events = monitor.new_events(child)
        row = monitor.status().get(child) or {}
        want = [("server_unreachable", silent)] if number == 1 else []
        got = [(e["event"], e.get("server")) for e in events]
        checks.check(got == want and row.get("status") == "secure" and
                     not row.get("pending_change"),
                     f"ns2 silent, {what} ({seconds:.1f} s): events {describe(events)}, "
                     f"{child} {row.get('status')}, none pending", f"wanted {want}; {row}")


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    zonewatch, lab_dir, lab_sh = argv[1:]
    checks = Checks()
    lab = Lab(lab_sh, lab_dir)
    work = tempfile.mkdtemp(prefix="zonewatch-monitor-lab-")
    try:
        for child in CHILDREN:
            if lab.state(child)["scenario"] != "original":
                print(f"note: {child} was left mutated ({lab.state(child)['scenario']}); "
                      "restoring it")
                lab.restore(child)
        monitor = Monitor(zonewatch, lab_dir, work, CHILDREN)

        print("== baseline", flush=True)
        _, seconds = monitor.round()
        rows = monitor.status()
        checks.check(sorted(rows) == CHILDREN,
                     f"baseline ({seconds:.1f} s): status --json lists the 12 children",
                     str(sorted(rows)))
        wrong = {c: (rows.get(c) or {}).get("status") for c in CHILDREN
                 if (rows.get(c) or {}).get("status") != lab.state(c)["expected"]}
        checks.check(not wrong, "baseline: every child has the verdict the lab expects",
                     str(wrong))
        events = {c: describe(monitor.new_events(c)) for c in CHILDREN}
        checks.check(all(v == "(none)" for v in events.values()),
                     "baseline: no event for a healthy lab", str(events))
        verified = monitor.sql("select count(*) from verified_signatures")
        checks.check(verified > 0, f"baseline: the {verified} signatures it verified are stored "
                     "(the probe thread's journal reached the commit)")
        output, _ = monitor.round()
        events = {c: describe(monitor.new_events(c)) for c in CHILDREN}
        checks.check(all(v == "(none)" for v in events.values()),
                     "second unchanged round: no event", str(events))
        replayed = re.search(r"observed 12 domains \(0 failed\), 0 events, (\d+) replayed", output)
        checks.check(replayed and int(replayed.group(1)) > 0,
                     "second unchanged round: answers already judged are replayed, not validated "
                     f"again ({replayed.group(1) if replayed else 'no summary line'} of 12)",
                     output[-2000:])

        for name, child, required, optional, back, back_optional in SCENARIOS:
            scenario(checks, monitor, lab, name, child, required, optional, back, back_optional)
        rollover(checks, monitor, lab, "child01.lab.")
        lossy(checks, zonewatch, lab, os.path.join(work, "lossy"), "child02.lab.", 15)

        history = monitor.history("child01.lab.")
        checks.check(history and all("event" in e and "id" in e for e in history),
                     f"history --json: each of the {len(history)} lines has 'event' and 'id'")
        ids = [e["id"] for e in history]
        checks.check(len(ids) == len(set(ids)), "history --json: event ids are unique")
    except Exception as err:  # noqa: BLE001 -- any failure is reported as a failed check
        checks.crashed(err)
    finally:
        lab.restore_all(checks)
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish("monitor lab test")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
