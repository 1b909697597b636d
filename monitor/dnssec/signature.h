// RRSIG verification of one RRset against a set of zone keys (RFC 4034 §3, RFC 4035 §5.3, RFC
// 6840).
//
// This is the validator's only path to the crypto adapter for signatures. It applies every check
// RFC 4035 §5.3.1 lists before spending a verification, charges each verification to the budget
// (KeyTrap caps) and consults the memo first.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/dnssec/limits.h"
#include "monitor/dnssec/outcome.h"

namespace zonewatch::crypto {
class PublicKey;
}  // namespace zonewatch::crypto

namespace zonewatch::dnssec {

class VerificationCache;
class KeyCache;

// A DNSKEY that may sign data of its zone. Its public key is parsed on first use: in a steady
// state the memo answers nearly every verification, and building an ECDSA key from a DNSKEY costs
// about as much as the verification itself, so parsing up front dominated a poll's CPU time.
struct ZoneKey {
  dns::rdata::DNSKEY dnskey;
  std::vector<uint8_t> rdata;  // wire RDATA, for the memo key and DS digests
  uint16_t tag = 0;

  // Null when the algorithm is not implemented here or the key material does not parse. With a
  // KeyCache, a key parsed by an earlier validation is reused.
  const crypto::PublicKey* publicKey(KeyCache* cache = nullptr) const;

 private:
  // Shared by copies made after the first use; a ZoneKey lives within one validation, on one
  // thread.
  mutable std::shared_ptr<const crypto::PublicKey> parsed_;
  mutable bool tried_ = false;
};

// Keys of the DNSKEY RRset usable for validation: RFC 4034 §2.1.1 zone-key flag set, protocol 3
// (§2.1.2), not revoked (RFC 5011 §3), algorithm implemented here.
std::vector<ZoneKey> usableKeys(const dns::RRset& dnskeys);
ZoneKey makeZoneKey(const dns::ResourceRecord& dnskey);

struct RRsetVerdict {
  Outcome outcome;
  dns::Name owner;
  dns::RRType type = dns::RRType::A;
  // Expiration (RFC 4034 §3.1.5, seconds mod 2^32) of the signature that validated the RRset.
  std::optional<uint32_t> expiration;
  std::optional<uint16_t> keyTag;  // the key that validated it
  std::optional<uint8_t> algorithm;
  // Set when the RRSIG that validated it has a Labels field below the owner's label count: the
  // RRset was synthesised from the wildcard "*." + the owner's rightmost `wildcardLabels` labels
  // (RFC 4035 §5.3.4), and is only secure with a proof that no closer match exists.
  std::optional<uint8_t> wildcardLabels;
};

struct VerifyContext {
  uint32_t now = 0;  // seconds since the epoch, mod 2^32 (RFC 4034 §3.1.5)
  const ValidationLimits* limits = nullptr;
  Budget* budget = nullptr;
  VerificationCache* cache = nullptr;  // optional
  KeyCache* keys = nullptr;            // optional
};

// RFC 1982 serial-number arithmetic as RFC 4034 §3.1.5 requires for RRSIG times: true when a is
// at or before b within the 2^31 window.
bool serialLessOrEqual(uint32_t a, uint32_t b);

// An RRSIG time (seconds mod 2^32, RFC 4034 §3.1.5) as unix seconds: the one within 2^31 seconds
// of `now`.
int64_t unixFromSerial(uint32_t t, int64_t now);

// Verifies `rrset` (which belongs to `zone`) with `keys`. Secure when one RRSIG verifies; a
// wildcard expansion comes back secure with `wildcardLabels` set, for the caller to demand its
// proof. Once the budget is exhausted it verifies nothing more and answers budget_exhausted.
RRsetVerdict verifyRRset(const dns::RRset& rrset, const dns::Name& zone,
                         const std::vector<ZoneKey>& keys, const VerifyContext& ctx);

}  // namespace zonewatch::dnssec
