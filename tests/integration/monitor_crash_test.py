#!/usr/bin/env python3
"""kill -9 of the monitor daemon in the middle of a round loses and repeats nothing.

    monitor_crash_test.py ZONEWATCH LAB_DIR LAB_SH

The lab (tests/lab) must be up in LAB_DIR. `zonewatch run -c CFG` (daemon mode, interval 30s,
confirm_polls 2, all 12 lab children) is started while a mutation of child01 is in progress and
sent SIGKILL after a short random delay, many times over. A restarted daemon resumes each domain's
phase (issue 13), so before each start the stored observations are moved an hour into the past, as
after an hour's outage: the start then observes every domain within the first tenth of the
interval (3 s), and each kill lands somewhere in a round: before, between or after its commits (the
daemon commits what it observed every 200 ms). Where each kill landed is read back from
`zonewatch status`; a phase that no random delay reached is then forced (a kill at once; a kill as
soon as part of the round is stored, the daemon slowed to one observation at a time so that its
round spans several commits; a kill once all of it is stored), and the test fails unless kills
landed in all three (issue 18). After each kill the database must pass
`sqlite3 DB 'PRAGMA integrity_check'`. Then the daemon runs to the end of a round and stops on
SIGTERM, `run --once` rounds settle the state, and the mutation's events must be in
`zonewatch history` exactly once each (none lost, none repeated, ids unique), with no event for the
other children. The same again for the way back (restore).

The daemon's design (monitor/daemon/daemon.h): a domain's memory advances only once its commit
succeeded, so a killed round is observed again and derives the same events, once.

Random delays come from a fixed seed (ZONEWATCH_CRASH_SEED overrides it; it is printed). Every
mutated child is restored, also on failure. One line per check, then "N passed, N failed"; exit 1
if anything failed.
"""

import calendar
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from lab_checks import Checks

CHILDREN = [f"child{i:02d}.lab." for i in range(1, 13)]
CHILD = "child01.lab."
REACHABILITY = {"server_unreachable", "server_recovered"}
KILLS = 10
# What the issue expects of the two directions (see monitor_lab_test.py for the whole catalogue).
HIJACK = {"operator_changed", "ds_changed", "dnskey_changed", "hijack_suspected"}
RESTORED = {"operator_changed", "ds_changed", "dnskey_changed"}
RESTORED_OPTIONAL = {"hijack_suspected"}  # moving back is, to the differ, another move with a DS


def lab_cmd(lab_sh, *args):
    proc = subprocess.run(["bash", lab_sh, *args], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"lab.sh {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")


class Monitor:
    def __init__(self, zonewatch, lab_dir, work):
        self.zonewatch = zonewatch
        self.work = work
        self.database = os.path.join(work, "zonewatch.sqlite")
        self.config = os.path.join(work, "zonewatch.yaml")
        # The same with one observation at a time and 20 queries per second per server: a round
        # then takes a few seconds, several of the daemon's 200 ms commits, so that a kill can
        # land between two of them (at full speed the lab's 12 children commit in one).
        self.serial_config = os.path.join(work, "zonewatch-serial.yaml")
        self.log = os.path.join(work, "daemon.log")
        lines = [
            f"database: {self.database}",
            "interval: 30s",
            "confirm_polls: 2",
            "max_snapshots_per_hour: 0",  # one child mutated many times in seconds is not flapping
            f"root_hints: {os.path.join(lab_dir, 'root.hints')}",
            f"trust_anchors: {os.path.join(lab_dir, 'root.ds')}",
            "ip_versions: [4]",
            "per_server_qps: 100000",
            "metrics:",
            "  enabled: false",  # the daemon would listen on 127.0.0.1:9153, maybe someone else's
            "log_level: info",
            "domains:",
        ] + [f"  - {d}" for d in CHILDREN]
        with open(self.config, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        serial = ["concurrency: 1"] + [
            "per_server_qps: 20" if line.startswith("per_server_qps:") else line for line in lines]
        with open(self.serial_config, "w", encoding="utf-8") as handle:
            handle.write("\n".join(serial) + "\n")

    def cli(self, *args):
        proc = subprocess.run([self.zonewatch, *args, "-c", self.config], capture_output=True,
                              text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"zonewatch {' '.join(args)} exited {proc.returncode}:\n"
                               f"{proc.stdout}{proc.stderr}")
        return proc.stdout

    def once(self):
        self.cli("run", "--once")

    def start(self, config=None):
        log = open(self.log, "ab")
        try:
            return subprocess.Popen([self.zonewatch, "run", "-c", config or self.config],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        finally:
            log.close()

    def age(self, seconds=3600):
        """Moves every stored observation `seconds` into the past, as if the daemon had been down
        that long: its next start finds every domain overdue instead of resuming their phase."""
        proc = subprocess.run(
            ["sqlite3", self.database,
             f"UPDATE domains SET last_seen = last_seen - {seconds} WHERE last_seen > 0"],
            capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError(f"sqlite3 could not age {self.database}:\n{proc.stderr}")

    def history(self, domain):
        out = self.cli("history", domain, "--json", "--limit", "100000")
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def status(self):
        return {r["domain"]: r for r in map(json.loads, self.cli("status", "--json").splitlines())}

    def integrity(self):
        proc = subprocess.run(["sqlite3", self.database, "PRAGMA integrity_check"],
                              capture_output=True, text=True, timeout=60)
        return (proc.stdout + proc.stderr).strip()


def describe(events):
    return ", ".join(f"{e['event']}[{e['severity']}]" for e in events) or "(none)"


def all_ids(monitor):
    return [e["id"] for c in CHILDREN for e in monitor.history(c)]


BEFORE, BETWEEN, AFTER = "before its commits", "between its commits", "after its commits"


def last_seen(monitor):
    return {c: r["last_seen"] for c, r in monitor.status().items()}


def stored_since(monitor, before):
    """How many children have an observation newer than `before` (observations are stamped in
    whole seconds, and starts are at least a second apart)."""
    after = last_seen(monitor)
    return sum(1 for c in CHILDREN if after.get(c) != before.get(c))


def phase_of(stored):
    return BEFORE if stored == 0 else AFTER if stored == len(CHILDREN) else BETWEEN


def kill(checks, monitor, what, how, wait, config=None):
    """Starts the daemon, calls wait(before) and SIGKILLs it; checks the database's integrity and
    returns how many observations of the round were stored."""
    monitor.age()
    before = last_seen(monitor)
    proc = monitor.start(config)
    wait(before)
    alive = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    integrity = monitor.integrity()
    stored = stored_since(monitor, before)
    checks.check(alive and integrity == "ok",
                 f"{what}: kill {how} ({stored} of 12 observations stored, {phase_of(stored)}): "
                 f"integrity_check {integrity}",
                 "the daemon had already exited" if not alive else "")
    time.sleep(1.0)
    return stored


def poll_until(monitor, done, timeout=20):
    def wait(before):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done(stored_since(monitor, before)):
            time.sleep(0.01)
    return wait


def kill_loop(checks, monitor, rng, what):
    """Starts the daemon and SIGKILLs it after a random delay, KILLS times. The first delays are
    spread widely; later ones are drawn around the moment the round's commit was seen to happen
    (between the longest delay that had stored nothing and the shortest that had stored it all),
    so that most kills land close to or inside the transaction. Then forces each phase no delay
    reached, and checks that kills landed before, between and after the round's commits."""
    outcomes = collections.Counter()
    nothing, everything = 0.0, None
    for number in range(1, KILLS + 1):
        if number <= 3 or everything is None:
            delay = rng.uniform(0.01, 0.3)
        else:
            low, high = sorted((nothing, everything))
            delay = rng.uniform(max(0.005, low - 0.01), high + 0.01)
        stored = kill(checks, monitor, what, f"{number} after {delay * 1000:.0f} ms",
                      lambda before, delay=delay: time.sleep(delay))
        outcomes[phase_of(stored)] += 1
        if stored == 0:
            nothing = max(nothing, delay)
        elif stored == len(CHILDREN):
            everything = delay if everything is None else min(everything, delay)
    forced = {
        BEFORE: (lambda before: None, None),
        BETWEEN: (poll_until(monitor, lambda n: n > 0), monitor.serial_config),
        AFTER: (poll_until(monitor, lambda n: n == len(CHILDREN)), None),
    }
    for phase, (wait, config) in forced.items():
        for attempt in range(1, 6):
            if outcomes[phase]:
                break
            stored = kill(checks, monitor, what, f"forced {phase}, try {attempt}", wait, config)
            outcomes[phase_of(stored)] += 1
    print(f"   kills: {dict(outcomes)}", flush=True)
    checks.check(all(outcomes[p] for p in (BEFORE, BETWEEN, AFTER)),
                 f"{what}: kills landed before, between and after the round's commits",
                 str(dict(outcomes)))


def settle(checks, monitor, what):
    """A daemon that runs to the end of a round and stops cleanly, then rounds until no change is
    pending for CHILD."""
    monitor.age()
    proc = monitor.start()
    deadline = time.monotonic() + 20
    started = time.time()
    while time.monotonic() < deadline:
        rows = monitor.status()
        if all(rows.get(c) and rows[c]["last_seen"] != "-" and
               calendar.timegm(time.strptime(rows[c]["last_seen"], "%Y-%m-%dT%H:%M:%SZ"))
               >= int(started) for c in CHILDREN):
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)
    checks.check(code == 0, f"{what}: the restarted daemon finished its round and stopped on "
                 f"SIGTERM (exit {code})")
    for _ in range(3):
        if not monitor.status()[CHILD]["pending_change"]:
            break
        time.sleep(1.0)
        monitor.once()
    checks.check(not monitor.status()[CHILD]["pending_change"],
                 f"{what}: no change left pending for {CHILD}")
    checks.check(monitor.integrity() == "ok", f"{what}: integrity_check ok after the restarts")


def exactly_once(checks, monitor, seen, required, optional, what):
    events = [e for e in monitor.history(CHILD) if e["id"] not in seen]
    seen.update(e["id"] for e in events)
    change = [e for e in events if e["event"] not in REACHABILITY]
    counts = collections.Counter(e["event"] for e in change)
    missing = sorted(required - set(counts))
    repeated = sorted(n for n, k in counts.items() if k > 1)
    extra = sorted(set(counts) - required - optional)
    checks.check(not missing and not repeated and not extra,
                 f"{what}: each expected event exactly once: {describe(change)}",
                 f"missing {missing}, repeated {repeated}, unexpected {extra}")
    others = {c: describe(ev) for c in CHILDREN if c != CHILD
              for ev in [[e for e in monitor.history(c) if e["event"] not in REACHABILITY]] if ev}
    checks.check(not others, f"{what}: no event for the other children", str(others))
    ids = all_ids(monitor)
    checks.check(len(ids) == len(set(ids)), f"{what}: all {len(ids)} event ids are unique")


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    zonewatch, lab_dir, lab_sh = argv[1:]
    seed = int(os.environ.get("ZONEWATCH_CRASH_SEED", "20261127"))
    print(f"seed {seed} (ZONEWATCH_CRASH_SEED)")
    rng = random.Random(seed)
    checks = Checks()
    work = tempfile.mkdtemp(prefix="zonewatch-crash-")
    mutated = False
    try:
        with open(os.path.join(lab_dir, "state", "child01.lab.json"), encoding="utf-8") as handle:
            if json.load(handle)["scenario"] != "original":
                lab_cmd(lab_sh, "restore", lab_dir, CHILD)
        monitor = Monitor(zonewatch, lab_dir, work)
        monitor.once()
        baseline = {c: describe(monitor.history(c)) for c in CHILDREN}
        checks.check(all(v == "(none)" for v in baseline.values()),
                     "baseline round: 12 children, no event", str(baseline))
        seen = set(all_ids(monitor))

        print(f"== {CHILD} move-ns, then {KILLS} daemon starts killed with SIGKILL", flush=True)
        mutated = True
        lab_cmd(lab_sh, "mutate", lab_dir, CHILD, "move-ns")
        time.sleep(1.0)
        kill_loop(checks, monitor, rng, "move-ns")
        settle(checks, monitor, "move-ns")
        exactly_once(checks, monitor, seen, HIJACK, set(), "move-ns")

        print(f"== {CHILD} restored, then {KILLS} more kills", flush=True)
        lab_cmd(lab_sh, "restore", lab_dir, CHILD)
        mutated = False
        time.sleep(1.0)
        kill_loop(checks, monitor, rng, "restore")
        settle(checks, monitor, "restore")
        exactly_once(checks, monitor, seen, RESTORED, RESTORED_OPTIONAL, "restore")
    except Exception as err:  # noqa: BLE001 -- any failure is reported as a failed check
        checks.crashed(err)
    finally:
        if mutated:
            try:
                lab_cmd(lab_sh, "restore", lab_dir, CHILD)
                print(f"restored {CHILD}")
            except Exception as err:  # noqa: BLE001
                checks.check(False, f"restore {CHILD}", str(err))
        log = os.path.join(work, "daemon.log")
        if checks.failed and os.path.exists(log):
            with open(log, encoding="utf-8", errors="replace") as handle:
                print("--- end of the daemon's log\n" + "".join(handle.readlines()[-30:]))
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish("monitor crash test")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
