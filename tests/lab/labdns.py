"""Minimal DNS wire helpers for the test lab (python3 standard library only).

This module owns the small amount of DNS wire handling the lab scripts need without pulling in a
DNS library: building a query, sending it over UDP or TCP to a loopback server, decoding the
answer far enough to read flags, sections and SOA serials, and the two DNSSEC computations the
lab does itself (key tag and DS digest).  It is deliberately not a general DNS library: the
project's real codec lives in monitor/dns; this one only has to drive and observe the lab.
"""

import base64
import hashlib
import os
import socket
import struct

TYPES = {
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28, "DS": 43,
    "RRSIG": 46, "NSEC": 47, "DNSKEY": 48, "NSEC3": 50, "NSEC3PARAM": 51, "CDS": 59,
    "CDNSKEY": 60, "ANY": 255, "AXFR": 252,
}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
CLASS_IN = 1
CLASS_CH = 3

RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class DnsError(Exception):
    """A malformed or missing answer (the lab scripts turn it into a clear message)."""


def name_to_wire(name):
    """Uncompressed wire form of a presentation name (no escapes: lab names are plain)."""
    name = name.rstrip(".")
    out = bytearray()
    if name:
        for label in name.split("."):
            raw = label.encode("ascii")
            if not 0 < len(raw) < 64:
                raise DnsError(f"bad label in {name!r}")
            out.append(len(raw))
            out += raw
    out.append(0)
    return bytes(out)


def canonical_name_wire(name):
    # RFC 4034 §6.2: the canonical form of an owner name is lower case.
    return name_to_wire(name.lower())


def build_query(qname, qtype, *, qclass=CLASS_IN, do=False, rd=False, cd=False, edns=True,
                bufsize=1232, qid=None):
    if qid is None:
        qid = struct.unpack("!H", os.urandom(2))[0]
    flags = 0
    if rd:
        flags |= 0x0100
    if cd:
        flags |= 0x0010
    qtype_code = TYPES[qtype] if isinstance(qtype, str) else qtype
    header = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    question = name_to_wire(qname) + struct.pack("!HH", qtype_code, qclass)
    opt = b""
    if edns:
        # RFC 6891 §6.1.2: OPT pseudo-RR, owner ".", CLASS = UDP payload size, TTL holds DO.
        opt = b"\x00" + struct.pack("!HHIH", 41, bufsize, 0x8000 if do else 0, 0)
    return header + question + opt


def _recv_exact(sock, count):
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise DnsError("TCP connection closed early")
        data += chunk
    return bytes(data)


def send_udp(address, wire, *, port=53, timeout=2.0):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(wire, (address, port))
        while True:
            data, _ = sock.recvfrom(65535)
            # A late answer to an earlier query on a reused port must not be taken for ours.
            if data[:2] == wire[:2]:
                return data


def send_tcp(address, wire, *, port=53, timeout=5.0):
    """Returns the DNS message without the RFC 1035 §4.2.2 two-octet length prefix."""
    with socket.create_connection((address, port), timeout=timeout) as sock:
        sock.sendall(struct.pack("!H", len(wire)) + wire)
        (length,) = struct.unpack("!H", _recv_exact(sock, 2))
        return _recv_exact(sock, length)


def read_name(msg, offset):
    """Decodes a possibly compressed name; returns (name, offset after the name in place)."""
    labels = []
    end = None
    hops = 0
    while True:
        if offset >= len(msg):
            raise DnsError("name runs past the message")
        length = msg[offset]
        if length & 0xC0 == 0xC0:
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | msg[offset + 1]
            hops += 1
            if hops > 64:
                raise DnsError("compression loop")
            continue
        if length == 0:
            offset += 1
            break
        labels.append(msg[offset + 1:offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length
    return (".".join(labels) + "." if labels else "."), (end if end is not None else offset)


class Record:
    __slots__ = ("name", "rtype", "rclass", "ttl", "rdata", "rdata_offset")

    def __init__(self, name, rtype, rclass, ttl, rdata, rdata_offset):
        self.name = name
        self.rtype = rtype
        self.rclass = rclass
        self.ttl = ttl
        self.rdata = rdata
        self.rdata_offset = rdata_offset

    @property
    def type_name(self):
        return TYPE_NAMES.get(self.rtype, f"TYPE{self.rtype}")


class Message:
    def __init__(self, wire):
        if len(wire) < 12:
            raise DnsError("message shorter than a header")
        self.wire = wire
        (self.id, self.flags, qd, an, ns, ar) = struct.unpack("!HHHHHH", wire[:12])
        offset = 12
        self.question = []
        for _ in range(qd):
            name, offset = read_name(wire, offset)
            qtype, qclass = struct.unpack("!HH", wire[offset:offset + 4])
            offset += 4
            self.question.append((name, qtype, qclass))
        self.answer, offset = self._records(an, offset)
        self.authority, offset = self._records(ns, offset)
        self.additional, offset = self._records(ar, offset)

    def _records(self, count, offset):
        out = []
        for _ in range(count):
            name, offset = read_name(self.wire, offset)
            rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", self.wire[offset:offset + 10])
            offset += 10
            out.append(Record(name, rtype, rclass, ttl, self.wire[offset:offset + rdlen], offset))
            offset += rdlen
        return out, offset

    @property
    def rcode(self):
        return self.flags & 0x000F

    @property
    def rcode_name(self):
        return RCODE_NAMES.get(self.rcode, str(self.rcode))

    @property
    def aa(self):
        return bool(self.flags & 0x0400)

    @property
    def tc(self):
        return bool(self.flags & 0x0200)

    @property
    def ad(self):
        return bool(self.flags & 0x0020)

    def soa_serial(self, owner=None):
        for rec in self.answer + self.authority:
            if rec.rtype == TYPES["SOA"] and (owner is None or rec.name.lower() == owner.lower()):
                _, off = read_name(self.wire, rec.rdata_offset)
                _, off = read_name(self.wire, off)
                return struct.unpack("!I", self.wire[off:off + 4])[0]
        return None

    def rrs(self, rtype, section="answer"):
        code = TYPES[rtype] if isinstance(rtype, str) else rtype
        return [r for r in getattr(self, section) if r.rtype == code]


def query(address, qname, qtype, *, port=53, tcp=False, timeout=2.0, **kwargs):
    wire = build_query(qname, qtype, **kwargs)
    raw = send_tcp(address, wire, port=port, timeout=timeout) if tcp else \
        send_udp(address, wire, port=port, timeout=timeout)
    return Message(raw)


def dnskey_rdata(flags, protocol, algorithm, key_b64):
    return struct.pack("!HBB", flags, protocol, algorithm) + base64.b64decode(key_b64)


def key_tag(rdata):
    # RFC 4034 Appendix B (algorithm 1 is never used in the lab).
    acc = 0
    for i, byte in enumerate(rdata):
        acc += byte if i & 1 else byte << 8
    acc += (acc >> 16) & 0xFFFF
    return acc & 0xFFFF


DIGESTS = {1: hashlib.sha1, 2: hashlib.sha256, 4: hashlib.sha384}


def ds_digest(owner, rdata, digest_type=2):
    # RFC 4034 §5.1.4: digest = digest_algorithm(DNSKEY owner name | DNSKEY RDATA).
    return DIGESTS[digest_type](canonical_name_wire(owner) + rdata).hexdigest().upper()


def parse_key_file(path):
    """Reads a BIND-format K*.key file; returns (owner, flags, protocol, algorithm, key_b64)."""
    with open(path, encoding="ascii") as handle:
        for line in handle:
            line = line.split(";", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            idx = [f.upper() for f in fields].index("DNSKEY")
            flags, proto, alg = (int(x) for x in fields[idx + 1:idx + 4])
            return fields[0], flags, proto, alg, "".join(fields[idx + 4:])
    raise DnsError(f"no DNSKEY in {path}")
