#!/usr/bin/env python3
"""`zonewatch check --rdap` against the lab (tests/lab) and the test RDAP server
(tests/integration/rdap_server.py, issue 16), text and --json:

  - a child whose registry object names a registrar with its IANA id, three locks, the lab's own
    name servers, an expiration and a last change: the Registration section and the JSON
    `registration` object say each, the locks absent too, and that the registry's name servers
    are the delegation seen at the parent;
  - a child whose registry object lists other name servers: the mismatch is said;
  - a child the server answers 404 for, one it answers malformed JSON for, and a run without
    --config (the built-in bootstrap file covers no `lab.` domain): the reason is printed, and
    the exit code and the DNS verdict are those of the DNS-only run of the same child, also
    when that is WARNING (-w 3650d:);
  - --rdap with -f is refused as UNKNOWN.

The RDAP server is found through `rdap.bootstrap_file` (the server's own /dns.json, saved to a
file) in a configuration given with --config. The lab must be up and the caller must hold it
(ctest: FIXTURES_REQUIRED/RESOURCE_LOCK lab). Nothing leaves 127.0.0.0/8.

usage: rdap_check_lab_test.py ZONEWATCH LAB_DIR LAB_SH
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from lab_checks import Checks

HERE = os.path.dirname(os.path.abspath(__file__))
EXPIRES = "2027-06-01T00:00:00Z"
EXPIRES_UNIX = 1811808000  # EXPIRES
LAST_CHANGED = "2026-11-20T10:00:00Z"


def domain_object(name, nameservers, statuses):
    """An RFC 9083 §5.3 domain object as a gTLD registry sends it, with its registrar entity."""
    registrar = {"objectClassName": "entity", "handle": "9999", "roles": ["registrar"],
                 "publicIds": [{"type": "IANA Registrar ID", "identifier": "9999"}],
                 "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                          ["fn", {}, "text", "Lab Registrar, Inc."]]]}
    return {"objectClassName": "domain", "ldhName": name.rstrip(".").upper(),
            "rdapConformance": ["rdap_level_0"], "status": statuses, "entities": [registrar],
            "nameservers": [{"objectClassName": "nameserver", "ldhName": n} for n in nameservers],
            "events": [{"eventAction": "registration", "eventDate": "2020-01-01T00:00:00Z"},
                       {"eventAction": "expiration", "eventDate": EXPIRES},
                       {"eventAction": "last changed", "eventDate": LAST_CHANGED}]}


def no_proxy_env():
    """The environment without a proxy: the RDAP server is on loopback."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = "*"
    return env


class Check:
    def __init__(self, zw, meta):
        self.base = [zw, "check", "--root-hints", meta["root_hints"],
                     "--trust-anchor", meta["trust_anchor"]]

    def __call__(self, *args, stdin=""):
        p = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=300,
                           input=stdin, env=no_proxy_env(), check=False)
        return p.returncode, p.stdout, p.stderr


def start_server(tmp, state):
    state_file = os.path.join(tmp, "rdap-state.json")
    port_file = os.path.join(tmp, "rdap.port")
    with open(state_file, "w", encoding="utf-8") as f:
        json.dump(state, f)
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "rdap_server.py"),
                               "--state", state_file, "--port-file", port_file],
                              stdout=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(port_file):
            with open(port_file, encoding="ascii") as f:
                return server, int(f.read().strip())
        time.sleep(0.1)
    server.kill()
    raise RuntimeError("the RDAP server did not start")


def write_config(tmp, port, child):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://127.0.0.1:{port}/dns.json", timeout=10) as r:
        bootstrap = r.read()
    with open(os.path.join(tmp, "dns.json"), "wb") as f:
        f.write(bootstrap)
    path = os.path.join(tmp, "zonewatch.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"database: {tmp}/zonewatch.sqlite\nmetrics: {{enabled: false}}\n"
                f"domains:\n  - {child}\nrdap:\n  bootstrap_file: dns.json\n"
                f"  min_spacing: 1s\n  timeout: 5s\n")
    return path


def verdict_line(out):
    """The status line up to its perfdata: the rtt and seconds left differ from run to run."""
    return out.splitlines()[0].split("|")[0] if out else ""


def days_left_now():
    """The days left a run now may print: a day may turn over between the run and this."""
    now = time.time()
    return {int((EXPIRES_UNIX - now) // 86400), int((EXPIRES_UNIX - now - 600) // 86400)}


def check_locked(t, run, config, child, port, dns_only):
    code, out, err = run("--rdap", "--config", config, child)
    server = f"http://127.0.0.1:{port}/"
    t.check(code == dns_only[0], f"{child}: --rdap exit code is the DNS-only one ({dns_only[0]})",
            f"exit {code}, stderr {err}")
    t.check(verdict_line(out) == verdict_line(dns_only[1]), f"{child}: the DNS-only status line",
            out[:300])
    t.check(f"\nRegistration (RDAP, {server})\n" in out, f"{child}: the Registration section",
            out)
    t.check("  Registrar     Lab Registrar, Inc. (IANA 9999)\n" in out, f"{child}: registrar")
    t.check("  Locks held    CTL CUL SDL (client transfer lock, client update lock, server delete"
            " lock)\n" in out, f"{child}: locks held", out)
    t.check("  Locks absent  client delete lock, server transfer lock, server update lock\n" in out,
            f"{child}: locks absent", out)
    t.check(f"ns1.{child}, ns2.{child}: the delegation at the parent is the same\n" in out,
            f"{child}: the registry's name servers match the delegation", out)
    t.check(any(f"  Expires       {EXPIRES} ({d} days left)\n" in out for d in days_left_now()),
            f"{child}: expiration and days left", out)
    t.check(f"  Last changed  {LAST_CHANGED}\n" in out, f"{child}: last changed", out)

    code, out, err = run("--rdap", "--config", config, "--json", child)
    t.check(code == dns_only[0], f"{child} --json: the DNS-only exit code", f"exit {code} {err}")
    obs = json.loads(out.splitlines()[0]) if out else {}
    reg = obs.get("registration", {})
    t.check(reg.get("ok") is True and reg.get("server") == server, f"{child} --json: ok, server",
            json.dumps(reg))
    t.check(reg.get("registrar") == {"name": "Lab Registrar, Inc.", "iana_id": 9999},
            f"{child} --json: registrar", json.dumps(reg))
    t.check(reg.get("locks") == ["CTL", "CUL", "SDL"] and
            reg.get("locks_absent") == ["CDL", "STL", "SUL"], f"{child} --json: locks",
            json.dumps(reg))
    t.check(reg.get("nameservers_match_delegation") is True and
            reg.get("nameservers") == [f"ns1.{child}", f"ns2.{child}"],
            f"{child} --json: name servers match", json.dumps(reg))
    t.check(reg.get("expires") == EXPIRES and reg.get("days_left") in days_left_now() and
            reg.get("last_changed") == LAST_CHANGED, f"{child} --json: expiry", json.dumps(reg))
    t.check(obs.get("status") == json.loads(dns_only[2].splitlines()[0]).get("status"),
            f"{child} --json: the DNS verdict unchanged", obs.get("status", "?"))


def check_mismatch(t, run, config, child):
    _, out, _ = run("--rdap", "--config", config, child)
    t.check("ns1.evil.test.: DIFFERENT from the delegation at the parent" in out,
            f"{child}: the mismatch is said", out)
    _, out, _ = run("--rdap", "--config", config, "--json", child)
    reg = json.loads(out.splitlines()[0]).get("registration", {}) if out else {}
    t.check(reg.get("nameservers_match_delegation") is False, f"{child} --json: mismatch",
            json.dumps(reg))


def check_failure(t, run, args, child, kind, reason, dns_only):
    code, out, err = run("--rdap", *args, child)
    t.check(code == dns_only[0], f"{child} [{kind}]: the DNS-only exit code {dns_only[0]}",
            f"exit {code}, stderr {err}")
    t.check(verdict_line(out) == verdict_line(dns_only[1]),
            f"{child} [{kind}]: the DNS-only status line", out[:300])
    t.check(f"  Not available {kind}: " in out and reason in out,
            f"{child} [{kind}]: the reason is printed", out)
    code, out, err = run("--rdap", *args, "--json", child)
    reg = json.loads(out.splitlines()[0]).get("registration", {}) if out else {}
    t.check(code == dns_only[0] and reg.get("ok") is False and
            reg.get("error", {}).get("kind") == kind and reason in reg["error"].get("message", ""),
            f"{child} [{kind}] --json: the error object, the DNS-only exit code",
            f"exit {code} {json.dumps(reg)}")


def dns_only_runs(run, child, *extra):
    code, out, _ = run(*extra, child)
    _, json_out, _ = run(*extra, "--json", child)
    return code, out, json_out


def main(argv):
    zw, lab_dir = argv[1], argv[2]
    t = Checks()
    with open(os.path.join(lab_dir, "lab.json"), encoding="utf-8") as handle:
        meta = json.load(handle)
    children = [c["name"] for c in meta["children"]]
    locked, moved, missing, broken = children[0], children[1], children[2], children[3]
    run = Check(zw, meta)
    state = {"suffixes": ["lab"],
             "domains": {
                 locked: domain_object(locked, [f"ns1.{locked}", f"ns2.{locked}"],
                                       ["client transfer prohibited", "client update prohibited",
                                        "server delete prohibited", "active"]),
                 moved: domain_object(moved, ["ns1.evil.test"], ["active"])},
             "behaviour": {broken.rstrip("."): {"malformed": True}}}
    with tempfile.TemporaryDirectory() as tmp:
        server, port = start_server(tmp, state)
        try:
            config = write_config(tmp, port, locked)
            check_locked(t, run, config, locked, port, dns_only_runs(run, locked))
            check_mismatch(t, run, config, moved)
            check_failure(t, run, ["--config", config], missing, "not_found", "answered 404",
                          dns_only_runs(run, missing))
            check_failure(t, run, ["--config", config], broken, "bad_response", "malformed_json",
                          dns_only_runs(run, broken))
            check_failure(t, run, [], locked, "no_server", "lab", dns_only_runs(run, locked))
            # A DNS part that is not OK: -w 3650d: warns of signatures expiring within ten years
            # (check_plugin_lab_test.py), and the RDAP failure must leave that WARNING as it is.
            warn = ["-w", "3650d:"]
            dns_warning = dns_only_runs(run, missing, *warn)
            t.check(dns_warning[0] == 1, f"{missing} -w 3650d: is WARNING without --rdap",
                    f"exit {dns_warning[0]}")
            check_failure(t, run, ["--config", config, *warn], missing, "not_found",
                          "answered 404", dns_warning)
            code, out, err = run("--rdap", "-f", "-", stdin=locked + "\n")
            t.check(code == 3 and "--rdap: give the domains as arguments" in err,
                    "--rdap with -f is refused (UNKNOWN)", f"exit {code} {err}")
        except Exception as err:  # noqa: BLE001 (any crash is one failure, reported)
            t.crashed(err)
        finally:
            server.kill()
            server.wait()
    return t.finish("rdap_check_lab")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
