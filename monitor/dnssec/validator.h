// The DNSSEC validator: the chain of trust from a trust anchor down to a zone's RRsets.
//
// Pure code: it is handed RRsets with their RRSIGs (as the probe collected them from servers), the
// trust anchors, an explicit "now" and the work caps, and returns outcomes as data. It does no I/O
// and reads no clock. The chain is walked one zone cut at a time —
//   anchor → anchor zone DNSKEY → child DS (or its proven absence) → child DNSKEY → … → RRsets
// — so that a caller can validate the shared upper chain once and each server's answers against it.
// The walk itself, and how its steps add up to one verdict, is chain.h. See
// monitor/dnssec/README.md for states, reasons and caps.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/dnssec/limits.h"
#include "monitor/dnssec/outcome.h"
#include "monitor/dnssec/signature.h"
#include "monitor/dnssec/trust_anchor.h"

namespace zonewatch::dnssec {

class VerificationCache;
class KeyCache;

// What a zone's parent published about its delegation: the DS RRset with its RRSIGs, or the
// NSEC/NSEC3 RRsets (with RRSIGs) of its NODATA answer for the DS.
struct DelegationEvidence {
  std::optional<dns::RRset> ds;
  std::vector<dns::RRset> denial;
};

// A zone whose keys have been established (or whose insecure/bogus state has been).
struct ZoneTrust {
  dns::Name zone;
  Outcome outcome;
  std::vector<ZoneKey> keys;              // the zone's usable keys, when secure
  std::vector<dns::rdata::DS> ds;         // the authenticated DS set (empty for the anchor zone)
  std::optional<RRsetVerdict> dsVerdict;  // how the DS RRset (or its denial) validated
  std::optional<RRsetVerdict> dnskeyVerdict;
  bool deprecatedAlgorithm = false;  // the chain so far rests on RSASHA1 (RFC 9905)
};

class Validator {
 public:
  // `nowUnix` is seconds since the epoch; the validator compares RRSIG times to it in serial-number
  // arithmetic. `cache` (verification results) and `keys` (parsed DNSKEYs) may be null; both
  // outlive the validator and carry work over to later validations.
  Validator(TrustAnchors anchors, int64_t nowUnix, ValidationLimits limits = {},
            VerificationCache* cache = nullptr, KeyCache* keys = nullptr);

  // The anchor zone (normally the root) from its DNSKEY RRset; nullptr when none was obtained.
  ZoneTrust anchorZone(const dns::RRset* dnskeys);
  // A child zone below an established parent, from the parent's delegation evidence and the
  // child's DNSKEY RRset (nullptr when none was obtained).
  ZoneTrust childZone(const ZoneTrust& parent, const dns::Name& child,
                      const DelegationEvidence& evidence, const dns::RRset* dnskeys);
  // Any RRset of an established zone. An RRset its RRSIG shows to be a wildcard expansion (RFC 4035
  // §5.3.4) is only secure with `wildcardProof`: the zone's signed NSEC or NSEC3 RRsets from the
  // same answer proving that no closer match exists (RFC 5155 §8.8); without one it is bogus
  // (wildcard_proof_missing). Apex RRsets never are expansions (see verifyRRset).
  RRsetVerdict rrset(const ZoneTrust& zone, const dns::RRset& rrset,
                     const std::vector<dns::RRset>& wildcardProof = {});

  const Budget& budget() const { return budget_; }
  // A new budget for the next independent validation (e.g. the next server's answers). Once a
  // budget is exhausted every later step answers budget_exhausted without spending anything, until
  // this is called.
  void resetBudget() { budget_ = {}; }
  const TrustAnchors& anchors() const { return anchors_; }
  const ValidationLimits& limits() const { return limits_; }

 private:
  ZoneTrust keysFromMatch(ZoneTrust trust, const struct DsMatch& match, const dns::RRset& dnskeys);
  // The child's keys through the DS RRset its parent published.
  ZoneTrust keysFromDs(const ZoneTrust& parent, ZoneTrust trust, const dns::RRset& ds,
                       const dns::RRset* dnskeys);
  // Why the DS RRset cannot be believed (nullopt when it can); sets trust.dsVerdict.
  std::optional<Outcome> authenticateDs(const ZoneTrust& parent, ZoneTrust& trust,
                                        const dns::RRset& ds);
  // No DS: insecure only when the parent's signed NSEC/NSEC3 RRsets prove it, bogus otherwise.
  ZoneTrust insecureByDenial(const ZoneTrust& parent, ZoneTrust trust,
                             const std::vector<dns::RRset>& denial);
  Outcome proveWildcard(const ZoneTrust& zone, const dns::Name& qname, uint8_t labels,
                        const std::vector<dns::RRset>& proof);
  VerifyContext context();

  TrustAnchors anchors_;
  uint32_t now_;
  ValidationLimits limits_;
  VerificationCache* cache_;
  KeyCache* keys_;
  Budget budget_;
};

}  // namespace zonewatch::dnssec
