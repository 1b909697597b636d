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

// What one cryptographic check of an RRSIG with one key found.
enum class Check : uint8_t {
  kValid,
  kInvalid,
  kUnusable,     // the key does not parse, or OpenSSL failed: this key proves nothing either way
  kBudgetSpent,  // the verification cap was reached; the budget is now exhausted
};

// One verification of `sig` over `data` with `key`, answered from the memo when it can be. Only a
// real verification is charged to the budget (memoised results cost no crypto).
Check checkWithKey(const std::vector<uint8_t>& data, const dns::rdata::RRSIG& sig,
                   const ZoneKey& key, const VerifyContext& ctx) {
  std::optional<VerificationCache::Key> memoKey;
  if (ctx.cache != nullptr) memoKey = ctx.cache->makeKey(data, sig.signature, key.rdata);
  if (memoKey) {
    if (const auto known = ctx.cache->lookup(*memoKey)) {
      ++ctx.budget->cacheHits;
      return *known ? Check::kValid : Check::kInvalid;
    }
  }
  if (ctx.budget->verifications >= ctx.limits->maxVerifications) {
    ctx.budget->exhausted = true;
    return Check::kBudgetSpent;
  }
  const crypto::PublicKey* publicKey = key.publicKey(ctx.keys);
  if (publicKey == nullptr) return Check::kUnusable;
  ++ctx.budget->verifications;
  const auto checked = publicKey->verify(data, sig.signature);
  // kError is OpenSSL failing, not the data: neither a forgery nor a success, and never
  // remembered, so a passing failure does not stick as bogus.
  if (checked == crypto::VerifyOutcome::kError) return Check::kUnusable;
  const bool valid = checked == crypto::VerifyOutcome::kValid;
  if (memoKey) ctx.cache->store(*memoKey, valid, sig.expiration);
  return valid ? Check::kValid : Check::kInvalid;
}

// The search for one RRSIG over an RRset that a key of its zone verifies. It keeps the most telling
// failure met on the way, and ends at once when a cap is reached.
class SignatureSearch {
 public:
  SignatureSearch(const dns::RRset& rrset, const dns::Name& zone, const std::vector<ZoneKey>& keys,
                  const VerifyContext& ctx)
      : rrset_(rrset), zone_(zone), keys_(keys), ctx_(ctx) {
    verdict_.owner = rrset.owner;
    verdict_.type = rrset.type;
    verdict_.outcome.zone = zone;
    verdict_.outcome.rrtype = rrset.type;
  }

  RRsetVerdict run() {
    if (auto refused = refuseUnsigned()) return *refused;
    uint32_t signaturesTried = 0;
    for (const auto& sigRecord : rrset_.signatures) {
      const auto* sig = std::get_if<dns::rdata::RRSIG>(&sigRecord.data);
      if (sig == nullptr) continue;
      if (++signaturesTried > ctx_.limits->maxSignaturesPerRRset) {
        return exhausted("more than " + std::to_string(ctx_.limits->maxSignaturesPerRRset) +
                         " RRSIGs tried for one RRset");
      }
      if (!admissible(sigRecord, *sig) || !withinValidity(*sig)) continue;
      if (auto done = tryKeys(*sig)) return *done;
    }
    if (worstDetail_.empty()) {
      worstDetail_ = "no RRSIG by a key of " + zone_.toString() + " covers " +
                     rrset_.owner.toString() + " " + dns::typeToString(rrset_.type);
    }
    return bogus(worst_, std::move(worstDetail_), worstTag_);
  }

 private:
  // The verdicts given before any RRSIG is looked at.
  std::optional<RRsetVerdict> refuseUnsigned() {
    // A spent budget stays spent for the rest of the validation: stopping "at once" must not turn
    // into "stop this loop and start the next one" (KeyTrap, CVE-2023-50387).
    if (ctx_.budget->exhausted) {
      return bogus(Reason::kBudgetExhausted, "the validation's work budget is already spent");
    }
    // RFC 4035 §5.3.1: the signer is "the name of the zone that contains the RRset", so an RRset
    // outside the zone cannot be authenticated by the zone's keys, whatever its RRSIG says.
    if (!rrset_.owner.isSubdomainOf(zone_)) {
      return bogus(Reason::kOwnerMismatch,
                   rrset_.owner.toString() + " is not in the zone " + zone_.toString());
    }
    if (rrset_.signatures.empty()) {
      return bogus(Reason::kRrsigMissing, "no RRSIG covers " + rrset_.owner.toString() + " " +
                                              dns::typeToString(rrset_.type));
    }
    return std::nullopt;
  }

  // Whether the RRSIG may sign this RRset at all (RFC 4035 §5.3.1), before its times and keys.
  bool admissible(const dns::ResourceRecord& sigRecord, const dns::rdata::RRSIG& sig) {
    // RFC 4035 §5.3.1: the RRSIG and the RRset share owner, class and covered type.
    if (sig.typeCovered != rrset_.type || sigRecord.rclass != rrset_.rclass) return false;
    // RFC 4035 §5.3.1: the Signer's Name is the name of the zone that contains the RRset.
    if (!(sig.signer == zone_)) {
      note(Reason::kSignerMismatch,
           "RRSIG signer " + sig.signer.toString() + " is not the zone " + zone_.toString(),
           sig.keyTag);
      return false;
    }
    // RFC 4035 §5.3.1: the Labels field is not greater than the owner's label count.
    if (sig.labels > labelsWithoutWildcard(rrset_.owner)) return false;
    // RFC 4035 §5.3.2 and §5.3.4: a smaller Labels field names the wildcard the RRset was
    // synthesised from, "*." + the owner's rightmost `labels` labels, and that wildcard must be in
    // the signer's zone. So an apex RRset (SOA, NS, DNSKEY, CDS, CDNSKEY) can never be a wildcard
    // expansion: its only candidate wildcards lie above the apex, in another zone.
    if (sig.labels < zone_.labelCount()) {
      note(Reason::kSignatureInvalid,
           "RRSIG by key " + std::to_string(sig.keyTag) + " over " + rrset_.owner.toString() +
               " claims a wildcard above the apex of " + zone_.toString(),
           sig.keyTag);
      return false;
    }
    return crypto::isAlgorithmSupported(sig.algorithm);
  }

  // RFC 4035 §5.3.1: the validator's notion of now lies within inception..expiration, compared in
  // serial-number arithmetic (RFC 4034 §3.1.5).
  bool withinValidity(const dns::rdata::RRSIG& sig) {
    if (!serialLessOrEqual(sig.inception, sig.expiration)) {
      note(Reason::kSignatureInvalid, "RRSIG expiration precedes its inception", sig.keyTag);
      return false;
    }
    if (!serialLessOrEqual(ctx_.now, sig.expiration)) {
      note(Reason::kRrsigExpired, "RRSIG by key " + std::to_string(sig.keyTag) + " expired",
           sig.keyTag);
      return false;
    }
    if (!serialLessOrEqual(sig.inception, ctx_.now)) {
      note(Reason::kRrsigNotYetValid,
           "RRSIG by key " + std::to_string(sig.keyTag) + " is not yet valid", sig.keyTag);
      return false;
    }
    return true;
  }

  // Tries the zone keys the RRSIG names. A verdict ends the search (secure, or a cap reached);
  // nullopt goes on to the next RRSIG.
  std::optional<RRsetVerdict> tryKeys(const dns::rdata::RRSIG& sig) {
    std::vector<uint8_t> data;  // built lazily: only when some key matches
    uint32_t keysTried = 0;
    for (const auto& key : keys_) {
      // RFC 4035 §5.3.1: algorithm and key tag of the RRSIG match a DNSKEY of the zone.
      if (key.tag != sig.keyTag || key.dnskey.algorithm != sig.algorithm) continue;
      // Counted before the key is parsed: a flood of colliding keys with junk material costs
      // parsing too (KeyTrap, CVE-2023-50387).
      if (++keysTried > ctx_.limits->maxKeysPerSignature) {
        return exhausted("more than " + std::to_string(ctx_.limits->maxKeysPerSignature) +
                             " DNSKEYs share key tag " + std::to_string(sig.keyTag),
                         sig.keyTag);
      }
      if (data.empty()) data = dns::signedData(sig, rrset_);
      switch (checkWithKey(data, sig, key, ctx_)) {
        case Check::kValid:
          return secure(sig, key);
        case Check::kBudgetSpent:
          return bogus(Reason::kBudgetExhausted,
                       "more than " + std::to_string(ctx_.limits->maxVerifications) +
                           " signature verifications in one validation",
                       sig.keyTag);
        case Check::kUnusable:
          break;
        case Check::kInvalid:
          note(Reason::kSignatureInvalid,
               "RRSIG by key " + std::to_string(sig.keyTag) + " over " + rrset_.owner.toString() +
                   " " + dns::typeToString(rrset_.type) + " does not verify",
               sig.keyTag);
          break;
      }
    }
    return std::nullopt;
  }

  RRsetVerdict secure(const dns::rdata::RRSIG& sig, const ZoneKey& key) {
    verdict_.outcome = Outcome::secure(zone_);
    verdict_.outcome.rrtype = rrset_.type;
    verdict_.outcome.keyTag = key.tag;
    verdict_.expiration = sig.expiration;
    verdict_.keyTag = key.tag;
    verdict_.algorithm = sig.algorithm;
    if (sig.labels < labelsWithoutWildcard(rrset_.owner)) verdict_.wildcardLabels = sig.labels;
    return verdict_;
  }

  RRsetVerdict bogus(Reason reason, std::string detail, std::optional<uint16_t> tag = {}) {
    verdict_.outcome.state = State::kBogus;
    verdict_.outcome.reason = reason;
    verdict_.outcome.detail = std::move(detail);
    verdict_.outcome.keyTag = tag;
    return verdict_;
  }

  // A cap was reached: the whole validation ends here, not just this RRset.
  RRsetVerdict exhausted(std::string detail, std::optional<uint16_t> tag = {}) {
    ctx_.budget->exhausted = true;
    return bogus(Reason::kBudgetExhausted, std::move(detail), tag);
  }

  void note(Reason r, std::string detail, uint16_t tag) {
    if (severity(r) > severity(worst_)) {
      worst_ = r;
      worstDetail_ = std::move(detail);
      worstTag_ = tag;
    }
  }

  const dns::RRset& rrset_;
  const dns::Name& zone_;
  const std::vector<ZoneKey>& keys_;
  const VerifyContext& ctx_;
  RRsetVerdict verdict_;
  Reason worst_ = Reason::kRrsigMissing;
  std::string worstDetail_;  // written when a failure is noted: the secure path builds no text
  std::optional<uint16_t> worstTag_;
};

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
  return SignatureSearch(rrset, zone, keys, ctx).run();
}

}  // namespace zonewatch::dnssec
