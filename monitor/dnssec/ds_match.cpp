#include "monitor/dnssec/ds_match.h"

#include <algorithm>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/canonical.h"

namespace zonewatch::dnssec {

bool isDigestSupported(uint8_t digestType) {
  return digestType == dns::digest::kSha1 || digestType == dns::digest::kSha256 ||
         digestType == dns::digest::kSha384;
}

namespace {

Outcome insecure(const dns::Name& zone, Reason reason, std::string detail) {
  return {State::kInsecure, reason, zone, dns::RRType::DS, {}, std::move(detail)};
}

}  // namespace

DsMatch matchDs(const dns::Name& zone, const std::vector<dns::rdata::DS>& ds,
                const dns::RRset& dnskeys, const ValidationLimits& limits, Budget& budget) {
  DsMatch result;
  if (budget.exhausted) {
    result.outcome = {State::kBogus,
                      Reason::kBudgetExhausted,
                      zone,
                      dns::RRType::DNSKEY,
                      {},
                      "the validation's work budget is already spent"};
    return result;
  }
  std::vector<const dns::rdata::DS*> usable;
  bool anySupportedDigest = false;
  for (const auto& d : ds) {
    if (!isDigestSupported(d.digestType)) continue;
    anySupportedDigest = true;
    if (crypto::isAlgorithmSupported(d.algorithm)) usable.push_back(&d);
  }
  if (usable.empty()) {
    // RFC 4035 §5.2: no DS we can use means the zone is treated as unsigned.
    if (!anySupportedDigest) {
      result.outcome = insecure(zone, Reason::kUnsupportedDigest,
                                "no DS for " + zone.toString() + " uses a supported digest type");
    } else {
      result.outcome = insecure(zone, Reason::kUnsupportedAlgorithm,
                                "no DS for " + zone.toString() + " uses a supported algorithm");
    }
    return result;
  }
  // RFC 4509 §3: ignore SHA-1 DS records when SHA-256 ones are present.
  bool haveSha256 = std::any_of(usable.begin(), usable.end(), [](const dns::rdata::DS* d) {
    return d->digestType == dns::digest::kSha256;
  });
  if (haveSha256) {
    std::erase_if(usable,
                  [](const dns::rdata::DS* d) { return d->digestType == dns::digest::kSha1; });
  }

  if (dnskeys.records.empty()) {
    result.outcome = {State::kBogus,
                      Reason::kDnskeyMissing,
                      zone,
                      dns::RRType::DNSKEY,
                      {},
                      "the parent publishes a DS for " + zone.toString() +
                          " but the zone serves no DNSKEY RRset"};
    return result;
  }

  bool tagSeen = false;
  std::optional<uint16_t> mismatchTag;
  for (const auto* d : usable) {
    uint32_t candidates = 0;
    for (const auto& rr : dnskeys.records) {
      const auto* key = std::get_if<dns::rdata::DNSKEY>(&rr.data);
      if (key == nullptr || key->algorithm != d->algorithm) continue;
      if (dns::keyTag(rr.rdata) != d->keyTag) continue;
      // RFC 4034 §5.2: the DS refers to a zone key (flag bit 7), protocol 3.
      if ((key->flags & dns::dnskey_flags::kZone) == 0 || key->protocol != 3) continue;
      if ((key->flags & dns::dnskey_flags::kRevoke) != 0) continue;
      tagSeen = true;
      // KeyTrap (CVE-2023-50387): colliding tags must not multiply work without bound (digests are
      // cheap, but the matched keys are what signature verification is later tried with). Past the
      // cap the answer is hostile or broken beyond use: stopping quietly would report whatever the
      // first few keys happened to say (ds_mismatch), hiding the attack.
      if (++candidates > limits.maxKeysPerSignature) {
        budget.exhausted = true;
        result.matched.clear();
        result.outcome = {State::kBogus,
                          Reason::kBudgetExhausted,
                          zone,
                          dns::RRType::DNSKEY,
                          d->keyTag,
                          "more than " + std::to_string(limits.maxKeysPerSignature) +
                              " DNSKEYs of " + zone.toString() + " share the key tag " +
                              std::to_string(d->keyTag) + " of a DS"};
        return result;
      }
      auto digest = crypto::dsDigest(d->digestType, dns::dsDigestInput(zone, rr.rdata));
      if (digest && *digest == d->digest) {
        bool already = std::any_of(result.matched.begin(), result.matched.end(),
                                   [&rr](const ZoneKey& k) { return k.rdata == rr.rdata; });
        if (!already) result.matched.push_back(makeZoneKey(rr));
      } else {
        mismatchTag = d->keyTag;
      }
    }
  }
  if (!result.matched.empty()) {
    result.outcome = Outcome::secure(zone);
    return result;
  }
  if (tagSeen) {
    result.outcome = {State::kBogus,
                      Reason::kDsMismatch,
                      zone,
                      dns::RRType::DS,
                      mismatchTag,
                      "the DS digest for key " + std::to_string(mismatchTag.value_or(0)) +
                          " does not match the DNSKEY that " + zone.toString() + " serves"};
  } else {
    std::string tags;
    for (const auto* d : usable) tags += (tags.empty() ? "" : ", ") + std::to_string(d->keyTag);
    result.outcome = {
        State::kBogus,
        Reason::kNoDnskeyMatchesDs,
        zone,
        dns::RRType::DNSKEY,
        usable.front()->keyTag,
        "no DNSKEY of " + zone.toString() + " has the key tag of its DS (" + tags + ")"};
  }
  return result;
}

DsMatch matchAnchorKeys(const dns::Name& zone, const std::vector<dns::ResourceRecord>& anchors,
                        const dns::RRset& dnskeys) {
  DsMatch result;
  for (const auto& rr : dnskeys.records) {
    for (const auto& anchor : anchors) {
      if (anchor.rdata == rr.rdata) {
        result.matched.push_back(makeZoneKey(rr));
        break;
      }
    }
  }
  if (result.matched.empty()) {
    result.outcome = {State::kBogus,
                      Reason::kTrustAnchorMismatch,
                      zone,
                      dns::RRType::DNSKEY,
                      {},
                      "no DNSKEY of " + zone.toString() + " equals a configured trust anchor"};
  } else {
    result.outcome = Outcome::secure(zone);
  }
  return result;
}

}  // namespace zonewatch::dnssec
