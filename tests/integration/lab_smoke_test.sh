#!/usr/bin/env bash
# Lab smoke test: proves the running lab (tests/lab/lab.sh) is what its contract says, and that
# every mutation reaches the servers and gives the validator verdict README.md promises.
#   lab_smoke_test.sh [DIR]     (DIR defaults to $ZONEWATCH_LAB_DIR; the lab must be up)
# Verdicts come from two independent validators: the lab's Unbound (127.53.3.1, iterating from the
# lab root with the lab trust anchor) and delv (BIND's validator, fed through Unbound with CD set,
# anchored at DIR/delv.anchors).  Each check prints one PASS/FAIL line; the exit status is 1 if
# any check failed.  Every mutated child is restored, also when the script is interrupted.
set -uo pipefail

dir=${1:-${ZONEWATCH_LAB_DIR:-}}
[ -n "$dir" ] || { echo "usage: $0 DIR (or set ZONEWATCH_LAB_DIR)" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab="$here/../lab/lab.sh"
[ -f "$dir/lab.json" ] || { echo "FAIL: $dir/lab.json missing: is the lab up?" >&2; exit 1; }
for tool in dig delv python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed" >&2; exit 1; }
done

oracle=127.53.3.1
passes=0
failures=0
mutated=""
wanted_verdict=""

pass() { echo "PASS: $*"; passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect() { # expect DESCRIPTION WANTED GOT
  if [ "$2" = "$3" ]; then pass "$1 ($3)"; else fail "$1: wanted '$2', got '$3'"; fi
}

restore_on_exit() {
  if [ -n "$mutated" ]; then
    echo "restoring $mutated after an interruption"
    "$lab" restore "$dir" "$mutated" >/dev/null || true
  fi
}
trap restore_on_exit EXIT

# lab.json accessors (python3: jq is not among the test dependencies).
labjson() { python3 -c "import json,sys; lab=json.load(open('$dir/lab.json')); $1"; }
state_of() { python3 -c "import json; print(json.load(open('$dir/state/${1%.}.json'))['$2'])"; }

q() { dig +time=3 +tries=2 "$@"; }
status_of() { sed -n 's/.*status: \([A-Z]*\).*/\1/p' | head -n1; }
flags_of() { sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' | head -n1; }
has_flag() { [[ " $1 " == *" $2 "* ]]; }

# secure | insecure | bogus | error:<rcode>, from Unbound (AD bit; SERVFAIL that CD clears = bogus).
oracle_verdict() {
  local out st fl
  out=$(q @"$oracle" +dnssec "$1" "${2:-SOA}")
  st=$(status_of <<<"$out")
  fl=$(flags_of <<<"$out")
  if [ "$st" = NOERROR ] || [ "$st" = NXDOMAIN ]; then
    if has_flag "$fl" ad; then echo secure; else echo insecure; fi
  elif [ "$st" = SERVFAIL ]; then
    st=$(q @"$oracle" +dnssec +cd "$1" "${2:-SOA}" | status_of)
    if [ "$st" = NOERROR ]; then echo bogus; else echo "error:SERVFAIL/cd:$st"; fi
  else
    echo "error:${st:-timeout}"
  fi
}

# The same verdict from delv, which validates everything itself.
delv_verdict() {
  local out
  out=$(delv @"$oracle" -a "$dir/delv.anchors" +root=. +cdflag "$1" "${2:-SOA}" 2>&1)
  if grep -q '^; fully validated' <<<"$out"; then echo secure
  elif grep -q '^; unsigned answer' <<<"$out"; then echo insecure
  elif grep -qE 'resolution failed|validation failed' <<<"$out"; then echo bogus
  else echo "error:$(tail -n1 <<<"$out")"
  fi
}

check_verdict() { # check_verdict NAME EXPECTED CONTEXT
  wanted_verdict=$2
  expect "$1 oracle verdict $3" "$2" "$(oracle_verdict "$1")"
  expect "$1 delv verdict $3" "$2" "$(delv_verdict "$1")"
}

soa_serial() { q @"$1" +norec +short "$2" SOA | awk '{print $3}'; }
tld_ds_tags() { q @"$1" +norec +short "$2" DS | awk '{print $1}' | sort -n | tr '\n' ' ' | sed 's/ $//'; }
dnskey_sep_tags() { # key tags of the DNSKEYs with the SEP flag, from dig's comments
  q @"$1" +norec +multiline "$2" DNSKEY | awk '/DNSKEY 257/ {sep=1} /key id =/ && sep {print $NF; sep=0}' |
    sort -n | tr '\n' ' ' | sed 's/ $//'
}
dnskey_tags() {
  q @"$1" +norec +multiline "$2" DNSKEY | awk '/key id =/ {print $NF}' | sort -n | tr '\n' ' ' |
    sed 's/ $//'
}

# --- 1. the static lab ---------------------------------------------------------------------------
echo "== lab in $dir: $(labjson 'print(len(lab["children"]))') children"
if python3 - "$dir/lab.json" <<'PY'
import json, os, sys
lab = json.load(open(sys.argv[1]))
for key in ("root_hints", "trust_anchor", "trust_anchor_dnskey", "delv_anchors"):
    assert os.path.isfile(lab[key]), key
assert lab["tld"] == "lab." and lab["silent_address"] == "127.53.9.9"
assert {s["id"]: s["address"] for s in lab["servers"]} == {
    "root-nsd": "127.53.0.1", "root-knot": "127.53.0.2", "tld-knot": "127.53.0.11",
    "tld-nsd": "127.53.0.12", "child-nsd": "127.53.1.1", "child-knot": "127.53.1.2",
    "other-bind": "127.53.2.1"}
for c in lab["children"]:
    for key in ("name", "signed", "algorithm", "denial", "opt_out", "signer", "ns", "servers",
                "ds", "scenario", "expected"):
        assert key in c, (c["name"], key)
PY
then pass "lab.json has the contract's fields, addresses and files"
else fail "lab.json does not match the contract"; fi
for pair in 127.53.0.1:. 127.53.0.2:. 127.53.0.11:lab. 127.53.0.12:lab.; do
  server=${pair%%:*} zone=${pair#*:}
  out=$(q @"$server" +norec "$zone" SOA)
  fl=$(flags_of <<<"$out")
  if [ "$(status_of <<<"$out")" = NOERROR ] && has_flag "$fl" aa; then
    pass "$zone SOA from $server is authoritative"
  else fail "$zone SOA from $server: $(status_of <<<"$out") flags '$fl'"; fi
done

mapfile -t children < <(python3 - "$dir/lab.json" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["children"][:24]:
    print(c["name"], int(c["signed"]), " ".join(c["servers"]))
PY
)
[ "${#children[@]}" -gt 0 ] || fail "no children listed in $dir/lab.json"
for line in "${children[@]}"; do
  read -r name signed servers <<<"$line"
  for server in $servers; do
    out=$(q @"$server" +norec "$name" SOA)
    fl=$(flags_of <<<"$out")
    if [ "$(status_of <<<"$out")" = NOERROR ] && has_flag "$fl" aa; then
      pass "$name SOA from $server is authoritative"
    else fail "$name SOA from $server: $(status_of <<<"$out") flags '$fl'"; fi
  done
  if [ "$signed" = 1 ]; then check_verdict "$name" secure "(as created)"
  else check_verdict "$name" insecure "(unsigned child)"; fi
done
for zone in dns-alpha.lab. dns-beta.lab. other-operator.lab.; do
  st=$(q @"$oracle" "ns1.$zone" A | status_of)
  expect "ns1.$zone resolves through the oracle" NOERROR "$st"
done

big=$(labjson 'print(lab["large_answer"]["name"])')
fl=$(q @127.53.1.1 +norec +ignore +bufsize=1232 "$big" TXT | flags_of)
if has_flag "$fl" tc; then pass "$big TXT over UDP is truncated (flags: $fl)"
else fail "$big TXT over UDP not truncated (flags: $fl)"; fi
size=$(q @127.53.1.2 +norec +tcp "$big" TXT | sed -n 's/;; MSG SIZE  rcvd: //p')
if [ "${size:-0}" -gt 1232 ]; then pass "$big TXT over TCP is complete ($size octets)"
else fail "$big TXT over TCP: $size octets"; fi

if dig +time=1 +tries=1 @127.53.9.9 lab. SOA >/dev/null 2>&1; then
  fail "127.53.9.9 answered (it must stay silent)"
else pass "127.53.9.9 is silent"; fi

# RFC 5155 §6: the unsigned child's referral carries an NSEC3 with the opt-out flag (flags = 1).
optout=$(q @127.53.0.11 +norec +dnssec child07.lab. A | awk '$4 == "NSEC3" {print $6}' | sort -u | tr '\n' ' ')
if [[ " $optout " == *" 1 "* ]]; then pass "unsigned delegation child07.lab. covered by opt-out NSEC3"
else fail "no opt-out NSEC3 in the referral for child07.lab. (flags: $optout)"; fi

# --- 2. mutations ----------------------------------------------------------------------------------
mutate() { # mutate CHILD SCENARIO: applies it and checks the state file records it
  mutated=$1
  if "$lab" mutate "$dir" "$1" "$2" >/dev/null; then
    expect "$1 state file records $2" "$2" "$(state_of "$1" scenario)"
  else
    fail "lab.sh mutate $1 $2 failed"
  fi
}
restore() { # restore CHILD EXPECTED-VERDICT ORIGINAL-DS-TAGS
  if "$lab" restore "$dir" "$1" >/dev/null; then
    mutated=""
    expect "$1 state file records original" original "$(state_of "$1" scenario)"
    expect "$1 DS at the TLD is back" "$3" "$(tld_ds_tags 127.53.0.12 "$1")"
    check_verdict "$1" "$2" "(restored)"
  else
    fail "lab.sh restore $1 failed"
  fi
}

run_scenarios() { # run_scenarios CHILD SCENARIO...
  local c=$1
  shift
  local base_ds base_keys base_sep signed expected_base
  base_ds=$(tld_ds_tags 127.53.0.11 "$c")
  base_keys=$(dnskey_tags 127.53.1.1 "$c")
  base_sep=$(dnskey_sep_tags 127.53.1.1 "$c")
  signed=$(labjson "print(int(next(x for x in lab['children'] if x['name']=='$c')['signed']))")
  expected_base=insecure
  [ "$signed" = 1 ] && expected_base=secure
  for s in "$@"; do
    echo "== $c: $s"
    mutate "$c" "$s"
    case $s in
      move-ns)
        check_verdict "$c" secure "after $s"
        ns=$(q @127.53.0.11 +norec +noall +authority "$c" NS | awk '{print $5}' | sort | tr '\n' ' ')
        expect "$c delegated to the other operator" "ns1.other-operator.lab. ns2.other-operator.lab. " "$ns"
        fl=$(q @127.53.2.1 +norec "$c" SOA | flags_of)
        if has_flag "$fl" aa; then pass "$c served by BIND at 127.53.2.1"
        else fail "$c not served by BIND ($fl)"; fi
        new_ds=$(tld_ds_tags 127.53.0.12 "$c")
        if [ -n "$new_ds" ] && [ "$new_ds" != "$base_ds" ]; then pass "$c DS replaced ($base_ds -> $new_ds)"
        else fail "$c DS not replaced ($base_ds -> $new_ds)"; fi
        expect "new DS matches the DNSKEY BIND serves" "$new_ds" "$(dnskey_sep_tags 127.53.2.1 "$c")" ;;
      move-ns-unsigned)
        check_verdict "$c" insecure "after $s"
        expect "$c has no DS at the TLD" "" "$(tld_ds_tags 127.53.0.11 "$c")"
        expect "BIND serves $c without DNSKEY" "" "$(dnskey_tags 127.53.2.1 "$c")" ;;
      remove-ds)
        check_verdict "$c" insecure "after $s"
        expect "$c has no DS at either TLD server" ":" "$(tld_ds_tags 127.53.0.11 "$c"):$(tld_ds_tags 127.53.0.12 "$c")"
        expect "$c still signed" "$base_keys" "$(dnskey_tags 127.53.1.2 "$c")" ;;
      ds-mismatch)
        check_verdict "$c" bogus "after $s"
        ds=$(tld_ds_tags 127.53.0.11 "$c")
        if [ -n "$ds" ] && [[ " $base_keys " != *" $ds "* ]]; then
          pass "$c DS $ds matches no child key ($base_keys)"
        else fail "$c DS '$ds' vs keys '$base_keys'"; fi ;;
      resign-newkey)
        check_verdict "$c" bogus "after $s"
        keys=$(dnskey_tags 127.53.1.1 "$c")
        if [ "$keys" != "$base_keys" ]; then pass "$c keys changed ($base_keys -> $keys)"
        else fail "$c keys unchanged"; fi
        expect "$c DS at the TLD unchanged" "$base_ds" "$(tld_ds_tags 127.53.0.12 "$c")" ;;
      strip-sigs)
        check_verdict "$c" bogus "after $s"
        expect "$c served without DNSKEY (NSD, Knot)" ":" "$(dnskey_tags 127.53.1.1 "$c"):$(dnskey_tags 127.53.1.2 "$c")"
        n=$(q @127.53.1.2 +norec +dnssec "$c" SOA | grep -c 'RRSIG')
        expect "$c served without RRSIG" 0 "$n"
        expect "$c DS at the TLD unchanged" "$base_ds" "$(tld_ds_tags 127.53.0.11 "$c")" ;;
      expire-sigs)
        check_verdict "$c" bogus "after $s"
        exp=$(q @127.53.1.1 +norec +dnssec +short "$c" SOA | awk '$1 == "SOA" {print $5}')
        now=$(date -u +%Y%m%d%H%M%S)
        if [ -n "$exp" ] && [ "$exp" \< "$now" ]; then pass "$c SOA RRSIG expired at $exp"
        else fail "$c SOA RRSIG expiration '$exp' not in the past"; fi ;;
      change-glue)
        check_verdict "$c" "$expected_base" "after $s"
        glue=$(q @127.53.0.12 +norec +noall +additional "$c" NS | awk -v h="ns2.$c" '$1 == h {print $5}')
        expect "glue of ns2.$c" 127.53.2.1 "$glue"
        expect "BIND serves the same $c" "$(soa_serial 127.53.1.2 "$c")" "$(soa_serial 127.53.2.1 "$c")" ;;
      diverge)
        check_verdict "$c" "$expected_base" "after $s"
        s1=$(soa_serial 127.53.1.1 "$c")
        s2=$(soa_serial 127.53.1.2 "$c")
        if [ -n "$s1" ] && [ "$s1" != "$s2" ]; then pass "$c serials differ (NSD $s1, Knot $s2)"
        else fail "$c serials NSD '$s1' Knot '$s2'"; fi
        n1=$(q @127.53.1.1 +norec +short "$c" NS | wc -l)
        n2=$(q @127.53.1.2 +norec +short "$c" NS | wc -l)
        expect "$c NS counts (NSD:Knot)" "2:3" "$n1:$n2" ;;
      cds-delete)
        check_verdict "$c" secure "after $s"
        expect "$c CDS" "0 0 0 00" "$(q @127.53.1.1 +norec +short "$c" CDS)"
        expect "$c CDNSKEY" "0 3 0 AA==" "$(q @127.53.1.2 +norec +short "$c" CDNSKEY)" ;;
      cds-publish)
        check_verdict "$c" secure "after $s"
        cds=$(q @127.53.1.1 +norec +short "$c" CDS | awk '{print $1}' | sort -n | tr '\n' ' ' | sed 's/ $//')
        expect "$c CDS names its KSK" "$base_sep" "$cds" ;;
      ksk-roll-1)
        check_verdict "$c" secure "after $s"
        seps=$(dnskey_sep_tags 127.53.1.1 "$c")
        expect "$c publishes two SEP keys" 2 "$(wc -w <<<"$seps")"
        expect "$c DS at the TLD unchanged" "$base_ds" "$(tld_ds_tags 127.53.0.11 "$c")" ;;
      ksk-roll-2)
        check_verdict "$c" secure "after $s"
        ds=$(tld_ds_tags 127.53.0.12 "$c")
        if [ -n "$ds" ] && [ "$ds" != "$base_ds" ] &&
          [[ " $(dnskey_sep_tags 127.53.1.2 "$c") " == *" $ds "* ]]; then
          pass "$c DS swapped to the new KSK $ds"
        else fail "$c DS '$ds' (was $base_ds)"; fi ;;
      ksk-roll-3)
        check_verdict "$c" secure "after $s"
        seps=$(dnskey_sep_tags 127.53.1.1 "$c")
        expect "$c publishes only the new KSK, named by the DS" "$(tld_ds_tags 127.53.0.11 "$c")" "$seps" ;;
    esac
    # Later tests trust the verdict the lab records for a child: it must be the one observed.
    expect "$c state file records the verdict" "$wanted_verdict" "$(state_of "$c" expected)"
    case $s in
      ksk-roll-1 | ksk-roll-2) ;; # the roll continues on top of this step
      *) restore "$c" "$expected_base" "$base_ds" ;;
    esac
  done
}

all="move-ns move-ns-unsigned remove-ds ds-mismatch resign-newkey strip-sigs expire-sigs change-glue
     diverge cds-delete cds-publish ksk-roll-1 ksk-roll-2 ksk-roll-3"
# shellcheck disable=SC2086  # word splitting wanted
run_scenarios child01.lab. $all
# Knot-signed child (mutations switch it to pre-signed zones and back) and a CSK child.
run_scenarios child04.lab. strip-sigs diverge ksk-roll-1 ksk-roll-2 ksk-roll-3
run_scenarios child03.lab. expire-sigs cds-delete ksk-roll-1 ksk-roll-2 ksk-roll-3
# An unsigned child.
run_scenarios child07.lab. move-ns ds-mismatch change-glue

echo "lab smoke: $passes passed, $failures failed"
[ "$failures" = 0 ]
