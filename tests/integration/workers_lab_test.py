#!/usr/bin/env python3
"""Three `zonewatch run` workers sharing one real PostgreSQL 15, on the lab.

    workers_lab_test.py ZONEWATCH LAB_DIR LAB_SH

The lab (tests/lab) must be up in LAB_DIR. The test starts its own PostgreSQL 15 (Debian's
binaries in /usr/lib/postgresql/15/bin, ZONEWATCH_PG_BINDIR overrides; `initdb` into a temporary
directory, run as `nobody` when the test is root, listening on 127.0.0.1 and a free port only, its
Unix socket in that directory), creates a database, and stops and deletes it at the end, also on
failure. One configuration (database `postgresql://zonewatch@127.0.0.1:PORT/DB` with
`database_password_file`, interval 30s, confirm_polls 2, observation_timeout 5s so that the lease
is 2 x 5s + 60s = 70s, delivery_claim 12s, eight lab children, metrics off, one generic webhook
with a 5 s timeout to an HTTP receiver in this test) is shared by three `zonewatch run -c CFG`
workers. The test reads the shared work queue (`work`: claimed_by, lease_until, last_worker,
last_done), the pending confirmations (`domains.pending_count`) and the outbox claims
(`outbox.claimed_by`, `claim_until`) with psql over the Unix socket. Every kill is SIGKILL, and
the killed worker is restarted at once with a new worker id.

1. Baseline: every domain observed (`zonewatch status --json`), no event.
2. move-ns on child01.lab. (the TLD delegates it to another operator with a new DS), with a kill
   while the change is pending: once a worker has seen the move once (stored as pending in the
   database, confirm_polls 2), that worker is killed. The hijack events (operator_changed,
   ds_changed, dnskey_changed, hijack_suspected) must then be stored exactly once, by the very
   next observation of the domain (another worker read the pending state from the database), and
   each delivered exactly once (counted by X-Zonewatch-Id; each request's signature verified).
3. Restore (operator_changed, ds_changed, dnskey_changed, maybe hijack_suspected), with a slow
   receiver and a kill mid-delivery: the receiver holds each answer 3 s (under the timeout), and
   the worker whose deliverer sent a request the receiver is holding (found by the item's outbox
   claim, claimed_by = HOST:PID:RANDOM) is killed while it is held. Delivery is at least once: the
   receiver took that request, and the item is still pending, so another worker sends it again
   once the claim (delivery_claim) expired. Checked: each kind stored exactly once; the
   interrupted event accepted again after claim_until, with the same X-Zonewatch-Id and body (but
   sent_at); every stored event accepted at least once, and only the interrupted one twice.
4. Ten times, the first worker seen holding a claim in the work queue (an observation in
   flight) is killed. At least one kill must strand a claim; every domain must then be observed
   again within interval + lease of its previous observation (one lease more for each further kill
   that stranded it again, the kills of steps 2 and 3 included), the stranded ones by another
   worker after the lease, and no event is added or delivered again.
5. PostgreSQL is restarted under the running workers (`pg_ctl restart -m fast`): the workers stay
   up, every domain is observed again afterwards, nothing is lost or repeated.

Nothing leaves 127.0.0.0/8. Every mutated child is restored, every worker and the PostgreSQL
server stopped, also on failure. One line per check, then "N passed, N failed"; exit 1 if anything
failed. About six minutes, most of it waiting for the daemons' 30 s polls and the 70 s lease.
"""

import calendar
import collections
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from lab_checks import Checks, free_port
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
KILLS = 10
WORKERS = 3
SLACK = 5  # seconds: the daemon's 1 s claim poll, commit flushes, this test's sampling
WEBHOOK_TIMEOUT = 5  # the webhook's timeout (seconds)
# delivery_claim: longer than the webhook's timeout (the config refuses less), short so that an
# interrupted delivery is sent again soon.
DELIVERY_CLAIM = 12
HOLD = 3  # seconds the slow receiver holds each answer: under the timeout, so each is accepted


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


def check_webhooks(checks, receiver, events, what, again=(), wait=30):
    """Every stored event accepted at the receiver (waiting up to `wait` s for the deliveries still
    due): once, except the events in `again`, whose delivery a kill interrupted after it reached
    the receiver: twice. Nothing accepted that is not stored; no request refused."""
    wait_for("deliveries", lambda: all(delivered(receiver)[i] > 0 for i in events), wait, 0.5)
    counts = delivered(receiver)
    missing = sorted(events[i]["event"] + " " + i for i in events if counts[i] == 0)
    wrong = sorted(f"{i} x{n}" for i, n in counts.items() if n != (2 if i in again else 1))
    unknown = sorted(i for i in counts if i not in events)
    refused = [r["status"] for r in receiver.snapshot() if not 200 <= r["status"] < 300]
    twice = f", the {len(again)} interrupted by a kill twice" if again else ""
    checks.check(not missing and not wrong and not unknown and not refused,
                 f"{what}: each of the {len(events)} stored events accepted once{twice} "
                 "(signature verified)",
                 f"missing {missing}, accepted a wrong number of times {wrong}, not stored "
                 f"{unknown}, refused {refused}")


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


def sql_text(text):
    """A string literal for psql (standard_conforming_strings: only quotes are special)."""
    if any(c in text for c in "\n\r\t\\"):
        raise ValueError(f"unexpected characters in {text!r}")
    return "'" + text.replace("'", "''") + "'"


def unix(rfc3339):
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


class Run:
    """What the phases share: the processes, the database, the receiver and what was seen."""

    def __init__(self, checks, zonewatch, config, lab, pg, receiver, logs):
        self.checks = checks
        self.zonewatch = zonewatch
        self.config = config
        self.lab = lab
        self.pg = pg
        self.receiver = receiver
        self.logs = logs
        self.workers = []
        self.sampler = None
        self.seen = set()  # ids of the events earlier phases stored
        self.again = set()  # ids of the events whose delivery a kill interrupted at the receiver
        self.strandings = {}  # domain -> how many kills left it claimed by a dead worker

    def history(self, domain):
        return history(self.zonewatch, self.config, domain)

    def all_events(self):
        return all_events(self.zonewatch, self.config)

    def kill(self, slot, tag):
        """SIGKILLs workers[slot] and starts a new worker (a new id) in its place. Returns the
        killed worker's id, the time of the kill, and the domains it left claimed (stranded until
        their lease ends) with their lease_until."""
        victim = self.workers[slot]
        wid = victim.worker_id()
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(timeout=30)
        killed_at = time.time()
        stranded = {d: lease for d, (c, lease, _, _) in self.pg.work().items()
                    if c == wid and lease > killed_at}
        for domain in stranded:
            self.strandings[domain] = self.strandings.get(domain, 0) + 1
        self.workers[slot] = Worker(self.zonewatch, self.config,
                                    self.logs.format(f"{slot + 1}-{tag}"))
        self.workers[slot].worker_id()
        return wid, killed_at, stranded

    def slot_of(self, wid):
        return next((n for n, w in enumerate(self.workers) if w.worker_id() == wid), None)


def pending_seen(pg):
    """(worker, completion time) of the observation that stored CHILD's change as seen once and not
    confirmed (domains.pending_count, confirm_polls 2), once that observation completed; else
    None."""
    rows = pg.query("SELECT d.pending_count, d.last_seen, coalesce(w.last_worker, ''), "
                    "w.last_done, coalesce(w.claimed_by, '') FROM domains d JOIN work w "
                    f"ON w.domain = d.domain WHERE d.domain = {sql_text(CHILD)}")
    if len(rows) != 1 or len(rows[0]) != 5:
        return None
    pending, last_seen, worker, done, claimed = rows[0]
    if int(pending) < 1 or claimed or not worker or int(done) < int(last_seen):
        return None
    return worker, int(done)


def kill_while_pending(run):
    """Kills the worker that saw CHILD's change once, while the change waits for its
    confirmation in the database. Returns (its id, the kill time, that observation's completion)
    or None when no pending state was seen."""
    seen = wait_for("a pending change", lambda: pending_seen(run.pg), 2 * INTERVAL + SLACK, 0.2)
    if not seen:
        return None
    worker, done = seen
    slot = run.slot_of(worker)
    if slot is None:
        return None
    wid, killed_at, stranded = run.kill(slot, "pending")
    print(f"   pending kill: worker {slot + 1} {wid} saw the change once (completed "
          f"{killed_at - done:.1f} s before the kill); stranded {sorted(stranded) or 'nothing'}",
          flush=True)
    return wid, killed_at, done


def check_confirmed_after_kill(run, what, pending, events):
    """The confirmation came from the first observation of CHILD after the pending one, by a live
    worker: the pending state was read from the database, not redone."""
    if pending is None:
        run.checks.check(False, f"{what}: a worker killed while the change was pending",
                         "no pending state seen in the database")
        return
    wid, _, done = pending
    after = [t for t in run.sampler.series().get(CHILD, []) if t > done]
    observed = [unix(e["observed_at"]) for e in events if e["event"] not in REACHABILITY]
    confirmer = run.pg.work().get(CHILD, ("", 0, "", 0))[2]
    ok = bool(after) and bool(observed) and all(done - 1 <= t <= after[0] + 1 for t in observed)
    later = after[0] - done if after else "?"
    run.checks.check(ok and confirmer != wid,
                     f"{what}: seen once by worker {wid}, killed while the change was pending; "
                     f"confirmed by the next observation ({later} s later) by worker {confirmer}",
                     f"pending completed {done}, observations since {after}, events observed "
                     f"{observed}")


def held_delivery(run, stored):
    """A request for one of `stored` the slow receiver is holding, or None."""
    return next((r for r in run.receiver.snapshot() if r["answered"] is None and
                 r["headers"].get("x-zonewatch-id") in stored), None)


def outbox_pending(pg):
    """How many outbox items are still pending (not delivered, not given up)."""
    rows = pg.query("SELECT count(*) FROM outbox WHERE status = 'pending'")
    return int(rows[0][0]) if len(rows) == 1 and rows[0] and rows[0][0].isdigit() else -1


def outbox_claim(pg, uid):
    """(claimed_by, claim_until) of the pending outbox item of event `uid`, or None."""
    rows = pg.query("SELECT coalesce(o.claimed_by, ''), o.claim_until FROM outbox o JOIN events e "
                    f"ON e.id = o.event_id WHERE e.uid = {sql_text(uid)} AND o.status = 'pending'")
    return (rows[0][0], int(rows[0][1])) if len(rows) == 1 and len(rows[0]) == 2 else None


def kill_mid_delivery(run, what, stored):
    """Kills the worker whose deliverer has a request for one of `stored` held by the receiver
    (found by the item's claim: claimed_by is HOST:PID:RANDOM). Returns (event id, the request,
    the claim's end, the kill time) or None."""
    request = wait_for("a held delivery", lambda: held_delivery(run, stored), 30, 0.02)
    if not request:
        run.checks.check(False, f"{what}: a delivery held by the slow receiver", "none arrived")
        return None
    uid = request["headers"]["x-zonewatch-id"]
    claim = outbox_claim(run.pg, uid)
    pid = int(claim[0].split(":")[-2]) if claim and claim[0].count(":") >= 2 else None
    slot = next((n for n, w in enumerate(run.workers) if w.proc.pid == pid), None)
    if slot is None:
        run.checks.check(False, f"{what}: the worker delivering {uid} found", f"claim {claim}")
        return None
    wid, killed_at, stranded = run.kill(slot, "delivery")
    into = killed_at - request["arrived"]
    print(f"   delivery kill: worker {slot + 1} {wid} killed {into:.2f} s into its held request "
          f"for {stored[uid]['event']} (claim ends in {claim[1] - killed_at:.1f} s); stranded "
          f"{sorted(stranded) or 'nothing'}", flush=True)
    run.checks.check(into < HOLD, f"{what}: a worker killed while its webhook request was in "
                     f"flight ({into:.2f} s into the receiver's {HOLD} s hold)")
    return uid, request, claim[1], killed_at


def check_redelivery(run, what, stored, interrupted):
    """The interrupted delivery is sent again once its claim expired, by another worker, with the
    same id and body (but sent_at, and so its timestamp and signature); the rest once."""
    uid, first, claim_until, killed_at = interrupted

    def repeats():
        return [r for r in run.receiver.snapshot()
                if r["headers"].get("x-zonewatch-id") == uid and r["arrived"] > killed_at]
    limit = DELIVERY_CLAIM + len(stored) * HOLD + 2 * SLACK
    wait_for("the redelivery", lambda: repeats() and
             all(delivered(run.receiver)[i] > 0 for i in stored), limit, 0.2)
    again = repeats()
    if not again:
        run.checks.check(False, f"{what}: the interrupted delivery sent again",
                         f"nothing within {limit} s")
        return
    repeat = again[0]
    body = {k: v for k, v in json.loads(first["body"]).items() if k != "sent_at"}
    body_again = {k: v for k, v in json.loads(repeat["body"]).items() if k != "sent_at"}
    after = repeat["arrived"] - claim_until
    run.checks.check(len(again) == 1 and body == body_again and 200 <= repeat["status"] < 300
                     and after >= 0,
                     f"{what}: the interrupted delivery of {stored[uid]['event']} sent again "
                     f"{after:.1f} s after its claim expired ({DELIVERY_CLAIM} s), same "
                     "X-Zonewatch-Id and body (but sent_at), accepted",
                     f"{len(again)} repeats, same body {body == body_again}, status "
                     f"{repeat['status']}")
    run.again.add(uid)


def change_phase(run, scenario, required, optional, kill_pending=False, slow=False):
    """Mutates (or restores, scenario None) CHILD and waits until `required` are stored. With
    kill_pending, the worker that saw the change once is killed before it is confirmed; with
    slow, the receiver holds its answers and the worker delivering the new events is killed
    while one of its requests is held."""
    what = scenario or "restore"
    print(f"== {CHILD} {what}" + (" (a kill while the change is pending)" if kill_pending else "")
          + (" (a slow receiver, a kill mid-delivery)" if slow else ""), flush=True)
    started = time.monotonic()
    run.receiver.hold = HOLD if slow else 0.0
    if scenario:
        run.lab.mutate(CHILD, scenario)
    else:
        run.lab.restore(CHILD)
    pending = kill_while_pending(run) if kill_pending else None

    def fresh():
        return [e for e in run.history(CHILD) if e["id"] not in run.seen]

    # Two observations each at most an interval apart, then the commit: well within 2.5 intervals.
    got = wait_for(what, lambda: required <= {e["event"] for e in fresh()},
                   2.5 * INTERVAL + SLACK, 0.5 if slow else 2.0)
    print(f"   {what}: events after {time.monotonic() - started:.0f} s", flush=True)
    interrupted = None
    if slow and got:
        interrupted = kill_mid_delivery(run, what, {e["id"]: e for e in fresh()})
    # A duplicate from another worker would be stored in the same round or the next claim: give
    # the confirming round's stragglers a moment before counting.
    time.sleep(3)
    events = fresh()
    run.checks.check(bool(got), f"{what}: {' + '.join(sorted(required))} stored within "
                     f"{2.5 * INTERVAL + SLACK:.0f} s", describe(events))
    exactly_once(run.checks, events, required, optional, what)
    if kill_pending:
        check_confirmed_after_kill(run, what, pending, events)
    others = {d: describe(ev) for d in CHILDREN if d != CHILD
              for ev in [[e for e in run.history(d) if e["id"] not in run.seen
                          and e["event"] not in REACHABILITY]] if ev}
    run.checks.check(not others, f"{what}: no event for the other children", str(others))
    run.seen.update(e["id"] for e in events)
    if interrupted:
        check_redelivery(run, what, {e["id"]: e for e in events}, interrupted)
    run.receiver.hold = 0.0
    check_webhooks(run.checks, run.receiver, run.all_events(), what, run.again)
    # The receiver's 2xx and the worker's "delivered" are two steps: a kill of the next phase
    # between them is a delivery interrupted at the receiver, sent again (at least once, keyed
    # by X-Zonewatch-Id). The next phase starts when no item is still pending.
    settled = wait_for("the outbox settled", lambda: outbox_pending(run.pg) == 0, 30, 0.5)
    run.checks.check(settled, f"{what}: every outbox item marked delivered",
                     f"{outbox_pending(run.pg)} pending")


def gaps(series, since, until):
    """The longest time without an observation between `since` and `until` (unix seconds)."""
    earlier = [t for t in series if t < since]
    points = [t for t in series if since <= t <= until]
    edges = [earlier[-1] if earlier else since] + points + [until]
    return max(b - a for a, b in zip(edges, edges[1:]))


def kill_phase(run):
    print(f"== a worker killed with SIGKILL {KILLS} times while it holds a claim", flush=True)
    started = int(time.time())
    stranded_total = {}
    landed = 0  # kills that found the worker holding a claim
    for number in range(1, KILLS + 1):
        # The worker that holds a claim first. Not always the same one: the workers poll the
        # queue once a second each, and the one whose poll falls earliest after the second a
        # domain is due claims it, so a fixed victim may hold nothing for many rounds.
        live = {w.worker_id(): n for n, w in enumerate(run.workers)}

        def claims():
            now = time.time()
            held = {}
            for d, (c, lease, _, _) in run.pg.work().items():
                if c in live and lease > now:
                    held.setdefault(c, []).append(d)
            return held
        held = wait_for("a claim", claims, INTERVAL + SLACK, 0.005)
        slot = live[next(iter(held))] if held else 0
        held = held.get(run.workers[slot].worker_id(), [])
        wid, killed_at, stranded = run.kill(slot, f"k{number}")
        landed += bool(stranded)
        for domain, lease_until in stranded.items():
            stranded_total[domain] = (killed_at, lease_until)
        print(f"   kill {number}: worker {slot + 1} {wid} held {held or 'nothing'}; "
              f"stranded {sorted(stranded) or 'nothing'}", flush=True)
        time.sleep(1.0)  # the restarted worker claims something before the next kill
    last_kill = time.time()
    run.checks.check(bool(stranded_total),
                     f"kills: {landed} of {KILLS} kills in the middle of an observation, "
                     f"{len(stranded_total)} domains left claimed by a killed worker",
                     "every kill missed the claims")
    check_takeover(run, started, last_kill, stranded_total)


def check_takeover(run, started, last_kill, stranded_total):
    # Every domain observed after the last kill, within interval + lease of its previous
    # observation; the stranded ones by another worker once the lease expired. A domain the next
    # kill strands again, just after a new worker took it over, waits for that lease too: each
    # kill that leaves it claimed adds one lease, never more (the kills of the earlier phases
    # count too: a domain they stranded may still be waiting when this phase starts).
    sampler = run.sampler
    deadline_each = INTERVAL + LEASE + SLACK
    done = wait_for("takeover", lambda: all(v > last_kill for v in sampler.latest().values())
                    and len(sampler.latest()) == len(CHILDREN), deadline_each, 1.0)
    now = int(time.time())
    series = sampler.series()
    longest = {d: gaps(series.get(d, []), started, now) for d in CHILDREN}
    allowed = {d: INTERVAL + (LEASE + SLACK) * max(1, run.strandings.get(d, 0))
               for d in CHILDREN}
    late = {d: g for d, g in longest.items() if g > allowed[d]}
    again = {d: n for d, n in run.strandings.items() if n > 1}
    run.checks.check(bool(done) and not late,
                     f"kills: every domain observed after the last kill, none waited longer than "
                     f"interval + lease ({INTERVAL} + {LEASE} s) per kill that stranded it "
                     f"(longest gap {max(longest.values())} s; stranded more than once: "
                     f"{again or 'none'})", f"late {late}, observed after: {bool(done)}")
    # A stranded claim holds until its lease expires (nobody observes the domain meanwhile), and
    # then another worker takes the domain at its next claim poll.
    taken = {}
    for domain, (killed_at, lease_until) in stranded_total.items():
        after = [t for t in series.get(domain, []) if t > killed_at]
        taken[domain] = (after[0] - lease_until) if after else None
    run.checks.check(bool(taken) and
                     all(v is not None and -1 <= v <= SLACK for v in taken.values()),
                     "kills: each stranded domain observed again only once its lease expired, "
                     f"within {SLACK} s of it (seconds after the lease): {taken}")
    live = [w for w in run.workers if w.alive()]
    run.checks.check(len(live) == WORKERS, f"kills: {len(live)} workers running")


def restart_phase(run):
    print("== PostgreSQL restarted under the workers (pg_ctl restart -m fast)", flush=True)
    before = time.time()
    run.pg.restart()
    restarted = time.time()
    print(f"   restarted in {restarted - before:.1f} s", flush=True)
    limit = INTERVAL + LEASE + SLACK
    done = wait_for("observations after the restart",
                    lambda: all(run.sampler.latest().get(d, 0) > restarted for d in CHILDREN),
                    limit, 1.0)
    latest = run.sampler.latest()
    run.checks.check(bool(done), f"restart: every domain observed again after the restart within "
                     f"{limit} s ({max(latest.values()) - int(restarted)} s)",
                     str({d: latest.get(d, 0) - int(restarted) for d in CHILDREN}))
    live = [w for w in run.workers if w.alive()]
    run.checks.check(len(live) == WORKERS, f"restart: all {len(live)} workers kept running")
    return done


def write_config(work, lab_dir, pg, receiver):
    password = os.path.join(work, "db.password")
    with open(password, "w", encoding="utf-8") as handle:
        handle.write(pg.password + "\n")
    config = os.path.join(work, "zonewatch.yaml")
    lines = [
        f"database: {pg.uri()}",
        "database_password_file: db.password",
        f"delivery_claim: {DELIVERY_CLAIM}s",
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
        f"    secret: {SECRET.decode()}\n    format: generic\n    timeout: {WEBHOOK_TIMEOUT}s\n"
        "    retry_initial: 1s\n    retry_max: 2s",
        "domains:",
    ] + [f"  - {d}" for d in CHILDREN]
    with open(config, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return config


def baseline_phase(run):
    print(f"== {WORKERS} workers", flush=True)
    run.workers.extend(Worker(run.zonewatch, run.config, run.logs.format(f"{n}-1"))
                       for n in range(1, WORKERS + 1))
    ids = [w.worker_id() for w in run.workers]
    run.checks.check(len(set(ids)) == WORKERS, f"{WORKERS} workers with distinct ids: {ids}")
    run.sampler = Sampler(run.pg)
    run.sampler.thread.start()

    def baselined():
        rows = {r["domain"]: r for r in map(json.loads, cli(
            run.zonewatch, run.config, "status", "--json").splitlines())}
        work_rows = run.pg.work()
        return all(rows.get(d) and rows[d]["last_seen"] not in ("-", "", None) and
                   work_rows.get(d, (0, 0, 0, 0))[3] > 0 for d in CHILDREN)
    ok = wait_for("baseline", baselined, 30, 0.5)
    run.checks.check(bool(ok), "baseline: every domain observed within 30 s")
    events = run.all_events()
    run.checks.check(not events, "baseline: no event", describe(events.values()))
    by = observers(run.pg)
    run.checks.check(sum(by.values()) == len(CHILDREN),
                     f"baseline: {len(CHILDREN)} domains observed, last by {dict(by)}")
    run.seen.update(events)


def final_checks(run, before_kills):
    checks = run.checks
    rows = {r["domain"]: r for r in map(json.loads, cli(
        run.zonewatch, run.config, "status", "--json").splitlines())}
    newest = {d: unix(rows[d]["last_seen"]) for d in CHILDREN}
    latest = run.sampler.latest()
    checks.check(all(newest[d] >= latest[d] - 1 for d in CHILDREN),
                 "status: each domain's last_seen is its latest completion in the work queue",
                 str({d: (newest[d], latest[d]) for d in CHILDREN}))
    checks.check(len(run.sampler.workers) >= 2,
                 f"the domains were shared: {len(run.sampler.workers)} workers completed "
                 "observations")
    ids = [i for d in CHILDREN for i in (e["id"] for e in run.history(d))]
    checks.check(len(ids) == len(set(ids)), f"all {len(ids)} event ids are unique")
    checks.check(len(run.all_events()) == len(before_kills),
                 f"{len(before_kills)} events stored in all, {len(run.again)} of them delivered "
                 "twice because a kill interrupted their delivery")


def phases(run):
    baseline_phase(run)
    change_phase(run, "move-ns", HIJACK, set(), kill_pending=True)
    change_phase(run, None, RESTORED, RESTORED_OPTIONAL, slow=True)
    before_kills = run.all_events()

    kill_phase(run)
    after_kills = run.all_events()
    run.checks.check(after_kills.keys() == before_kills.keys(), "kills: no event lost or added",
                     describe(e for i, e in after_kills.items() if i not in before_kills))
    check_webhooks(run.checks, run.receiver, after_kills, "kills", run.again, wait=5)

    restart_phase(run)
    after_restart = run.all_events()
    run.checks.check(after_restart.keys() == before_kills.keys(),
                     "restart: no event lost or added",
                     describe(e for i, e in after_restart.items() if i not in before_kills))
    check_webhooks(run.checks, run.receiver, after_restart, "restart", run.again, wait=5)
    final_checks(run, before_kills)


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
    # Threaded: while it holds answers, several workers' requests must not queue behind each
    # other (a queued request could time out at its sender after the receiver took it).
    receiver = Receiver({"/hook": SECRET}, threaded=True)
    run = Run(checks, zonewatch, None, lab, pg, receiver, os.path.join(work, "worker-{}.log"))
    try:
        for child in CHILDREN:
            if lab.state(child)["scenario"] != "original":
                print(f"note: {child} was left mutated; restoring it")
                lab.restore(child)
        pg.start()
        print(f"PostgreSQL 15 on 127.0.0.1:{pg.port} ({pg.dir})", flush=True)
        receiver.start()
        run.config = write_config(work, lab_dir, pg, receiver)
        cli(zonewatch, run.config, "config", "check")
        phases(run)
    except Exception as err:  # noqa: BLE001 -- any failure is reported as a failed check
        checks.crashed(err)
    finally:
        for w in run.workers:
            code = w.stop()
            if code not in (0, -signal.SIGKILL):
                checks.check(False, f"worker {w.id} stopped on SIGTERM", f"exit {code}")
        if run.sampler is not None:
            run.sampler.stopping.set()
            run.sampler.thread.join(timeout=5)
        lab.restore_all(checks)
        receiver.hold = 0.0
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
