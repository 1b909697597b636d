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

Outcome bogus(Reason reason, const dns::Name& zone, dns::RRType type, std::optional<uint16_t> tag,
              std::string detail) {
  return {State::kBogus, reason, zone, type, tag, std::move(detail)};
}

// The DS records a validator here can use: a digest type and an algorithm implemented here.
struct UsableDs {
  std::vector<const dns::rdata::DS*> ds;
  bool anySupportedDigest = false;  // tells an unsupported digest from an unsupported algorithm
};

UsableDs usableDs(const std::vector<dns::rdata::DS>& ds) {
  UsableDs usable;
  for (const auto& d : ds) {
    if (!isDigestSupported(d.digestType)) continue;
    usable.anySupportedDigest = true;
    if (crypto::isAlgorithmSupported(d.algorithm)) usable.ds.push_back(&d);
  }
  // RFC 4509 §3: ignore SHA-1 DS records when SHA-256 ones are present.
  const bool haveSha256 =
      std::any_of(usable.ds.begin(), usable.ds.end(),
                  [](const dns::rdata::DS* d) { return d->digestType == dns::digest::kSha256; });
  if (haveSha256) {
    std::erase_if(usable.ds,
                  [](const dns::rdata::DS* d) { return d->digestType == dns::digest::kSha1; });
  }
  return usable;
}

// RFC 4035 §5.2: no DS we can use means the zone is treated as unsigned.
Outcome insecureForLackOfUsableDs(const dns::Name& zone, const UsableDs& usable) {
  if (!usable.anySupportedDigest) {
    return insecure(zone, Reason::kUnsupportedDigest,
                    "no DS for " + zone.toString() + " uses a supported digest type");
  }
  return insecure(zone, Reason::kUnsupportedAlgorithm,
                  "no DS for " + zone.toString() + " uses a supported algorithm");
}

// Whether the DNSKEY record `rr` is one `d` may name: algorithm and key tag agree, and it is a
// zone key (flag bit 7) with protocol 3 (RFC 4034 §5.2) that is not revoked (RFC 5011 §3).
bool namedBy(const dns::rdata::DS& d, const dns::ResourceRecord& rr) {
  const auto* key = std::get_if<dns::rdata::DNSKEY>(&rr.data);
  if (key == nullptr || key->algorithm != d.algorithm) return false;
  if (dns::keyTag(rr.rdata) != d.keyTag) return false;
  if ((key->flags & dns::dnskey_flags::kZone) == 0 || key->protocol != 3) return false;
  return (key->flags & dns::dnskey_flags::kRevoke) == 0;
}

// Matches the usable DS records against a DNSKEY RRset, one DS at a time.
class DsMatcher {
 public:
  DsMatcher(const dns::Name& zone, const dns::RRset& dnskeys, const ValidationLimits& limits,
            Budget& budget)
      : zone_(zone), dnskeys_(dnskeys), limits_(limits), budget_(budget) {}

  DsMatch run(const std::vector<const dns::rdata::DS*>& usable) {
    for (const auto* d : usable) {
      if (!matchOne(*d)) return std::move(result_);
    }
    result_.outcome = result_.matched.empty() ? noMatch(usable) : Outcome::secure(zone_);
    return std::move(result_);
  }

 private:
  // False when more keys share the DS's tag than the cap allows; the result is then final.
  bool matchOne(const dns::rdata::DS& d) {
    uint32_t candidates = 0;
    for (const auto& rr : dnskeys_.records) {
      if (!namedBy(d, rr)) continue;
      tagSeen_ = true;
      // KeyTrap (CVE-2023-50387): colliding tags must not multiply work without bound (digests are
      // cheap, but the matched keys are what signature verification is later tried with). Past the
      // cap the answer is hostile or broken beyond use: stopping quietly would report whatever the
      // first few keys happened to say (ds_mismatch), hiding the attack.
      if (++candidates > limits_.maxKeysPerSignature) {
        budget_.exhausted = true;
        result_.matched.clear();
        result_.outcome = bogus(Reason::kBudgetExhausted, zone_, dns::RRType::DNSKEY, d.keyTag,
                                "more than " + std::to_string(limits_.maxKeysPerSignature) +
                                    " DNSKEYs of " + zone_.toString() + " share the key tag " +
                                    std::to_string(d.keyTag) + " of a DS");
        return false;
      }
      keepIfDigestMatches(d, rr);
    }
    return true;
  }

  // RFC 4034 §5.1.4: the digest is over (owner | DNSKEY RDATA).
  void keepIfDigestMatches(const dns::rdata::DS& d, const dns::ResourceRecord& rr) {
    auto digest = crypto::dsDigest(d.digestType, dns::dsDigestInput(zone_, rr.rdata));
    if (!digest || *digest != d.digest) {
      mismatchTag_ = d.keyTag;
      return;
    }
    const bool already = std::any_of(result_.matched.begin(), result_.matched.end(),
                                     [&rr](const ZoneKey& k) { return k.rdata == rr.rdata; });
    if (!already) result_.matched.push_back(makeZoneKey(rr));
  }

  // A DS that names a key the zone serves but whose digest differs is ds_mismatch; a DS whose key
  // is not served at all (e.g. the zone re-signed with a new key) is no_dnskey_matches_ds.
  Outcome noMatch(const std::vector<const dns::rdata::DS*>& usable) const {
    if (tagSeen_) {
      return bogus(Reason::kDsMismatch, zone_, dns::RRType::DS, mismatchTag_,
                   "the DS digest for key " + std::to_string(mismatchTag_.value_or(0)) +
                       " does not match the DNSKEY that " + zone_.toString() + " serves");
    }
    std::string tags;
    for (const auto* d : usable) tags += (tags.empty() ? "" : ", ") + std::to_string(d->keyTag);
    return bogus(Reason::kNoDnskeyMatchesDs, zone_, dns::RRType::DNSKEY, usable.front()->keyTag,
                 "no DNSKEY of " + zone_.toString() + " has the key tag of its DS (" + tags + ")");
  }

  const dns::Name& zone_;
  const dns::RRset& dnskeys_;
  const ValidationLimits& limits_;
  Budget& budget_;
  DsMatch result_;
  bool tagSeen_ = false;
  std::optional<uint16_t> mismatchTag_;
};

}  // namespace

DsMatch matchDs(const dns::Name& zone, const std::vector<dns::rdata::DS>& ds,
                const dns::RRset& dnskeys, const ValidationLimits& limits, Budget& budget) {
  DsMatch result;
  if (budget.exhausted) {
    result.outcome = bogus(Reason::kBudgetExhausted, zone, dns::RRType::DNSKEY, {},
                           "the validation's work budget is already spent");
    return result;
  }
  const UsableDs usable = usableDs(ds);
  if (usable.ds.empty()) {
    result.outcome = insecureForLackOfUsableDs(zone, usable);
    return result;
  }
  if (dnskeys.records.empty()) {
    result.outcome = bogus(Reason::kDnskeyMissing, zone, dns::RRType::DNSKEY, {},
                           "the parent publishes a DS for " + zone.toString() +
                               " but the zone serves no DNSKEY RRset");
    return result;
  }
  return DsMatcher(zone, dnskeys, limits, budget).run(usable.ds);
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
