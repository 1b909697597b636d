// The validator's work caps against hostile answers, and the budget that enforces them.
//
// KeyTrap (CVE-2023-50387) makes a validator try every DNSKEY that shares a key tag against every
// RRSIG; the NSEC3 attack (CVE-2023-50868) makes it hash names thousands of times. Each cap below
// bounds one of those loops; once any is reached the validation ends at once as bogus with reason
// budget_exhausted, and nothing more is verified or hashed until the budget is reset. Defaults
// follow today's resolvers (see monitor/dnssec/README.md); operators set them under `validation:`
// in the daemon's configuration (config/example.yaml).
#pragma once

#include <cstdint>

namespace zonewatch::dnssec {

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

// What one validation has spent so far; checked against ValidationLimits before each unit of work.
struct Budget {
  uint32_t verifications = 0;
  uint32_t cacheHits = 0;
  uint32_t nsec3Hashes = 0;
  bool exhausted = false;
};

}  // namespace zonewatch::dnssec
