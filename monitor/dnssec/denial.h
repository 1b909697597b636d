// Authenticated denial of a DS at the parent: proof that a delegation is unsigned.
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
// (opt_out) for a closest-encloser proof whose next-closer name is covered by an opt-out NSEC3;
// insecure (nsec3_iterations_too_high) past the iterations cap, before any hashing; bogus
// otherwise. Hash computations are charged to the budget.
Outcome proveNoDsWithNsec3(const dns::Name& delegation, const dns::Name& parentZone,
                           const std::vector<dns::ResourceRecord>& nsec3s,
                           const ValidationLimits& limits, Budget& budget);

}  // namespace zonewatch::dnssec
