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

#include "monitor/model/validation_limits.h"

namespace zonewatch::dnssec {

// The caps themselves are plain settings (monitor/model/validation_limits.h), so that the
// configuration can hold them without depending on the validator.
using ValidationLimits = model::ValidationLimits;

// What one validation has spent so far; checked against ValidationLimits before each unit of work.
struct Budget {
  uint32_t verifications = 0;
  uint32_t cacheHits = 0;
  uint32_t nsec3Hashes = 0;
  bool exhausted = false;
};

}  // namespace zonewatch::dnssec
