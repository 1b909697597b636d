#include "monitor/dnssec/validator.h"

#include <algorithm>

#include "monitor/dnssec/denial.h"
#include "monitor/dnssec/ds_match.h"

namespace zonewatch::dnssec {

namespace {

bool isDeprecated(std::optional<uint8_t> algorithm) {
  // RFC 9905 deprecates RSASHA1 and RSASHA1-NSEC3-SHA1 for signing; validators still verify them.
  return algorithm == dns::algorithm::kRsaSha1 || algorithm == dns::algorithm::kRsaSha1Nsec3Sha1;
}

Outcome missing(const dns::Name& zone, dns::RRType type, std::string detail) {
  return {State::kIndeterminate, Reason::kMissingData, zone, type, {}, std::move(detail)};
}

Outcome bogus(Reason reason, const dns::Name& zone, dns::RRType type, std::string detail) {
  return {State::kBogus, reason, zone, type, {}, std::move(detail)};
}

// Why a verified NSEC or NSEC3 RRset of the parent cannot serve to deny the DS of `child`;
// nullopt when it can.
std::optional<Outcome> unprovenDenial(const RRsetVerdict& verdict, const dns::Name& parentZone,
                                      const dns::Name& child) {
  if (verdict.outcome.state != State::kSecure) {
    Outcome failed = verdict.outcome;
    failed.rrtype = dns::RRType::DS;
    failed.detail = "the denial of the DS of " + child.toString() +
                    " does not validate: " + verdict.outcome.detail;
    if (failed.reason == Reason::kSignatureInvalid || failed.reason == Reason::kRrsigMissing) {
      failed.reason = Reason::kDenialInvalid;
    }
    return failed;
  }
  // RFC 4592 §4.7: synthesised NSEC RRs "will never be used in negative caching or to generate
  // a negative response"; the same holds for NSEC3. A denial signed as an expansion proves
  // nothing.
  if (verdict.wildcardLabels) {
    return bogus(
        Reason::kDenialInvalid, parentZone, dns::RRType::DS,
        "the denial of the DS of " + child.toString() + " is signed as a wildcard expansion");
  }
  return std::nullopt;
}

// The proof of "no DS" from the parent's verified denial records. NSEC3 is tried when there is
// any, as a parent's zone uses one or the other.
Outcome proveNoDs(const dns::Name& child, const dns::Name& parentZone,
                  const std::vector<dns::ResourceRecord>& nsec,
                  const std::vector<dns::ResourceRecord>& nsec3, const ValidationLimits& limits,
                  Budget& budget) {
  if (!nsec3.empty()) return proveNoDsWithNsec3(child, parentZone, nsec3, limits, budget);
  if (!nsec.empty()) return proveNoDsWithNsec(child, parentZone, nsec);
  return bogus(Reason::kDenialMissing, parentZone, dns::RRType::DS,
               "the answer for the DS of " + child.toString() + " carries no NSEC or NSEC3");
}

}  // namespace

Validator::Validator(TrustAnchors anchors, int64_t nowUnix, ValidationLimits limits,
                     VerificationCache* cache, KeyCache* keys)
    : anchors_(std::move(anchors)),
      // RFC 4034 §3.1.5: signature times are seconds since the epoch modulo 2^32.
      now_(static_cast<uint32_t>(static_cast<uint64_t>(nowUnix) & 0xFFFFFFFFu)),
      limits_(limits),
      cache_(cache),
      keys_(keys) {}

VerifyContext Validator::context() {
  return VerifyContext{now_, &limits_, &budget_, cache_, keys_};
}

ZoneTrust Validator::keysFromMatch(ZoneTrust trust, const DsMatch& match,
                                   const dns::RRset& dnskeys) {
  if (match.outcome.state != State::kSecure) {
    trust.outcome = match.outcome;
    return trust;
  }
  // RFC 4035 §5.2: the DNSKEY RRset must be signed by a key that a DS (or anchor) authenticates.
  auto verdict = verifyRRset(dnskeys, trust.zone, match.matched, context());
  trust.dnskeyVerdict = verdict;
  if (verdict.outcome.state != State::kSecure) {
    trust.outcome = verdict.outcome;
    return trust;
  }
  trust.keys = usableKeys(dnskeys);
  trust.deprecatedAlgorithm = trust.deprecatedAlgorithm || isDeprecated(verdict.algorithm);
  trust.outcome = Outcome::secure(trust.zone);
  return trust;
}

ZoneTrust Validator::anchorZone(const dns::RRset* dnskeys) {
  ZoneTrust trust;
  trust.zone = anchors_.zone;
  if (anchors_.empty()) {
    trust.outcome = {State::kIndeterminate,          Reason::kNoTrustAnchor, trust.zone, {}, {},
                     "no trust anchor is configured"};
    return trust;
  }
  if (dnskeys == nullptr || dnskeys->records.empty()) {
    trust.outcome =
        missing(trust.zone, dns::RRType::DNSKEY,
                "no DNSKEY RRset was obtained for the anchor zone " + trust.zone.toString());
    return trust;
  }
  if (!(dnskeys->owner == anchors_.zone)) {
    trust.outcome = {State::kIndeterminate,
                     Reason::kNoTrustAnchor,
                     dnskeys->owner,
                     {},
                     {},
                     "no trust anchor for " + dnskeys->owner.toString()};
    return trust;
  }
  DsMatch match;
  if (!anchors_.ds.empty()) match = matchDs(trust.zone, anchors_.ds, *dnskeys, limits_, budget_);
  if (!anchors_.dnskeys.empty() && match.matched.empty() &&
      match.outcome.reason != Reason::kBudgetExhausted) {
    auto byKey = matchAnchorKeys(trust.zone, anchors_.dnskeys, *dnskeys);
    if (!byKey.matched.empty() || anchors_.ds.empty()) match = std::move(byKey);
  }
  // A spent budget is not a mismatch: renaming it would hide a KeyTrap-style anchor zone.
  if (match.outcome.state == State::kBogus && match.outcome.reason != Reason::kBudgetExhausted) {
    match.outcome.reason = Reason::kTrustAnchorMismatch;
    match.outcome.detail = "the DNSKEY RRset of " + trust.zone.toString() +
                           " matches no configured trust anchor (" + match.outcome.detail + ")";
  }
  return keysFromMatch(std::move(trust), match, *dnskeys);
}

ZoneTrust Validator::childZone(const ZoneTrust& parent, const dns::Name& child,
                               const DelegationEvidence& evidence, const dns::RRset* dnskeys) {
  ZoneTrust trust;
  trust.zone = child;
  trust.deprecatedAlgorithm = parent.deprecatedAlgorithm;
  // RFC 4035 §4.3: below an insecure or bogus zone, everything inherits that state.
  if (parent.outcome.state != State::kSecure) {
    trust.outcome = parent.outcome;
    return trust;
  }

  // RFC 4035 §5.2: the DNSKEY RRset is the child's own, at its apex. One owned by any other name
  // is not evidence about this zone, however well it is signed.
  if (dnskeys != nullptr && !(dnskeys->owner == child)) {
    trust.outcome = bogus(Reason::kOwnerMismatch, child, dns::RRType::DNSKEY,
                          "the DNSKEY RRset handed in for " + child.toString() + " is owned by " +
                              dnskeys->owner.toString());
    return trust;
  }

  if (evidence.ds && !evidence.ds->records.empty()) {
    return keysFromDs(parent, std::move(trust), *evidence.ds, dnskeys);
  }
  // No DS: believe it only with the parent's signed denial (RFC 4035 §5.2, RFC 5155 §8.6).
  return insecureByDenial(parent, std::move(trust), evidence.denial);
}

std::optional<Outcome> Validator::authenticateDs(const ZoneTrust& parent, ZoneTrust& trust,
                                                 const dns::RRset& ds) {
  const dns::Name& child = trust.zone;
  // RFC 4034 §5: the DS RRset is owned by the delegation's name; a DS of any other name (a
  // sibling's, spliced into the referral) would authenticate the wrong keys.
  if (!(ds.owner == child)) {
    return bogus(
        Reason::kOwnerMismatch, parent.zone, dns::RRType::DS,
        "the DS RRset handed in for " + child.toString() + " is owned by " + ds.owner.toString());
  }
  // RFC 4035 §5.2: the DS RRset is authenticated with the parent's keys.
  const RRsetVerdict& verdict =
      trust.dsVerdict.emplace(verifyRRset(ds, parent.zone, parent.keys, context()));
  if (verdict.outcome.state != State::kSecure) return verdict.outcome;
  // RFC 4035 §5.3.4: an expansion needs a proof of no closer match, which the evidence of a
  // delegation does not carry; a DS that claims to be synthesised is not believed.
  if (verdict.wildcardLabels) {
    return bogus(Reason::kWildcardProofMissing, parent.zone, dns::RRType::DS,
                 "the DS RRset of " + child.toString() + " is signed as a wildcard expansion");
  }
  return std::nullopt;
}

ZoneTrust Validator::keysFromDs(const ZoneTrust& parent, ZoneTrust trust, const dns::RRset& ds,
                                const dns::RRset* dnskeys) {
  if (auto refused = authenticateDs(parent, trust, ds)) {
    trust.outcome = std::move(*refused);
    return trust;
  }
  trust.deprecatedAlgorithm = trust.deprecatedAlgorithm || isDeprecated(trust.dsVerdict->algorithm);
  for (const auto& rr : ds.records) {
    if (const auto* d = std::get_if<dns::rdata::DS>(&rr.data)) trust.ds.push_back(*d);
  }
  if (dnskeys == nullptr) {
    trust.outcome = missing(trust.zone, dns::RRType::DNSKEY,
                            "no DNSKEY RRset was obtained from " + trust.zone.toString());
    return trust;
  }
  auto match = matchDs(trust.zone, trust.ds, *dnskeys, limits_, budget_);
  return keysFromMatch(std::move(trust), match, *dnskeys);
}

ZoneTrust Validator::insecureByDenial(const ZoneTrust& parent, ZoneTrust trust,
                                      const std::vector<dns::RRset>& denial) {
  const dns::Name& child = trust.zone;
  if (denial.empty()) {
    trust.outcome = bogus(Reason::kDenialMissing, parent.zone, dns::RRType::DS,
                          parent.zone.toString() + " neither publishes a DS for " +
                              child.toString() + " nor proves its absence");
    return trust;
  }
  std::vector<dns::ResourceRecord> nsec, nsec3;
  for (const auto& set : denial) {
    if (set.type != dns::RRType::NSEC && set.type != dns::RRType::NSEC3) continue;
    const RRsetVerdict& verdict =
        trust.dsVerdict.emplace(verifyRRset(set, parent.zone, parent.keys, context()));
    if (auto refused = unprovenDenial(verdict, parent.zone, child)) {
      trust.outcome = std::move(*refused);
      return trust;
    }
    auto& into = set.type == dns::RRType::NSEC ? nsec : nsec3;
    into.insert(into.end(), set.records.begin(), set.records.end());
  }
  trust.outcome = proveNoDs(child, parent.zone, nsec, nsec3, limits_, budget_);
  return trust;
}

RRsetVerdict Validator::rrset(const ZoneTrust& zone, const dns::RRset& set,
                              const std::vector<dns::RRset>& wildcardProof) {
  if (zone.outcome.state != State::kSecure) {
    RRsetVerdict verdict;
    verdict.owner = set.owner;
    verdict.type = set.type;
    verdict.outcome = zone.outcome;
    return verdict;
  }
  auto verdict = verifyRRset(set, zone.zone, zone.keys, context());
  if (verdict.outcome.state != State::kSecure || !verdict.wildcardLabels) return verdict;
  // RFC 4035 §5.3.4: "Once the validator has verified the signature ... it must take additional
  // steps to verify the non-existence of an exact match or closer wildcard match for the query."
  // Without that, a signature over *.zone would let a server answer any name in the zone.
  auto proof = proveWildcard(zone, set.owner, *verdict.wildcardLabels, wildcardProof);
  if (proof.state != State::kSecure) {
    verdict.outcome = std::move(proof);
    verdict.outcome.rrtype = set.type;
    verdict.outcome.keyTag = verdict.keyTag;
  }
  return verdict;
}

Outcome Validator::proveWildcard(const ZoneTrust& zone, const dns::Name& qname, uint8_t labels,
                                 const std::vector<dns::RRset>& proof) {
  std::vector<dns::ResourceRecord> nsec, nsec3;
  for (const auto& set : proof) {
    if (set.type != dns::RRType::NSEC && set.type != dns::RRType::NSEC3) continue;
    auto verdict = verifyRRset(set, zone.zone, zone.keys, context());
    if (verdict.outcome.state != State::kSecure) {
      Outcome failed = verdict.outcome;
      failed.detail = "the proof for the wildcard answer " + qname.toString() +
                      " does not validate: " + verdict.outcome.detail;
      return failed;
    }
    // RFC 4592 §4.7: a synthesised NSEC is never used to prove a negative (nor an NSEC3).
    if (verdict.wildcardLabels) continue;
    auto& into = set.type == dns::RRType::NSEC ? nsec : nsec3;
    into.insert(into.end(), set.records.begin(), set.records.end());
  }
  Outcome result =
      bogus(Reason::kWildcardProofMissing, zone.zone, dns::RRType::NSEC,
            qname.toString() + " was synthesised from a wildcard, but no NSEC or NSEC3 proves " +
                "that no closer match exists");
  if (!nsec3.empty()) {
    result = proveWildcardWithNsec3(qname, labels, zone.zone, nsec3, limits_, budget_);
  }
  if (result.state != State::kSecure && result.reason != Reason::kBudgetExhausted &&
      !nsec.empty()) {
    result = proveWildcardWithNsec(qname, labels, zone.zone, nsec);
  }
  return result;
}

}  // namespace zonewatch::dnssec
