#!/usr/bin/env python3
"""Three `zonewatch run` workers sharing one real PostgreSQL 15, on the lab.

    workers_lab_test.py ZONEWATCH LAB_DIR LAB_SH

The lab (tests/lab) must be up in LAB_DIR. The test starts its own PostgreSQL 15 (Debian's
binaries in /usr/lib/postgresql/15/bin, ZONEWATCH_PG_BINDIR overrides; `initdb` into a temporary
directory, run as `nobody` when the test is root, listening on 127.0.0.1 and a free port only, its
Unix socket in that directory), creates a database, and stops and deletes it at the end, also on
failure. One configuration (database `postgresql://zonewatch@127.0.0.1:PORT/DB` with
`database_password_file`, interval 30s, confirm_polls 2, observation_timeout 5s so that the lease
is 2 x 5s + 60s = 70s, eight lab children, metrics off, one generic webhook to an HTTP receiver in
this test) is shared by three `zonewatch run -c CFG` workers. The test reads the shared work queue
(`work`: claimed_by, lease_until, last_worker, last_done) with psql over the Unix socket.

1. Baseline: every domain observed (`zonewatch status --json`), no event.
2. move-ns on child01.lab. (the TLD delegates it to another operator with a new DS): the hijack
   events (operator_changed, ds_changed, dnskey_changed, hijack_suspected) appear; restore: the
   way back (operator_changed, ds_changed, dnskey_changed, maybe hijack_suspected). Each kind is
   stored exactly once per direction whichever worker confirmed it, and every stored event arrives
   at the receiver exactly once (counted by X-Zonewatch-Id; each request's signature verified).
3. Five times, the first worker seen holding a claim in the work queue (an observation in
   flight) is sent SIGKILL and restarted with a new worker id. At least one kill must strand a
   claim; every domain must then be observed again within interval + lease of its previous
   observation (one lease more for each further kill that stranded it again), the stranded ones
   by another worker after the lease, and no event is added or delivered twice.
4. PostgreSQL is restarted under the running workers (`pg_ctl restart -m fast`): the workers stay
   up, every domain is observed again afterwards, nothing is lost or repeated.

Nothing leaves 127.0.0.0/8. Every mutated child is restored, every worker and the PostgreSQL
server stopped, also on failure. One line per check, then "N passed, N failed"; exit 1 if anything
failed. About five minutes, most of it waiting for the daemons' 30 s polls.
"""

import calendar
import collections
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from lab_checks import Checks
from monitor_lab_test import Lab
from webhook_lab_test import Receiver

CHILDREN = [f"child{i:02d}.lab." for i in range(1, 9)]
CHILD = "child01.lab."
REACHABILITY = {"server_unreachable", "server_recovered"}
HIJACK = {"operator_changed", "ds_changed", "dnskey_changed", "hijack_suspected"}
RESTORED = {"operator_changed", "ds_changed", "dnskey_changed"}
RESTORED_OPTIONAL = {"hijack_suspected"}
SECRET = b"workers-lab-secret-5e21"
INTERVAL = 30
LEASE = 2 * 5 + 60  # 2 x observation_timeout + 60 s (README, "PostgreSQL instead of SQLite")
KILLS = 5
WORKERS = 3
SLACK = 5  # seconds: the daemon's 1 s claim poll, commit flushes, this test's sampling


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL 15 cluster (the steps of tests/unit/storage/pg_server.cpp)."""

    USER = "zonewatch"
    DATABASE = "zonewatch_workers"

    def __init__(self):
        self.bindir = os.environ.get("ZONEWATCH_PG_BINDIR") or "/usr/lib/postgresql/15/bin"
        self.dir = tempfile.mkdtemp(prefix="zonewatch-workers-pg-")
        self.data = os.path.join(self.dir, "data")
        self.password = "workers-" + os.urandom(8).hex()
        self.port = 0
        self.started = False
        self.psql_proc = None
        self.psql_lock = threading.Lock()

    def tool(self, name, *args, as_server=True, check=True):
        argv = [os.path.join(self.bindir, name), *args]
        if as_server and os.geteuid() == 0:
            argv = ["runuser", "-u", "nobody", "--", *argv]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=self.dir)
        if check and proc.returncode != 0:
            log = ""
            if os.path.exists(os.path.join(self.dir, "server.log")):
                with open(os.path.join(self.dir, "server.log"), encoding="utf-8",
                          errors="replace") as handle:
                    log = handle.read()[-3000:]
            raise RuntimeError(f"{name} {' '.join(args)} exited {proc.returncode}:\n"
                               f"{proc.stdout}{proc.stderr}\nserver log:\n{log}")
        return proc

    def start(self):
        for name in ("initdb", "pg_ctl", "postgres", "createdb", "psql"):
            if not os.access(os.path.join(self.bindir, name), os.X_OK):
                raise RuntimeError(f"{self.bindir}/{name} is missing: install Debian's "
                                   "postgresql-15 or set ZONEWATCH_PG_BINDIR")
        pwfile = os.path.join(self.dir, "pwfile")
        with open(pwfile, "w", encoding="utf-8") as handle:
            handle.write(self.password + "\n")
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            os.chmod(pwfile, 0o644)
        self.tool("initdb", "-D", self.data, "-U", self.USER, f"--pwfile={pwfile}",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self.port = free_port()
        with open(os.path.join(self.data, "postgresql.conf"), "a", encoding="utf-8") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.dir}'\nfsync = off\n"
                       "synchronous_commit = off\nfull_page_writes = off\n"
                       "max_connections = 40\nshared_buffers = 16MB\n")
        self.tool("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w",
                  "-t", "60", "start")
        self.started = True
        self.tool("createdb", "-h", self.dir, "-p", str(self.port), "-U", self.USER,
                  self.DATABASE)

    def restart(self):
        self.close_psql()
        self.tool("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"),
                  "-m", "fast", "-w", "-t", "60", "restart")

    def stop(self):
        self.close_psql()
        if self.started:
            self.tool("pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop",
                      check=False)
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def uri(self):
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/{self.DATABASE}"

    def close_psql(self):
        with self.psql_lock:
            if self.psql_proc is not None:
                self.psql_proc.kill()
                self.psql_proc.wait()
                self.psql_proc = None

    def query(self, sql):
        """Rows (tuples of strings) of one query, through one long-lived psql session on the Unix
        socket (a new psql per query would be too slow to catch a claim in flight)."""
        with self.psql_lock:
            for attempt in range(2):
                if self.psql_proc is None or self.psql_proc.poll() is not None:
                    self.psql_proc = subprocess.Popen(
                        [os.path.join(self.bindir, "psql"), "-h", self.dir, "-p", str(self.port),
                         "-U", self.USER, "-d", self.DATABASE, "-AtqX", "-F", "\t",
                         "-v", "ON_ERROR_STOP=0"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, text=True, bufsize=1)
                try:
                    self.psql_proc.stdin.write(sql.rstrip().rstrip(";") +
                                               ";\nSELECT '--end--';\n")
                    self.psql_proc.stdin.flush()
                    rows = []
                    while True:
                        line = self.psql_proc.stdout.readline()
                        if line == "":
                            raise BrokenPipeError("psql ended")
                        line = line.rstrip("\n")
                        if line == "--end--":
                            return rows
                        rows.append(tuple(line.split("\t")))
                except (BrokenPipeError, OSError):
                    self.psql_proc.kill()
                    self.psql_proc.wait()
                    self.psql_proc = None
                    if attempt == 1:
                        raise
        return []

    def work(self):
        """domain -> (claimed_by, lease_until, last_worker, last_done)."""
        rows = self.query("SELECT domain, coalesce(claimed_by, ''), lease_until, "
                          "coalesce(last_worker, ''), last_done FROM work")
        return {r[0]: (r[1], int(r[2]), r[3], int(r[4])) for r in rows if len(r) == 5}


class Worker:
    """One `zonewatch run -c CFG` process, its log and its worker id (read from the log)."""

    def __init__(self, zonewatch, config, log):
        self.log = log
        with open(log, "ab") as handle:
            self.proc = subprocess.Popen([zonewatch, "run", "-c", config],
                                         stdin=subprocess.DEVNULL, stdout=handle, stderr=handle)
        self.id = None

    def worker_id(self, timeout=20):
        deadline = time.monotonic() + timeout
        while self.id is None and time.monotonic() < deadline:
            with open(self.log, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if "worker " in line and " sharing the domains of " in line:
                        self.id = line.split("worker ", 1)[1].split(" sharing", 1)[0].strip()
            if self.id is None:
                time.sleep(0.1)
        if self.id is None:
            raise RuntimeError(f"no worker id in {self.log}")
        return self.id

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()


class Sampler:
    """Reads `work.last_done` every 0.3 s in a thread: every observation's completion time per
    domain (completions less than 0.3 s apart would be missed; the interval is 30 s)."""

    def __init__(self, pg):
        self.pg = pg
        self.lock = threading.Lock()
        self.done = collections.defaultdict(list)  # domain -> [last_done, ...] increasing
        self.errors = 0
        self.workers = set()  # every last_worker seen
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stopping.is_set():
            try:
                work = self.pg.work()
            except Exception:  # noqa: BLE001 -- PostgreSQL restarting: try again
                self.errors += 1
                work = {}
            with self.lock:
                for domain, (_, _, last_worker, last_done) in work.items():
                    if last_worker:
                        self.workers.add(last_worker)
                    seen = self.done[domain]
                    if last_done > 0 and (not seen or last_done > seen[-1]):
                        seen.append(last_done)
            self.stopping.wait(0.3)

    def series(self):
        with self.lock:
            return {d: list(v) for d, v in self.done.items()}

    def latest(self):
        return {d: v[-1] if v else 0 for d, v in self.series().items()}


def cli(zonewatch, config, *args):
    proc = subprocess.run([zonewatch, *args, "-c", config], capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"zonewatch {' '.join(args)} exited {proc.returncode}:\n"
                           f"{proc.stdout}{proc.stderr}")
    return proc.stdout


def history(zonewatch, config, domain):
    out = cli(zonewatch, config, "history", domain, "--json", "--limit", "100000")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def all_events(zonewatch, config):
    return {e["id"]: e for d in CHILDREN for e in history(zonewatch, config, d)}


def describe(events):
    return ", ".join(f"{e['event']}[{e['severity']}]" for e in events) or "(none)"


def wait_for(what, predicate, timeout, step=1.0):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(step)


def delivered(receiver):
    """event id -> how many requests carrying it were accepted (2xx)."""
    counts = collections.Counter()
    for r in receiver.snapshot():
        if 200 <= r["status"] < 300:
            counts[r["headers"].get("x-zonewatch-id", "")] += 1
    return counts


def check_webhooks(checks, receiver, events, what, wait=30):
    """Every stored event accepted at the receiver exactly once (waiting up to `wait` s for the
    deliveries still due); nothing accepted that is not stored; no request refused."""
    wait_for("deliveries", lambda: all(delivered(receiver)[i] > 0 for i in events), wait, 0.5)
    counts = delivered(receiver)
    missing = sorted(events[i]["event"] + " " + i for i in events if counts[i] == 0)
    twice = sorted(f"{i} x{n}" for i, n in counts.items() if n > 1)
    unknown = sorted(i for i in counts if i not in events)
    refused = [r["status"] for r in receiver.snapshot() if not 200 <= r["status"] < 300]
    checks.check(not missing and not twice and not unknown and not refused,
                 f"{what}: each of the {len(events)} stored events delivered exactly once "
                 "(signature verified)",
                 f"missing {missing}, more than once {twice}, not stored {unknown}, "
                 f"refused {refused}")


def exactly_once(checks, events, required, optional, what):
    change = [e for e in events if e["event"] not in REACHABILITY]
    counts = collections.Counter(e["event"] for e in change)
    missing = sorted(required - set(counts))
    repeated = sorted(n for n, k in counts.items() if k > 1)
    extra = sorted(set(counts) - required - optional)
    checks.check(not missing and not repeated and not extra,
                 f"{what}: each expected event stored exactly once: {describe(change)}",
                 f"missing {missing}, repeated {repeated}, unexpected {extra}")


def observers(pg):
    return collections.Counter(w for (_, _, w, _) in pg.work().values() if w)


def change_phase(checks, zonewatch, config, lab, receiver, seen, scenario, required, optional):
    """Mutates (or restores, scenario None) CHILD and waits until `required` are stored."""
    what = scenario or "restore"
    print(f"== {CHILD} {what}", flush=True)
    started = time.monotonic()
    if scenario:
        lab.mutate(CHILD, scenario)
    else:
        lab.restore(CHILD)

    def fresh():
        return [e for e in history(zonewatch, config, CHILD) if e["id"] not in seen]

    # Two observations each at most an interval apart, then the commit: well within 2.5 intervals.
    got = wait_for(what, lambda: required <= {e["event"] for e in fresh()},
                   2.5 * INTERVAL + SLACK, 2.0)
    print(f"   {what}: events after {time.monotonic() - started:.0f} s", flush=True)
    # A duplicate from another worker would be stored in the same round or the next claim: give
    # the confirming round's stragglers a moment before counting.
    time.sleep(3)
    events = fresh()
    checks.check(bool(got), f"{what}: {' + '.join(sorted(required))} stored within "
                 f"{2.5 * INTERVAL + SLACK:.0f} s", describe(events))
    exactly_once(checks, events, required, optional, what)
    others = {d: describe(ev) for d in CHILDREN if d != CHILD
              for ev in [[e for e in history(zonewatch, config, d) if e["id"] not in seen
                          and e["event"] not in REACHABILITY]] if ev}
    checks.check(not others, f"{what}: no event for the other children", str(others))
    seen.update(e["id"] for e in events)
    check_webhooks(checks, receiver, all_events(zonewatch, config), what)


def gaps(series, since, until):
    """The longest time without an observation between `since` and `until` (unix seconds)."""
    earlier = [t for t in series if t < since]
    points = [t for t in series if since <= t <= until]
    edges = [earlier[-1] if earlier else since] + points + [until]
    return max(b - a for a, b in zip(edges, edges[1:]))


def kill_phase(checks, zonewatch, config, pg, workers, sampler, logs):
    print(f"== a worker killed with SIGKILL {KILLS} times while it holds a claim", flush=True)
    started = int(time.time())
    stranded_total = {}
    strandings = {}  # domain -> how many kills left it claimed by a dead worker
    landed = 0  # kills that found the worker holding a claim
    for number in range(1, KILLS + 1):
        # The worker that holds a claim first. Not always the same one: the workers poll the
        # queue once a second each, and the one whose poll falls earliest after the second a
        # domain is due claims it, so a fixed victim may hold nothing for many rounds.
        live = {w.worker_id(): n for n, w in enumerate(workers)}

        def claims():
            now = time.time()
            held = {}
            for d, (c, lease, _, _) in pg.work().items():
                if c in live and lease > now:
                    held.setdefault(c, []).append(d)
            return held
        held = wait_for("a claim", claims, INTERVAL + SLACK, 0.005)
        slot = live[next(iter(held))] if held else 0
        victim = workers[slot]
        wid = victim.worker_id()
        held = held.get(wid, [])
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(timeout=30)
        killed_at = time.time()
        stranded = sorted(d for d, (c, lease, _, _) in pg.work().items()
                          if c == wid and lease > killed_at)
        work = pg.work()
        landed += bool(stranded)
        for domain in stranded:
            stranded_total[domain] = (killed_at, work[domain][1])
            strandings[domain] = strandings.get(domain, 0) + 1
        print(f"   kill {number}: worker {slot + 1} {wid} held {held or 'nothing'}; "
              f"stranded {stranded or 'nothing'}", flush=True)
        workers[slot] = Worker(zonewatch, config, logs.format(f"{slot + 1}-k{number}"))
        workers[slot].worker_id()
        time.sleep(1.0)  # the restarted worker claims something before the next kill
    last_kill = time.time()
    checks.check(bool(stranded_total),
                 f"kills: {landed} of {KILLS} kills in the middle of an observation, "
                 f"{len(stranded_total)} domains left claimed by a killed worker",
                 "every kill missed the claims")

    # Every domain observed after the last kill, within interval + lease of its previous
    # observation; the stranded ones by another worker once the lease expired. A domain the next
    # kill strands again, just after a new worker took it over, waits for that lease too: each
    # kill that leaves it claimed adds one lease, never more.
    deadline_each = INTERVAL + LEASE + SLACK
    done = wait_for("takeover", lambda: all(v > last_kill for v in sampler.latest().values())
                    and len(sampler.latest()) == len(CHILDREN), deadline_each, 1.0)
    now = int(time.time())
    series = sampler.series()
    longest = {d: gaps(series.get(d, []), started, now) for d in CHILDREN}
    allowed = {d: INTERVAL + (LEASE + SLACK) * max(1, strandings.get(d, 0)) for d in CHILDREN}
    late = {d: g for d, g in longest.items() if g > allowed[d]}
    again = {d: n for d, n in strandings.items() if n > 1}
    checks.check(bool(done) and not late,
                 f"kills: every domain observed after the last kill, none waited longer than "
                 f"interval + lease ({INTERVAL} + {LEASE} s) per kill that stranded it (longest "
                 f"gap {max(longest.values())} s; stranded more than once: {again or 'none'})",
                 f"late {late}, observed after: {bool(done)}")
    # A stranded claim holds until its lease expires (nobody observes the domain meanwhile), and
    # then another worker takes the domain at its next claim poll.
    taken = {}
    for domain, (killed_at, lease_until) in stranded_total.items():
        after = [t for t in series.get(domain, []) if t > killed_at]
        taken[domain] = (after[0] - lease_until) if after else None
    checks.check(bool(taken) and all(v is not None and -1 <= v <= SLACK for v in taken.values()),
                 "kills: each stranded domain observed again only once its lease expired, within "
                 f"{SLACK} s of it (seconds after the lease): {taken}")
    live = [w for w in workers if w.alive()]
    checks.check(len(live) == WORKERS, f"kills: {len(live)} workers running")


def restart_phase(checks, pg, workers, sampler):
    print("== PostgreSQL restarted under the workers (pg_ctl restart -m fast)", flush=True)
    before = time.time()
    pg.restart()
    restarted = time.time()
    print(f"   restarted in {restarted - before:.1f} s", flush=True)
    limit = INTERVAL + LEASE + SLACK
    done = wait_for("observations after the restart",
                    lambda: all(sampler.latest().get(d, 0) > restarted for d in CHILDREN),
                    limit, 1.0)
    latest = sampler.latest()
    checks.check(bool(done), f"restart: every domain observed again after the restart within "
                 f"{limit} s ({max(latest.values()) - int(restarted)} s)",
                 str({d: latest.get(d, 0) - int(restarted) for d in CHILDREN}))
    live = [w for w in workers if w.alive()]
    checks.check(len(live) == WORKERS, f"restart: all {len(live)} workers kept running")
    return done


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    zonewatch, lab_dir, lab_sh = argv[1:]
    checks = Checks()
    for key in [k for k in os.environ if "proxy" in k.lower()]:
        del os.environ[key]  # loopback only, whatever the environment says
    lab = Lab(lab_sh, lab_dir)
    work = tempfile.mkdtemp(prefix="zonewatch-workers-lab-")
    pg = Postgres()
    receiver = Receiver({"/hook": SECRET})
    workers = []
    sampler = None
    logs = os.path.join(work, "worker-{}.log")
    try:
        for child in CHILDREN:
            if lab.state(child)["scenario"] != "original":
                print(f"note: {child} was left mutated; restoring it")
                lab.restore(child)
        pg.start()
        print(f"PostgreSQL 15 on 127.0.0.1:{pg.port} ({pg.dir})", flush=True)
        receiver.start()
        password = os.path.join(work, "db.password")
        with open(password, "w", encoding="utf-8") as handle:
            handle.write(pg.password + "\n")
        config = os.path.join(work, "zonewatch.yaml")
        lines = [
            f"database: {pg.uri()}",
            "database_password_file: db.password",
            f"interval: {INTERVAL}s",
            "confirm_polls: 2",
            "observation_timeout: 5s",
            "max_snapshots_per_hour: 0",
            f"root_hints: {os.path.join(lab_dir, 'root.hints')}",
            f"trust_anchors: {os.path.join(lab_dir, 'root.ds')}",
            "ip_versions: [4]",
            "per_server_qps: 100000",
            "metrics:",
            "  enabled: false",  # three workers on one machine; 9153 may be someone else's
            "log_level: info",
            "webhooks:",
            f"  - name: receiver\n    url: {receiver.url('/hook')}\n"
            f"    secret: {SECRET.decode()}\n    format: generic\n    timeout: 5s\n"
            "    retry_initial: 1s\n    retry_max: 2s",
            "domains:",
        ] + [f"  - {d}" for d in CHILDREN]
        with open(config, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        cli(zonewatch, config, "config", "check")

        print(f"== {WORKERS} workers", flush=True)
        workers = [Worker(zonewatch, config, logs.format(f"{n}-1"))
                   for n in range(1, WORKERS + 1)]
        ids = [w.worker_id() for w in workers]
        checks.check(len(set(ids)) == WORKERS, f"{WORKERS} workers with distinct ids: {ids}")
        sampler = Sampler(pg)
        sampler.thread.start()

        def baselined():
            rows = {r["domain"]: r for r in map(json.loads, cli(
                zonewatch, config, "status", "--json").splitlines())}
            work_rows = pg.work()
            return all(rows.get(d) and rows[d]["last_seen"] not in ("-", "", None) and
                       work_rows.get(d, (0, 0, 0, 0))[3] > 0 for d in CHILDREN)
        ok = wait_for("baseline", baselined, 30, 0.5)
        checks.check(bool(ok), "baseline: every domain observed within 30 s")
        events = all_events(zonewatch, config)
        checks.check(not events, "baseline: no event", describe(events.values()))
        by = observers(pg)
        checks.check(sum(by.values()) == len(CHILDREN),
                     f"baseline: {len(CHILDREN)} domains observed, last by {dict(by)}")
        seen = set(events)

        change_phase(checks, zonewatch, config, lab, receiver, seen, "move-ns", HIJACK, set())
        change_phase(checks, zonewatch, config, lab, receiver, seen, None, RESTORED,
                     RESTORED_OPTIONAL)
        before_kills = all_events(zonewatch, config)

        kill_phase(checks, zonewatch, config, pg, workers, sampler, logs)
        after_kills = all_events(zonewatch, config)
        checks.check(after_kills.keys() == before_kills.keys(),
                     "kills: no event lost or added", describe(
                         e for i, e in after_kills.items() if i not in before_kills))
        check_webhooks(checks, receiver, after_kills, "kills", wait=5)

        restart_phase(checks, pg, workers, sampler)
        after_restart = all_events(zonewatch, config)
        checks.check(after_restart.keys() == before_kills.keys(),
                     "restart: no event lost or added", describe(
                         e for i, e in after_restart.items() if i not in before_kills))
        check_webhooks(checks, receiver, after_restart, "restart", wait=5)
        rows = {r["domain"]: r for r in map(json.loads, cli(
            zonewatch, config, "status", "--json").splitlines())}
        newest = {d: calendar.timegm(time.strptime(rows[d]["last_seen"], "%Y-%m-%dT%H:%M:%SZ"))
                  for d in CHILDREN}
        latest = sampler.latest()
        checks.check(all(newest[d] >= latest[d] - 1 for d in CHILDREN),
                     "status: each domain's last_seen is its latest completion in the work queue",
                     str({d: (newest[d], latest[d]) for d in CHILDREN}))
        checks.check(len(sampler.workers) >= 2,
                     f"the domains were shared: {len(sampler.workers)} workers completed "
                     "observations")
        ids = [i for d in CHILDREN for i in (e["id"] for e in history(zonewatch, config, d))]
        checks.check(len(ids) == len(set(ids)), f"all {len(ids)} event ids are unique")
    except Exception as err:  # noqa: BLE001 -- any failure is reported as a failed check
        checks.crashed(err)
    finally:
        for w in workers:
            code = w.stop()
            if code not in (0, -signal.SIGKILL):
                checks.check(False, f"worker {w.id} stopped on SIGTERM", f"exit {code}")
        if sampler is not None:
            sampler.stopping.set()
            sampler.thread.join(timeout=5)
        lab.restore_all(checks)
        receiver.stop()
        if checks.failed:
            for name in sorted(os.listdir(work)):
                if name.endswith(".log"):
                    with open(os.path.join(work, name), encoding="utf-8",
                              errors="replace") as handle:
                        print(f"--- end of {name}\n" + "".join(handle.readlines()[-15:]))
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish("workers lab test")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
