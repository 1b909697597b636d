#!/usr/bin/env python3
"""zonewatch test lab: a real signed DNS hierarchy on loopback, with mutations.

This script owns the lab's whole life cycle: it generates keys and zones, signs them with real
signers (ldns-signzone, dnssec-signzone and Knot DNS's own signing), writes the configurations of
real servers (NSD, Knot DNS, BIND named) and of the oracle resolver (Unbound), starts them on
fixed addresses in 127.53.0.0/16 port 53, records everything a test needs in DIR/lab.json, applies
and reverts mutations of single children by reloading the servers, and stops every process it
started by the PID it recorded.  All state lives in DIR.  See tests/lab/README.md for the contract.

Usage (normally through tests/lab/lab.sh):
  lab.py up DIR [--children N] [--jobs J]
  lab.py down DIR
  lab.py mutate DIR CHILD SCENARIO
  lab.py restore DIR CHILD
  lab.py status DIR
  lab.py flush DIR            (empties the oracle resolver's caches)
"""

import argparse
import base64
import concurrent.futures
import datetime
import errno
import fcntl
import json
import os
import random
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

# No __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labdns  # noqa: E402  (local module next to this script)

# --- Fixed addresses (the lab contract) -----------------------------------------------------------
ROOT_NSD = "127.53.0.1"
ROOT_KNOT = "127.53.0.2"
TLD_KNOT = "127.53.0.11"
TLD_NSD = "127.53.0.12"
CHILD_NSD = "127.53.1.1"
CHILD_KNOT = "127.53.1.2"
OTHER_BIND = "127.53.2.1"
ORACLE = "127.53.3.1"
SILENT = "127.53.9.9"
# Scenario "lossy": a forwarding proxy to the Knot child server that drops a share of the UDP
# answers (transient loss, as on a congested path); started on first use, stopped by `down`.
LOSSY = "127.53.6.1"
LOSSY_DROP = 0.3
LOSSY_SEED = 5353
PORT = 53
RNDC_PORT = 953

TLD = "lab."
ROOT_HOSTS = {"a.root-servers.lab.": ROOT_NSD, "b.root-servers.lab.": ROOT_KNOT}
TLD_HOSTS = {"ns1.nic.lab.": TLD_KNOT, "ns2.nic.lab.": TLD_NSD}
OTHER_HOSTS = {"ns1.other-operator.lab.": OTHER_BIND, "ns2.other-operator.lab.": OTHER_BIND}
# The "ns1" host of every child zone is the NSD instance, the "ns2" host the Knot instance, also
# for the children whose name servers live in the operator zones dns-alpha.lab / dns-beta.lab.
OPERATOR_ZONES = {
    "dns-alpha.lab.": {"signed": True, "algorithm": 15, "signer": "ldns-signzone", "denial": "nsec"},
    "dns-beta.lab.": {"signed": False},
}
OTHER_ZONE = "other-operator.lab."

ALG_KEYGEN = {8: ["-a", "RSASHA256", "-b", "2048"], 13: ["-a", "ECDSAP256SHA256"],
              15: ["-a", "ED25519"]}

# One period of the children pattern; child i uses slot (i - 1) % 12 + 1.  Without "ns" a child
# uses the in-bailiwick hosts ns1/ns2.childNN.lab with glue in the TLD.
PATTERN = [
    dict(algorithm=13, denial="nsec3", salt="-", iterations=0, style="ksk-zsk",
         signer="ldns-signzone"),
    dict(algorithm=8, denial="nsec", style="ksk-zsk", signer="dnssec-signzone"),
    dict(algorithm=15, denial="nsec", style="csk", signer="ldns-signzone"),
    dict(algorithm=13, denial="nsec", style="csk", signer="knot", fallback="dnssec-signzone"),
    dict(algorithm=8, denial="nsec3", salt="aabbccdd", iterations=5, style="ksk-zsk",
         signer="dnssec-signzone"),
    dict(algorithm=13, denial="nsec", style="csk", signer="dnssec-signzone",
         ns=["ns1.dns-alpha.lab.", "ns2.dns-beta.lab."]),
    dict(algorithm=None),
    dict(algorithm=15, denial="nsec3", salt="-", iterations=0, style="ksk-zsk",
         signer="dnssec-signzone"),
    dict(algorithm=15, denial="nsec3", salt="-", iterations=0, style="ksk-zsk", signer="knot",
         fallback="ldns-signzone"),
    dict(algorithm=8, denial="nsec", style="csk", signer="ldns-signzone"),
    dict(algorithm=13, denial="nsec3", salt="-", iterations=0, style="ksk-zsk",
         signer="ldns-signzone", ns=["ns1.dns-beta.lab.", "ns2.dns-alpha.lab."]),
    dict(algorithm=None, ns=["ns1.dns-alpha.lab.", "ns2.dns-beta.lab."]),
]
NS_HOST_ADDRESS = {"ns1": CHILD_NSD, "ns2": CHILD_KNOT}
# Children up to this index get their own keys and (slots 4 and 9) Knot's own signing; later
# children reuse the key material of their slot's first child under their own owner name, because
# generating 15,000 keys one process each would dominate a 10,000-child start.
UNIQUE_CHILDREN = 24

VALIDITY = datetime.timedelta(days=30)
BACKDATE = datetime.timedelta(hours=1)

SCENARIOS = {
    # name: (needs a signed child, verdict a validator should reach; None: the child's own)
    "move-ns": (False, "secure"),
    "move-ns-unsigned": (False, "insecure"),
    "remove-ds": (True, "insecure"),
    "ds-mismatch": (False, "bogus"),
    "resign-newkey": (True, "bogus"),
    "strip-sigs": (True, "bogus"),
    "expire-sigs": (True, "bogus"),
    "change-glue": (False, None),
    "lossy": (False, None),
    "diverge": (False, None),
    "cds-delete": (True, "secure"),
    "cds-publish": (True, "secure"),
    "ksk-roll-1": (True, "secure"),
    "ksk-roll-2": (True, "secure"),
    "ksk-roll-3": (True, "secure"),
}
ROLL_PREVIOUS = {"ksk-roll-1": "original", "ksk-roll-2": "ksk-roll-1", "ksk-roll-3": "ksk-roll-2"}

TOOLS = ["ip", "nsd", "nsd-control", "knotd", "knotc", "keymgr", "named", "rndc", "unbound",
         "unbound-control", "dnssec-keygen", "dnssec-signzone", "ldns-signzone"]


class LabError(Exception):
    pass


def log(msg):
    print(f"lab: {msg}", flush=True)


def fname(zone):
    return "root" if zone == "." else zone.rstrip(".")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def stamp(moment):
    return moment.strftime("%Y%m%d%H%M%S")


def run(cmd, *, cwd=None, input_text=None, check=True):
    proc = subprocess.run(cmd, cwd=cwd, input=input_text, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise LabError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
                       f"{proc.stdout.strip()}\n{proc.stderr.strip()}")
    return proc


def write_file(path, text):
    """Atomic replace: a server reloading concurrently never sees half a file."""
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def publish(src, dst):
    """Points dst at src's content by a hard link, replacing dst atomically."""
    tmp = f"{dst}.tmp.{os.getpid()}"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.link(src, tmp)
    os.replace(tmp, dst)


def parallel(jobs, func, items):
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(func, items))


# --- Keys -------------------------------------------------------------------------------------------
class Key:
    """A BIND-format key pair on disk (K<owner>+<alg>+<tag>.{key,private})."""

    def __init__(self, base):
        self.base = base
        owner, self.flags, proto, self.algorithm, b64 = labdns.parse_key_file(base + ".key")
        self.owner = owner if owner.endswith(".") else owner + "."
        self.key_b64 = b64
        self.rdata = labdns.dnskey_rdata(self.flags, proto, self.algorithm, b64)
        self.tag = labdns.key_tag(self.rdata)

    def dnskey_line(self):
        return f"{self.owner} 300 IN DNSKEY {self.flags} 3 {self.algorithm} {self.key_b64}"

    def ds(self, digest_type=2):
        return f"{self.tag} {self.algorithm} {digest_type} " \
               f"{labdns.ds_digest(self.owner, self.rdata, digest_type)}"

    def describe(self):
        return {"tag": self.tag, "flags": self.flags, "algorithm": self.algorithm}


def generate_key(directory, zone, algorithm, sep):
    os.makedirs(directory, exist_ok=True)
    cmd = ["dnssec-keygen", "-q", "-K", directory, *ALG_KEYGEN[algorithm], "-n", "ZONE"]
    if sep:
        cmd += ["-f", "KSK"]
    base = run(cmd + [zone]).stdout.strip().splitlines()[-1]
    return Key(os.path.join(directory, base))


def clone_key(key, directory, zone):
    """Same key material under another owner name; the key tag does not depend on the owner."""
    os.makedirs(directory, exist_ok=True)
    base = os.path.join(directory, f"K{zone}+{key.algorithm:03d}+{key.tag:05d}")
    write_file(base + ".key", f"{zone} IN DNSKEY {key.flags} 3 {key.algorithm} {key.key_b64}\n")
    shutil.copyfile(key.base + ".private", base + ".private")
    return Key(base)


# --- Signing ----------------------------------------------------------------------------------------
class KeySet:
    """The keys a zone is signed with, with their roles (ksk, zsk or csk)."""

    def __init__(self, entries):
        self.entries = [(Key(base) if isinstance(base, str) else base, role)
                        for base, role in entries]

    def keys(self, *roles):
        return [k for k, r in self.entries if not roles or r in roles]

    def sep_keys(self):
        return self.keys("ksk", "csk")

    def to_json(self):
        return [[k.base, r] for k, r in self.entries]

    @staticmethod
    def from_json(data):
        return KeySet([(base, role) for base, role in data])


def sign_zone(origin, text, keyset, signer, denial, out_path, work_dir, *, salt="-",
              iterations=0, opt_out=False, inception=None, expiration=None, threads=1,
              verify=True):
    """Signs a zone text (DNSKEYs are appended here) with a real offline signer into out_path."""
    os.makedirs(work_dir, exist_ok=True)
    now = utc_now()
    inception = inception or now - BACKDATE
    expiration = expiration or now + VALIDITY
    src = os.path.join(work_dir, fname(origin) + ".unsigned")
    dnskeys = "\n".join(k.dnskey_line() for k in keyset.keys())
    write_file(src, text + dnskeys + "\n")
    tmp_out = out_path + ".signing"
    if signer == "ldns-signzone":
        cmd = ["ldns-signzone", "-i", str(int(inception.timestamp())), "-e",
               str(int(expiration.timestamp())), "-f", tmp_out, "-o", origin]
        if denial == "nsec3":
            cmd += ["-n", "-t", str(iterations)]
            if salt != "-":
                cmd += ["-s", salt]
            if opt_out:
                cmd += ["-p"]
        # ldns-signzone lets SEP keys sign only the DNSKEY RRset when a non-SEP key of the
        # algorithm is present, and everything otherwise (CSK), which is what each style needs.
        cmd += [src] + [k.base for k in keyset.keys()]
    elif signer == "dnssec-signzone":
        cmd = ["dnssec-signzone", "-q", "-n", str(threads), "-o", origin, "-f", tmp_out,
               "-d", work_dir, "-s", stamp(inception), "-e", stamp(expiration)]
        if not verify:
            cmd += ["-P"]
        if denial == "nsec3":
            cmd += ["-3", salt, "-H", str(iterations)]
            if opt_out:
                cmd += ["-A"]
        if keyset.keys("csk"):
            # -z: the KSK flag does not restrict what a key signs (CSK, RFC 6781 §3.1.2).
            cmd += ["-z", src] + [k.base for k in keyset.keys()]
        else:
            for key in keyset.keys("ksk"):
                cmd += ["-k", key.base]
            cmd += [src] + [k.base for k in keyset.keys("zsk")]
    else:
        raise LabError(f"no offline signer {signer!r}")
    run(cmd, cwd=work_dir)
    os.replace(tmp_out, out_path)


# --- Zone contents ----------------------------------------------------------------------------------
def child_text(child, serial, *, ns=None, extra_ns=None, cds=None, cdnskey=None):
    name = child["name"]
    index = child["index"]
    ns = ns or child["ns"]
    lines = [f"$ORIGIN {name}", "$TTL 300",
             f"@ IN SOA {ns[0]} hostmaster.{name} {serial} 3600 900 1209600 60"]
    lines += [f"@ IN NS {host}" for host in ns]
    for host in ns:
        if host.endswith("." + name):
            lines.append(f"{host} IN A {NS_HOST_ADDRESS[host.split('.')[0]]}")
    if extra_ns:
        host, address = extra_ns
        lines += [f"@ IN NS {host}", f"{host} IN A {address}"]
    lines += [
        f'@ IN TXT "zonewatch lab child {index}"',
        "@ IN MX 10 mail",
        f"www IN A 192.0.2.{(index - 1) % 254 + 1}",
        # Two groups: one would overflow past child 65535 (the 100,000-child benchmark lab).
        f"www IN AAAA 2001:db8::{index >> 16:x}:{index & 0xffff:x}",
        f"mail IN A 192.0.2.{(index + 99) % 254 + 1}",
        f'txt IN TXT "child {index} of the zonewatch lab" "second string"',
    ]
    if child.get("big"):
        # Over 1232 octets in total so a UDP answer with the default EDNS size is truncated.
        for part in range(8):
            filler = f"big-{part}-" + "x" * 240
            lines.append(f'big IN TXT "{filler[:250]}"')
    for rdata in cds or []:
        lines.append(f"@ IN CDS {rdata}")
    for rdata in cdnskey or []:
        lines.append(f"@ IN CDNSKEY {rdata}")
    return "\n".join(lines) + "\n"


def operator_text(zone, serial, hosts):
    lines = [f"$ORIGIN {zone}", "$TTL 300",
             f"@ IN SOA {next(iter(hosts))} hostmaster.{zone} {serial} 3600 900 1209600 60"]
    lines += [f"@ IN NS {host}" for host in hosts]
    lines += [f"{host} IN A {addr}" for host, addr in hosts.items()]
    lines.append(f'@ IN TXT "zonewatch lab operator zone {zone}"')
    return "\n".join(lines) + "\n"


def delegation_lines(zone, deleg):
    lines = [f"{zone} IN NS {host}" for host in deleg["ns"]]
    lines += [f"{host} IN A {addr}" for host, addr in sorted(deleg.get("glue", {}).items())]
    lines += [f"{zone} IN DS {ds}" for ds in deleg.get("ds", [])]
    return lines


# --- The lab ----------------------------------------------------------------------------------------
class Lab:
    def __init__(self, directory, jobs=None):
        self.dir = os.path.abspath(directory)
        self.jobs = jobs or os.cpu_count() or 2
        self._meta = None
        self.exit_status = {}

    def p(self, *parts):
        return os.path.join(self.dir, *parts)

    # -- metadata
    @property
    def meta(self):
        if self._meta is None:
            path = self.p("lab.json")
            if not os.path.exists(path):
                raise LabError(f"{path} does not exist: is the lab up?")
            with open(path, encoding="utf-8") as handle:
                self._meta = json.load(handle)
        return self._meta

    def save_meta(self):
        write_file(self.p("lab.json"), json.dumps(self.meta, indent=1) + "\n")

    def child(self, name):
        name = name if name.endswith(".") else name + "."
        if not name.endswith("." + TLD):
            name = name[:-1] + "." + TLD
        for child in self.meta["children"]:
            if child["name"] == name:
                return child
        raise LabError(f"no child {name} in this lab")

    def internal(self):
        with open(self.p("state", "internal.json"), encoding="utf-8") as handle:
            return json.load(handle)

    def state_path(self, name):
        return self.p("state", fname(name) + ".json")

    def load_state(self, name):
        with open(self.state_path(name), encoding="utf-8") as handle:
            return json.load(handle)

    def save_state(self, state):
        write_file(self.state_path(state["name"]), json.dumps(state, indent=1) + "\n")

    # -- locking: one lab command at a time per DIR
    def lock(self):
        os.makedirs(self.dir, exist_ok=True)
        handle = open(self.p(".lock"), "w", encoding="utf-8")
        fcntl.flock(handle, fcntl.LOCK_EX)
        return handle

    # -- processes
    def pid_files(self):
        run_dir = self.p("run")
        if not os.path.isdir(run_dir):
            return []
        return sorted(os.path.join(run_dir, f) for f in os.listdir(run_dir) if f.endswith(".pid")
                      and not f.endswith(".own.pid"))

    def _ours(self, pid):
        """True when pid is alive and is one of this lab's processes (its command line names a
        file in DIR), so a recycled PID is never signalled."""
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return False
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read().decode("utf-8", "replace")
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return False
        return self.dir + "/" in cmdline

    def start(self, sid, argv):
        os.makedirs(self.p("run"), exist_ok=True)
        os.makedirs(self.p("log"), exist_ok=True)
        out = open(self.p("log", f"{sid}.stdout"), "ab")
        # A new session and no inherited descriptors: the daemon outlives this script and never
        # holds the caller's pipes (ctest waits for those to close).
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True, close_fds=True, cwd=self.dir)
        out.close()
        write_file(self.p("run", f"{sid}.pid"), f"{proc.pid}\n")
        return proc

    def stop_all(self):
        pids = {}
        for path in self.pid_files():
            try:
                with open(path, encoding="ascii") as handle:
                    pid = int(handle.read().strip())
            except (OSError, ValueError):
                os.unlink(path)
                continue
            if self._ours(pid):
                pids[path] = pid
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            else:
                os.unlink(path)
        deadline = time.monotonic() + 15
        while pids and time.monotonic() < deadline:
            for path, pid in list(pids.items()):
                self._reap(pid)
                if not self._ours(pid):
                    os.unlink(path)
                    del pids[path]
            time.sleep(0.05)
        for path, pid in pids.items():
            log(f"{os.path.basename(path)[:-4]} (pid {pid}) ignored SIGTERM, sending SIGKILL")
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap(pid)
            os.unlink(path)
        self.remove_lo_addresses()
        return True

    def add_lo_address(self, address):
        """named only listens on addresses it finds on an interface (unlike NSD, Knot and Unbound,
        which bind any 127/8 address), so its address is put on lo for the lab's lifetime."""
        shown = run(["ip", "-4", "-o", "addr", "show", "dev", "lo"]).stdout
        if f" {address}/" in shown:
            return
        run(["ip", "addr", "add", f"{address}/32", "dev", "lo"])
        with open(self.p("run", "lo-addresses"), "a", encoding="ascii") as handle:
            handle.write(address + "\n")

    def remove_lo_addresses(self):
        path = self.p("run", "lo-addresses")
        if not os.path.exists(path):
            return
        with open(path, encoding="ascii") as handle:
            for address in handle.read().split():
                run(["ip", "addr", "del", f"{address}/32", "dev", "lo"], check=False)
        os.unlink(path)

    def _reap(self, pid):
        """Collects a process this script started (no zombie); remembers how it ended. True when
        pid is a child of this script that is still running."""
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return False  # not our child (started by an earlier lab.py), or already collected
        if done:
            self.exit_status[pid] = (f"exit status {os.WEXITSTATUS(status)}"
                                     if os.WIFEXITED(status) else
                                     f"signal {os.WTERMSIG(status)}")
            return False
        return True

    # -- server control
    def nsd_control(self, sid, *args, input_text=None):
        return run(["nsd-control", "-c", self.p("config", f"{sid}.conf"), *args],
                   input_text=input_text)

    def knotc(self, sid, *args):
        return run(["knotc", "-t", "60", "-s", self.p("run", f"{sid}.sock"), *args])

    def rndc(self, *args):
        return run(["rndc", "-c", self.p("config", "rndc.conf"), *args])

    def unbound_control(self, *args):
        return run(["unbound-control", "-c", self.p("config", "oracle-unbound.conf"), *args])

    def flush_oracle(self):
        # Everything is dropped so a verdict after a mutation never comes from cached data.
        # flush_zone "." removes every RRset, message (negative and bogus ones too) and key entry;
        # flush_infra forgets server state such as "BIND was lame for this zone".
        self.unbound_control("flush_zone", ".")
        self.unbound_control("flush_infra", "all")

    def check_alive(self):
        """Fails fast, with the end of its log, when a server the lab started has exited."""
        for path in self.pid_files():
            with open(path, encoding="ascii") as handle:
                pid = int(handle.read().strip())
            # A child of ours that waitpid() says is running is alive even when its command line
            # does not name the lab yet: between fork and exec it still shows this script's.
            # Judged by the command line alone, a server just started was taken for one that had
            # exited ("stopped (exited)", empty log) and left running on its address.
            if self._reap(pid):
                continue
            if not self._ours(pid):
                sid = os.path.basename(path)[:-4]
                tail = ""
                for name in (f"{sid}.log", f"{sid}.stdout"):
                    try:
                        with open(self.p("log", name), encoding="utf-8", errors="replace") as h:
                            tail += "".join(h.readlines()[-8:])
                    except FileNotFoundError:
                        pass
                how = self.exit_status.get(pid, "exited")
                raise LabError(f"{sid} (pid {pid}) stopped ({how}); end of its log:\n{tail}")

    # -- waiting for servers
    def wait_for(self, what, probe, timeout=60.0):
        deadline = time.monotonic() + timeout
        last = None
        while True:
            self.check_alive()
            try:
                result = probe()
                if result:
                    return result
            except (OSError, labdns.DnsError) as err:
                last = err
            if time.monotonic() > deadline:
                raise LabError(f"timed out waiting for {what}" + (f" ({last})" if last else ""))
            time.sleep(0.05)

    @staticmethod
    def serial_at(address, zone):
        msg = labdns.query(address, zone, "SOA", timeout=1.0)
        if msg.rcode != 0 or not msg.aa:
            return None
        return msg.soa_serial(zone)

    @staticmethod
    def serial_at_tcp(address, zone):
        msg = labdns.query(address, zone, "SOA", tcp=True, timeout=1.0)
        return msg.soa_serial(zone) if msg.rcode == 0 and msg.aa else None

    def wait_serial(self, address, zone, serial, *, timeout=60.0):
        def probe():
            got = self.serial_at(address, zone)
            return got if got == serial else None
        return self.wait_for(f"{zone} serial {serial} at {address}", probe, timeout)

    def wait_signed(self, address, zone, serial, timeout=60.0):
        def probe():
            msg = labdns.query(address, zone, "SOA", timeout=1.0, do=True)
            got = msg.soa_serial(zone)
            if msg.rcode == 0 and msg.aa and got is not None and got >= serial and \
                    msg.rrs("RRSIG"):
                return got
            return None
        return self.wait_for(f"signed {zone} (serial >= {serial}) at {address}", probe, timeout)


# --- up -------------------------------------------------------------------------------------------
def child_specs(count):
    children = []
    for index in range(1, count + 1):
        slot = (index - 1) % 12 + 1
        pat = PATTERN[slot - 1]
        name = f"child{index:02d}.{TLD}"
        ns = pat.get("ns") or [f"ns1.{name}", f"ns2.{name}"]
        glue = {h: NS_HOST_ADDRESS[h.split(".")[0]] for h in ns if h.endswith("." + name)}
        signed = pat["algorithm"] is not None
        signer = pat.get("signer")
        if signer == "knot" and index > UNIQUE_CHILDREN:
            signer = pat["fallback"]
        child = {"name": name, "index": index, "slot": slot, "signed": signed,
                 "algorithm": pat["algorithm"], "denial": pat.get("denial"), "opt_out": False,
                 "nsec3": ({"salt": pat["salt"], "iterations": pat["iterations"]}
                           if pat.get("denial") == "nsec3" else None),
                 "key_style": pat.get("style"), "signer": signer, "ns": ns, "glue": glue,
                 "servers": [CHILD_NSD, CHILD_KNOT]}
        if index == 1:
            child["big"] = True
        children.append(child)
    return children


def preflight(lab):
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        raise LabError(f"missing tools: {' '.join(missing)} (deploy/install-deps.sh test)")
    if os.geteuid() != 0:
        raise LabError("the lab binds port 53 and must run as root")
    longest = lab.p("run", "oracle-unbound.ctl")
    if len(longest) > 100:
        raise LabError(f"DIR path too long for unix control sockets: {lab.dir}")
    for address in (ROOT_NSD, ROOT_KNOT, TLD_KNOT, TLD_NSD, CHILD_NSD, CHILD_KNOT, OTHER_BIND,
                    ORACLE):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind((address, PORT))
            except OSError as err:
                if err.errno == errno.EADDRINUSE:
                    raise LabError(f"{address}:{PORT} is in use (another lab running? "
                                   f"lab.sh down ITS_DIR)") from err
                raise


def wipe_lab_dir(lab, marker, what="a lab directory"):
    """Empties lab.dir (its lock file kept) for a new `up`, but only a directory that `marker`
    shows a lab made: any other non-empty directory is refused. Shared with topolab.py."""
    if os.path.isdir(lab.dir) and set(os.listdir(lab.dir)) - {".lock"} and \
            not os.path.exists(marker):
        raise LabError(f"{lab.dir} exists and is not {what}; refusing to wipe it")
    if os.path.isdir(lab.dir):
        for entry in os.listdir(lab.dir):
            if entry == ".lock":
                continue
            path = os.path.join(lab.dir, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)


def prepare_dir(lab):
    marker = lab.p(".zonewatch-lab")
    wipe_lab_dir(lab, marker)
    for sub in ("config", "run", "log", "keys", "state", "work", "db", "zones/src/knot",
                "zones/signed", "zones/mut", "serve/root-nsd", "serve/root-knot", "serve/tld-knot",
                "serve/tld-nsd", "serve/child-nsd/xfr", "serve/child-knot", "serve/other-bind"):
        os.makedirs(lab.p(sub), exist_ok=True)
    write_file(marker, "zonewatch test lab directory (tests/lab/lab.sh); wiped by 'up'\n")


def make_keys(lab, children):
    """Generates (or clones) every original key; returns {zone: KeySet}."""
    jobs = []  # (zone, algorithm, sep, role)
    jobs += [(".", 13, True, "ksk"), (".", 13, False, "zsk")]
    jobs += [(TLD, 13, True, "ksk"), (TLD, 13, False, "zsk")]
    jobs += [(z, m["algorithm"], True, "csk") for z, m in OPERATOR_ZONES.items() if m["signed"]]
    jobs += [(OTHER_ZONE, 13, True, "csk")]
    for child in children:
        if not child["signed"] or child["index"] > UNIQUE_CHILDREN:
            continue
        if child["key_style"] == "csk":
            jobs.append((child["name"], child["algorithm"], True, "csk"))
        else:
            jobs += [(child["name"], child["algorithm"], True, "ksk"),
                     (child["name"], child["algorithm"], False, "zsk")]

    def gen(job):
        zone, alg, sep, role = job
        return zone, generate_key(lab.p("keys", fname(zone)), zone, alg, sep), role

    keysets = {}
    for zone, key, role in parallel(lab.jobs, gen, jobs):
        keysets.setdefault(zone, []).append((key, role))
    by_slot = {}
    for child in children:
        if child["signed"] and child["index"] <= UNIQUE_CHILDREN:
            by_slot.setdefault(child["slot"], keysets[child["name"]])
    for child in children:
        if child["signed"] and child["index"] > UNIQUE_CHILDREN:
            directory = lab.p("keys", fname(child["name"]))
            keysets[child["name"]] = [(clone_key(k, directory, child["name"]), role)
                                      for k, role in by_slot[child["slot"]]]
    return {zone: KeySet(entries) for zone, entries in keysets.items()}


def sign_child_original(lab, child, keyset, serial, out_path):
    text = child_text(child, serial)
    if not child["signed"]:
        write_file(out_path, text)
        return
    nsec3 = child["nsec3"] or {}
    signer = child["signer"] if child["signer"] != "knot" else "dnssec-signzone"
    # dnssec-signzone's own re-verification costs a fifth of its time; the representative first
    # children keep it, the clones beyond them (same keys, same shape) skip it.
    sign_zone(child["name"], text, keyset, signer, child["denial"], out_path,
              lab.p("work", fname(child["name"])), salt=nsec3.get("salt", "-"),
              iterations=nsec3.get("iterations", 0), verify=child["index"] <= UNIQUE_CHILDREN)


def write_nsd_conf(lab, sid, address, zones, patterns=""):
    zone_lines = "".join(f"zone:\n  name: \"{z}\"\n  zonefile: \"{path}\"\n" for z, path in zones)
    text = f"""# {sid}: written by tests/lab/lab.py
server:
  ip-address: {address}
  port: {PORT}
  do-ip6: no
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: ""
  database: ""
  zonelistfile: "{lab.p('db', sid + '.zonelist')}"
  xfrdfile: "{lab.p('db', sid + '.xfrd.state')}"
  xfrdir: "{lab.p('db')}"
  pidfile: "{lab.p('run', sid + '.own.pid')}"
  logfile: "{lab.p('log', sid + '.log')}"
  verbosity: 1
  identity: "{sid}"
  nsid: "ascii_{sid}"
  hide-version: no
  # Response rate limiting off: tests send bursts from one address (RRL would drop or slip).
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
  tcp-count: 200
remote-control:
  control-enable: yes
  control-interface: "{lab.p('run', sid + '.ctl')}"
{patterns}{zone_lines}"""
    write_file(lab.p("config", f"{sid}.conf"), text)


def knot_zone_entry(lab, zone, mode, policy=None):
    if mode == "knot-signed":
        return (f"  - domain: {zone}\n    template: knot-signed\n    dnssec-policy: {policy}\n"
                f"    file: \"{lab.p('zones', 'src', 'knot', fname(zone) + '.zone')}\"\n")
    sid = "child-knot"
    return f"  - domain: {zone}\n    file: \"{lab.p('serve', sid, fname(zone) + '.zone')}\"\n"


def write_knot_conf(lab, sid, address, zone_entries, *, signing=False, secondary=CHILD_NSD,
                    via=CHILD_KNOT):
    """signing: Knot signs the zones of template knot-signed and notifies `secondary` (the NSD
    server that transfers them), sending from `via` (tests/lab/topolab.py passes its own)."""
    # Each instance needs its own rundir: knotd keeps a PID file there even in the foreground.
    os.makedirs(lab.p("run", sid), exist_ok=True)
    extra = ""
    if signing:
        extra = f"""remote:
  - id: child-nsd
    address: {secondary}@{PORT}
    via: {via}
policy:
  # manual: Knot signs with the keys the lab imported (so mutations can re-sign them offline)
  # and never rolls them by itself.
  - id: lab-nsec
    manual: on
    rrsig-lifetime: 30d
    rrsig-refresh: 7d
  - id: lab-nsec3
    manual: on
    nsec3: on
    nsec3-iterations: 0
    nsec3-salt-length: 0
    nsec3-opt-out: off
    rrsig-lifetime: 30d
    rrsig-refresh: 7d
"""
    signed_template = ""
    if signing:
        signed_template = """  - id: knot-signed
    dnssec-signing: on
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    serial-policy: increment
    notify: child-nsd
    acl: loopback-transfer
"""
    text = f"""# {sid}: written by tests/lab/lab.py (no rrl module: nothing is rate limited)
server:
  identity: {sid}
  nsid: {sid}
  rundir: "{lab.p('run', sid)}"
  listen: {address}@{PORT}
  udp-workers: 1
  tcp-workers: 1
  background-workers: 2
control:
  listen: "{lab.p('run', sid + '.sock')}"
database:
  storage: "{lab.p('db', sid)}"
log:
  - target: "{lab.p('log', sid + '.log')}"
    any: info
acl:
  - id: loopback-transfer
    address: 127.0.0.0/8
    action: transfer
{extra}template:
  - id: default
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    acl: loopback-transfer
{signed_template}zone:
{''.join(zone_entries)}"""
    write_file(lab.p("config", f"{sid}.conf"), text)


def write_bind_conf(lab, secret, *, sid="other-bind", address=OTHER_BIND):
    """named.conf for one BIND server (config/SID.conf, its zones in config/SID-zones.conf) and
    config/rndc.conf for its control channel on ADDRESS."""
    key = f'key "lab-rndc" {{ algorithm hmac-sha256; secret "{secret}"; }};\n'
    workdir = lab.p("db", sid)
    os.makedirs(workdir, exist_ok=True)
    text = f"""// {sid}: the "other operator" server, written by tests/lab/lab.py.
// No rate-limit clause: BIND's response rate limiting is off unless configured.
options {{
  directory "{workdir}";
  pid-file "{lab.p('run', sid + '.own.pid')}";
  session-keyfile "{lab.p('db', sid, 'session.key')}";
  managed-keys-directory "{workdir}";
  listen-on port {PORT} {{ {address}; }};
  listen-on-v6 {{ none; }};
  recursion no;
  dnssec-validation no;
  allow-query {{ any; }};
  allow-transfer {{ 127.0.0.0/8; }};
  notify no;
  transfer-source {address};
  query-source address {address};
  automatic-interface-scan no;
  server-id "{sid}";
  masterfile-format text;
}};
{key}controls {{ inet {address} port {RNDC_PORT} allow {{ 127.0.0.0/8; }} keys {{ "lab-rndc"; }}; }};
logging {{
  channel lab_log {{ file "{lab.p('log', sid + '.log')}"; severity info; print-time yes;
                     print-category yes; }};
  category default {{ lab_log; }};
  category lame-servers {{ null; }};
}};
include "{lab.p('config', sid + '-zones.conf')}";
"""
    write_file(lab.p("config", f"{sid}.conf"), text)
    write_file(lab.p("config", "rndc.conf"), key + f"""options {{
  default-key "lab-rndc";
  default-server {address};
  default-port {RNDC_PORT};
}};
""")


def bind_zones_text(lab, extra):
    """extra: {zone: {"type": "primary"} | {"type": "secondary"}} for mutated children."""
    zones = {OTHER_ZONE: {"type": "primary"}}
    zones.update(extra)
    out = []
    for zone, conf in sorted(zones.items()):
        if conf["type"] == "primary":
            path = lab.p("serve", "other-bind", fname(zone) + ".zone")
            out.append(f'zone "{zone}" {{ type primary; file "{path}"; }};')
        else:
            path = lab.p("serve", "other-bind", fname(zone) + ".xfr.zone")
            out.append(f'zone "{zone}" {{ type secondary; primaries {{ {CHILD_KNOT}; }}; '
                       f'file "{path}"; }};')
    return "\n".join(out) + "\n"


def write_unbound_conf(lab, address=ORACLE):
    text = f"""# oracle-unbound: the validating resolver the lab's tests ask for a verdict.
server:
  verbosity: 1
  interface: {address}
  port: {PORT}
  do-ip4: yes
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  # The lab's servers all live on loopback, which Unbound refuses to query by default.
  do-not-query-localhost: no
  outgoing-interface: {address}
  num-threads: 1
  so-reuseport: no
  username: ""
  chroot: ""
  directory: "{lab.p('run')}"
  pidfile: "{lab.p('run', 'oracle-unbound.own.pid')}"
  logfile: "{lab.p('log', 'oracle-unbound.log')}"
  use-syslog: no
  log-time-ascii: yes
  val-log-level: 2
  ede: yes
  root-hints: "{lab.p('root.hints')}"
  trust-anchor-file: "{lab.p('root.ds')}"
  module-config: "validator iterator"
  # A denial cached before a mutation must never answer for a name after it.
  aggressive-nsec: no
  infra-keep-probing: yes
  infra-host-ttl: 60
remote-control:
  control-enable: yes
  control-interface: "{lab.p('run', 'oracle-unbound.ctl')}"
"""
    write_file(lab.p("config", "oracle-unbound.conf"), text)


def build_tld(lab, serial, delegations, keyset):
    """Writes and signs lab. (RFC 5155 §6 opt-out: unsigned delegations get no NSEC3 of their own)."""
    internal = lab.internal()
    lines = [f"$ORIGIN {TLD}", "$TTL 300",
             f"@ IN SOA ns1.nic.lab. hostmaster.nic.lab. {serial} 1800 900 1209600 60",
             "@ IN NS ns1.nic.lab.", "@ IN NS ns2.nic.lab.", '@ IN TXT "zonewatch lab TLD"']
    lines += [f"{h} IN A {a}" for h, a in list(TLD_HOSTS.items()) + list(ROOT_HOSTS.items())]
    for zone, deleg in internal["operator_delegations"].items():
        lines += delegation_lines(zone, deleg)
    for zone, deleg in delegations:
        lines += delegation_lines(zone, deleg)
    out = lab.p("zones", "signed", "lab.zone")
    sign_zone(TLD, "\n".join(lines) + "\n", keyset, "dnssec-signzone", "nsec3", out,
              lab.p("work", "lab"), salt="-", iterations=0, opt_out=True, threads=lab.jobs)
    publish(out, lab.p("serve", "tld-knot", "lab.zone"))
    publish(out, lab.p("serve", "tld-nsd", "lab.zone"))
    if internal.get("shared_root"):
        publish(out, lab.p("serve", "root-knot", "lab.zone"))
        publish(out, lab.p("serve", "root-nsd", "lab.zone"))


def current_delegations(lab):
    overrides = {}
    path = lab.p("state", "delegations.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            overrides = json.load(handle)
    out = []
    for child in lab.meta["children"]:
        deleg = overrides.get(child["name"]) or original_delegation(child)
        out.append((child["name"], deleg))
    return out


def original_delegation(child):
    return {"ns": child["ns"], "glue": child["glue"], "ds": child["ds"]}


OP_HOSTS = {z: {f"ns1.{z}": CHILD_NSD, f"ns2.{z}": CHILD_KNOT} for z in OPERATOR_ZONES}


def build_operator_zones(lab, keysets):
    """The operator zones (name servers of some children) and the other operator's placeholder;
    returns their delegations for lab."""
    delegations = {}
    for zone, meta in OPERATOR_ZONES.items():
        text = operator_text(zone, 1, OP_HOSTS[zone])
        out = lab.p("zones", "signed", fname(zone) + ".zone")
        if meta["signed"]:
            sign_zone(zone, text, keysets[zone], meta["signer"], meta["denial"], out,
                      lab.p("work", fname(zone)))
        else:
            write_file(out, text)
        publish(out, lab.p("serve", "child-nsd", fname(zone) + ".zone"))
        publish(out, lab.p("serve", "child-knot", fname(zone) + ".zone"))
        delegations[zone] = {
            "ns": list(OP_HOSTS[zone]), "glue": OP_HOSTS[zone],
            "ds": [k.ds() for k in keysets[zone].sep_keys()] if meta["signed"] else []}
    out = lab.p("zones", "signed", fname(OTHER_ZONE) + ".zone")
    sign_zone(OTHER_ZONE, operator_text(OTHER_ZONE, 1, OTHER_HOSTS), keysets[OTHER_ZONE],
              "dnssec-signzone", "nsec3", out, lab.p("work", fname(OTHER_ZONE)))
    publish(out, lab.p("serve", "other-bind", fname(OTHER_ZONE) + ".zone"))
    delegations[OTHER_ZONE] = {"ns": list(OTHER_HOSTS), "glue": OTHER_HOSTS,
                               "ds": [k.ds() for k in keysets[OTHER_ZONE].sep_keys()]}
    return delegations


def sign_children(lab, children, keysets):
    """Offline signers run in parallel; a Knot-signed child only gets its unsigned source."""
    def sign_child(child):
        keyset = keysets.get(child["name"])
        child["ds"] = [k.ds() for k in keyset.sep_keys()] if keyset else []
        child["keys"] = [dict(k.describe(), role=r) for k, r in keyset.entries] if keyset else []
        child["scenario"] = "original"
        child["expected"] = "secure" if child["signed"] else "insecure"
        if child["signer"] == "knot":
            write_file(lab.p("zones", "src", "knot", fname(child["name"]) + ".zone"),
                       child_text(child, 1))
            return
        out = lab.p("zones", "signed", fname(child["name"]) + ".zone")
        sign_child_original(lab, child, keyset, 1, out)
        publish(out, lab.p("serve", "child-nsd", fname(child["name"]) + ".zone"))
        publish(out, lab.p("serve", "child-knot", fname(child["name"]) + ".zone"))

    parallel(lab.jobs, sign_child, children)


def build_root(lab, keysets):
    """Signs "." (ldns-signzone, NSEC) and writes the hints and trust anchor files."""
    tld_ds = [k.ds() for k in keysets[TLD].sep_keys()]
    lines = ["$ORIGIN .", "$TTL 3600",
             ". IN SOA a.root-servers.lab. hostmaster.root-servers.lab. 1 1800 900 604800 300"]
    lines += [f". IN NS {h}" for h in ROOT_HOSTS]
    lines += delegation_lines(TLD, {"ns": list(TLD_HOSTS), "ds": tld_ds})
    lines += [f"{h} IN A {a}" for h, a in list(TLD_HOSTS.items()) + list(ROOT_HOSTS.items())]
    out = lab.p("zones", "signed", "root.zone")
    sign_zone(".", "\n".join(lines) + "\n", keysets["."], "ldns-signzone", "nsec", out,
              lab.p("work", "root"))
    publish(out, lab.p("serve", "root-nsd", "root.zone"))
    publish(out, lab.p("serve", "root-knot", "root.zone"))

    ksk = keysets["."].keys("ksk")[0]
    write_file(lab.p("root.hints"), "".join(
        [f".\t3600000\tIN\tNS\t{h}\n" for h in ROOT_HOSTS] +
        [f"{h}\t3600000\tIN\tA\t{a}\n" for h, a in ROOT_HOSTS.items()]))
    write_file(lab.p("root.ds"), f". 3600 IN DS {ksk.ds()}\n")
    write_file(lab.p("root.dnskey"), f". 3600 IN DNSKEY 257 3 {ksk.algorithm} {ksk.key_b64}\n")
    tag, alg, dtype, digest = ksk.ds().split()
    # delv -a reads named.conf syntax; it trusts static-ds like any other anchor form.
    write_file(lab.p("delv.anchors"),
               f'trust-anchors {{\n  "." static-ds {tag} {alg} {dtype} "{digest}";\n}};\n')


def write_configs(lab, children, keysets):
    """Writes every server's configuration and imports the Knot-signed children's keys."""
    # --shared-root: the root's servers serve lab. too (as one server serves uk. and co.uk.), so
    # they answer a question about a child from lab. and the referral to lab. is never seen.
    shared = lab.internal().get("shared_root", False)
    root_zones = [(".", lab.p("serve", "root-nsd", "root.zone"))]
    if shared:
        root_zones.append((TLD, lab.p("serve", "root-nsd", "lab.zone")))
    write_nsd_conf(lab, "root-nsd", ROOT_NSD, root_zones)
    write_nsd_conf(lab, "tld-nsd", TLD_NSD, [(TLD, lab.p("serve", "tld-nsd", "lab.zone"))])
    root_entries = [f"  - domain: .\n    file: \"{lab.p('serve', 'root-knot', 'root.zone')}\"\n"]
    if shared:
        root_entries.append(
            f"  - domain: {TLD}\n    file: \"{lab.p('serve', 'root-knot', 'lab.zone')}\"\n")
    write_knot_conf(lab, "root-knot", ROOT_KNOT, root_entries)
    write_knot_conf(lab, "tld-knot", TLD_KNOT, [
        f"  - domain: {TLD}\n    file: \"{lab.p('serve', 'tld-knot', 'lab.zone')}\"\n"])
    zones = list(OPERATOR_ZONES) + [c["name"] for c in children]
    knot_signed = {c["name"] for c in children if c["signer"] == "knot"}
    # The Knot-signed children are not in nsd.conf: NSD only lets zones added with addzone be
    # switched between patterns (secondary of Knot <-> pre-signed file) at run time.
    nsd_patterns = f"""pattern:
  name: presigned
  zonefile: "{lab.p('serve', 'child-nsd', '%s.zone')}"
pattern:
  name: from-knot
  zonefile: "{lab.p('serve', 'child-nsd', 'xfr', '%s.zone')}"
  request-xfr: AXFR {CHILD_KNOT}@{PORT} NOKEY
  allow-notify: {CHILD_KNOT} NOKEY
  outgoing-interface: {CHILD_NSD}
"""
    write_nsd_conf(lab, "child-nsd", CHILD_NSD,
                   [(z, lab.p("serve", "child-nsd", fname(z) + ".zone"))
                    for z in zones if z not in knot_signed], nsd_patterns)
    entries = {z: knot_zone_entry(lab, z, "presigned") for z in zones}
    for child in children:
        if child["name"] in knot_signed:
            entries[child["name"]] = knot_zone_entry(lab, child["name"], "knot-signed",
                                                     knot_policy(child))
    write_file(lab.p("state", "knot-zones.json"), json.dumps(entries) + "\n")
    write_knot_conf(lab, "child-knot", CHILD_KNOT, list(entries.values()), signing=True)
    write_bind_conf(lab, base64.b64encode(os.urandom(32)).decode())
    write_file(lab.p("config", "other-bind-zones.conf"), bind_zones_text(lab, {}))
    write_file(lab.p("state", "bind-zones.json"), "{}\n")
    write_unbound_conf(lab)
    for sid in ("root-knot", "tld-knot", "child-knot"):
        os.makedirs(lab.p("db", sid), exist_ok=True)

    # Knot signs with keys the lab generated (imported into its KASP database), so that a
    # mutation can re-sign the same child offline with the same keys.
    conf = lab.p("config", "child-knot.conf")
    for name in sorted(knot_signed):
        for key, role in keysets[name].entries:
            run(["keymgr", "-c", conf, name, "import-bind", key.base + ".private"])
            if role == "csk":
                run(["keymgr", "-c", conf, name, "set", str(key.tag), "zsk=yes"])


def knot_policy(child):
    return "lab-nsec3" if child["denial"] == "nsec3" else "lab-nsec"


def start_servers(lab, children):
    knot_signed = [c["name"] for c in children if c["signer"] == "knot"]
    lab.start("child-knot", ["knotd", "-c", lab.p("config", "child-knot.conf")])
    for sid in ("root-nsd", "tld-nsd", "child-nsd"):
        lab.start(sid, ["nsd", "-d", "-c", lab.p("config", f"{sid}.conf")])
    for sid in ("root-knot", "tld-knot"):
        lab.start(sid, ["knotd", "-c", lab.p("config", f"{sid}.conf")])
    lab.add_lo_address(OTHER_BIND)
    lab.start("other-bind", ["named", "-f", "-4", "-n", "1", "-c",
                             lab.p("config", "other-bind.conf")])
    lab.start("oracle-unbound", ["unbound", "-d", "-c", lab.p("config", "oracle-unbound.conf")])

    lab.wait_serial(ROOT_NSD, ".", 1)
    lab.wait_serial(ROOT_KNOT, ".", 1)
    lab.wait_serial(TLD_KNOT, TLD, 1)
    lab.wait_serial(TLD_NSD, TLD, 1)
    if lab.internal().get("shared_root"):
        lab.wait_serial(ROOT_NSD, TLD, 1)
        lab.wait_serial(ROOT_KNOT, TLD, 1)
    lab.wait_for("other-bind control channel", lambda: run(
        ["rndc", "-c", lab.p("config", "rndc.conf"), "status"], check=False).returncode == 0)
    lab.wait_serial(OTHER_BIND, OTHER_ZONE, 1)
    # The child NSD pulls the Knot-signed zones once Knot serves them signed.
    for name in knot_signed:
        lab.wait_signed(CHILD_KNOT, name, 1)
    if knot_signed:
        lab.nsd_control("child-nsd", "addzones",
                        input_text="".join(f"{fname(n)} from-knot\n" for n in knot_signed))
    # Knot loads zones in the background in no particular order: every zone is checked on both
    # servers (a few seconds for 10,000 children), not just one.
    for name in list(OPERATOR_ZONES) + [c["name"] for c in children]:
        knot_serial = lab.wait_serial(CHILD_KNOT, name, 1, timeout=600)
        lab.wait_serial(CHILD_NSD, name, knot_serial, timeout=600)
    lab.wait_for("oracle unbound", lambda: labdns.query(ORACLE, ".", "SOA", rd=True,
                                                         timeout=1.0).rcode == 0)


def lab_meta(lab, now, children, elapsed):
    zones = list(OPERATOR_ZONES) + [c["name"] for c in children]
    shared = lab.internal().get("shared_root", False)
    root_zones = [".", TLD] if shared else ["."]

    def server(sid, software, address, served, hosts):
        return {"id": sid, "software": software, "address": address, "port": PORT,
                "zones": served, "hosts": hosts}

    return {
        "version": 1,
        "dir": lab.dir,
        "created": now.isoformat(),
        "root_hints": lab.p("root.hints"),
        "trust_anchor": lab.p("root.ds"),
        "trust_anchor_dnskey": lab.p("root.dnskey"),
        "delv_anchors": lab.p("delv.anchors"),
        "tld": TLD,
        "layout": "shared-root" if shared else "separate",
        "servers": [
            server("root-nsd", "nsd", ROOT_NSD, root_zones, ["a.root-servers.lab."]),
            server("root-knot", "knot", ROOT_KNOT, root_zones, ["b.root-servers.lab."]),
            server("tld-knot", "knot", TLD_KNOT, [TLD], ["ns1.nic.lab."]),
            server("tld-nsd", "nsd", TLD_NSD, [TLD], ["ns2.nic.lab."]),
            server("child-nsd", "nsd", CHILD_NSD, zones,
                   ["ns1.<child>", "ns1.dns-alpha.lab.", "ns1.dns-beta.lab."]),
            server("child-knot", "knot", CHILD_KNOT, zones,
                   ["ns2.<child>", "ns2.dns-alpha.lab.", "ns2.dns-beta.lab."]),
            server("other-bind", "bind", OTHER_BIND, [OTHER_ZONE], list(OTHER_HOSTS)),
        ],
        "oracle": {"id": "oracle-unbound", "software": "unbound", "address": ORACLE,
                   "port": PORT},
        "silent_address": SILENT,
        "large_answer": {"name": f"big.{children[0]['name']}", "type": "TXT"},
        "operator_zones": [
            {"name": z, "signed": m["signed"], "ns": list(OP_HOSTS[z]),
             "servers": [CHILD_NSD, CHILD_KNOT]} for z, m in OPERATOR_ZONES.items()] + [
            {"name": OTHER_ZONE, "signed": True, "ns": list(OTHER_HOSTS),
             "servers": [OTHER_BIND]}],
        "signatures": {"inception": (now - BACKDATE).isoformat(),
                       "expiration": (now + VALIDITY).isoformat()},
        "scenarios": sorted(SCENARIOS),
        "up_seconds": elapsed,
        "children": children,
    }


def cmd_up(lab, count, shared_root=False):
    started = time.monotonic()
    preflight(lab)
    prepare_dir(lab)
    now = utc_now()
    children = child_specs(count)
    log(f"up: {count} children in {lab.dir} ({lab.jobs} parallel jobs)")

    keysets = make_keys(lab, children)
    t_keys = time.monotonic()
    operator_delegations = build_operator_zones(lab, keysets)
    sign_children(lab, children, keysets)
    t_children = time.monotonic()
    internal = {"operator_delegations": operator_delegations,
                "keysets": {z: ks.to_json() for z, ks in keysets.items()
                            if z in (".", TLD) or z in OPERATOR_ZONES or z == OTHER_ZONE},
                "tld_serial": 1, "shared_root": shared_root}
    write_file(lab.p("state", "internal.json"), json.dumps(internal, indent=1) + "\n")
    build_tld(lab, 1, [(c["name"], original_delegation(c)) for c in children], keysets[TLD])
    t_tld = time.monotonic()
    build_root(lab, keysets)
    write_configs(lab, children, keysets)

    t_start = time.monotonic()
    start_servers(lab, children)
    t_ready = time.monotonic()

    for child in children:
        knot = child["signer"] == "knot"
        lab.save_state({"name": child["name"], "scenario": "original",
                        "expected": child["expected"], "serial": 1,
                        "modes": {"child-nsd": "from-knot" if knot else "presigned",
                                  "child-knot": "knot-signed" if knot else "presigned"},
                        "bind": None, "history": []})
    elapsed = round(time.monotonic() - started, 2)
    lab._meta = lab_meta(lab, now, children, elapsed)
    lab.save_meta()
    log(f"up: ready in {elapsed} s (keys {t_keys - started:.1f} s, zone signing "
        f"{t_children - t_keys:.1f} s, TLD {t_tld - t_children:.1f} s, servers ready "
        f"{t_ready - t_start:.1f} s); lab.json at {lab.p('lab.json')}")


def guarded_up(lab, build, say=None):
    """Runs build() (the work of `up`) under the lab's lock, after stopping what an earlier run
    left behind; stops everything it started when it fails. Shared with topolab.py."""
    say = say or log
    with lab.lock():
        lab.stop_all()
        try:
            build()
        except BaseException:
            say("up failed: stopping what was started")
            lab.stop_all()
            raise


def cmd_down(lab, say=None):
    """Stops every process the lab in lab.dir started (by PID). Shared with topolab.py."""
    say = say or log
    if not os.path.isdir(lab.dir):
        say(f"down: {lab.dir} does not exist, nothing to stop")
        return 0
    with lab.lock():
        count = len(lab.pid_files())
        lab.stop_all()
        say(f"down: stopped {count} processes")
    return 0


# --- mutations --------------------------------------------------------------------------------------
class Plan:
    """What one child should look like after a mutation or a restore."""

    def __init__(self):
        self.nsd = None        # ("presigned", path) | ("from-knot", None)
        self.knot = None       # ("presigned", path) | ("knot-signed", None)
        self.bind = None       # None | ("primary", path) | ("secondary", None)
        self.delegation = None
        self.serials = {}      # server id -> serial it must serve
        self.keys = None
        self.roll_key = None
        self.final_serial = None


def mutation_key(lab, child, sep, purpose):
    directory = lab.p("keys", fname(child["name"]))
    key = generate_key(directory, child["name"], child["algorithm"] or 13, sep)
    log(f"{child['name']}: new {'KSK' if sep else 'ZSK'} {key.tag} ({purpose})")
    return key


def original_keyset(lab, child):
    directory = lab.p("keys", fname(child["name"]))
    entries = []
    for desc in child["keys"]:
        base = os.path.join(directory, f"K{child['name']}+{desc['algorithm']:03d}+{desc['tag']:05d}")
        entries.append((base, desc["role"]))
    return KeySet(entries)


def offline_signer(child):
    return child["signer"] if child["signer"] in ("ldns-signzone", "dnssec-signzone") \
        else "dnssec-signzone"


def render(lab, child, serial, keyset, tag, *, text=None, signer=None, **kwargs):
    """Signs (or not) a child text into zones/mut and returns the path."""
    out = lab.p("zones", "mut", f"{fname(child['name'])}.{serial}.{tag}.zone")
    text = text if text is not None else child_text(child, serial)
    if keyset is None:
        write_file(out, text)
        return out
    nsec3 = child["nsec3"] or {}
    sign_zone(child["name"], text, keyset, signer or offline_signer(child),
              child["denial"] or "nsec", out, lab.p("work", fname(child["name"])),
              salt=nsec3.get("salt", "-"), iterations=nsec3.get("iterations", 0), **kwargs)
    return out


def plan_original(lab, child, serial, plan):
    if child["signer"] == "knot":
        write_file(lab.p("zones", "src", "knot", fname(child["name"]) + ".zone"),
                   child_text(child, serial))
        plan.knot = ("knot-signed", None)
        plan.nsd = ("from-knot", None)
    else:
        path = render(lab, child, serial, original_keyset(lab, child) if child["signed"] else None,
                      "original")
        plan.nsd = ("presigned", path)
        plan.knot = ("presigned", path)
    plan.serials = {"child-nsd": serial, "child-knot": serial}


def build_plan(lab, child, scenario, state):
    serial = state["serial"] + 1
    plan = Plan()
    plan.delegation = original_delegation(child)
    keys = original_keyset(lab, child) if child["signed"] else None
    name = child["name"]

    if scenario == "original":
        plan_original(lab, child, serial, plan)
    elif scenario in ("move-ns", "move-ns-unsigned"):
        plan_original(lab, child, serial, plan)
        hosts = list(OTHER_HOSTS)
        text = child_text(child, serial, ns=hosts)
        if scenario == "move-ns":
            new = mutation_key(lab, child, True, "move-ns: the new operator's CSK")
            path = render(lab, child, serial, KeySet([(new, "csk")]), scenario, text=text,
                          signer="dnssec-signzone")
            plan.delegation = {"ns": hosts, "glue": {}, "ds": [new.ds()]}
        else:
            path = render(lab, child, serial, None, scenario, text=text)
            plan.delegation = {"ns": hosts, "glue": {}, "ds": []}
        plan.bind = ("primary", path)
        plan.serials["other-bind"] = serial
    elif scenario == "remove-ds":
        plan_original(lab, child, serial, plan)
        plan.delegation = dict(plan.delegation, ds=[])
    elif scenario == "ds-mismatch":
        plan_original(lab, child, serial, plan)
        # A DS for a key that is never published in the child: RFC 4035 §5.2 finds no match.
        stray = mutation_key(lab, child, True, "ds-mismatch: never published")
        plan.delegation = dict(plan.delegation, ds=[stray.ds()])
    elif scenario == "resign-newkey":
        if child["key_style"] == "csk":
            new = KeySet([(mutation_key(lab, child, True, scenario), "csk")])
        else:
            new = KeySet([(mutation_key(lab, child, True, scenario), "ksk"),
                          (mutation_key(lab, child, False, scenario), "zsk")])
        path = render(lab, child, serial, new, scenario)
        plan.nsd = plan.knot = ("presigned", path)
        plan.serials = {"child-nsd": serial, "child-knot": serial}
        plan.keys = new.to_json()
    elif scenario == "strip-sigs":
        path = render(lab, child, serial, None, scenario)
        plan.nsd = plan.knot = ("presigned", path)
        plan.serials = {"child-nsd": serial, "child-knot": serial}
    elif scenario == "expire-sigs":
        now = utc_now()
        # dnssec-signzone's own post-signing check would reject expired signatures: -P.
        path = render(lab, child, serial, keys, scenario, inception=now - datetime.timedelta(
            days=40), expiration=now - datetime.timedelta(days=10), verify=False)
        plan.nsd = plan.knot = ("presigned", path)
        plan.serials = {"child-nsd": serial, "child-knot": serial}
    elif scenario == "change-glue":
        if not child["glue"]:
            raise LabError(f"{name} has out-of-zone name servers: no glue to change")
        plan_original(lab, child, serial, plan)
        host = child["ns"][1]
        glue = dict(child["glue"])
        glue[host] = OTHER_BIND
        plan.delegation = dict(plan.delegation, glue=glue)
        # BIND becomes a secondary of the Knot child server: byte-for-byte the same signed zone.
        plan.bind = ("secondary", None)
    elif scenario == "lossy":
        if not child["glue"]:
            raise LabError(f"{name} has out-of-zone name servers: no glue to point at the proxy")
        plan_original(lab, child, serial, plan)
        ensure_lossy_proxy(lab, name)
        plan.delegation = dict(plan.delegation, glue=dict(child["glue"], **{child["ns"][1]: LOSSY}))
    elif scenario == "diverge":
        serial_b = serial + 1
        path_a = render(lab, child, serial, keys, "diverge-a")
        text_b = child_text(child, serial_b, extra_ns=(f"ns3.{name}", CHILD_NSD))
        path_b = render(lab, child, serial_b, keys, "diverge-b", text=text_b)
        plan.nsd = ("presigned", path_a)
        plan.knot = ("presigned", path_b)
        plan.serials = {"child-nsd": serial, "child-knot": serial_b}
        serial = serial_b
    elif scenario in ("cds-delete", "cds-publish"):
        if scenario == "cds-delete":
            # RFC 8078 §4: the DS delete request.
            cds, cdnskey = ["0 0 0 00"], ["0 3 0 AA=="]
        else:
            seps = keys.sep_keys()
            cds = [k.ds() for k in seps]
            cdnskey = [f"{k.flags} 3 {k.algorithm} {k.key_b64}" for k in seps]
        path = render(lab, child, serial, keys, scenario,
                      text=child_text(child, serial, cds=cds, cdnskey=cdnskey))
        plan.nsd = plan.knot = ("presigned", path)
        plan.serials = {"child-nsd": serial, "child-knot": serial}
    elif scenario in ROLL_PREVIOUS:
        if state["scenario"] != ROLL_PREVIOUS[scenario]:
            raise LabError(f"{scenario} applies on top of {ROLL_PREVIOUS[scenario]}; {name} is "
                           f"in state {state['scenario']}")
        if scenario == "ksk-roll-1":
            new = mutation_key(lab, child, True, "ksk-roll: the incoming KSK")
            plan.roll_key = new.base
        else:
            new = Key(state["roll_key"])
            plan.roll_key = state["roll_key"]
        if scenario in ("ksk-roll-1", "ksk-roll-2"):
            # Double-KSK (RFC 6781 §4.1.2): both KSKs sign the DNSKEY RRset.
            roll = KeySet(keys.entries + [(new, "ksk")])
        elif child["key_style"] == "csk":
            roll = KeySet([(new, "csk")])
        else:
            roll = KeySet([(k, r) for k, r in keys.entries if r == "zsk"] + [(new, "ksk")])
        if scenario != "ksk-roll-1":
            plan.delegation = dict(plan.delegation, ds=[new.ds()])
        path = render(lab, child, serial, roll, scenario)
        plan.nsd = plan.knot = ("presigned", path)
        plan.serials = {"child-nsd": serial, "child-knot": serial}
        plan.keys = roll.to_json()
    else:
        raise LabError(f"unknown scenario {scenario}")
    plan.final_serial = serial
    return plan


def ensure_lossy_proxy(lab, zone):
    """Starts the lossy proxy unless it already runs: one lab process like the servers (pid file
    in run/, its log named on its command line so that `down` recognises it)."""
    pid_path = lab.p("run", "lossy-proxy.pid")
    if os.path.exists(pid_path):
        with open(pid_path, encoding="ascii") as handle:
            if lab._ours(int(handle.read().strip() or "0")):
                return
    lab.start("lossy-proxy", [sys.executable, os.path.abspath(__file__), "lossy-proxy",
                              lab.p("log", "lossy-proxy.log")])
    # TCP is forwarded without loss, so readiness is seen at once.
    lab.wait_for("the lossy proxy", lambda: Lab.serial_at_tcp(LOSSY, zone) is not None)


def cmd_lossy_proxy(log_path):
    """UDP and TCP forwarder LOSSY:53 -> CHILD_KNOT:53 that drops LOSSY_DROP of the UDP answers,
    chosen by a seeded generator (the share is reproducible, not which answers: that depends on
    the order queries arrive in). Counts go to log_path every few seconds."""
    rng = random.Random(LOSSY_SEED)
    counts = {"forwarded": 0, "dropped": 0, "tcp": 0}
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((LOSSY, PORT))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOSSY, PORT))
    listener.listen(64)

    def pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def serve_tcp():
        while True:
            client, _ = listener.accept()
            try:
                upstream = socket.create_connection((CHILD_KNOT, PORT), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            counts["tcp"] += 1
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

    threading.Thread(target=serve_tcp, daemon=True).start()
    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ, None)
    upstreams = {}  # client address -> [socket, last use]
    last_report = time.monotonic()
    while True:
        for key, _ in sel.select(timeout=1.0):
            if key.data is None:
                data, client = udp.recvfrom(65536)
                entry = upstreams.get(client)
                if entry is None:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    sock.connect((CHILD_KNOT, PORT))
                    entry = upstreams[client] = [sock, 0.0]
                    sel.register(sock, selectors.EVENT_READ, client)
                entry[1] = time.monotonic()
                # A connected UDP socket reports an earlier ICMP error (Knot restarting during a
                # restore) on its next send: that query is lost, like a dropped one, and the proxy
                # lives on. Uncaught, it ended the proxy mid-scenario.
                try:
                    entry[0].send(data)
                except OSError:
                    counts["upstream_errors"] = counts.get("upstream_errors", 0) + 1
            else:
                try:
                    answer = key.fileobj.recv(65536)
                except OSError:
                    continue
                if rng.random() < LOSSY_DROP:
                    counts["dropped"] += 1
                else:
                    counts["forwarded"] += 1
                    try:
                        udp.sendto(answer, key.data)
                    except OSError:
                        pass
        now = time.monotonic()
        for client, (sock, used) in list(upstreams.items()):
            if now - used > 30:
                sel.unregister(sock)
                sock.close()
                del upstreams[client]
        if now - last_report >= 2:
            last_report = now
            write_file(log_path, json.dumps(counts) + "\n")


def actual_modes(lab, name):
    """How the two child servers serve a zone now, read from the servers' own configuration
    (not from the state file, which an interrupted mutation may have left behind)."""
    status = lab.nsd_control("child-nsd", "zonestatus", fname(name)).stdout
    nsd_mode = "from-knot" if "pattern: from-knot" in status else "presigned"
    with open(lab.p("state", "knot-zones.json"), encoding="utf-8") as handle:
        entry = json.load(handle)[name]
    return {"child-nsd": nsd_mode,
            "child-knot": "knot-signed" if "template: knot-signed" in entry else "presigned"}


def apply_plan(lab, child, state, plan):
    name = child["name"]
    zfile = fname(name) + ".zone"
    old_modes = actual_modes(lab, name)
    nsd_mode, nsd_path = plan.nsd
    knot_mode, knot_path = plan.knot

    # Knot first: in "from-knot" mode NSD transfers from it.
    if knot_mode == "presigned":
        publish(knot_path, lab.p("serve", "child-knot", zfile))
    if knot_mode != old_modes["child-knot"]:
        with open(lab.p("state", "knot-zones.json"), encoding="utf-8") as handle:
            entries = json.load(handle)
        entries[name] = knot_zone_entry(lab, name, knot_mode, knot_policy(child))
        write_file(lab.p("state", "knot-zones.json"), json.dumps(entries) + "\n")
        write_knot_conf(lab, "child-knot", CHILD_KNOT, list(entries.values()), signing=True)
        lab.knotc("child-knot", "reload")
    lab.knotc("child-knot", "zone-reload", name)
    if knot_mode == "knot-signed":
        knot_serial = lab.wait_signed(CHILD_KNOT, name, plan.serials["child-knot"])
    else:
        knot_serial = lab.wait_serial(CHILD_KNOT, name, plan.serials["child-knot"])

    if nsd_mode == "presigned":
        publish(nsd_path, lab.p("serve", "child-nsd", zfile))
    if nsd_mode != old_modes["child-nsd"]:
        # Names without the final dot: NSD's pattern expands %s with the name as given.
        lab.nsd_control("child-nsd", "delzone", fname(name))
        stale = lab.p("serve", "child-nsd", "xfr", zfile)
        if nsd_mode == "from-knot" and os.path.exists(stale):
            os.unlink(stale)  # so NSD transfers now instead of serving an old copy first
        lab.nsd_control("child-nsd", "addzone", fname(name), nsd_mode)
    elif nsd_mode == "presigned":
        lab.nsd_control("child-nsd", "reload", name)
    else:
        lab.nsd_control("child-nsd", "force_transfer", name)
    lab.wait_serial(CHILD_NSD, name, knot_serial if nsd_mode == "from-knot"
                    else plan.serials["child-nsd"])

    # The other operator (BIND); its zone list is kept in state/bind-zones.json.
    bind_path = lab.p("state", "bind-zones.json")
    with open(bind_path, encoding="utf-8") as handle:
        bind_zones = json.load(handle)
    old_bind = bind_zones.get(name, {}).get("type")
    new_bind = plan.bind[0] if plan.bind else None
    if new_bind == "primary":
        publish(plan.bind[1], lab.p("serve", "other-bind", zfile))
    if old_bind != new_bind:
        if old_bind and new_bind:
            # A zone cannot change type in place: drop it, then add it back.
            del bind_zones[name]
            write_file(lab.p("config", "other-bind-zones.conf"), bind_zones_text(lab, bind_zones))
            lab.rndc("reconfig")
        if new_bind:
            bind_zones[name] = {"type": new_bind}
            # A secondary with a file from an earlier mutation would serve that until its SOA
            # refresh; without a file BIND transfers at once.
            xfr_file = lab.p("serve", "other-bind", fname(name) + ".xfr.zone")
            if new_bind == "secondary" and os.path.exists(xfr_file):
                os.unlink(xfr_file)
        else:
            bind_zones.pop(name, None)
        write_file(bind_path, json.dumps(bind_zones, indent=1) + "\n")
        write_file(lab.p("config", "other-bind-zones.conf"), bind_zones_text(lab, bind_zones))
        lab.rndc("reconfig")
    elif new_bind == "primary":
        lab.rndc("reload", name)
    elif new_bind == "secondary":
        lab.rndc("retransfer", name)
    if new_bind == "primary":
        lab.wait_serial(OTHER_BIND, name, plan.serials["other-bind"])
    elif new_bind == "secondary":
        lab.wait_serial(OTHER_BIND, name, knot_serial)

    # The delegation in lab.
    path = lab.p("state", "delegations.json")
    overrides = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            overrides = json.load(handle)
    before = overrides.get(name) or original_delegation(child)
    if plan.delegation != before:
        if plan.delegation == original_delegation(child):
            overrides.pop(name, None)
        else:
            overrides[name] = plan.delegation
        write_file(path, json.dumps(overrides, indent=1) + "\n")
        internal = lab.internal()
        internal["tld_serial"] += 1
        tld_serial = internal["tld_serial"]
        build_tld(lab, tld_serial, current_delegations(lab),
                  KeySet.from_json(internal["keysets"][TLD]))
        write_file(lab.p("state", "internal.json"), json.dumps(internal, indent=1) + "\n")
        lab.nsd_control("tld-nsd", "reload", TLD)
        lab.knotc("tld-knot", "zone-reload", TLD)
        if internal.get("shared_root"):
            lab.nsd_control("root-nsd", "reload", TLD)
            lab.knotc("root-knot", "zone-reload", TLD)
            lab.wait_serial(ROOT_NSD, TLD, tld_serial)
            lab.wait_serial(ROOT_KNOT, TLD, tld_serial)
        lab.wait_serial(TLD_KNOT, TLD, tld_serial)
        lab.wait_serial(TLD_NSD, TLD, tld_serial)

    lab.flush_oracle()
    state["modes"] = {"child-nsd": nsd_mode, "child-knot": knot_mode}
    state["bind"] = new_bind
    state["serial"] = plan.final_serial
    state["served_serials"] = {"child-nsd": lab.serial_at(CHILD_NSD, name),
                               "child-knot": knot_serial}
    if new_bind:
        state["served_serials"]["other-bind"] = lab.serial_at(OTHER_BIND, name)
    state["delegation"] = plan.delegation
    state["keys"] = plan.keys
    state["roll_key"] = plan.roll_key


def cmd_mutate(lab, name, scenario):
    child = lab.child(name)
    state = lab.load_state(child["name"])
    if scenario == "original":
        expected = "secure" if child["signed"] else "insecure"
    else:
        if scenario not in SCENARIOS:
            raise LabError(f"unknown scenario {scenario!r}; known: {', '.join(sorted(SCENARIOS))}")
        needs_signed, expected = SCENARIOS[scenario]
        if needs_signed and not child["signed"]:
            raise LabError(f"{scenario} needs a signed child; {child['name']} is unsigned")
        if expected is None:
            expected = "secure" if child["signed"] else "insecure"
    if scenario not in ("original", "ksk-roll-2", "ksk-roll-3") and \
            state["scenario"] != "original":
        # Every other scenario is defined relative to the original child.
        log(f"{child['name']}: restoring from {state['scenario']} first")
        cmd_mutate(lab, child["name"], "original")
        state = lab.load_state(child["name"])
    started = time.monotonic()
    plan = build_plan(lab, child, scenario, state)
    apply_plan(lab, child, state, plan)
    state["scenario"] = scenario
    state["expected"] = expected
    state["history"].append({"scenario": scenario, "at": utc_now().isoformat()})
    state["updated"] = utc_now().isoformat()
    lab.save_state(state)
    child["scenario"] = scenario
    child["expected"] = expected
    lab.save_meta()
    verb = "restored" if scenario == "original" else f"mutated to {scenario}"
    log(f"{child['name']}: {verb} (expected verdict: {expected}) in "
        f"{time.monotonic() - started:.1f} s")


def cmd_status(lab):
    meta = lab.meta
    alive = 0
    for path in lab.pid_files():
        with open(path, encoding="ascii") as handle:
            pid = int(handle.read().strip())
        ok = lab._ours(pid)
        alive += ok
        print(f"{os.path.basename(path)[:-4]:16} pid {pid:7} {'running' if ok else 'DEAD'}")
    for server in meta["servers"]:
        zone = server["zones"][0]
        serial = None
        try:
            serial = Lab.serial_at(server["address"], zone)
        except (OSError, labdns.DnsError):
            pass
        print(f"{server['id']:16} {server['address']:12} {zone} serial {serial}")
    mutated = [c for c in meta["children"] if c.get("scenario", "original") != "original"]
    print(f"children: {len(meta['children'])}, mutated: "
          + (", ".join(f"{c['name']}={c['scenario']}" for c in mutated) or "none"))
    return 0 if alive == len(lab.pid_files()) and alive else 1


def main(argv):
    parser = argparse.ArgumentParser(prog="lab.sh", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="build and start the lab in DIR (wipes a previous lab there)")
    up.add_argument("dir")
    up.add_argument("--children", type=int, default=12)
    up.add_argument("--jobs", type=int, default=None, help="parallel signing jobs (default: CPUs)")
    up.add_argument("--shared-root", action="store_true",
                    help="the root's servers serve lab. too (a skipped zone cut for every child)")
    down = sub.add_parser("down", help="stop every process the lab in DIR started")
    down.add_argument("dir")
    mutate = sub.add_parser("mutate", help="apply SCENARIO to CHILD")
    mutate.add_argument("dir")
    mutate.add_argument("child")
    mutate.add_argument("scenario")
    restore = sub.add_parser("restore", help="put CHILD and its delegation back as created")
    restore.add_argument("dir")
    restore.add_argument("child")
    status = sub.add_parser("status", help="show processes and serials")
    status.add_argument("dir")
    flush = sub.add_parser("flush", help="empty the oracle resolver's caches")
    flush.add_argument("dir")
    # Internal: the process scenario "lossy" starts (argparse.SUPPRESS keeps it out of --help).
    proxy = sub.add_parser("lossy-proxy", help=argparse.SUPPRESS)
    proxy.add_argument("log")
    args = parser.parse_args(argv)
    if args.command == "lossy-proxy":
        cmd_lossy_proxy(args.log)
        return 0

    lab = Lab(args.dir, getattr(args, "jobs", None))
    try:
        if args.command == "up":
            if args.children < 1:
                raise LabError("--children must be at least 1")
            guarded_up(lab, lambda: cmd_up(lab, args.children, args.shared_root))
        elif args.command == "down":
            return cmd_down(lab)
        elif args.command == "mutate":
            with lab.lock():
                cmd_mutate(lab, args.child, args.scenario)
        elif args.command == "restore":
            with lab.lock():
                cmd_mutate(lab, args.child, "original")
        elif args.command == "status":
            return cmd_status(lab)
        elif args.command == "flush":
            lab.flush_oracle()
    except LabError as err:
        print(f"lab: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
