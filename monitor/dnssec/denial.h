// Authenticated denial: proof that a delegation is unsigned, and that a wildcard answer had no
// closer match.
//
// "The DS is gone" is only believed when the parent proves it with signed NSEC (RFC 4035 §5.4) or
// NSEC3 (RFC 5155 §8.6) records; the caller verifies their signatures first and hands in the
// records. Anything short of a proof is bogus, never insecure: otherwise an attacker who strips
// the DS from a referral would downgrade the zone to unsigned.
#pragma once

#include <vector>

#include "monitor/dns/message.h"
#include "monitor/dnssec/limits.h"
#include "monitor/dnssec/outcome.h"

namespace zonewatch::dnssec {

// NSEC: insecure (ds_absent) when an NSEC owned by the delegation name lists NS but neither DS
// nor SOA; bogus otherwise.
Outcome proveNoDsWithNsec(const dns::Name& delegation, const dns::Name& parentZone,
                          const std::vector<dns::ResourceRecord>& nsecs);

// NSEC3: insecure (ds_absent) for a matching NSEC3 with NS and without DS and SOA; insecure
// (opt_out) for a closest-encloser proof (RFC 5155 §8.3: the encloser's NSEC3 without DNAME, and
// without NS unless it has SOA) whose next-closer name is covered by an opt-out NSEC3; insecure
// (nsec3_iterations_too_high) past the iterations cap, before any hashing; bogus otherwise,
// including when the only NSEC3 RRs use an unknown hash algorithm (RFC 5155 §8.1). Hash
// computations are charged to the budget.
Outcome proveNoDsWithNsec3(const dns::Name& delegation, const dns::Name& parentZone,
                           const std::vector<dns::ResourceRecord>& nsec3s,
                           const ValidationLimits& limits, Budget& budget);

// Proof that a wildcard expansion was legitimate (RFC 4035 §5.3.4): `qname` was answered from the
// wildcard "*." + its rightmost `labels` labels, so QNAME itself must not exist in `zone`, and no
// closer wildcard either. The records are the zone's NSEC or NSEC3 RRs, their signatures already
// verified. Secure when the proof holds; bogus (wildcard_proof_missing) otherwise.
//
// NSEC: one covering QNAME whose implied closest encloser is the wildcard's parent.
Outcome proveWildcardWithNsec(const dns::Name& qname, size_t labels, const dns::Name& zone,
                              const std::vector<dns::ResourceRecord>& nsecs);
// NSEC3 (RFC 5155 §8.8): one covering the next closer name; the iterations cap applies as above,
// and the hashing is charged to the budget.
Outcome proveWildcardWithNsec3(const dns::Name& qname, size_t labels, const dns::Name& zone,
                               const std::vector<dns::ResourceRecord>& nsec3s,
                               const ValidationLimits& limits, Budget& budget);

}  // namespace zonewatch::dnssec
