#!/usr/bin/env python3
"""`zonewatch check --json` against the lab (tests/lab), and a differential test of its DNSSEC
verdicts against two validating resolvers.

For every lab child as created, and for every lab mutation the lab can apply to each of the 12
children (all of tests/lab/README.md's scenarios; `applicable()` says which a child cannot take and
why), it checks:

  - what the issue asks of `zonewatch check --json`: the status, the reason where the scenario
    defines one, the finding codes, the data that shows the change (operators, parent NS/glue/DS
    and denial, keys, CDS), and that the Nagios exit code is the one the findings call for;
  - that the delegation zonewatch reports is the one the lab says it publishes (DIR/state/);
  - that zonewatch's secure/insecure/bogus verdict equals the lab's Unbound oracle (127.53.3.1:
    AD = secure, NOERROR without AD = insecure, SERVFAIL that +cd clears = bogus) and delv's
    (BIND's validator through the oracle with CD set, anchored at DIR/delv.anchors). Any
    disagreement fails and prints all three outputs in full.

Then an IDN name (U-label input, A-label shown), a child whose second server does not answer at
all (the `lossy` scenario's proxy, stopped: server_unreachable, exit WARNING) and an unreachable
root.

Every child it mutates is restored, also on failure or SIGTERM. The lab must be up and the caller
must hold the lab (ctest: FIXTURES_REQUIRED/RESOURCE_LOCK lab; by hand: flock
/tmp/zonewatch-lab.lock). Nothing leaves 127.0.0.0/8.

usage: check_lab_test.py ZONEWATCH LAB_DIR LAB_SH
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from lab_checks import Checks, lossy_proxy_pid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
import oracles  # noqa: E402  (tests/lab/oracles.py: Unbound and delv as reference validators)

ORACLE = "127.53.3.1"
OTHER_BIND = "127.53.2.1"
LOSSY = "127.53.6.1"  # the lab's lossy proxy (scenario lossy)
OTHER_OPERATOR = "other-operator.lab."
# Every scenario of tests/lab/README.md, in the order each child gets them: the KSK rollover steps
# build on each other and come last; every other mutation starts from the child as created (the
# lab restores it first).
SCENARIOS = ["move-ns", "move-ns-unsigned", "remove-ds", "ds-mismatch", "resign-newkey",
             "strip-sigs", "expire-sigs", "change-glue", "lossy", "diverge", "cds-delete",
             "cds-publish", "ksk-roll-1", "ksk-roll-2", "ksk-roll-3"]
# The lab refuses these for an unsigned child: there is no DS to remove, no key to re-sign with,
# no signature to strip or expire, no key to publish CDS for or to roll (tests/lab/README.md).
NEEDS_SIGNED = {"remove-ds", "resign-newkey", "strip-sigs", "expire-sigs", "cds-delete",
                "cds-publish", "ksk-roll-1", "ksk-roll-2", "ksk-roll-3"}
# These move the glue of the child's own ns2 host: a child whose name servers live in another
# zone (dns-alpha.lab., dns-beta.lab.) has no glue of its own to move.
NEEDS_GLUE = {"change-glue", "lossy"}
# Nagios plugin codes (monitor/probe/README.md, "Exit codes").
OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAGIOS_RANK = {OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3}  # monitoring-plugins' max_state_alt
# The oracle's and delv's verdicts are asked while zonewatch observes the same state.
VERDICT_POOL = ThreadPoolExecutor(max_workers=2)


class Interrupted(Exception):
    pass


def on_sigterm(_signum, _frame):
    # ctest's timeout sends SIGTERM: unwind through the finally blocks that restore the children.
    raise Interrupted("SIGTERM")


def run(cmd, timeout=120):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as err:
        return -1, err.stdout or "", f"timed out after {timeout} s"


def fqdn(name):
    return name if name.endswith(".") else name + "."


class Lab:
    def __init__(self, directory, lab_sh):
        self.dir = directory
        self.sh = lab_sh
        with open(os.path.join(directory, "lab.json"), encoding="utf-8") as handle:
            self.meta = json.load(handle)
        self.children = {c["name"]: c for c in self.meta["children"]}
        self.mutated = set()

    def state(self, child):
        path = os.path.join(self.dir, "state", child.rstrip(".") + ".json")
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    def mutate(self, child, scenario):
        self.mutated.add(child)
        code, out, err = run(["bash", self.sh, "mutate", self.dir, child, scenario], timeout=300)
        return code == 0, (out + err).strip()

    def restore(self, child):
        code, out, err = run(["bash", self.sh, "restore", self.dir, child], timeout=300)
        if code == 0:
            self.mutated.discard(child)
        return code == 0, (out + err).strip()

    def flush(self):
        return run(["bash", self.sh, "flush", self.dir])[0] == 0

    def lossy_proxy_pid(self):
        """The PID of this lab's lossy proxy, else None (lab_checks.lossy_proxy_pid)."""
        return lossy_proxy_pid(self.dir)


class Zonewatch:
    def __init__(self, binary, lab):
        self.binary = binary
        self.lab = lab

    def check(self, domains, root_hints=None, extra=()):
        cmd = [self.binary, "check", "--root-hints", root_hints or self.lab.meta["root_hints"],
               "--trust-anchor", self.lab.meta["trust_anchor"], "--json", *extra, *domains]
        code, out, err = run(cmd)
        observations, problem = [], None
        for line in out.splitlines():
            if not line.strip():
                continue
            try:
                observations.append(json.loads(line))
            except json.JSONDecodeError as exc:
                problem = f"not JSON ({exc}): {line[:200]}"
        if problem is None and len(observations) != len(domains):
            problem = f"{len(observations)} JSON lines for {len(domains)} domains"
        return {"cmd": cmd, "code": code, "obs": observations, "stdout": out, "stderr": err,
                "problem": problem}


def applicable(meta, scenario):
    """(True, "") when the lab can apply SCENARIO to the child META describes, else (False, why)."""
    if scenario in NEEDS_SIGNED and not meta["signed"]:
        return False, "unsigned"
    if scenario in NEEDS_GLUE and not meta["glue"]:
        return False, "name servers outside the child, no glue of its own"
    return True, ""


def nagios_code(obs):
    """The exit code monitor/probe/README.md assigns to one observation, from its JSON."""
    if obs["error"] is not None:
        return UNKNOWN
    severities = {f["severity"] for f in obs["findings"]}
    if "critical" in severities:
        return CRITICAL
    if "warning" in severities:
        return WARNING
    return OK


def worst(codes):
    return max(codes, key=lambda c: NAGIOS_RANK.get(c, -1), default=OK)


# --- the two reference validators -------------------------------------------------------------

def oracle_verdict(name):
    """Unbound's verdict on NAME's SOA: (verdict, full dig output)."""
    return oracles.unbound_verdict(ORACLE, name)


def delv_verdict(lab, name):
    """delv's verdict on NAME's SOA, validating itself through the oracle: (verdict, output)."""
    verdict, text = oracles.delv_verdict(ORACLE, lab.meta["delv_anchors"], name)
    return ("bogus" if verdict == "failed" else verdict), text


def reference_verdicts(lab, name):
    """Starts asking the oracle and delv about NAME, alongside whatever the caller does next (the
    lab does not change meanwhile); differential() collects the answers."""
    return VERDICT_POOL.submit(oracle_verdict, name), VERDICT_POOL.submit(delv_verdict, lab, name)


def differential(t, lab, label, name, obs, references=None):
    zonewatch = obs["status"] if obs else "no-observation"
    oracle, delv_future = references or reference_verdicts(lab, name)
    unbound, unbound_text = oracle.result()
    delv, delv_text = delv_future.result()
    ok = t.check(zonewatch == unbound == delv,
                 f"{name} [{label}] verdicts agree: zonewatch={zonewatch} unbound={unbound} "
                 f"delv={delv}")
    if not ok:
        print(f"----- zonewatch check --json {name} -----")
        print(json.dumps(obs, indent=2, ensure_ascii=False) if obs else "(no observation)")
        print(f"----- dig @{ORACLE} +dnssec {name} SOA -----")
        print(unbound_text)
        print(f"----- delv @{ORACLE} +cdflag {name} SOA -----")
        print(delv_text)
        print("----- end -----", flush=True)


# --- what zonewatch must show for each scenario -------------------------------------------------

def codes_of(obs):
    return sorted({f["code"] for f in obs["findings"]})


def ds_tags(ds_list):
    return sorted(d["key_tag"] for d in ds_list)


def keys_of(obs):
    """(tag, flags) of the DNSKEYs of the first server that answered authoritatively."""
    for s in obs["servers"]:
        if s["error"] is None and s["aa"]:
            return sorted((k["tag"], k["flags"]) for k in s["dnskey"])
    return []


def check_delegation(t, lab, label, child, obs):
    """The parent data zonewatch reports is what the lab says the TLD publishes now."""
    # A child never mutated has no "delegation" in its state file yet: lab.json says what it is.
    meta = lab.children[child]
    want = lab.state(child).get("delegation") or {k: meta[k] for k in ("ns", "glue", "ds")}
    parent = obs["parent"]
    t.check(sorted(parent["ns"]) == sorted(fqdn(n).lower() for n in want["ns"]),
            f"{child} [{label}] parent.ns is the lab's delegation {sorted(want['ns'])}",
            f"zonewatch: {parent['ns']}")
    # The lab lists the child's own glue; a referral also carries the addresses the TLD holds for
    # out-of-zone NS hosts in sibling zones (ns1.dns-alpha.lab., ...), which parent.glue shows too.
    got_glue = {g["host"]: sorted(g["addresses"]) for g in parent["glue"]}
    own_glue = {h: a for h, a in got_glue.items() if h.endswith("." + child)}
    want_glue = {fqdn(h).lower(): [a] for h, a in want["glue"].items()}
    t.check(own_glue == want_glue and set(got_glue) <= set(parent["ns"]),
            f"{child} [{label}] parent.glue is the lab's {want_glue or '(none in the zone)'}",
            f"zonewatch: {got_glue}")
    got_ds = sorted(f"{d['key_tag']} {d['algorithm']} {d['digest_type']} {d['digest']}".upper()
                    for d in parent["ds"])
    want_ds = sorted(d.upper() for d in want["ds"])
    t.check(got_ds == want_ds, f"{child} [{label}] parent.ds is the lab's "
            f"({' '.join(d.split()[0] for d in want_ds) or 'none'})", f"zonewatch: {got_ds}")


def check_exit(t, label, child, code, obs, want_code):
    """CODE: the exit code of a `check` of CHILD alone."""
    derived = nagios_code(obs)
    t.check(code == derived == want_code,
            f"{child} [{label}] exit code {code} is {want_code} and the one its findings give",
            f"findings give {derived}: {codes_of(obs)}")


def check_diverge(t, child, label, obs):
    """Scenario diverge: Knot (ns2, 127.53.1.2) serves the zone with SOA serial + 1 and an extra
    NS ns3.CHILD (A 127.53.1.1) that NSD's copy (ns1) lacks. Both codes are right, each for its
    own rule, so both are required, with exactly these servers and values:
      - servers_disagree, twice: the SOA serials and the NS sets of the two copies differ (copies
        of a zone on its authoritative servers are one zone, RFC 1034 §4.3.5 / RFC 1996);
      - ns_parent_child_mismatch for ns2 alone: its apex NS set is not the parent's delegation
        (RFC 1034 §4.2.2: the NS RRs at the cut are to be the same on both sides);
      - server_unreachable for ns3, "no address found": zonewatch resolves ns3 from the zone's
        servers in the delegation's order, and ns1's authoritative NXDOMAIN for it ends the
        lookup (RFC 1034 §5.3.3, RFC 2308 §2.1), as it ends a resolver's.
    Nothing else: no DNSKEY disagreement (same keys), no glue mismatch."""
    knot = [s for s in obs["servers"] if s["address"] == "127.53.1.2"]
    knot_label = f"{knot[0]['name']} 127.53.1.2" if len(knot) == 1 else "(no server at 127.53.1.2)"
    ns3 = f"ns3.{child}"
    got = sorted((f["code"], f["server"] or "", f["severity"]) for f in obs["findings"])
    want = sorted([("ns_parent_child_mismatch", knot_label, "warning"),
                   ("server_unreachable", ns3, "warning"),
                   ("servers_disagree", "", "warning"), ("servers_disagree", "", "warning")])
    t.check(got == want, f"{child} [{label}] findings are exactly servers_disagree x2, "
            f"ns_parent_child_mismatch ({knot_label}) and server_unreachable ({ns3})",
            json.dumps(obs["findings"]))
    messages = {f["message"].split(":")[0] for f in obs["findings"]
                if f["code"] == "servers_disagree"}
    t.check(messages == {"SOA serials differ", "NS sets differ"},
            f"{child} [{label}] servers_disagree: SOA serials and NS sets", str(messages))
    mismatch = [f["message"] for f in obs["findings"] if f["code"] == "ns_parent_child_mismatch"]
    t.check(len(mismatch) == 1 and mismatch[0].endswith(f"(only at the child: {ns3})"),
            f"{child} [{label}] ns_parent_child_mismatch names {ns3} as only at the child",
            str(mismatch))
    unresolved = [s for s in obs["servers"] if s["name"] == ns3]
    t.check(len(unresolved) == 1 and unresolved[0]["error"] == "unresolved",
            f"{child} [{label}] {ns3} is unresolved (NXDOMAIN from ns1)", str(unresolved))
    serials = {s["address"]: s["soa_serial"] for s in obs["servers"] if s["error"] is None}
    t.check(len(serials) == 2 and
            serials.get("127.53.1.2") == (serials.get("127.53.1.1") or 0) + 1,
            f"{child} [{label}] ns2's SOA serial is ns1's + 1 ({serials})")


def check_scenario(t, lab, child, scenario, obs, before, label=None):
    """The issue's expectations for CHILD after SCENARIO (`before`: its original observation);
    returns the Nagios exit code the scenario calls for."""
    meta = lab.children[child]
    label = label or scenario
    status, reason, codes = obs["status"], obs["reason"], codes_of(obs)
    unchanged = "secure" if meta["signed"] else "insecure"

    def want_status(expected):
        t.check(status == expected, f"{child} [{label}] status {expected}",
                f"got {status} ({reason}): {obs['detail']}")

    def want_codes(expected, what=""):
        t.check(set(expected) <= set(codes), f"{child} [{label}] findings include "
                f"{' and '.join(expected)}{what}", f"findings {codes}")

    def want_no_problem():
        t.check(not [f for f in obs["findings"] if f["severity"] != "info"],
                f"{child} [{label}] no warning or critical finding",
                "; ".join(f"{f['code']}: {f['message']}" for f in obs["findings"]))

    want_code = None
    if scenario == "original":
        want_status(unchanged)
        want_no_problem()
        want_code = OK
    elif scenario in ("move-ns", "move-ns-unsigned"):
        want_status("secure" if scenario == "move-ns" else "insecure")
        t.check(obs["operators"] == [OTHER_OPERATOR] and before["operators"] != obs["operators"],
                f"{child} [{label}] operators changed {before['operators']} -> {obs['operators']}")
        t.check(bool(obs["servers"]) and all(s["address"] == OTHER_BIND for s in obs["servers"]),
                f"{child} [{label}] every server address is the new operator's {OTHER_BIND}",
                str([(s["name"], s["address"]) for s in obs["servers"]]))
        if scenario == "move-ns":
            new_ds = ds_tags(obs["parent"]["ds"])
            sep = sorted(tag for tag, flags in keys_of(obs) if flags & 1)
            t.check(bool(new_ds) and new_ds != ds_tags(before["parent"]["ds"]) and new_ds == sep,
                    f"{child} [{label}] the new DS {new_ds} names the new operator's key {sep}",
                    f"DS before {ds_tags(before['parent']['ds'])}")
        else:
            t.check(not obs["parent"]["ds"] and not keys_of(obs),
                    f"{child} [{label}] no DS at the parent, no DNSKEY at the new servers")
        want_no_problem()
        want_code = OK
    elif scenario == "remove-ds":
        want_status("insecure")
        t.check(reason in ("ds_absent", "opt_out"), f"{child} [{label}] reason ds_absent/opt_out",
                f"got {reason}")
        t.check(not obs["parent"]["ds"] and obs["parent"]["denial"] in ("nsec3", "nsec3-opt-out"),
                f"{child} [{label}] parent proves no DS (denial {obs['parent']['denial']!r})",
                f"ds {obs['parent']['ds']}")
        t.check(bool(keys_of(obs)), f"{child} [{label}] the child is still signed "
                f"(DNSKEY {[k for k, _ in keys_of(obs)]})")
        want_no_problem()
        want_code = OK
    elif scenario in ("ds-mismatch", "resign-newkey"):
        want_status("bogus")
        # RFC 4035 §5.2: a DS whose key tag no DNSKEY carries vs. one whose digest is wrong.
        dnskey_tags = {tag for tag, _ in keys_of(obs)}
        tag_present = any(d["key_tag"] in dnskey_tags for d in obs["parent"]["ds"])
        expected_reason = "ds_mismatch" if tag_present else "no_dnskey_matches_ds"
        if not dnskey_tags:
            # An unsigned child given a DS: it serves no DNSKEY RRset at all.
            expected_reason = "dnskey_missing"
        t.check(reason == expected_reason, f"{child} [{label}] reason {expected_reason}",
                f"got {reason}: {obs['detail']}")
        if scenario == "resign-newkey":
            t.check(keys_of(obs) != keys_of(before) and
                    ds_tags(obs["parent"]["ds"]) == ds_tags(before["parent"]["ds"]),
                    f"{child} [{label}] new keys {keys_of(obs)}, DS unchanged")
        want_codes(["dnssec_bogus"])
        want_code = CRITICAL
    elif scenario == "strip-sigs":
        want_status("bogus")
        # A DS at the parent and a zone that serves no DNSKEY (RFC 4035 §5.2).
        t.check(reason == "dnskey_missing", f"{child} [{label}] reason dnskey_missing",
                f"got {reason}: {obs['detail']}")
        t.check(not keys_of(obs) and bool(obs["parent"]["ds"]),
                f"{child} [{label}] DS at the parent, no DNSKEY served")
        want_codes(["dnssec_bogus"])
        want_code = CRITICAL
    elif scenario == "expire-sigs":
        want_status("bogus")
        t.check(reason == "rrsig_expired", f"{child} [{label}] reason rrsig_expired",
                f"got {reason}: {obs['detail']}")
        expiry = obs["earliest_rrsig_expiration_unix"]
        t.check(expiry is not None and expiry < obs["observed_at_unix"],
                f"{child} [{label}] earliest RRSIG expiration {obs['earliest_rrsig_expiration']} "
                f"is before the observation {obs['observed_at']}")
        want_codes(["dnssec_bogus", "signature_expiring"])
        want_code = CRITICAL
    elif scenario in ("change-glue", "lossy"):
        want_status(unchanged)
        host = fqdn(meta["ns"][1]).lower()
        own = {fqdn(h).lower(): a for h, a in meta["glue"].items()}[host]
        moved_to = OTHER_BIND if scenario == "change-glue" else LOSSY
        glue = {g["host"]: g["addresses"] for g in obs["parent"]["glue"]}
        t.check(glue.get(host) == [moved_to], f"{child} [{label}] parent.glue shows {host} at "
                f"{moved_to}", f"glue {glue}")
        asked = [s for s in obs["servers"] if s["name"] == host]
        if scenario == "change-glue":
            t.check(len(asked) == 1 and asked[0]["address"] == OTHER_BIND and
                    asked[0]["error"] is None and asked[0]["aa"],
                    f"{child} [{label}] {host} was asked at the new glue address and answered",
                    str(asked))
        # The zone itself still says the host is at its old address (tests/lab/README.md): every
        # server that answered serves that, and the glue contradicts it.
        served = {tuple(h["addresses"]) for s in obs["servers"] if s["error"] is None
                  for h in s["host_addresses"] if h["host"] == host}
        t.check(served == {(own,)}, f"{child} [{label}] the servers serve {host} at {own}",
                f"served {served}")
        mismatch = [f for f in obs["findings"] if f["code"] == "glue_mismatch"]
        t.check(len(mismatch) == 1 and mismatch[0]["server"] == host and
                moved_to in mismatch[0]["message"] and own in mismatch[0]["message"] and
                mismatch[0]["severity"] == "warning",
                f"{child} [{label}] glue_mismatch names {host}, the glue {moved_to} and {own}",
                json.dumps(obs["findings"]))
        # Under loss the proxied server may miss answers: findings about that address only.
        others = [f for f in obs["findings"] if f["code"] != "glue_mismatch" and
                  f["severity"] != "info" and
                  not (scenario == "lossy" and (f["server"] or "") == f"{host} {LOSSY}")]
        t.check(not others, f"{child} [{label}] no other warning or critical finding",
                "; ".join(f"{f['code']}: {f['message']}" for f in others))
        want_code = WARNING
    elif scenario == "diverge":
        want_status(unchanged)
        check_diverge(t, child, label, obs)
        want_code = WARNING
    elif scenario == "cds-delete":
        want_status("secure")
        want_codes(["cds_delete"])
        deleting = [s["name"] for s in obs["servers"]
                    if any(c["algorithm"] == 0 and c["digest_type"] == 0 for c in s["cds"])]
        t.check(len(deleting) == len(obs["servers"]) > 0,
                f"{child} [{label}] every server shows CDS 0 0 0 00 ({len(deleting)})")
        want_code = WARNING
    elif scenario == "cds-publish":
        want_status("secure")
        ds = sorted((d["key_tag"], d["digest_type"], d["digest"]) for d in obs["parent"]["ds"])
        sep = sorted(tag for tag, flags in keys_of(obs) if flags & 1)
        answered = [s for s in obs["servers"] if s["error"] is None]
        same = [s for s in answered
                if sorted((c["key_tag"], c["digest_type"], c["digest"]) for c in s["cds"]) == ds
                and sorted(k["tag"] for k in s["cdnskey"]) == sep]
        t.check(bool(answered) and len(same) == len(answered),
                f"{child} [{label}] every server publishes CDS = the DS {[d[0] for d in ds]} and "
                f"CDNSKEY = the SEP keys {sep}", str([(s["name"], s["cds"]) for s in answered]))
        # Digests and keys check out, and a CDS equal to the DS asks nothing of the parent.
        t.check(not {"cds_inconsistent", "cds_pending", "cds_unchecked"} & set(codes),
                f"{child} [{label}] no cds_* finding", f"findings {codes}")
        want_no_problem()
        want_code = OK
    elif scenario.startswith("ksk-roll-"):
        want_status("secure")
        ds = ds_tags(obs["parent"]["ds"])
        sep = sorted(tag for tag, flags in keys_of(obs) if flags & 1)
        old_ds = ds_tags(before["parent"]["ds"])
        if scenario == "ksk-roll-1":
            t.check(len(sep) == 2 and ds == old_ds and set(old_ds) <= set(sep),
                    f"{child} [{label}] two SEP keys {sep}, DS still the old {old_ds}")
        elif scenario == "ksk-roll-2":
            t.check(len(sep) == 2 and ds != old_ds and set(ds) <= set(sep),
                    f"{child} [{label}] DS swapped {old_ds} -> {ds}, both SEP keys {sep} served")
        else:
            t.check(sep == ds and ds != old_ds,
                    f"{child} [{label}] only the new SEP key {sep} is left, named by the DS {ds}")
        want_no_problem()
        want_code = OK
    else:
        raise ValueError(f"no expectations for scenario {scenario}")
    return want_code


def observe_one(t, zw, child, label, extra=()):
    result = zw.check([child], extra=extra)
    detail = f"{result['problem']}; exit {result['code']}; stderr {result['stderr'].strip()}"
    if not t.check(result["problem"] is None, f"{child} [{label}] zonewatch check --json output",
                   detail):
        return result, None
    return result, result["obs"][0]


def run_series(t, lab, zw, child, scenarios, originals):
    """Applies SCENARIOS to CHILD in order, checks each state, then restores the child."""
    before = originals.get(child)
    failed_step = None
    for scenario in scenarios:
        if scenario.startswith("ksk-roll-") and scenario != "ksk-roll-1" and failed_step:
            t.check(False, f"{child} [{scenario}] skipped: {failed_step} did not apply")
            continue
        started = time.monotonic()
        ok, output = lab.mutate(child, scenario)
        if not t.check(ok, f"{child} [{scenario}] lab.sh mutate ({time.monotonic() - started:.1f}"
                       " s)", output):
            failed_step = scenario
            continue
        failed_step = None
        references = reference_verdicts(lab, child)
        result, obs = observe_one(t, zw, child, scenario)
        if obs is None:
            continue
        if before is not None:
            want_code = check_scenario(t, lab, child, scenario, obs, before)
            check_exit(t, scenario, child, result["code"], obs, want_code)
        check_delegation(t, lab, scenario, child, obs)
        differential(t, lab, scenario, child, obs, references)
    ok, output = lab.restore(child)
    if t.check(ok, f"{child} [restored] lab.sh restore", output):
        references = reference_verdicts(lab, child)
        result, obs = observe_one(t, zw, child, "restored")
        if obs is not None:
            want_code = check_scenario(t, lab, child, "original", obs, before or obs,
                                       label="restored")
            check_exit(t, "restored", child, result["code"], obs, want_code)
            check_delegation(t, lab, "restored", child, obs)
            differential(t, lab, "restored", child, obs, references)


def check_idn(t, zw):
    unicode_name = "bücher.lab"
    a_label = unicode_name.encode("idna").decode("ascii") + "."
    result = zw.check([unicode_name])
    if not t.check(result["problem"] is None, f"{unicode_name} is accepted (JSON output)",
                   f"{result['problem']}; stderr {result['stderr'].strip()}"):
        return
    obs = result["obs"][0]
    t.check(obs["domain"] == a_label and obs["domain_unicode"] == "bücher.lab.",
            f"{unicode_name}: domain {obs['domain']}, domain_unicode {obs['domain_unicode']}",
            f"wanted {a_label}")
    t.check(obs["status"] == "indeterminate" and obs["error"] is not None and
            a_label in obs["error"],
            f"{unicode_name}: indeterminate, the error names {a_label} ({obs['error']})")
    t.check(result["code"] == UNKNOWN == nagios_code(obs), f"{unicode_name}: exit code UNKNOWN",
            f"got {result['code']}")
    cmd = [c for c in result["cmd"] if c != "--json"]
    code, out, _ = run(cmd)
    t.check(code == UNKNOWN and a_label in out and "bücher.lab" in out,
            f"{unicode_name}: the report shows both forms ({a_label})", out)


def check_silent_server(t, lab, zw, child="child01.lab."):
    """A child's server that does not answer at all: CHILD's ns2 glue is moved to the lab's lossy
    proxy (scenario `lossy`), and the proxy is stopped (SIGSTOP) while zonewatch checks CHILD, so
    that nothing answers on that address, over UDP or TCP. The lab has no scenario of its own for
    a silent server (tests/lab/README.md, Mutations); stopping the proxy needs none of the lab's
    code, and only the mutated child's glue points at it. zonewatch must name the silent server
    (server_unreachable, a warning: RFC 1034 §4.3.1 asks for at least two servers so that one can
    fail), keep the verdict from the server that answers, and exit WARNING."""
    label = "ns2 silent"
    host = f"ns2.{child}"
    ok, output = lab.mutate(child, "lossy")
    if not t.check(ok, f"{child} [{label}] lab.sh mutate lossy", output):
        return
    pid = lab.lossy_proxy_pid()
    if t.check(pid is not None, f"{child} [{label}] the lossy proxy runs (run/lossy-proxy.pid)"):
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            result, obs = observe_one(t, zw, child, label, extra=["--timeout", "300"])
            elapsed = time.monotonic() - started
        finally:
            os.kill(pid, signal.SIGCONT)
        if obs is not None:
            check_silent_observation(t, lab, child, host, label, result, obs, elapsed)
    ok, output = lab.restore(child)
    t.check(ok, f"{child} [{label}] lab.sh restore", output)


def check_silent_observation(t, lab, child, host, label, result, obs, elapsed):
    silent = f"{host} {LOSSY}"
    unchanged = "secure" if lab.children[child]["signed"] else "insecure"
    t.check(obs["status"] == unchanged, f"{child} [{label}] status {unchanged} from ns1 alone",
            f"got {obs['status']} ({obs['reason']}): {obs['detail']}")
    servers = {f"{s['name']} {s['address']}": s for s in obs["servers"]}
    t.check(set(servers) == {f"ns1.{child} 127.53.1.1", silent},
            f"{child} [{label}] servers asked: ns1 and {silent}", str(sorted(servers)))
    t.check((servers.get(silent) or {}).get("error") == "timeout",
            f"{child} [{label}] {silent}: error timeout", str(servers.get(silent)))
    t.check((servers.get(f"ns1.{child} 127.53.1.1") or {}).get("error") is None,
            f"{child} [{label}] ns1 answered", str(servers.get(f"ns1.{child} 127.53.1.1")))
    loud = sorted((f["code"], f["server"]) for f in obs["findings"] if f["severity"] != "info")
    # The glue now differs from the address the zone gives ns2 (the lossy scenario's change), and
    # ns2 does not answer: exactly these two warnings.
    t.check(loud == [("glue_mismatch", host), ("server_unreachable", silent)],
            f"{child} [{label}] findings glue_mismatch ({host}) and server_unreachable ({silent}),"
            " nothing else", json.dumps(obs["findings"]))
    unreachable = [f for f in obs["findings"] if f["code"] == "server_unreachable"]
    t.check(len(unreachable) == 1 and unreachable[0]["severity"] == "warning" and
            "no answer (timeout)" in unreachable[0]["message"],
            f"{child} [{label}] server_unreachable is a warning: no answer (timeout) "
            f"({elapsed:.1f} s)", json.dumps(unreachable))
    check_exit(t, label, child, result["code"], obs, WARNING)


def check_unreachable(t, lab, zw, workdir):
    check_silent_server(t, lab, zw)
    hints = os.path.join(workdir, "silent_root.hints")
    with open(hints, "w", encoding="ascii") as handle:
        handle.write(".\t3600000\tIN\tNS\ta.root-servers.lab.\n"
                     f"a.root-servers.lab.\t3600000\tIN\tA\t{lab.meta['silent_address']}\n")
    started = time.monotonic()
    result = zw.check(["child01.lab."], root_hints=hints, extra=["--timeout", "300"])
    elapsed = time.monotonic() - started
    if not t.check(result["problem"] is None, "silent root: JSON output",
                   f"{result['problem']}; stderr {result['stderr'].strip()}"):
        return
    obs = result["obs"][0]
    t.check(result["code"] == UNKNOWN and obs["error"] is not None and
            obs["status"] == "indeterminate",
            f"silent root: UNKNOWN, indeterminate, error {obs['error']!r} ({elapsed:.1f} s)",
            f"exit {result['code']}, status {obs['status']}")


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    binary, lab_dir, lab_sh = argv[1:]
    signal.signal(signal.SIGTERM, on_sigterm)
    t = Checks()
    for tool in ("dig", "delv"):
        if shutil.which(tool) is None:
            print(f"FAIL: {tool} is not installed\n0 passed, 1 failed")
            return 1
    if not os.path.isfile(os.path.join(lab_dir, "lab.json")):
        print(f"FAIL: {lab_dir}/lab.json missing: is the lab up?\n0 passed, 1 failed")
        return 1
    lab = Lab(lab_dir, lab_sh)
    zw = Zonewatch(binary, lab)
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="zonewatch-check-lab-")
    try:
        # A previous run that died may have left children mutated; start from the lab as created.
        names = [c["name"] for c in sorted(lab.meta["children"], key=lambda c: c["index"])][:12]
        for name in names:
            left = lab.state(name)["scenario"]
            if left != "original":
                lab.mutated.add(name)
                ok, output = lab.restore(name)
                t.check(ok, f"{name} left in {left} by an earlier run: restored", output)
        t.check(lab.flush(), "oracle caches flushed")

        # 1. Every child as created, in one invocation (JSON lines in the order given).
        print(f"== {len(names)} children as created", flush=True)
        result = zw.check(names)
        originals = {}
        if t.check(result["problem"] is None, "zonewatch check --json of every child",
                   f"{result['problem']}; stderr {result['stderr'].strip()}"):
            originals = dict(zip(names, result["obs"]))
            for name, obs in originals.items():
                t.check(obs["domain"] == name, f"{name} [original] JSON line in order")
                want_code = check_scenario(t, lab, name, "original", obs, obs)
                t.check(nagios_code(obs) == want_code,
                        f"{name} [original] findings call for exit code {want_code}",
                        f"they give {nagios_code(obs)}: {codes_of(obs)}")
                check_delegation(t, lab, "original", name, obs)
                differential(t, lab, "original", name, obs)
            codes = [nagios_code(o) for o in result["obs"]]
            t.check(result["code"] == worst(codes),
                    f"exit code {result['code']} over {len(names)} domains is the worst of {codes}")

        # 2. Every mutation the lab can apply, on every child.
        for name in names:
            scenarios = [x for x in SCENARIOS if applicable(lab.children[name], x)[0]]
            skipped = {x: applicable(lab.children[name], x)[1] for x in SCENARIOS
                       if x not in scenarios}
            print(f"== {name}: {' '.join(scenarios)}" +
                  (f" (not applicable: {', '.join(f'{x} ({why})' for x, why in skipped.items())})"
                   if skipped else ""), flush=True)
            started_child = time.monotonic()
            run_series(t, lab, zw, name, scenarios, originals)
            print(f"   {name}: {time.monotonic() - started_child:.0f} s", flush=True)

        # 3. IDN input and an unreachable server.
        print("== IDN and unreachable", flush=True)
        check_idn(t, zw)
        check_unreachable(t, lab, zw, workdir)
    except (Interrupted, KeyboardInterrupt) as err:
        t.check(False, f"interrupted ({err or 'SIGINT'})")
    finally:
        for child in sorted(lab.mutated):
            ok, output = lab.restore(child)
            t.check(ok, f"{child} restored after the run", output)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"(ran {time.monotonic() - started:.0f} s)")
    print(f"{t.passed} passed, {t.failed} failed", flush=True)
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
