#include "tests/unit/monitor/dnssec/signing_fixture.h"

#include <algorithm>
#include <stdexcept>

#include "monitor/dns/canonical.h"
#include "monitor/dns/presentation.h"

namespace zonewatch::dnssec::testing {

namespace {
template <class T>
T unwrap(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
  return std::move(r).value();
}
}  // namespace

dns::Name name(std::string_view text) {
  return unwrap(dns::Name::parse(text), "name");
}

TestKey makeKey(const dns::Name& zone, uint8_t algorithm, uint16_t flags, uint8_t protocol) {
  auto priv = unwrap(crypto::PrivateKey::generate(algorithm), "generate");
  dns::rdata::DNSKEY k{flags, protocol, algorithm, priv.dnskeyPublicKey()};
  auto rr = dns::ResourceRecord::make(zone, dns::RRType::DNSKEY, 3600, k);
  uint16_t tag = dns::keyTag(rr.rdata);
  return TestKey{zone, std::move(priv), std::move(rr), tag};
}

dns::ResourceRecord sign(const dns::RRset& rrset, const TestKey& key, const SignOptions& options) {
  dns::rdata::RRSIG sig;
  sig.typeCovered = rrset.type;
  sig.algorithm = key.key.algorithm();
  size_t labels =
      rrset.owner.isWildcard() ? rrset.owner.labelCount() - 1 : rrset.owner.labelCount();
  sig.labels = options.labels.value_or(static_cast<uint8_t>(labels));
  sig.originalTtl = rrset.records.empty() ? 3600 : rrset.records.front().ttl;
  sig.expiration = options.expiration;
  sig.inception = options.inception;
  sig.keyTag = key.tag;
  sig.signer = options.signer.value_or(key.zone);
  sig.signature = unwrap(key.key.sign(dns::signedData(sig, rrset)), "sign");
  return dns::ResourceRecord::make(rrset.owner, dns::RRType::RRSIG, sig.originalTtl, sig);
}

dns::RRset unsignedSet(std::vector<dns::ResourceRecord> records) {
  dns::RRset set;
  set.owner = records.front().owner;
  set.type = records.front().type;
  set.ttl = records.front().ttl;
  set.records = std::move(records);
  return set;
}

dns::RRset signedSet(std::vector<dns::ResourceRecord> records,
                     const std::vector<const TestKey*>& keys, const SignOptions& options) {
  auto set = unsignedSet(std::move(records));
  for (const auto* k : keys) set.signatures.push_back(sign(set, *k, options));
  return set;
}

dns::ResourceRecord dsFor(const TestKey& key, uint8_t digestType) {
  auto digest = crypto::dsDigest(digestType, dns::dsDigestInput(key.zone, key.dnskey.rdata));
  dns::rdata::DS ds{key.tag, key.key.algorithm(), digestType,
                    digest.value_or(std::vector<uint8_t>{})};
  return dns::ResourceRecord::make(key.zone, dns::RRType::DS, 3600, ds);
}

dns::ResourceRecord nsRecord(const dns::Name& owner, std::string_view host) {
  return dns::ResourceRecord::make(owner, dns::RRType::NS, 3600, dns::rdata::NS{name(host)});
}

dns::ResourceRecord nsecRecord(const dns::Name& owner, const dns::Name& next,
                               std::vector<dns::RRType> types) {
  dns::TypeBitmap bitmap;
  for (auto t : types) bitmap.types.push_back(dns::toU16(t));
  std::sort(bitmap.types.begin(), bitmap.types.end());
  return dns::ResourceRecord::make(owner, dns::RRType::NSEC, 3600, dns::rdata::NSEC{next, bitmap});
}

std::vector<uint8_t> hashOf(const dns::Name& n, uint16_t iterations) {
  static const std::vector<uint8_t> kSalt{0xAB, 0xCD};
  return crypto::nsec3Hash(n.lowercased().wire(), kSalt, iterations);
}

dns::ResourceRecord nsec3Record(const dns::Name& zone, const dns::Name& hashed,
                                const std::vector<uint8_t>& nextHash,
                                std::vector<dns::RRType> types, uint16_t iterations, bool optOut) {
  dns::rdata::NSEC3 n;
  n.hashAlgorithm = 1;
  n.flags = optOut ? 1 : 0;
  n.iterations = iterations;
  n.salt = {0xAB, 0xCD};
  n.nextHashed = nextHash;
  for (auto t : types) n.types.types.push_back(dns::toU16(t));
  std::sort(n.types.types.begin(), n.types.types.end());
  auto owner = unwrap(zone.child(dns::toBase32Hex(hashOf(hashed, iterations))), "nsec3 owner");
  return dns::ResourceRecord::make(owner, dns::RRType::NSEC3, 3600, n);
}

Hierarchy::Hierarchy(uint8_t childAlgorithm)
    : rootKsk(makeKey(dns::Name(), dns::algorithm::kEcdsaP256Sha256, 257)),
      rootZsk(makeKey(dns::Name(), dns::algorithm::kEcdsaP256Sha256, 256)),
      tldKey(makeKey(name("tld."), dns::algorithm::kEd25519, 257)),
      childKsk(makeKey(name("child.tld."), childAlgorithm, 257)),
      childZsk(makeKey(name("child.tld."), childAlgorithm, 256)) {
  rootDnskey = signedSet({rootKsk.dnskey, rootZsk.dnskey}, {&rootKsk});
  tldDs = signedSet({dsFor(tldKey)}, {&rootZsk});
  tldDnskey = signedSet({tldKey.dnskey}, {&tldKey});
  childDs = signedSet({dsFor(childKsk)}, {&tldKey});
  childNs =
      signedSet({nsRecord(childKsk.zone, "ns1.child.tld."), nsRecord(childKsk.zone, "ns2.other.")},
                {&childZsk});
  resignChildDnskey();
}

void Hierarchy::resignChildDnskey(const SignOptions& options) {
  auto records = childDnskey.records.empty()
                     ? std::vector<dns::ResourceRecord>{childKsk.dnskey, childZsk.dnskey}
                     : childDnskey.records;
  childDnskey = signedSet(records, {&childKsk}, options);
}

TrustAnchors Hierarchy::anchors() const {
  return unwrap(TrustAnchors::fromRecords({dsFor(rootKsk)}), "anchors");
}

std::vector<ChainLink> Hierarchy::links() const {
  return {
      ChainLink{dns::Name(), {}, rootDnskey},
      ChainLink{tldKey.zone, DelegationEvidence{tldDs, {}}, tldDnskey},
      ChainLink{childKsk.zone, DelegationEvidence{childDs, {}}, childDnskey},
  };
}

}  // namespace zonewatch::dnssec::testing
