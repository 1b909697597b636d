// The DNSSEC verdict's vocabulary: the security state of RFC 4033 §5 and the reason for it, with
// their stable names and RFC 8914 Extended DNS Error codes. The validator (monitor/dnssec, as
// dnssec::State and dnssec::Reason) decides them; the observation, the domain state, storage and
// the metrics carry and print them, without depending on the validator.
//
// Modelled on PowerDNS's vState and Unbound's per-failure reason strings: a monitor must say *why*
// a chain is bogus (an expired signature is an operator's slip; a DS that matches no key may be a
// hijack), so every bogus or insecure verdict names its reason. Reasons are a stable vocabulary
// (their strings appear in JSON output, the database and alerts).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace zonewatch::model {

// RFC 4033 §5 / RFC 4035 §4.3 security states.
enum class SecurityState : uint8_t {
  kSecure,
  kInsecure,       // a proven unsigned delegation, or one we cannot validate by policy
  kBogus,          // validation should have succeeded and did not
  kIndeterminate,  // not enough data to decide (no anchor, data missing, servers unreachable)
};

enum class SecurityReason : uint8_t {
  kNone,
  // Insecure (RFC 4035 §5.2 and §4.3): provably not validatable.
  kDsAbsent,                // parent proves no DS (NSEC or NSEC3 matching the delegation)
  kOptOut,                  // parent's NSEC3 opt-out span covers the delegation (RFC 5155 §6)
  kUnsupportedAlgorithm,    // no DS / anchor with an algorithm we implement (RFC 4035 §5.2)
  kUnsupportedDigest,       // no DS with a digest type we implement (RFC 4035 §5.2)
  kNsec3IterationsTooHigh,  // RFC 9276 §3.2: iterations above the configured cap
  // Secure, with a caveat.
  kDeprecatedAlgorithm,  // validated, but through RSASHA1 (5) or RSASHA1-NSEC3-SHA1 (7)
  // Bogus.
  kDsMismatch,            // a DS names a key that is present, but its digest does not match
  kNoDnskeyMatchesDs,     // no DNSKEY carries the key tag/algorithm of any usable DS
  kDnskeyMissing,         // a DS exists, but the zone serves no DNSKEY RRset
  kRrsigMissing,          // the RRset carries no RRSIG by a key of the zone
  kRrsigExpired,          // RFC 4035 §5.3.1: now is after the signature expiration
  kRrsigNotYetValid,      // RFC 4035 §5.3.1: now is before the signature inception
  kSignatureInvalid,      // the cryptographic verification failed
  kSignerMismatch,        // RFC 4035 §5.3.1: the signer name is not the zone
  kDenialMissing,         // no DS and no denial of it
  kDenialInvalid,         // a denial that does not prove the absence of the DS
  kWildcardProofMissing,  // RFC 4035 §5.3.4: a wildcard expansion without proof of no closer match
  kOwnerMismatch,         // an RRset handed in for a zone is owned by another name
  kBudgetExhausted,       // KeyTrap/NSEC3 caps reached (CVE-2023-50387, CVE-2023-50868)
  kTrustAnchorMismatch,   // the anchor zone's DNSKEY RRset matches no trust anchor
  // Indeterminate.
  kNoTrustAnchor,  // the chain does not start at a configured trust anchor
  kMissingData,    // the caller could not supply a needed RRset (timeouts, lame servers)
};

// The stable snake_case name used in JSON, the database and alerts ("ds_mismatch", ...).
std::string_view toString(SecurityReason reason);
std::string_view toString(SecurityState state);
// The inverses, for the stored domain state; nullopt for a name no version has written.
std::optional<SecurityState> stateFromString(std::string_view name);
std::optional<SecurityReason> reasonFromString(std::string_view name);

// RFC 8914 §4 Extended DNS Error info-code for a reason (RFC 9276 §6 adds code 27); nullopt when
// the outcome is no error at all. Code 0 is not "none": RFC 8914 §4.1 defines it as "Other Error".
std::optional<uint16_t> edeCode(SecurityReason reason);

// Whether `a` is a worse verdict than `b`: bogus, then indeterminate, then insecure, then secure. A
// verdict made of several (a zone and its RRsets, a domain's servers) is the worst of them, so that
// nothing bogus hides behind what is merely unknown or insecure.
bool isWorse(SecurityState a, SecurityState b);

}  // namespace zonewatch::model
