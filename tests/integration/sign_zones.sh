#!/usr/bin/env bash
# Signs a parent zone and its signed child with one real DNSSEC signer, for real_signers_test.
#
#   sign_zones.sh SIGNER ALGORITHM DENIAL INCEPTION EXPIRATION WORKDIR PARENT CHILD
#
#   SIGNER      ldns (ldns-keygen + ldns-signzone), bind (dnssec-keygen + dnssec-signzone) or
#               knot (knotd with automatic key management, driven through knotc)
#   ALGORITHM   ECDSAP256SHA256 | RSASHA256 | ED25519
#   DENIAL      nsec | nsec3 (salt aabbccdd, 5 iterations) | nsec3-optout (no salt, 0 iterations)
#   INCEPTION, EXPIRATION
#               YYYYMMDDHHMMSS, the fixed signature validity period. Knot has no option for it (it
#               signs from its own clock, inception = now - 90 min); the test reads the times back.
#   WORKDIR     holds PARENT.zone and CHILD.zone (zone names without the trailing dot)
#
# Writes WORKDIR/CHILD.signed, WORKDIR/CHILD.ds (the SHA-256 DS of the child's KSK, as the signer's
# own tool prints it) and WORKDIR/PARENT.signed (PARENT.zone plus that DS, signed). Every zone gets
# a KSK and a ZSK. Nothing here touches the network: knotd is configured without any listen address
# and is controlled over a unix socket in WORKDIR.
set -euo pipefail

if [[ $# -ne 8 ]]; then
  sed -n '2,20p' "$0" >&2
  exit 2
fi
signer=$1 algorithm=$2 denial=$3 inception=$4 expiration=$5 workdir=$6 parent=$7 child=$8
workdir=$(cd "$workdir" && pwd)
export PATH="$PATH:/usr/sbin:/sbin"

rsa_bits=()
# 1024-bit RSA: key generation dominates the test's run time, and the validation path is the same.
[[ $algorithm == RSASHA256 ]] && rsa_bits=(-b 1024)

# --- ldns -----------------------------------------------------------------------------------------
ldns_sign() {  # zone input output
  local zone=$1 input=$2 output=$3 dir="$workdir/ldns-$1"
  mkdir -p "$dir"
  (
    cd "$dir"
    local ksk zsk
    ksk=$(ldns-keygen -r /dev/urandom -a "$algorithm" "${rsa_bits[@]}" -k "$zone")
    zsk=$(ldns-keygen -r /dev/urandom -a "$algorithm" "${rsa_bits[@]}" "$zone")
    local nsec3=()
    case $denial in
      nsec) ;;
      nsec3) nsec3=(-n -s aabbccdd -t 5) ;;
      nsec3-optout) nsec3=(-n -t 0 -p) ;;
      *) echo "unknown denial $denial" >&2; exit 2 ;;
    esac
    ldns-signzone "${nsec3[@]}" -i "$inception" -e "$expiration" -o "$zone" -f "$output" \
      "$input" "$zsk" "$ksk"
    [[ $zone == "$child" ]] && ldns-key2ds -n -2 "$ksk.key" > "$workdir/$child.ds"
    true
  )
}

# --- BIND -----------------------------------------------------------------------------------------
bind_sign() {  # zone input output
  local zone=$1 input=$2 output=$3 dir="$workdir/bind-$1"
  mkdir -p "$dir"
  (
    cd "$dir"
    local ksk zsk
    ksk=$(dnssec-keygen -q -K . -a "$algorithm" "${rsa_bits[@]}" -f KSK "$zone")
    zsk=$(dnssec-keygen -q -K . -a "$algorithm" "${rsa_bits[@]}" "$zone")
    # dnssec-signzone wants the DNSKEYs in the zone; the .key files are zone-file text.
    cat "$input" "$ksk.key" "$zsk.key" > zone.in
    local nsec3=()
    case $denial in
      nsec) ;;
      nsec3) nsec3=(-3 aabbccdd -H 5) ;;
      nsec3-optout) nsec3=(-3 - -H 0 -A) ;;
      *) echo "unknown denial $denial" >&2; exit 2 ;;
    esac
    # -P: dnssec-signzone's own post-signing check judges the signatures against today's clock,
    # which lies outside the fixed validity period; the test validates the result instead.
    dnssec-signzone -q -P "${nsec3[@]}" -s "$inception" -e "$expiration" -o "$zone" -k "$ksk" \
      -f "$output" zone.in "$zsk" > /dev/null
    [[ $zone == "$child" ]] && dnssec-dsfromkey -2 "$ksk.key" > "$workdir/$child.ds"
    true
  )
}

# --- Knot -----------------------------------------------------------------------------------------
knot_pid=""
knot_stop() {
  if [[ -n $knot_pid ]] && kill -0 "$knot_pid" 2> /dev/null; then
    knotc -c "$workdir/knot/knot.conf" stop > /dev/null 2>&1 \
      || kill "$knot_pid" 2> /dev/null || true
    wait "$knot_pid" 2> /dev/null || true
  fi
  knot_pid=""
}
trap knot_stop EXIT

knot_sign() {  # zone input output
  local zone=$1 input=$2 output=$3 dir="$workdir/knot"
  mkdir -p "$dir/zones" "$dir/run" "$dir/db" "$dir/out"
  local alg=${algorithm,,}
  local policy=""
  case $denial in
    nsec) ;;
    nsec3) policy=$'    nsec3: on\n    nsec3-iterations: 5\n    nsec3-salt-length: 4\n' ;;
    nsec3-optout)
      policy=$'    nsec3: on\n    nsec3-iterations: 0\n    nsec3-salt-length: 0\n'
      policy+=$'    nsec3-opt-out: on\n'
      ;;
    *) echo "unknown denial $denial" >&2; exit 2 ;;
  esac
  [[ $algorithm == RSASHA256 ]] && policy+=$'    ksk-size: 1024\n    zsk-size: 1024\n'
  # No "listen" in the server section: knotd answers no queries at all, only knotc on its socket.
  cat > "$dir/knot.conf" << EOF
server:
    rundir: "$dir/run"
log:
  - target: stderr
    any: warning
database:
    storage: "$dir/db"
policy:
  - id: test
    algorithm: $alg
${policy}    rrsig-lifetime: 30d
    rrsig-refresh: 7d
template:
  - id: default
    storage: "$dir/zones"
    file: "%s.zone"
    dnssec-signing: on
    dnssec-policy: test
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: $zone.
EOF
  cp "$input" "$dir/zones/$zone.zone"
  knotd -c "$dir/knot.conf" 2>> "$dir/knotd.log" &
  knot_pid=$!
  local ctl=(knotc -c "$dir/knot.conf" -t 60)
  local _
  for _ in $(seq 100); do
    "${ctl[@]}" status > /dev/null 2>&1 && break
    sleep 0.1
  done
  # Blocking re-sign: returns once the zone is loaded and signed with the policy's keys.
  "${ctl[@]}" -b zone-sign "$zone." > /dev/null
  "${ctl[@]}" -b zone-flush "$zone." +outdir "$dir/out" > /dev/null
  knot_stop
  cp "$dir/out/$zone.zone" "$output"
  if [[ $zone == "$child" ]]; then
    keymgr -c "$dir/knot.conf" "$zone." ds | awk '$5 == 2' > "$workdir/$child.ds"
  fi
}

case $signer in
  ldns | bind | knot) ;;
  *) echo "unknown signer $signer" >&2; exit 2 ;;
esac

"${signer}_sign" "$child" "$workdir/$child.zone" "$workdir/$child.signed"
[[ -s $workdir/$child.ds ]] || { echo "$signer produced no DS for $child" >&2; exit 1; }
cat "$workdir/$parent.zone" "$workdir/$child.ds" > "$workdir/$parent.with-ds"
"${signer}_sign" "$parent" "$workdir/$parent.with-ds" "$workdir/$parent.signed"
