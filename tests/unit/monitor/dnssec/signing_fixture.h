// Test-time signing with a pinned clock: keys generated per test run, records signed with chosen
// inception/expiration, so every validator outcome can be produced on purpose.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/message.h"
#include "monitor/dnssec/chain.h"

namespace zonewatch::dnssec::testing {

// A pinned "now": 2027-01-15T08:00:00Z. No test reads the wall clock.
constexpr int64_t kNow = 1'800'000'000;
constexpr uint32_t kDay = 86400;

dns::Name name(std::string_view text);

struct TestKey {
  dns::Name zone;
  crypto::PrivateKey key;
  dns::ResourceRecord dnskey;
  uint16_t tag = 0;
};

// `protocol` other than 3 makes a DNSKEY no validator may use (RFC 4034 §2.1.2); the key still
// signs.
TestKey makeKey(const dns::Name& zone, uint8_t algorithm, uint16_t flags = 257,
                uint8_t protocol = 3);

struct SignOptions {
  uint32_t inception = static_cast<uint32_t>(kNow - 3600);
  uint32_t expiration = static_cast<uint32_t>(kNow + 30 * kDay);
  std::optional<dns::Name> signer;  // default: the key's zone
  std::optional<uint8_t> labels;    // default: the owner's label count
};

dns::ResourceRecord sign(const dns::RRset& rrset, const TestKey& key,
                         const SignOptions& options = {});

// An RRset of `records` (same owner and type), signed by each of `keys`.
dns::RRset signedSet(std::vector<dns::ResourceRecord> records,
                     const std::vector<const TestKey*>& keys, const SignOptions& options = {});
dns::RRset unsignedSet(std::vector<dns::ResourceRecord> records);

dns::ResourceRecord dsFor(const TestKey& key, uint8_t digestType = dns::digest::kSha256);
dns::ResourceRecord nsRecord(const dns::Name& owner, std::string_view host);
dns::ResourceRecord nsecRecord(const dns::Name& owner, const dns::Name& next,
                               std::vector<dns::RRType> types);
// An NSEC3 record for `hashed` in `zone` (owner = base32hex(hash(hashed)).zone).
dns::ResourceRecord nsec3Record(const dns::Name& zone, const dns::Name& hashed,
                                const std::vector<uint8_t>& nextHash,
                                std::vector<dns::RRType> types, uint16_t iterations = 0,
                                bool optOut = false);
std::vector<uint8_t> hashOf(const dns::Name& name, uint16_t iterations = 0);

// root (anchor, KSK+ZSK) → "tld." (one CSK) → "child.tld." (KSK+ZSK), all secure, with the pieces
// exposed so that a test can break exactly one of them.
struct Hierarchy {
  explicit Hierarchy(uint8_t childAlgorithm = dns::algorithm::kEcdsaP256Sha256);

  TestKey rootKsk, rootZsk, tldKey, childKsk, childZsk;
  dns::RRset rootDnskey, tldDs, tldDnskey, childDs, childDnskey, childNs;

  TrustAnchors anchors() const;
  std::vector<ChainLink> links() const;
  // Re-signs the child's DNSKEY RRset (after a test changed its records or keys).
  void resignChildDnskey(const SignOptions& options = {});
};

}  // namespace zonewatch::dnssec::testing
