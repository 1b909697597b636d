// The walk down the chain of trust, and how its steps add up to one verdict.
//
// The Validator (validator.h) judges one zone cut at a time; this is the only code that strings
// those steps together: which zone starts the walk, what a zone inherits from the one above, and
// how a zone's own outcome and its RRsets' verdicts make the verdict on an answer. The prober
// walks the chain above each domain with it and judges each server's apex with it; validateChain
// runs both for callers that hold a whole chain at once (tests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/dnssec/outcome.h"
#include "monitor/dnssec/signature.h"
#include "monitor/dnssec/validator.h"

namespace zonewatch::dnssec {

// One zone cut as the walk is handed it. Borrowed, not copied: the prober's come from its
// delegation cache, and a root DNSKEY RRset is not small.
struct ZoneEvidence {
  dns::Name zone;
  const DelegationEvidence* fromParent = nullptr;  // null: nothing from the parent
  const dns::RRset* dnskey = nullptr;              // null: no DNSKEY RRset was obtained
};

// One step down: the trust anchor's zone from its DNSKEY RRset when nothing is established yet
// (`above` null), a zone below an established one from its parent's evidence and its own DNSKEY
// RRset. nullopt for a zone above the anchor's zone, which the walk passes over unvalidated.
std::optional<ZoneTrust> stepDown(Validator& validator, const ZoneTrust* above,
                                  const ZoneEvidence& link);

struct ChainWalk {
  std::vector<ZoneTrust> zones;  // from the anchor's zone down, one per link at or below it
  size_t firstLink = 0;          // the link zones.front() is for; those before it are above it
  // What a zone below the last link is validated against: the last zone's trust, or
  // indeterminate (no_trust_anchor) when no link was the anchor's zone.
  ZoneTrust trust;
};

// Walks `links`, ordered from the top down, spending the validator's budget as it is (the caller
// decides what one validation is, and resets the budget for it).
ChainWalk walkChain(Validator& validator, const std::vector<ZoneEvidence>& links);

struct ZoneVerdict {
  Outcome outcome;
  std::vector<RRsetVerdict> rrsets;  // one per RRset, in order
};

// The verdict on RRsets of an established zone (say, one server's apex RRsets). It is the worst
// of the zone's own outcome and the RRsets' verdicts (isWorse: a bogus RRset is never hidden behind
// one that is merely insecure), the first of equally bad ones; secure with reason
// deprecated_algorithm when the chain down to the zone's keys went through RSASHA1 (RFC 9905).
// `wildcardProof` goes to Validator::rrset with every RRset.
ZoneVerdict judgeRRsets(Validator& validator, const ZoneTrust& zone,
                        const std::vector<dns::RRset>& rrsets,
                        const std::vector<dns::RRset>& wildcardProof = {});

// The whole chain at once, for callers that hold all the evidence (tests).
struct ChainLink {
  dns::Name zone;
  DelegationEvidence fromParent;  // ignored for the anchor zone
  std::optional<dns::RRset> dnskey;
};

struct ChainResult {
  Outcome outcome;               // the verdict for the last zone and its RRsets (judgeRRsets)
  std::vector<ZoneTrust> zones;  // one per link from the anchor's zone down (walkChain)
  std::vector<RRsetVerdict> rrsets;
  Budget budget;
  // The earliest expiration among the signatures that validated the chain and the RRsets.
  std::optional<uint32_t> earliestExpiration;
};

// One validation: walkChain over `links`, then judgeRRsets over `rrsets` in the last zone. The
// validator's budget is reset first, so a reused Validator does not carry one chain's spending
// into the next; the walk and the RRsets then share that one budget.
ChainResult validateChain(const std::vector<ChainLink>& links,
                          const std::vector<dns::RRset>& rrsets, Validator& validator,
                          const std::vector<dns::RRset>& wildcardProof = {});

}  // namespace zonewatch::dnssec
