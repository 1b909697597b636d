// The validator's work caps (`validation:` in the configuration), as plain settings: config/ reads
// them, monitor/dnssec/limits.h enforces them with its budget. Why each cap exists and how it
// compares with other resolvers: monitor/dnssec/README.md.
#pragma once

#include <cstdint>

namespace zonewatch::model {

struct ValidationLimits {
  // DNSKEYs tried for one RRSIG when several share its key tag and algorithm. Legitimate collisions
  // are rare (a tag is 16 bits); BIND and Unbound stop after a handful.
  uint32_t maxKeysPerSignature = 4;
  // RRSIGs tried for one RRset (Unbound's default is 8).
  uint32_t maxSignaturesPerRRset = 8;
  // Cryptographic signature verifications for one validation (Knot Resolver uses 32, PowerDNS 30).
  // Memoised results do not count: they cost no crypto.
  uint32_t maxVerifications = 32;
  // NSEC3 hash computations (each costs iterations+1 SHA-1 rounds) for one validation.
  uint32_t maxNsec3Hashes = 32;
  // RFC 9276 §3.2: NSEC3 records with more iterations make the delegation insecure. Checked before
  // any hashing, so it costs nothing to enforce.
  uint16_t maxNsec3Iterations = 150;
};

}  // namespace zonewatch::model
