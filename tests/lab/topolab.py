#!/usr/bin/env python3
"""zonewatch topology lab: real-world delegation shapes on loopback (127.54.0.0/16, port 53).

A second lab next to tests/lab/lab.py (issue 10, "Real-world delegation shapes").  The main lab
gives every zone cut servers of its own; real hierarchies do not.  This one builds the shapes that
break a naive walk from the root: one server authoritative for a zone and its parent (the root and
a TLD, a TLD and its registry zone), an NSEC3 opt-out registry, glueless out-of-bailiwick name
servers two levels deep, a glueless NS cycle, parent servers that disagree (one stale), a CNAME at
an NS host, lame servers (REFUSED, non-authoritative) and name servers in a sibling zone.  Zones
are signed by real signers (ldns-signzone, dnssec-signzone, Knot DNS's own signing) and served by
NSD, Knot DNS and BIND; an Unbound resolver on its own address, anchored at this lab's root, is
the oracle.  DIR/topolab.json describes every child: its shape, the zone cuts from the root down,
its parent and the verdict and reason a validator should reach.

Everything is done with lab.py's machinery (imported as a module): keys, sign_zone, the NSD, Knot,
BIND and Unbound configuration writers, processes by pid file, wait_for, the lock file.  The two
labs run side by side: different addresses (127.53/16 and 127.54/16), different directories, so
different lock files.  See tests/lab/README.md, section "The topology lab".

Usage:
  topolab.py up DIR [--jobs J]
  topolab.py down DIR
  topolab.py status DIR
  topolab.py check DIR        (self-check: every shape as the oracle, delv and the servers see it)
"""

import argparse
import base64
import json
import os
import shutil
import socket
import errno
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab as L  # noqa: E402  (tests/lab/lab.py: the machinery)
import labdns  # noqa: E402
import oracles  # noqa: E402  (Unbound and delv as reference validators)

# --- Fixed addresses (the topolab contract) ---------------------------------------------------------
ROOT_NSD = "127.54.0.1"     # NSD: . and tld.
ROOT_KNOT = "127.54.0.2"    # Knot: . and tld.
TLD_KNOT = "127.54.0.11"    # Knot: tld2., tld3. (current), tld4.
TLD_NSD = "127.54.0.12"     # NSD: tld2., tld3. (stale copy), tld4.
REG_BIND = "127.54.1.1"     # BIND: uk2. and co.uk2.; the old operator of mv1/mv2.tld3.
REG_NSD = "127.54.1.2"      # NSD: uk2. and co.uk2.
CHILD_NSD = "127.54.2.1"    # NSD: the children and helper zones (Knot-signed ones by AXFR)
CHILD_KNOT = "127.54.2.2"   # Knot: the children and helper zones, signs some itself
ORACLE = "127.54.3.1"       # Unbound: validating resolver from this lab's root
PORT = L.PORT

ROOT_HOSTS = {"a.root-servers.tld.": ROOT_NSD, "b.root-servers.tld.": ROOT_KNOT}
ADDRESSES = [ROOT_NSD, ROOT_KNOT, TLD_KNOT, TLD_NSD, REG_BIND, REG_NSD, CHILD_NSD, CHILD_KNOT,
             ORACLE]
SERVERS = {  # id: (software, address)
    "root-nsd": ("nsd", ROOT_NSD), "root-knot": ("knot", ROOT_KNOT),
    "tld-knot": ("knot", TLD_KNOT), "tld-nsd": ("nsd", TLD_NSD),
    "reg-bind": ("bind", REG_BIND), "reg-nsd": ("nsd", REG_NSD),
    "child-nsd": ("nsd", CHILD_NSD), "child-knot": ("knot", CHILD_KNOT),
}
CHILD_SERVERS = ["child-nsd", "child-knot"]
MARKER = ".zonewatch-topolab"

SHAPES = {
    "shared-root-tld": "the root and tld. on the same two servers (NSD and Knot): the referral to "
                       "tld. is never seen, the root servers answer from tld.",
    "shared-registry": "uk2. and its registry zone co.uk2. on the same two servers (BIND and NSD): "
                       "a server of uk2. answers the referral from co.uk2.",
    "opt-out": "children of NSEC3 opt-out registries (tld2. by dnssec-signzone -A, tld3. by "
               "ldns-signzone -p), signed and unsigned",
    "glueless": "NS hosts in another TLD without glue, whose zone's NS hosts are in a third TLD "
                "without glue (gl-host.tld3. -> gl-hostns.tld4.)",
    "cycle": "NS cycle without glue: cyc-a.tld2. served only by ns.cyc-b.tld3., cyc-b.tld3. "
             "only by ns.cyc-a.tld2.; cyc-dep.tld4. served by ns.cyc-a.tld2.",
    "stale-parent": "tld3.'s two servers disagree: Knot serves the current NS and DS, NSD a stale "
                    "copy with the old NS (the old operator, BIND) and the old DS",
    "cname-ns": "an NS host name that is a CNAME to the name with the address",
    "lame": "NS hosts whose servers do not serve the child: one REFUSED, one answering "
            "non-authoritatively (a referral from a parent-zone server)",
    "sibling": "name servers in a sibling zone on the same servers, glue in the parent",
}
# Shapes of the issue this lab does not build, and why.
SKIPPED = [{
    "shape": "aaaa-only",
    "why": "an NS host with only AAAA ::ffff:127.54.x.y needs a server listening on an IPv4-mapped "
           "address: NSD and Knot set IPV6_V6ONLY and fail to bind one (EINVAL), BIND only listens "
           "on interface addresses; ::1 and anything outside 127/8 are off limits"}]


def log(msg):
    print(f"topolab: {msg}", flush=True)


def sig(algorithm, style, signer, denial="nsec", **kwargs):
    return dict(algorithm=algorithm, style=style, signer=signer, denial=denial, **kwargs)


def in_zone(host, zone):
    return zone == "." or host == zone or host.endswith("." + zone)


def fid(zone_id):
    """File name part for a zone id ("tld3.@stale" -> "tld3@stale", "." -> "root")."""
    name, _, variant = zone_id.partition("@")
    return L.fname(name) + (f"@{variant}" if variant else "")


# --- The hierarchy ----------------------------------------------------------------------------------
def zone(name, *, servers=None, ns=None, hosts=None, sign=None, variant=None, keys_of=None,
         serial=1, ds_keys=None, ds_stray=False, overrides=None):
    """One zone as one set of servers loads it.  Without ns the zone uses ns1/ns2.NAME on the
    child NSD and Knot servers (glue in the parent).  hosts: {host: ["A 1.2.3.4" | "CNAME x."]}
    records the zone itself serves for host names.  variant: a second version of a zone of the
    same name (served by other servers); keys_of: the zone id whose keys it is signed with.
    ds_keys: indices of the keys whose DS the parent publishes (default: every SEP key);
    ds_stray: the parent publishes the DS of a key the zone never publishes (bogus).
    overrides: {child name: {"ns": [...], "glue": {...}, "ds_keys": [...]}} for delegations this
    version of a parent publishes differently from the child's own current version."""
    if ns is None:
        ns = [f"ns1.{name}", f"ns2.{name}"]
        hosts = dict({f"ns1.{name}": [f"A {CHILD_NSD}"], f"ns2.{name}": [f"A {CHILD_KNOT}"]},
                     **(hosts or {}))
    return {"id": name + (f"@{variant}" if variant else ""), "name": name, "variant": variant,
            "servers": servers or list(CHILD_SERVERS), "ns": ns, "hosts": hosts or {},
            "sign": sign, "keys_of": keys_of, "serial": serial, "ds_keys": ds_keys,
            "ds_stray": ds_stray, "overrides": overrides or {}}


def hierarchy():
    """Every zone (and zone version) of the lab, and the children topolab.json describes."""
    tld_hosts = lambda t: {f"ns1.nic.{t}": [f"A {TLD_KNOT}"], f"ns2.nic.{t}": [f"A {TLD_NSD}"]}
    zones = [
        # The root and tld. share both root servers (shape shared-root-tld).
        zone(".", servers=["root-nsd", "root-knot"], ns=list(ROOT_HOSTS), hosts={},
             sign=sig(13, "ksk-zsk", "ldns-signzone")),
        zone("tld.", servers=["root-nsd", "root-knot"], ns=list(ROOT_HOSTS),
             hosts={h: [f"A {a}"] for h, a in ROOT_HOSTS.items()},
             sign=sig(13, "ksk-zsk", "dnssec-signzone")),
        # uk2. and co.uk2. share the registry servers (shape shared-registry).
        zone("uk2.", servers=["reg-bind", "reg-nsd"], ns=["ns1.nic.uk2.", "ns2.nic.uk2."],
             hosts={"ns1.nic.uk2.": [f"A {REG_BIND}"], "ns2.nic.uk2.": [f"A {REG_NSD}"]},
             sign=sig(15, "csk", "ldns-signzone", "nsec3", salt="-", iterations=0)),
        zone("co.uk2.", servers=["reg-bind", "reg-nsd"], ns=["ns1.nic.uk2.", "ns2.nic.uk2."],
             hosts={}, sign=sig(13, "ksk-zsk", "dnssec-signzone")),
        # tld2.: the NSEC3 opt-out registry (dnssec-signzone -A).
        zone("tld2.", servers=["tld-knot", "tld-nsd"], ns=list(tld_hosts("tld2.")),
             hosts=tld_hosts("tld2."),
             sign=sig(13, "ksk-zsk", "dnssec-signzone", "nsec3", salt="-", iterations=0,
                      opt_out=True)),
        # tld3.: NSEC3 opt-out by ldns-signzone -p; Knot serves the current version (serial 2),
        # NSD a stale one (serial 1) with the old delegations of mv1/mv2.tld3.
        zone("tld3.", servers=["tld-knot"], ns=list(tld_hosts("tld3.")), hosts=tld_hosts("tld3."),
             serial=2, sign=sig(13, "csk", "ldns-signzone", "nsec3", salt="-", iterations=0,
                                opt_out=True)),
        zone("tld3.", variant="stale", keys_of="tld3.", servers=["tld-nsd"],
             ns=list(tld_hosts("tld3.")), hosts=tld_hosts("tld3."), serial=1,
             sign=sig(13, "csk", "ldns-signzone", "nsec3", salt="-", iterations=0, opt_out=True),
             overrides={
                 "mv1.tld3.": {"ns": ["ns-old.mv1.tld3."],
                               "glue": {"ns-old.mv1.tld3.": [REG_BIND]}, "ds_keys": [0]},
                 "mv2.tld3.": {"ns": ["ns-old.mv2.tld3."],
                               "glue": {"ns-old.mv2.tld3.": [REG_BIND]}, "ds_keys": []}}),
        zone("tld4.", servers=["tld-knot", "tld-nsd"], ns=list(tld_hosts("tld4.")),
             hosts=tld_hosts("tld4."), sign=sig(15, "csk", "ldns-signzone")),
    ]
    children = []

    def child(name, shape, sign=None, *, expected=None, reason=None, findings=(), oracle=True,
              note="", **kwargs):
        z = zone(name, sign=sign, **kwargs)
        zones.append(z)
        if expected is None:
            expected = "secure" if sign else "insecure"
        children.append({"name": name, "shape": shape, "zone_id": z["id"], "expected": expected,
                         "expected_reason": reason, "expected_findings": list(findings),
                         "oracle": oracle, "note": note})

    # 1. shared servers: the root and tld.; uk2. and co.uk2.
    child("t1.tld.", "shared-root-tld", sig(13, "csk", "dnssec-signzone"))
    child("t2.tld.", "shared-root-tld", sig(15, "ksk-zsk", "ldns-signzone", "nsec3", salt="-",
                                            iterations=0))
    child("t3.tld.", "shared-root-tld", reason="ds_absent")
    child("d1.co.uk2.", "shared-registry", sig(13, "csk", "ldns-signzone"))
    child("d2.co.uk2.", "shared-registry", sig(13, "ksk-zsk", "dnssec-signzone", "nsec3",
                                               salt="aabbccdd", iterations=1))
    child("d3.co.uk2.", "shared-registry", reason="ds_absent")
    child("d4.co.uk2.", "shared-registry", sig(13, "csk", "knot"))
    child("d5.co.uk2.", "shared-registry", sig(13, "csk", "ldns-signzone"), ds_stray=True,
          expected="bogus", reason="no_dnskey_matches_ds", findings=["dnssec_bogus"],
          note="co.uk2. publishes the DS of a key d5 never publishes")
    # 2. NSEC3 opt-out registries.
    child("oo1.tld2.", "opt-out", sig(13, "ksk-zsk", "knot", "nsec3"))
    child("oo2.tld2.", "opt-out", reason="opt_out")
    child("oo3.tld2.", "opt-out", sig(15, "csk", "dnssec-signzone"))
    # ldns-signzone -p sets the opt-out flag but still gives the unsigned delegation an NSEC3 of
    # its own: the matching NSEC3 (NS, no DS) proves "no DS" (RFC 5155 §8.6), not an opt-out span.
    child("oo4.tld3.", "opt-out", reason="ds_absent")
    # 3. glueless, two levels: gl*.tld2. -> ns*.gl-host.tld3. -> ns*.gl-hostns.tld4. (glue).
    gl_ns = ["ns1.gl-host.tld3.", "ns2.gl-host.tld3."]
    zones.append(zone("gl-host.tld3.", ns=["ns1.gl-hostns.tld4.", "ns2.gl-hostns.tld4."],
                      hosts={"ns1.gl-host.tld3.": [f"A {CHILD_NSD}"],
                             "ns2.gl-host.tld3.": [f"A {CHILD_KNOT}"]},
                      sign=sig(13, "csk", "dnssec-signzone")))
    zones.append(zone("gl-hostns.tld4."))
    child("gl1.tld2.", "glueless", sig(13, "csk", "ldns-signzone"), ns=gl_ns, hosts={})
    child("gl2.tld2.", "glueless", ns=gl_ns, hosts={}, reason="opt_out")
    # 4. the NS cycle: no resolver can find an address; the oracles only confirm it (SERVFAIL
    # with and without checking disabled).
    cyc = dict(expected="indeterminate", reason="ns_resolution_cycle", oracle=False)
    child("cyc-a.tld2.", "cycle", sig(13, "csk", "ldns-signzone"), ns=["ns.cyc-b.tld3."],
          hosts={"ns.cyc-a.tld2.": [f"A {CHILD_NSD}"]}, **cyc)
    child("cyc-b.tld3.", "cycle", ns=["ns.cyc-a.tld2."],
          hosts={"ns.cyc-b.tld3.": [f"A {CHILD_KNOT}"]}, **cyc)
    child("cyc-dep.tld4.", "cycle", ns=["ns.cyc-a.tld2."], hosts={},
          note="not in the cycle itself: its only NS host is inside it", **cyc)
    # 5. the stale parent server: tld3.@stale still delegates to the old operator (BIND) with the
    # old DS.  mv1 keeps both KSKs published and signing (double-KSK) and the old operator serves
    # the same keys, so every mix of the two parents' answers validates: the verdict does not
    # depend on which parent server a resolver asks.
    stale = ["parent_servers_disagree"]
    child("mv1.tld3.", "stale-parent", sig(13, "double-csk", "dnssec-signzone"), serial=2,
          ds_keys=[1], findings=stale)
    zones.append(zone("mv1.tld3.", variant="old", keys_of="mv1.tld3.", servers=["reg-bind"],
                      ns=["ns-old.mv1.tld3."], hosts={"ns-old.mv1.tld3.": [f"A {REG_BIND}"]},
                      sign=sig(13, "double-csk", "dnssec-signzone")))
    child("mv2.tld3.", "stale-parent", serial=2, reason="ds_absent", findings=stale)
    zones.append(zone("mv2.tld3.", variant="old", servers=["reg-bind"], ns=["ns-old.mv2.tld3."],
                      hosts={"ns-old.mv2.tld3.": [f"A {REG_BIND}"]}))
    # 6. CNAME at an NS host (RFC 2181 §10.3 forbids it; resolvers follow it anyway).
    zones.append(zone("cn-op.tld4.", ns=["a.cn-op.tld4.", "b.cn-op.tld4."],
                      hosts={"a.cn-op.tld4.": [f"A {CHILD_NSD}"],
                             "b.cn-op.tld4.": [f"A {CHILD_KNOT}"],
                             "ns1.cn-op.tld4.": ["CNAME real1.cn-op.tld4."],
                             "real1.cn-op.tld4.": [f"A {CHILD_NSD}"],
                             "ns2.cn-op.tld4.": [f"A {CHILD_KNOT}"]},
                      sign=sig(13, "csk", "dnssec-signzone")))
    child("cn1.tld2.", "cname-ns", sig(15, "csk", "ldns-signzone"), ns=["ns1.cn-op.tld4."],
          hosts={}, note="its only NS host is a CNAME")
    child("cn2.tld2.", "cname-ns", ns=["ns1.cn-op.tld4.", "ns2.cn-op.tld4."], hosts={},
          reason="opt_out", note="one NS host is a CNAME, the other has an address")
    # 7. lame servers: ns2 REFUSED (a server without the zone), ns3 a referral (no AA) from a
    # server of the parent (lame1) or of the root (lame2).
    lame = ["lame_server"]
    child("lame1.tld2.", "lame", sig(13, "ksk-zsk", "dnssec-signzone"),
          ns=["ns1.lame1.tld2.", "ns2.lame1.tld2.", "ns3.lame1.tld2."],
          hosts={"ns1.lame1.tld2.": [f"A {CHILD_NSD}"], "ns2.lame1.tld2.": [f"A {REG_NSD}"],
                 "ns3.lame1.tld2.": [f"A {TLD_KNOT}"]}, findings=lame)
    child("lame2.tld4.", "lame", ns=["ns1.lame2.tld4.", "ns2.lame2.tld4.", "ns3.lame2.tld4."],
          hosts={"ns1.lame2.tld4.": [f"A {CHILD_KNOT}"], "ns2.lame2.tld4.": [f"A {REG_BIND}"],
                 "ns3.lame2.tld4.": [f"A {ROOT_KNOT}"]}, reason="ds_absent", findings=lame)
    # 8. name servers in a sibling zone on the same servers, glue in the parent.
    sib_ns = ["ns1.sib.tld2.", "ns2.sib.tld2."]
    zones.append(zone("sib.tld2.", sign=sig(13, "csk", "dnssec-signzone")))
    child("sibd1.tld2.", "sibling", sig(13, "csk", "ldns-signzone", "nsec3", salt="-",
                                        iterations=0), ns=sib_ns, hosts={})
    child("sibd2.tld2.", "sibling", ns=sib_ns, hosts={}, reason="opt_out")
    return zones, children


def zone_names(zones):
    return sorted({z["name"] for z in zones}, key=lambda n: (n.count("."), n))


def parent_of(name, names):
    best = None
    for cand in names:
        if cand != name and in_zone(name, cand) and (best is None or len(cand) > len(best)):
            best = cand
    return best


def cuts_of(name, names):
    out = [name]
    while out[-1] != ".":
        out.append(parent_of(out[-1], names))
    return list(reversed(out))


# --- Keys and zone texts ----------------------------------------------------------------------------
def make_keys(lab, zones):
    """Generates every zone's keys (variants share their keys_of zone's); returns {id: KeySet},
    plus a stray key for zones whose parent publishes the DS of a key never published."""
    jobs = []
    for z in zones:
        spec = z["sign"]
        if not spec or z["keys_of"]:
            continue
        roles = {"csk": [(True, "csk")], "ksk-zsk": [(True, "ksk"), (False, "zsk")],
                 "double-csk": [(True, "csk"), (True, "csk")]}[spec["style"]]
        jobs += [(z["id"], z["name"], spec["algorithm"], sep, role, i)
                 for i, (sep, role) in enumerate(roles)]
        if z["ds_stray"]:
            jobs.append((z["id"] + "#stray", z["name"], spec["algorithm"], True, "stray", 0))

    def gen(job):
        zid, name, alg, sep, role, order = job
        directory = lab.p("keys", fid(zid.split("#")[0]) + ("-stray" if role == "stray" else ""))
        return zid, order, L.generate_key(directory, name, alg, sep), role

    entries = {}
    for zid, order, key, role in L.parallel(lab.jobs, gen, jobs):
        entries.setdefault(zid, []).append((order, key, role))
    keysets = {zid: L.KeySet([(k, r) for _, k, r in sorted(e, key=lambda x: x[0])])
               for zid, e in entries.items()}
    for z in zones:
        if z["keys_of"]:
            keysets[z["id"]] = keysets[z["keys_of"]]
    return keysets


def delegation(child_zone, keysets, override=None):
    """NS, glue hosts and DS lines a parent publishes for child_zone (its current version)."""
    ks = keysets.get(child_zone["id"])
    ns = child_zone["ns"]
    ds_keys = child_zone["ds_keys"]
    glue = None
    if override:
        ns = override.get("ns", ns)
        ds_keys = override.get("ds_keys", ds_keys)
        glue = override.get("glue")
    if child_zone["ds_stray"]:
        ds = [keysets[child_zone["id"] + "#stray"].keys()[0].ds()]
    elif ks is None:
        ds = []
    else:
        seps = ks.sep_keys()
        ds = [k.ds() for i, k in enumerate(seps) if ds_keys is None or i in ds_keys]
    return {"ns": list(ns), "glue": glue, "ds": ds}


def host_addresses(zones):
    """{host: [address]} from every zone's address records (CNAME hosts have none)."""
    out = {}
    for z in zones:
        for host, recs in z["hosts"].items():
            for rec in recs:
                rtype, value = rec.split()
                if rtype in ("A", "AAAA") and value not in out.setdefault(host, []):
                    out[host].append(value)
    return out


def zone_text(z, zones, keysets, addresses):
    name = z["name"]
    names = zone_names(zones)
    contact = "hostmaster.root-servers.tld." if name == "." else f"hostmaster.{name}"
    lines = ["$TTL 300",
             f"{name} IN SOA {z['ns'][0]} {contact} {z['serial']} 1800 900 1209600 60"]
    lines += [f"{name} IN NS {h}" for h in z["ns"]]
    own = set()
    for host, recs in z["hosts"].items():
        own.add(host)
        lines += [f"{host} IN {rec}" for rec in recs]
    lines.append(f'{name} IN TXT "zonewatch topolab {z["id"]}"')
    if name != ".":
        lines.append(f"www.{name} IN A 192.0.2.54")
    glue = set()
    for child_zone in zones:
        if child_zone["variant"] or parent_of(child_zone["name"], names) != name:
            continue
        deleg = delegation(child_zone, keysets, z["overrides"].get(child_zone["name"]))
        lines += [f"{child_zone['name']} IN NS {h}" for h in deleg["ns"]]
        lines += [f"{child_zone['name']} IN DS {ds}" for ds in deleg["ds"]]
        for host in deleg["ns"]:
            # Glue only where this zone may speak for the host, and once.
            if not in_zone(host, name) or host in own:
                continue
            for address in (deleg["glue"] or {}).get(host, addresses.get(host, [])):
                rtype = "AAAA" if ":" in address else "A"
                glue.add(f"{host} IN {rtype} {address}")
    lines += sorted(glue)
    return "\n".join(lines) + "\n"


def build_zones(lab, zones, keysets):
    """Signs (or writes) every zone and publishes it to the servers that load it; Knot-signed
    zones only get their unsigned source (zones/src/knot/)."""
    addresses = host_addresses(zones)

    def one(z):
        text = zone_text(z, zones, keysets, addresses)
        spec = z["sign"]
        out = lab.p("zones", "signed", fid(z["id"]) + ".zone")
        if spec and spec["signer"] == "knot":
            L.write_file(lab.p("zones", "src", "knot", L.fname(z["name"]) + ".zone"), text)
            return
        if spec:
            L.sign_zone(z["name"], text, keysets[z["id"]], spec["signer"], spec["denial"], out,
                        lab.p("work", fid(z["id"])), salt=spec.get("salt", "-"),
                        iterations=spec.get("iterations", 0), opt_out=spec.get("opt_out", False))
        else:
            L.write_file(out, text)
        for sid in z["servers"]:
            L.publish(out, lab.p("serve", sid, fid(z["id"]) + ".zone"))

    L.parallel(lab.jobs, one, zones)


def write_anchor_files(lab, keysets):
    ksk = keysets["."].keys("ksk")[0]
    L.write_file(lab.p("root.hints"), "".join(
        [f".\t3600000\tIN\tNS\t{h}\n" for h in ROOT_HOSTS] +
        [f"{h}\t3600000\tIN\tA\t{a}\n" for h, a in ROOT_HOSTS.items()]))
    L.write_file(lab.p("root.ds"), f". 3600 IN DS {ksk.ds()}\n")
    L.write_file(lab.p("root.dnskey"), f". 3600 IN DNSKEY 257 3 {ksk.algorithm} {ksk.key_b64}\n")
    tag, alg, dtype, digest = ksk.ds().split()
    L.write_file(lab.p("delv.anchors"),
                 f'trust-anchors {{\n  "." static-ds {tag} {alg} {dtype} "{digest}";\n}};\n')


# --- Servers ----------------------------------------------------------------------------------------
def knot_signed(zones):
    return [z for z in zones if z["sign"] and z["sign"]["signer"] == "knot"]


def write_configs(lab, zones, keysets):
    served = {sid: [z for z in zones if sid in z["servers"]] for sid in SERVERS}
    signed_by_knot = {z["name"] for z in knot_signed(zones)}
    path = lambda sid, z: lab.p("serve", sid, fid(z["id"]) + ".zone")
    for sid in ("root-nsd", "tld-nsd", "reg-nsd"):
        L.write_nsd_conf(lab, sid, SERVERS[sid][1], [(z["name"], path(sid, z)) for z in served[sid]])
    # The child NSD gets the Knot-signed zones by AXFR from the child Knot, added with addzones
    # once Knot serves them signed (as lab.py does).
    pattern = f"""pattern:
  name: from-knot
  zonefile: "{lab.p('serve', 'child-nsd', 'xfr', '%s.zone')}"
  request-xfr: AXFR {CHILD_KNOT}@{PORT} NOKEY
  allow-notify: {CHILD_KNOT} NOKEY
  outgoing-interface: {CHILD_NSD}
"""
    L.write_nsd_conf(lab, "child-nsd", CHILD_NSD,
                     [(z["name"], path("child-nsd", z)) for z in served["child-nsd"]
                      if z["name"] not in signed_by_knot], pattern)
    for sid in ("root-knot", "tld-knot"):
        L.write_knot_conf(lab, sid, SERVERS[sid][1], [
            f"  - domain: {z['name']}\n    file: \"{path(sid, z)}\"\n" for z in served[sid]])
    entries = []
    for z in served["child-knot"]:
        if z["name"] in signed_by_knot:
            entries.append(L.knot_zone_entry(lab, z["name"], "knot-signed",
                                             L.knot_policy({"denial": z["sign"]["denial"]})))
        else:
            entries.append(L.knot_zone_entry(lab, z["name"], "presigned"))
    L.write_knot_conf(lab, "child-knot", CHILD_KNOT, entries, signing=True, secondary=CHILD_NSD,
                      via=CHILD_KNOT)
    L.write_bind_conf(lab, base64.b64encode(os.urandom(32)).decode(), sid="reg-bind",
                      address=REG_BIND)
    L.write_file(lab.p("config", "reg-bind-zones.conf"), "".join(
        f'zone "{z["name"]}" {{ type primary; file "{path("reg-bind", z)}"; }};\n'
        for z in served["reg-bind"]))
    L.write_unbound_conf(lab, address=ORACLE)
    for sid in ("root-knot", "tld-knot", "child-knot"):
        os.makedirs(lab.p("db", sid), exist_ok=True)
    conf = lab.p("config", "child-knot.conf")
    for z in knot_signed(zones):
        for key, role in keysets[z["id"]].entries:
            L.run(["keymgr", "-c", conf, z["name"], "import-bind", key.base + ".private"])
            if role == "csk":
                L.run(["keymgr", "-c", conf, z["name"], "set", str(key.tag), "zsk=yes"])


def start_servers(lab, zones):
    for sid in ("child-knot", "root-knot", "tld-knot"):
        lab.start(sid, ["knotd", "-c", lab.p("config", f"{sid}.conf")])
    for sid in ("root-nsd", "tld-nsd", "reg-nsd", "child-nsd"):
        lab.start(sid, ["nsd", "-d", "-c", lab.p("config", f"{sid}.conf")])
    lab.add_lo_address(REG_BIND)
    lab.start("reg-bind", ["named", "-f", "-4", "-n", "1", "-c", lab.p("config", "reg-bind.conf")])
    lab.start("oracle-unbound", ["unbound", "-d", "-c", lab.p("config", "oracle-unbound.conf")])

    signed_by_knot = [z["name"] for z in knot_signed(zones)]
    knot_serials = {n: lab.wait_signed(CHILD_KNOT, n, 1) for n in signed_by_knot}
    if signed_by_knot:
        lab.nsd_control("child-nsd", "addzones",
                        input_text="".join(f"{L.fname(n)} from-knot\n" for n in signed_by_knot))
    for z in zones:
        for sid in z["servers"]:
            serial = knot_serials.get(z["name"], z["serial"])
            lab.wait_serial(SERVERS[sid][1], z["name"], serial)
    lab.wait_for("oracle unbound", lambda: labdns.query(ORACLE, ".", "SOA", rd=True,
                                                         timeout=1.0).rcode == 0)


# --- up / down / status -----------------------------------------------------------------------------
def preflight(lab):
    missing = [t for t in L.TOOLS if shutil.which(t) is None]
    if missing:
        raise L.LabError(f"missing tools: {' '.join(missing)} (deploy/install-deps.sh test)")
    if os.geteuid() != 0:
        raise L.LabError("the topology lab binds port 53 and must run as root")
    if len(lab.p("run", "oracle-unbound.ctl")) > 100:
        raise L.LabError(f"DIR path too long for unix control sockets: {lab.dir}")
    for address in ADDRESSES:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind((address, PORT))
            except OSError as err:
                if err.errno == errno.EADDRINUSE:
                    raise L.LabError(f"{address}:{PORT} is in use (another topology lab running? "
                                     f"topolab.py down ITS_DIR)") from err
                raise


def prepare_dir(lab):
    marker = lab.p(MARKER)
    L.wipe_lab_dir(lab, marker, "a topology lab directory")
    for sub in ["config", "run", "log", "keys", "work", "db", "zones/src/knot", "zones/signed",
                "serve/child-nsd/xfr"] + [f"serve/{sid}" for sid in SERVERS]:
        os.makedirs(lab.p(sub), exist_ok=True)
    L.write_file(marker, "zonewatch topology lab directory (tests/lab/topolab.py); wiped by 'up'\n")


def describe(lab, zones, children, keysets, now, elapsed):
    names = zone_names(zones)
    by_id = {z["id"]: z for z in zones}
    addresses = host_addresses(zones)
    out_children = []
    for c in children:
        z = by_id[c["zone_id"]]
        spec = z["sign"] or {}
        deleg = delegation(z, keysets)
        parent = parent_of(c["name"], names)
        keys = keysets.get(z["id"])
        out_children.append({
            "name": c["name"], "shape": c["shape"], "signed": bool(spec),
            "signer": spec.get("signer"), "algorithm": spec.get("algorithm"),
            "denial": spec.get("denial"), "key_style": spec.get("style"),
            "expected": c["expected"], "expected_reason": c["expected_reason"],
            "expected_findings": c["expected_findings"], "oracle": c["oracle"],
            "cuts": cuts_of(c["name"], names), "parent": parent,
            "ns": deleg["ns"],
            "glue": {h: addresses[h] for h in deleg["ns"] if in_zone(h, parent) and h in addresses},
            "servers": sorted({SERVERS[s][1] for s in z["servers"]}),
            "ds": deleg["ds"],
            "keys": [dict(k.describe(), role=r) for k, r in keys.entries] if keys else [],
            "note": c["note"]})
    upper = [z for z in zones if z["name"] not in {c["name"] for c in children}]
    return {
        "version": 1, "dir": lab.dir, "created": now.isoformat(),
        "root_hints": lab.p("root.hints"), "trust_anchor": lab.p("root.ds"),
        "trust_anchor_dnskey": lab.p("root.dnskey"), "delv_anchors": lab.p("delv.anchors"),
        "servers": [{"id": sid, "software": sw, "address": addr, "port": PORT,
                     "zones": [z["id"] for z in zones if sid in z["servers"]]}
                    for sid, (sw, addr) in SERVERS.items()],
        "oracle": {"id": "oracle-unbound", "software": "unbound", "address": ORACLE, "port": PORT},
        "zones": [{"id": z["id"], "name": z["name"], "signed": bool(z["sign"]),
                   "signer": (z["sign"] or {}).get("signer"),
                   "denial": (z["sign"] or {}).get("denial"),
                   "opt_out": bool((z["sign"] or {}).get("opt_out")), "serial": z["serial"],
                   "ns": z["ns"], "servers": [SERVERS[s][1] for s in z["servers"]]}
                  for z in upper],
        "shapes": SHAPES, "skipped": SKIPPED,
        "signatures": {"inception": (now - L.BACKDATE).isoformat(),
                       "expiration": (now + L.VALIDITY).isoformat()},
        "up_seconds": elapsed,
        "children": out_children,
    }


def cmd_up(lab):
    started = time.monotonic()
    preflight(lab)
    prepare_dir(lab)
    now = L.utc_now()
    zones, children = hierarchy()
    log(f"up: {len(zones)} zones, {len(children)} children in {lab.dir}")
    keysets = make_keys(lab, zones)
    t_keys = time.monotonic()
    build_zones(lab, zones, keysets)
    write_anchor_files(lab, keysets)
    t_sign = time.monotonic()
    write_configs(lab, zones, keysets)
    start_servers(lab, zones)
    t_ready = time.monotonic()
    elapsed = round(t_ready - started, 2)
    meta = describe(lab, zones, children, keysets, now, elapsed)
    L.write_file(lab.p("topolab.json"), json.dumps(meta, indent=1) + "\n")
    log(f"up: ready in {elapsed} s (keys {t_keys - started:.1f} s, signing "
          f"{t_sign - t_keys:.1f} s, servers ready {t_ready - t_sign:.1f} s); "
          f"{lab.p('topolab.json')}")


def load_meta(lab):
    path = lab.p("topolab.json")
    if not os.path.exists(path):
        raise L.LabError(f"{path} does not exist: is the topology lab up?")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def cmd_status(lab):
    meta = load_meta(lab)
    alive = 0
    for path in lab.pid_files():
        with open(path, encoding="ascii") as handle:
            pid = int(handle.read().strip())
        ok = lab._ours(pid)
        alive += ok
        print(f"{os.path.basename(path)[:-4]:16} pid {pid:7} {'running' if ok else 'DEAD'}")
    for server in meta["servers"]:
        zone_name = server["zones"][0].split("@")[0]
        try:
            serial = L.Lab.serial_at(server["address"], zone_name)
        except (OSError, labdns.DnsError):
            serial = None
        print(f"{server['id']:16} {server['address']:12} {zone_name} serial {serial}")
    print(f"children: {len(meta['children'])} in {len(meta['shapes'])} shapes")
    return 0 if alive and alive == len(lab.pid_files()) else 1


# --- check: the lab's own verification -----------------------------------------------------------
run_quiet = oracles.run_quiet  # noqa: E305  (one definition, in oracles.py)


def cmd_check(lab):
    """Asks the oracle (Unbound), delv and the servers themselves whether every child is what
    topolab.json says; prints one line per check, returns 1 if any failed."""
    meta = load_meta(lab)
    failed = 0

    def check(ok, what, detail=""):
        nonlocal failed
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'}: {what}" + ("" if ok or not detail else f" -- {detail}"),
              flush=True)

    lab.flush_oracle()
    for c in meta["children"]:
        name = c["name"]
        unbound, utext = oracles.unbound_verdict(ORACLE, name)
        delv, dtext = oracles.delv_verdict(ORACLE, meta["delv_anchors"], name)
        if c["oracle"]:
            want_delv = "failed" if c["expected"] == "bogus" else c["expected"]
            check(unbound == c["expected"] and delv == want_delv,
                  f"{name} [{c['shape']}]: unbound={unbound} delv={delv}, expected {c['expected']}",
                  utext[-600:] + dtext[-400:])
        else:
            check(unbound == "unresolvable" and delv.startswith(("failed", "error")),
                  f"{name} [{c['shape']}]: unresolvable for unbound ({unbound}) and delv ({delv})",
                  utext[-600:])
        if c["oracle"]:
            # Every cut is a zone of its own: its SOA is owned by the cut name.
            for cut in c["cuts"]:
                text = run_quiet(["dig", f"@{ORACLE}", "+cd", "+noall", "+answer", cut, "SOA"])
                owners = {line.split()[0] for line in text.splitlines() if " SOA " in
                          line.replace("\t", " ")}
                check(owners == {cut}, f"{name}: {cut} is a zone cut (SOA owner {owners})", text)
        shape_checks(check, meta, c)
    print(f"topolab check: {'all passed' if not failed else f'{failed} failed'}")
    return 1 if failed else 0


def referral_from(address, name):
    msg = labdns.query(address, name, "NS", timeout=2.0)
    ns = sorted({labdns.read_name(msg.wire, r.rdata_offset)[0] for r in msg.authority
                 if r.rtype == labdns.TYPES["NS"] and r.name.lower() == name})
    glue = sorted(r.name for r in msg.additional if r.rtype in (1, 28))
    return msg, ns, glue


def shape_checks(check, meta, c):
    """What makes each shape that shape, seen at the servers directly (no resolver)."""
    name, shape = c["name"], c["shape"]
    parent_servers = {}  # zone name -> addresses of every server of every version of it
    for z in meta["zones"]:
        parent_servers.setdefault(z["name"], []).extend(z["servers"])
    if shape in ("shared-root-tld", "shared-registry"):
        # A server of the grandparent answers the referral for the child from the parent zone.
        grand = c["cuts"][-3]
        address = parent_servers[grand][0]
        msg, ns, _ = referral_from(address, name)
        check(not msg.aa and ns == sorted(c["ns"]),
              f"{name}: {grand} server {address} refers straight to the child ({ns})")
    elif shape in ("glueless", "cycle"):
        for address in parent_servers[c["parent"]]:
            msg, ns, glue = referral_from(address, name)
            check(ns == sorted(c["ns"]) and not glue,
                  f"{name}: {c['parent']} at {address} delegates to {ns} without glue ({glue})")
    elif shape == "stale-parent":
        views = {}
        for address in parent_servers[c["parent"]]:
            _, ns, _ = referral_from(address, name)
            ds = labdns.query(address, name, "DS", do=True, timeout=2.0).rrs("DS")
            views[address] = (tuple(ns), tuple(sorted(r.rdata.hex()[:8] for r in ds)))
        ns_views = {v[0] for v in views.values()}
        ds_views = {v[1] for v in views.values()}
        check(len(ns_views) == 2 and len(ds_views) == (2 if c["signed"] else 1),
              f"{name}: the parent servers disagree on NS" + (" and DS" if c["signed"] else "")
              + f": {views}")
    elif shape == "cname-ns":
        host = c["ns"][0]
        msg = labdns.query(CHILD_NSD, host, "A", timeout=2.0)
        check(bool(msg.rrs("CNAME")), f"{name}: NS host {host} is a CNAME")
    elif shape == "lame":
        rcodes = {}
        for host in c["ns"]:
            address = c["glue"][host][0]
            msg = labdns.query(address, name, "SOA", timeout=2.0)
            rcodes[host] = msg.rcode_name + (" aa" if msg.aa else "")
        check(sorted(rcodes.values()) == ["NOERROR", "NOERROR aa", "REFUSED"],
              f"{name}: one server authoritative, one REFUSED, one not authoritative: {rcodes}")
    elif shape == "sibling":
        msg, ns, glue = referral_from(parent_servers[c["parent"]][0], name)
        check(ns == sorted(c["ns"]) and glue == sorted(c["ns"]),
              f"{name}: referral to the sibling's hosts {ns} with their glue {glue}")


def main(argv):
    parser = argparse.ArgumentParser(prog="topolab.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="build and start the topology lab in DIR (wipes a previous one)")
    up.add_argument("dir")
    up.add_argument("--jobs", type=int, default=None, help="parallel signing jobs (default: CPUs)")
    for name, text in (("down", "stop every process the topology lab in DIR started"),
                       ("status", "show processes and serials"),
                       ("check", "verify every shape against the oracle, delv and the servers")):
        sub.add_parser(name, help=text).add_argument("dir")
    args = parser.parse_args(argv)
    lab = L.Lab(args.dir, getattr(args, "jobs", None))
    try:
        if args.command == "up":
            L.guarded_up(lab, lambda: cmd_up(lab), say=log)
        elif args.command == "down":
            return L.cmd_down(lab, say=log)
        elif args.command == "status":
            return cmd_status(lab)
        elif args.command == "check":
            return cmd_check(lab)
    except L.LabError as err:
        print(f"topolab: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
