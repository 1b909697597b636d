#!/usr/bin/env python3
"""Captures raw DNS answers from a running lab into the fuzz seed corpus.

This script owns the list of interesting lab answers: priming and referrals from the root and
the TLD (with DS, and with NSEC3 opt-out denial for an unsigned child), NXDOMAIN and NODATA
proofs with NSEC and NSEC3 (salted and not), DNSKEY sets for every algorithm the lab uses,
a truncated UDP answer and the same RRset complete over TCP (stored without the RFC 1035 §4.2.2
length prefix), and a validated recursive answer from the oracle.  Each answer is written as one
file named after the query: lab-<qname>-<TYPE>[-do][-tcp][-<what>].bin ("root" for "."), in
tests/fuzz/corpus/message unless OUTDIR is given, where the fuzzer starts from them and
tests/unit/monitor/dns/message_corpus_test.cpp parses every one.

Usage: capture.py DIR [OUTDIR]      (the lab in DIR must be up and unmutated)
"""

import os
import sys

# No __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labdns  # noqa: E402

ROOT_NSD, ROOT_KNOT = "127.53.0.1", "127.53.0.2"
TLD_KNOT, TLD_NSD = "127.53.0.11", "127.53.0.12"
CHILD_NSD, CHILD_KNOT = "127.53.1.1", "127.53.1.2"
OTHER_BIND, ORACLE = "127.53.2.1", "127.53.3.1"

# (server, qname, qtype, options, what)
QUERIES = [
    (ROOT_NSD, ".", "SOA", "do", ""),
    (ROOT_KNOT, ".", "DNSKEY", "do", ""),
    (ROOT_NSD, ".", "NS", "", "priming"),
    (ROOT_KNOT, "lab.", "DS", "do", ""),
    (ROOT_NSD, "child01.lab.", "A", "do", "root-referral"),
    (ROOT_KNOT, "nosuch.", "A", "do", "root-nxdomain-nsec"),
    (TLD_KNOT, "lab.", "DNSKEY", "do", ""),
    (TLD_NSD, "lab.", "SOA", "do", ""),
    (TLD_KNOT, "lab.", "NSEC3PARAM", "do", ""),
    (TLD_KNOT, "child01.lab.", "A", "do", "tld-referral-ds"),
    (TLD_NSD, "child07.lab.", "A", "do", "tld-referral-optout-nsec3"),
    (TLD_KNOT, "child06.lab.", "A", "do", "tld-referral-out-of-zone-ns"),
    (TLD_NSD, "nosuch.lab.", "A", "do", "tld-nxdomain-nsec3"),
    (TLD_KNOT, "child02.lab.", "DS", "do", ""),
    (TLD_NSD, "child12.lab.", "DS", "do", "tld-nodata-optout"),
    (CHILD_NSD, "child01.lab.", "DNSKEY", "do", ""),
    (CHILD_KNOT, "child01.lab.", "SOA", "do", ""),
    (CHILD_NSD, "nosuch.child01.lab.", "A", "do", "nxdomain-nsec3"),
    (CHILD_KNOT, "nosuch.child02.lab.", "A", "do", "nxdomain-nsec"),
    (CHILD_NSD, "child02.lab.", "DNSKEY", "do", "rsasha256"),
    (CHILD_KNOT, "child03.lab.", "DNSKEY", "do", "ed25519"),
    (CHILD_NSD, "www.child03.lab.", "AAAA", "do", ""),
    (CHILD_KNOT, "child04.lab.", "DNSKEY", "do", "knot-signed"),
    (CHILD_NSD, "www.child05.lab.", "TXT", "do", "nodata-nsec3-salted"),
    (CHILD_KNOT, "www.child02.lab.", "MX", "do", "nodata-nsec"),
    (CHILD_KNOT, "child09.lab.", "NSEC3PARAM", "do", "knot-signed"),
    (CHILD_NSD, "big.child01.lab.", "TXT", "do", "udp-truncated"),
    (CHILD_KNOT, "big.child01.lab.", "TXT", "do tcp", ""),
    (CHILD_NSD, "child07.lab.", "SOA", "", "unsigned"),
    (CHILD_NSD, "child01.lab.", "ANY", "do tcp", ""),
    (CHILD_KNOT, "ns1.dns-alpha.lab.", "A", "do", ""),
    (OTHER_BIND, "other-operator.lab.", "DNSKEY", "do", "bind"),
    (ORACLE, "www.child01.lab.", "A", "do rd", "oracle-validated"),
]


def file_name(qname, qtype, options, what):
    base = "root" if qname == "." else qname.rstrip(".")
    parts = ["lab", base, qtype]
    if "do" in options.split():
        parts.append("do")
    if "tcp" in options.split():
        parts.append("tcp")
    if what:
        parts.append(what)
    return "-".join(parts) + ".bin"


def main(argv):
    if len(argv) not in (1, 2):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    lab_dir = argv[0]
    out_dir = argv[1] if len(argv) == 2 else os.path.join(here, "..", "fuzz", "corpus", "message")
    if not os.path.exists(os.path.join(lab_dir, "lab.json")):
        print(f"capture: {lab_dir}/lab.json missing: is the lab up?", file=sys.stderr)
        return 1
    os.makedirs(out_dir, exist_ok=True)
    for server, qname, qtype, options, what in QUERIES:
        opts = options.split()
        wire = labdns.build_query(qname, qtype, do="do" in opts, rd="rd" in opts)
        if "tcp" in opts:
            answer = labdns.send_tcp(server, wire)
        else:
            answer = labdns.send_udp(server, wire)
        msg = labdns.Message(answer)  # refuses to save something that does not parse
        name = file_name(qname, qtype, options, what)
        with open(os.path.join(out_dir, name), "wb") as handle:
            handle.write(answer)
        flags = " ".join(f for f, on in (("aa", msg.aa), ("tc", msg.tc), ("ad", msg.ad)) if on)
        print(f"{name:58} {len(answer):5} octets {msg.rcode_name:8} {flags:8} "
              f"an={len(msg.answer)} ns={len(msg.authority)} ar={len(msg.additional)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
