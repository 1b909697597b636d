#include "monitor/dnssec/signature.h"

#include "monitor/crypto/crypto.h"
#include "monitor/dns/canonical.h"
#include "monitor/dnssec/key_cache.h"
#include "monitor/dnssec/verification_cache.h"

namespace zonewatch::dnssec {

namespace {

// When no signature validates, the reason reported is the most telling failure seen: a failed
// cryptographic check says more than a stale signature, which says more than a missing one.
int severity(Reason r) {
  switch (r) {
    case Reason::kSignatureInvalid:
      return 5;
    case Reason::kRrsigExpired:
      return 4;
    case Reason::kRrsigNotYetValid:
      return 3;
    case Reason::kSignerMismatch:
      return 2;
    default:
      return 1;
  }
}

size_t labelsWithoutWildcard(const dns::Name& owner) {
  // RFC 4034 §3.1.3: the Labels field does not count the root or a leading "*" label.
  return owner.isWildcard() ? owner.labelCount() - 1 : owner.labelCount();
}

}  // namespace

bool serialLessOrEqual(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(b - a) >= 0;
}

const crypto::PublicKey* ZoneKey::publicKey(KeyCache* cache) const {
  if (!tried_) {
    tried_ = true;
    parsed_ = cache != nullptr ? cache->get(dnskey.algorithm, dnskey.publicKey)
                               : KeyCache::parse(dnskey.algorithm, dnskey.publicKey);
  }
  return parsed_.get();
}

int64_t unixFromSerial(uint32_t t, int64_t now) {
  return now + static_cast<int32_t>(t - static_cast<uint32_t>(now));
}

ZoneKey makeZoneKey(const dns::ResourceRecord& rr) {
  ZoneKey key;
  key.dnskey = std::get<dns::rdata::DNSKEY>(rr.data);
  key.rdata = rr.rdata;
  key.tag = dns::keyTag(rr.rdata);
  return key;
}

std::vector<ZoneKey> usableKeys(const dns::RRset& dnskeys) {
  std::vector<ZoneKey> keys;
  for (const auto& rr : dnskeys.records) {
    const auto* k = std::get_if<dns::rdata::DNSKEY>(&rr.data);
    if (k == nullptr) continue;
    // RFC 4034 §2.1.1: only keys with the Zone Key flag may verify zone data; §2.1.2: protocol 3.
    if ((k->flags & dns::dnskey_flags::kZone) == 0 || k->protocol != 3) continue;
    // RFC 5011 §3: a revoked key must not be used to validate anything but its own revocation.
    if ((k->flags & dns::dnskey_flags::kRevoke) != 0) continue;
    if (!crypto::isAlgorithmSupported(k->algorithm)) continue;
    keys.push_back(makeZoneKey(rr));
  }
  return keys;
}

RRsetVerdict verifyRRset(const dns::RRset& rrset, const dns::Name& zone,
                         const std::vector<ZoneKey>& keys, const VerifyContext& ctx) {
  RRsetVerdict verdict;
  verdict.owner = rrset.owner;
  verdict.type = rrset.type;
  verdict.outcome.zone = zone;
  verdict.outcome.rrtype = rrset.type;

  auto bogus = [&](Reason reason, std::string detail, std::optional<uint16_t> tag = {}) {
    verdict.outcome.state = State::kBogus;
    verdict.outcome.reason = reason;
    verdict.outcome.detail = std::move(detail);
    verdict.outcome.keyTag = tag;
    return verdict;
  };

  // A spent budget stays spent for the rest of the validation: stopping "at once" must not turn
  // into "stop this loop and start the next one" (KeyTrap, CVE-2023-50387).
  if (ctx.budget->exhausted) {
    return bogus(Reason::kBudgetExhausted, "the validation's work budget is already spent");
  }
  // RFC 4035 §5.3.1: the signer is "the name of the zone that contains the RRset", so an RRset
  // outside the zone cannot be authenticated by the zone's keys, whatever its RRSIG says.
  if (!rrset.owner.isSubdomainOf(zone)) {
    return bogus(Reason::kOwnerMismatch,
                 rrset.owner.toString() + " is not in the zone " + zone.toString());
  }
  if (rrset.signatures.empty()) {
    return bogus(Reason::kRrsigMissing,
                 "no RRSIG covers " + rrset.owner.toString() + " " + dns::typeToString(rrset.type));
  }

  Reason worst = Reason::kRrsigMissing;
  std::string worstDetail;  // written when a failure is noted: the secure path builds no text
  std::optional<uint16_t> worstTag;
  auto note = [&](Reason r, std::string detail, uint16_t tag) {
    if (severity(r) > severity(worst)) {
      worst = r;
      worstDetail = std::move(detail);
      worstTag = tag;
    }
  };

  uint32_t signaturesTried = 0;
  for (const auto& sigRecord : rrset.signatures) {
    const auto* sig = std::get_if<dns::rdata::RRSIG>(&sigRecord.data);
    if (sig == nullptr) continue;
    if (++signaturesTried > ctx.limits->maxSignaturesPerRRset) {
      ctx.budget->exhausted = true;
      return bogus(Reason::kBudgetExhausted, "more than " +
                                                 std::to_string(ctx.limits->maxSignaturesPerRRset) +
                                                 " RRSIGs tried for one RRset");
    }
    // RFC 4035 §5.3.1: the RRSIG and the RRset share owner, class and covered type.
    if (sig->typeCovered != rrset.type || sigRecord.rclass != rrset.rclass) continue;
    // RFC 4035 §5.3.1: the Signer's Name is the name of the zone that contains the RRset.
    if (!(sig->signer == zone)) {
      note(Reason::kSignerMismatch,
           "RRSIG signer " + sig->signer.toString() + " is not the zone " + zone.toString(),
           sig->keyTag);
      continue;
    }
    // RFC 4035 §5.3.1: the Labels field is not greater than the owner's label count.
    if (sig->labels > labelsWithoutWildcard(rrset.owner)) continue;
    // RFC 4035 §5.3.2 and §5.3.4: a smaller Labels field names the wildcard the RRset was
    // synthesised from, "*." + the owner's rightmost `labels` labels, and that wildcard must be in
    // the signer's zone. So an apex RRset (SOA, NS, DNSKEY, CDS, CDNSKEY) can never be a wildcard
    // expansion: its only candidate wildcards lie above the apex, in another zone.
    if (sig->labels < zone.labelCount()) {
      note(Reason::kSignatureInvalid,
           "RRSIG by key " + std::to_string(sig->keyTag) + " over " + rrset.owner.toString() +
               " claims a wildcard above the apex of " + zone.toString(),
           sig->keyTag);
      continue;
    }
    if (!crypto::isAlgorithmSupported(sig->algorithm)) continue;
    // RFC 4035 §5.3.1: the validator's notion of now lies within inception..expiration,
    // compared in serial-number arithmetic (RFC 4034 §3.1.5).
    if (!serialLessOrEqual(sig->inception, sig->expiration)) {
      note(Reason::kSignatureInvalid, "RRSIG expiration precedes its inception", sig->keyTag);
      continue;
    }
    if (!serialLessOrEqual(ctx.now, sig->expiration)) {
      note(Reason::kRrsigExpired, "RRSIG by key " + std::to_string(sig->keyTag) + " expired",
           sig->keyTag);
      continue;
    }
    if (!serialLessOrEqual(sig->inception, ctx.now)) {
      note(Reason::kRrsigNotYetValid,
           "RRSIG by key " + std::to_string(sig->keyTag) + " is not yet valid", sig->keyTag);
      continue;
    }

    std::vector<uint8_t> data;  // built lazily: only when some key matches
    uint32_t keysTried = 0;
    for (const auto& key : keys) {
      // RFC 4035 §5.3.1: algorithm and key tag of the RRSIG match a DNSKEY of the zone.
      if (key.tag != sig->keyTag || key.dnskey.algorithm != sig->algorithm) continue;
      // Counted before the key is parsed: a flood of colliding keys with junk material costs
      // parsing too (KeyTrap, CVE-2023-50387).
      if (++keysTried > ctx.limits->maxKeysPerSignature) {
        ctx.budget->exhausted = true;
        return bogus(Reason::kBudgetExhausted,
                     "more than " + std::to_string(ctx.limits->maxKeysPerSignature) +
                         " DNSKEYs share key tag " + std::to_string(sig->keyTag),
                     sig->keyTag);
      }
      if (data.empty()) data = dns::signedData(*sig, rrset);

      std::optional<bool> valid;
      std::optional<VerificationCache::Key> memoKey;
      if (ctx.cache != nullptr) memoKey = ctx.cache->makeKey(data, sig->signature, key.rdata);
      if (memoKey) {
        valid = ctx.cache->lookup(*memoKey);
        if (valid) ++ctx.budget->cacheHits;
      }
      if (!valid) {
        if (ctx.budget->verifications >= ctx.limits->maxVerifications) {
          ctx.budget->exhausted = true;
          return bogus(Reason::kBudgetExhausted,
                       "more than " + std::to_string(ctx.limits->maxVerifications) +
                           " signature verifications in one validation",
                       sig->keyTag);
        }
        const crypto::PublicKey* publicKey = key.publicKey(ctx.keys);
        if (publicKey == nullptr) continue;
        ++ctx.budget->verifications;
        const auto checked = publicKey->verify(data, sig->signature);
        // kError is OpenSSL failing, not the data: neither a forgery nor a success, and never
        // remembered, so a passing failure does not stick as bogus.
        if (checked == crypto::VerifyOutcome::kError) continue;
        valid = checked == crypto::VerifyOutcome::kValid;
        if (memoKey) ctx.cache->store(*memoKey, *valid, sig->expiration);
      }
      if (*valid) {
        verdict.outcome = Outcome::secure(zone);
        verdict.outcome.rrtype = rrset.type;
        verdict.outcome.keyTag = key.tag;
        verdict.expiration = sig->expiration;
        verdict.keyTag = key.tag;
        verdict.algorithm = sig->algorithm;
        if (sig->labels < labelsWithoutWildcard(rrset.owner)) verdict.wildcardLabels = sig->labels;
        return verdict;
      }
      note(Reason::kSignatureInvalid,
           "RRSIG by key " + std::to_string(sig->keyTag) + " over " + rrset.owner.toString() + " " +
               dns::typeToString(rrset.type) + " does not verify",
           sig->keyTag);
    }
  }
  if (worstDetail.empty()) {
    worstDetail = "no RRSIG by a key of " + zone.toString() + " covers " + rrset.owner.toString() +
                  " " + dns::typeToString(rrset.type);
  }
  return bogus(worst, std::move(worstDetail), worstTag);
}

}  // namespace zonewatch::dnssec
