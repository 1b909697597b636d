#include "monitor/dnssec/chain.h"

#include <utility>

namespace zonewatch::dnssec {

namespace {

const DelegationEvidence& orNothing(const DelegationEvidence* evidence) {
  static const DelegationEvidence kNothing;
  return evidence != nullptr ? *evidence : kNothing;
}

// What the zones below a walk that never reached the trust anchor's zone are validated against.
ZoneTrust unanchored(const TrustAnchors& anchors) {
  ZoneTrust none;
  none.outcome = {State::kIndeterminate,
                  Reason::kNoTrustAnchor,
                  anchors.zone,
                  {},
                  {},
                  "the trust anchor's zone is not above the domain"};
  return none;
}

std::optional<uint32_t> earliestExpiration(const ChainResult& result) {
  std::optional<uint32_t> earliest;
  auto keep = [&earliest](const std::optional<uint32_t>& expiration) {
    if (expiration && (!earliest || *expiration < *earliest)) earliest = expiration;
  };
  for (const auto& zone : result.zones) {
    if (zone.dsVerdict) keep(zone.dsVerdict->expiration);
    if (zone.dnskeyVerdict) keep(zone.dnskeyVerdict->expiration);
  }
  for (const auto& verdict : result.rrsets) keep(verdict.expiration);
  return earliest;
}

}  // namespace

std::optional<ZoneTrust> stepDown(Validator& validator, const ZoneTrust* above,
                                  const ZoneEvidence& link) {
  if (above != nullptr) {
    return validator.childZone(*above, link.zone, orNothing(link.fromParent), link.dnskey);
  }
  // A chain of trust starts at its anchor: the zones above the anchor's cannot be validated, and
  // are no part of the chain.
  if (!(link.zone == validator.anchors().zone)) return std::nullopt;
  return validator.anchorZone(link.dnskey);
}

ChainWalk walkChain(Validator& validator, const std::vector<ZoneEvidence>& links) {
  ChainWalk walk;
  walk.firstLink = links.size();
  for (size_t i = 0; i < links.size(); ++i) {
    const ZoneTrust* above = walk.zones.empty() ? nullptr : &walk.zones.back();
    auto trust = stepDown(validator, above, links[i]);
    if (!trust) continue;
    if (walk.zones.empty()) walk.firstLink = i;
    walk.zones.push_back(std::move(*trust));
  }
  walk.trust = walk.zones.empty() ? unanchored(validator.anchors()) : walk.zones.back();
  return walk;
}

ZoneVerdict judgeRRsets(Validator& validator, const ZoneTrust& zone,
                        const std::vector<dns::RRset>& rrsets,
                        const std::vector<dns::RRset>& wildcardProof) {
  ZoneVerdict verdict;
  verdict.outcome = zone.outcome;
  verdict.rrsets.reserve(rrsets.size());
  for (const auto& set : rrsets) {
    auto judged = validator.rrset(zone, set, wildcardProof);
    if (isWorse(judged.outcome.state, verdict.outcome.state)) verdict.outcome = judged.outcome;
    verdict.rrsets.push_back(std::move(judged));
  }
  // Only the chain down to the zone's keys counts (ZoneTrust::deprecatedAlgorithm), not the
  // algorithm of the RRSIG that validated each RRset: the prober's verdicts have always been made
  // so, and the lab's oracle comparisons pin them.
  if (verdict.outcome.state == State::kSecure && zone.deprecatedAlgorithm) {
    verdict.outcome.reason = Reason::kDeprecatedAlgorithm;
  }
  return verdict;
}

ChainResult validateChain(const std::vector<ChainLink>& links,
                          const std::vector<dns::RRset>& rrsets, Validator& validator,
                          const std::vector<dns::RRset>& wildcardProof) {
  validator.resetBudget();
  ChainResult result;
  if (links.empty()) {
    result.outcome = {
        State::kIndeterminate, Reason::kMissingData, dns::Name(), dns::RRType::DNSKEY, {},
        "no zones to validate"};
    return result;
  }
  std::vector<ZoneEvidence> evidence;
  evidence.reserve(links.size());
  for (const auto& link : links) {
    evidence.push_back({link.zone, &link.fromParent, link.dnskey ? &*link.dnskey : nullptr});
  }
  ChainWalk walk = walkChain(validator, evidence);
  ZoneVerdict verdict = judgeRRsets(validator, walk.trust, rrsets, wildcardProof);
  result.outcome = std::move(verdict.outcome);
  result.zones = std::move(walk.zones);
  result.rrsets = std::move(verdict.rrsets);
  result.earliestExpiration = earliestExpiration(result);
  result.budget = validator.budget();
  return result;
}

}  // namespace zonewatch::dnssec
