#!/usr/bin/env python3
"""Regenerates the real-answer seeds of tests/fuzz/corpus/message.

Signs two small zones in a temporary directory (example.test with NSEC and ECDSA P-256 keys,
nsec3.test with opt-out NSEC3 and RSA/SHA-256 keys; ldns-keygen + ldns-signzone), serves them with
nsd on 127.0.0.1 (port from argv[2], default 5399), sends a set of queries over UDP and writes
each raw answer to OUTDIR (argv[1]) as "nsd-<what>.bin". nsd is stopped by its PID afterwards.
Nothing leaves 127.0.0.1. It also writes the hand-crafted edge cases: "bad-*.bin" must fail to
parse (one rule each), "ok-*.bin" are valid extremes (128 pointer hops, a 255-octet name, EDE).

The other corpora are text files kept as they are: zone_text, root_hints and trust_anchor hold
Debian's dns-root-data files (root.hints, root.ds, root.key), lab-style files and one edge case
each; config holds config/example.yaml, deploy/container/zonewatch.yaml and hand-written edge
cases (aliases, huge numbers, deep nesting, bad durations, Unicode names, the "regress-*" inputs
of fixed findings). All five also keep a small -merge=1 selection of the fuzzers' own finds.

Usage: tests/fuzz/make_seed_corpus.py tests/fuzz/corpus/message [port]
"""

import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time

EXAMPLE_ZONE = """$ORIGIN example.test.
$TTL 3600
@       IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@       NS   ns1
@       NS   ns2.Example.TEST.
@       MX   10 mail
@       TXT  "v=spf1 -all" "second string"
@       CAA  0 issue "ca.example.net"
ns1     A    127.0.0.1
ns1     AAAA ::1
ns2     A    192.0.2.2
mail    A    192.0.2.25
www     CNAME host
host    A    192.0.2.80
host    AAAA 2001:db8::80
*.wild  TXT  "wildcard answer"
_sip._udp SRV 0 5 5060 sip
sip     A    192.0.2.5
naptr   NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.test.
ptr     PTR  host
dname   DNAME example.net.
hinfo   HINFO "PC" "Linux"
Mixed.Case A 192.0.2.99
long    TXT  "{long}"
sub     NS   ns.sub
ns.sub  A    192.0.2.53
ns.sub  AAAA 2001:db8::53
insecure NS  ns.insecure
ns.insecure A 192.0.2.54
"""

NSEC3_ZONE = """$ORIGIN nsec3.test.
$TTL 600
@       IN SOA ns hostmaster 7 3600 900 604800 60
@       NS   ns
ns      A    127.0.0.1
a       A    192.0.2.1
b.c     TXT  "empty non-terminal above"
deleg   NS   ns.deleg
ns.deleg A   192.0.2.10
*.w     A    192.0.2.100
"""

# (file suffix, qname, qtype, edns, do, rd, cd, udp size)
QUERIES = [
    ("soa-do", "example.test.", 6, True, True, False, False, 1232),
    ("soa-nodo", "example.test.", 6, True, False, False, False, 1232),
    ("soa-noedns", "example.test.", 6, False, False, True, False, 512),
    ("ns-do", "example.test.", 2, True, True, False, False, 1232),
    ("dnskey-do", "example.test.", 48, True, True, False, True, 4096),
    ("dnskey-tc", "nsec3.test.", 48, True, True, False, False, 512),
    ("cname-a-do", "www.example.test.", 1, True, True, False, False, 1232),
    ("aaaa-do", "host.example.test.", 28, True, True, False, False, 1232),
    ("mx-do", "example.test.", 15, True, True, False, False, 1232),
    ("txt-do", "example.test.", 16, True, True, False, False, 1232),
    ("txt-long", "long.example.test.", 16, True, False, False, False, 1232),
    ("caa", "example.test.", 257, True, True, False, False, 1232),
    ("referral-ds", "www.sub.example.test.", 1, True, True, False, False, 1232),
    ("referral-insecure", "x.insecure.example.test.", 28, True, True, False, False, 1232),
    ("ds-do", "sub.example.test.", 43, True, True, False, False, 1232),
    ("nxdomain-nsec", "nonexistent.example.test.", 1, True, True, False, False, 1232),
    ("nodata-nsec", "host.example.test.", 16, True, True, False, False, 1232),
    ("wildcard-do", "foo.wild.example.test.", 16, True, True, False, False, 1232),
    ("wildcard-nodata", "foo.wild.example.test.", 1, True, True, False, False, 1232),
    ("srv-do", "_sip._udp.example.test.", 33, True, True, False, False, 1232),
    ("naptr", "naptr.example.test.", 35, True, True, False, False, 1232),
    ("ptr", "ptr.example.test.", 12, True, False, False, False, 1232),
    ("dname-do", "x.dname.example.test.", 1, True, True, False, False, 1232),
    ("hinfo", "hinfo.example.test.", 13, True, True, False, False, 1232),
    ("mixed-case", "mIXED.cASE.example.test.", 1, True, True, False, False, 1232),
    ("any", "example.test.", 255, True, True, False, False, 4096),
    ("refused", "example.com.", 1, True, True, True, False, 1232),
    ("nsec3-dnskey", "nsec3.test.", 48, True, True, False, False, 4096),
    ("nsec3-param", "nsec3.test.", 51, True, True, False, False, 1232),
    ("nsec3-nxdomain", "missing.nsec3.test.", 1, True, True, False, False, 1232),
    ("nsec3-nodata", "a.nsec3.test.", 28, True, True, False, False, 1232),
    ("nsec3-ent", "c.nsec3.test.", 1, True, True, False, False, 1232),
    ("nsec3-optout-referral", "x.deleg.nsec3.test.", 1, True, True, False, False, 1232),
    ("nsec3-wildcard", "z.w.nsec3.test.", 1, True, True, False, False, 1232),
    ("chaos-id", "id.server.", 16, True, False, False, False, 1232),
]


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qid, name, qtype, edns, do, rd, cd, udp):
    flags = (0x0100 if rd else 0) | (0x0010 if cd else 0)
    qclass = 3 if name == "id.server." else 1
    msg = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    msg += wire_name(name) + struct.pack("!HH", qtype, qclass)
    if edns:
        msg += b"\0" + struct.pack("!HHIH", 41, udp, 0x8000 if do else 0, 0)
    return msg


def ask(port, packet):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(packet, ("127.0.0.1", port))
        data, _ = s.recvfrom(65535)
        return data


def header(qd, an, ns, ar, flags=0x8400, qid=0x1234):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def rr(owner, rtype, rdata, ttl=300, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def ptr(offset):
    return struct.pack("!H", 0xC000 | offset)


def crafted():
    """Hand-made edge cases, valid and not: each exercises one parser rule."""
    q_a = wire_name("a.") + struct.pack("!HH", 1, 1)
    opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000, 0)
    seeds = {}
    seeds["bad-short-header"] = header(1, 0, 0, 0)[:11]
    seeds["bad-pointer-self"] = header(1, 0, 0, 0) + ptr(12) + struct.pack("!HH", 1, 1)
    seeds["bad-pointer-forward"] = header(1, 1, 0, 0) + ptr(17) + struct.pack("!HH", 1, 1) + \
        rr(wire_name("a."), 1, bytes(4))
    seeds["bad-pointer-range"] = header(1, 0, 0, 0) + ptr(0x3FFF) + struct.pack("!HH", 1, 1)
    # Opaque RDATA at 30 points to the next owner at 32, which points back to 30.
    seeds["bad-pointer-mutual"] = header(1, 2, 0, 0) + q_a + rr(b"\0", 65280, ptr(32), 0) + \
        rr(ptr(30), 1, bytes(4), 0)
    seeds["bad-label-64"] = header(1, 0, 0, 0) + bytes([64]) + b"x" * 64 + b"\0" + \
        struct.pack("!HH", 1, 1)
    seeds["bad-label-type-80"] = header(1, 0, 0, 0) + b"\x80\0" + struct.pack("!HH", 1, 1)
    seeds["bad-count"] = header(1, 2, 0, 0) + q_a + rr(wire_name("a."), 1, bytes(4))
    seeds["bad-rdlength-overrun"] = header(1, 1, 0, 0) + q_a + \
        wire_name("a.") + struct.pack("!HHIH", 1, 1, 0, 100) + bytes(4)
    seeds["bad-trailing"] = header(1, 0, 0, 0) + q_a + b"\0"
    seeds["bad-a-rdlength-5"] = header(1, 1, 0, 0) + q_a + rr(ptr(12), 1, bytes(5))
    seeds["bad-dnskey-rdlength-3"] = header(1, 1, 0, 0) + q_a + rr(ptr(12), 48, b"\1\0\3")
    seeds["bad-nsec-bitmap"] = header(1, 1, 0, 0) + q_a + \
        rr(ptr(12), 47, wire_name("b.") + b"\x01\x01\x40\x00\x01\x40")
    seeds["bad-two-opt"] = header(1, 0, 0, 2) + q_a + opt + opt
    seeds["bad-opt-owner"] = header(1, 0, 0, 1) + q_a + wire_name("a.") + opt[1:]
    seeds["bad-ede-short"] = header(1, 0, 0, 1) + q_a + b"\0" + \
        struct.pack("!HHIHHHB", 41, 1232, 0, 5, 15, 1, 0)
    # Valid edge cases.
    ede = struct.pack("!HH", 15, 2 + 12) + struct.pack("!H", 6) + b"DNSSEC Bogus"
    cookie = struct.pack("!HH", 10, 8) + bytes(range(8))
    seeds["ok-ede-cookie"] = header(1, 0, 0, 1, 0x8182) + q_a + b"\0" + \
        struct.pack("!HHIH", 41, 1232, 0x00008000, len(ede) + len(cookie)) + cookie + ede
    chain = b"".join(ptr(12 if i == 0 else 28 + 2 * (i - 1)) for i in range(127))
    seeds["ok-pointer-chain-128"] = header(1, 2, 0, 0) + b"\0" + struct.pack("!HH", 1, 1) + \
        rr(b"\0", 65280, chain, 0) + rr(ptr(28 + 2 * 126), 1, bytes(4), 0)
    long_name = (bytes([63]) + b"a" * 63) * 3 + b"\0"
    seeds["ok-name-255"] = header(1, 2, 0, 0) + b"\0" + struct.pack("!HH", 1, 1) + \
        rr(b"\0", 65280, long_name, 0) + rr(bytes([61]) + b"b" * 61 + ptr(28), 1, bytes(4), 0)
    seeds["bad-name-256"] = header(1, 2, 0, 0) + b"\0" + struct.pack("!HH", 1, 1) + \
        rr(b"\0", 65280, long_name, 0) + rr(bytes([62]) + b"b" * 62 + ptr(28), 1, bytes(4), 0)
    return seeds


def main():
    outdir = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 5399
    os.makedirs(outdir, exist_ok=True)
    for name, data in crafted().items():
        with open(os.path.join(outdir, name + ".bin"), "wb") as f:
            f.write(data)
    with tempfile.TemporaryDirectory(prefix="zonewatch-seeds.") as tmp:
        ksk = run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", "example.test"], tmp)
        zsk = run(["ldns-keygen", "-a", "ECDSAP256SHA256", "example.test"], tmp)
        child = run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", "sub.example.test"], tmp)
        ds = run(["ldns-key2ds", "-n", "-2", child + ".key"], tmp)
        with open(os.path.join(tmp, "example.test"), "w") as f:
            f.write(EXAMPLE_ZONE.replace("{long}", "x" * 255) + ds + "\n")
        run(["ldns-signzone", "-o", "example.test.", "example.test", ksk, zsk], tmp)

        ksk3 = run(["ldns-keygen", "-a", "RSASHA256", "-b", "2048", "-k", "nsec3.test"], tmp)
        zsk3 = run(["ldns-keygen", "-a", "RSASHA256", "-b", "1024", "nsec3.test"], tmp)
        with open(os.path.join(tmp, "nsec3.test"), "w") as f:
            f.write(NSEC3_ZONE)
        run(["ldns-signzone", "-n", "-p", "-t", "0", "-s", "aabbccdd", "-o", "nsec3.test.",
             "nsec3.test", ksk3, zsk3], tmp)

        conf = os.path.join(tmp, "nsd.conf")
        with open(conf, "w") as f:
            f.write(f"""server:
  ip-address: 127.0.0.1@{port}
  port: {port}
  zonesdir: "{tmp}"
  database: ""
  pidfile: "{tmp}/nsd.pid"
  xfrdfile: "{tmp}/xfrd.state"
  xfrdir: "{tmp}"
  zonelistfile: "{tmp}/zone.list"
  logfile: "{tmp}/nsd.log"
  username: ""
  chroot: ""
  server-count: 1
  identity: "zonewatch-seed"
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: example.test
  zonefile: example.test.signed
zone:
  name: nsec3.test
  zonefile: nsec3.test.signed
""")
        nsd = subprocess.Popen(["nsd", "-d", "-c", conf], cwd=tmp,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            probe = query(1, "example.test.", 6, False, False, False, False, 512)
            for _ in range(50):
                try:
                    ask(port, probe)
                    break
                except OSError:
                    time.sleep(0.1)
            rng = random.Random(5399)
            for suffix, *q in QUERIES:
                answer = ask(port, query(rng.randrange(65536), *q))
                with open(os.path.join(outdir, f"nsd-{suffix}.bin"), "wb") as f:
                    f.write(answer)
                print(f"nsd-{suffix}.bin: {len(answer)} octets")
        finally:
            nsd.terminate()  # by PID: only the nsd this script started
            nsd.wait(timeout=10)


if __name__ == "__main__":
    main()
