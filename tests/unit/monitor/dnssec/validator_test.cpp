// Validator outcomes, one test per reason, with records signed at test time under a pinned clock.
#include "monitor/dnssec/validator.h"

#include <gtest/gtest.h>

#include "monitor/dns/canonical.h"
#include "monitor/dns/presentation.h"
#include "monitor/dnssec/verification_cache.h"
#include "tests/unit/monitor/dnssec/signing_fixture.h"

namespace zonewatch::dnssec {
namespace {

using testing::Hierarchy;
using testing::kDay;
using testing::kNow;
using testing::name;

ChainResult run(const Hierarchy& h, std::vector<ChainLink> links,
                std::vector<dns::RRset> rrsets = {}, int64_t now = kNow,
                VerificationCache* cache = nullptr, ValidationLimits limits = {}) {
  Validator v(h.anchors(), now, limits, cache);
  return validateChain(links, rrsets, v);
}

void expectOutcome(const ChainResult& r, State state, Reason reason) {
  EXPECT_EQ(toString(r.outcome.state), toString(state)) << r.outcome.detail;
  EXPECT_EQ(toString(r.outcome.reason), toString(reason)) << r.outcome.detail;
}

class ValidatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { h_ = new Hierarchy(); }
  static void TearDownTestSuite() { delete h_; }
  static Hierarchy* h_;
};
Hierarchy* ValidatorTest::h_ = nullptr;

TEST_F(ValidatorTest, SecureChainFromAnchorToRRset) {
  auto r = run(*h_, h_->links(), {h_->childNs});
  expectOutcome(r, State::kSecure, Reason::kNone);
  ASSERT_EQ(r.zones.size(), 3u);
  for (const auto& z : r.zones) EXPECT_EQ(z.outcome.state, State::kSecure) << z.zone.toString();
  ASSERT_EQ(r.rrsets.size(), 1u);
  EXPECT_EQ(r.rrsets[0].keyTag, h_->childZsk.tag);
  ASSERT_TRUE(r.earliestExpiration.has_value());
  EXPECT_EQ(*r.earliestExpiration, static_cast<uint32_t>(kNow + 30 * kDay));
  EXPECT_GE(r.budget.verifications, 6u);  // root DNSKEY, tld DS+DNSKEY, child DS+DNSKEY, NS
  EXPECT_EQ(r.outcome.ede(), 0);
}

TEST(ValidatorAlgorithms, EachSupportedAlgorithmValidates) {
  for (uint8_t alg :
       {dns::algorithm::kRsaSha256, dns::algorithm::kRsaSha512, dns::algorithm::kEcdsaP256Sha256,
        dns::algorithm::kEcdsaP384Sha384, dns::algorithm::kEd25519, dns::algorithm::kEd448}) {
    if (!isAlgorithmSupported(alg)) continue;
    Hierarchy h(alg);
    auto r = run(h, h.links(), {h.childNs});
    EXPECT_EQ(r.outcome.state, State::kSecure)
        << "algorithm " << int(alg) << ": " << r.outcome.detail;
  }
}

TEST(ValidatorAlgorithms, RsaSha1IsSecureButDeprecated) {
  if (!isAlgorithmSupported(dns::algorithm::kRsaSha1)) GTEST_SKIP() << "no SHA-1 signatures here";
  auto generated = PrivateKey::generate(dns::algorithm::kRsaSha1, 1024);
  if (!generated)
    GTEST_SKIP() << "this OpenSSL refuses to sign with SHA-1: " << generated.error().message;
  Hierarchy h(dns::algorithm::kRsaSha1);
  auto r = run(h, h.links(), {h.childNs});
  expectOutcome(r, State::kSecure, Reason::kDeprecatedAlgorithm);
}

TEST_F(ValidatorTest, DsDigestThatMatchesNoKeyIsBogus) {
  auto links = h_->links();
  auto ds = testing::dsFor(h_->childKsk);
  auto data = std::get<dns::rdata::DS>(ds.data);
  data.digest[0] ^= 0xFF;  // same key tag, wrong digest
  links[2].fromParent.ds = testing::signedSet(
      {dns::ResourceRecord::make(ds.owner, dns::RRType::DS, 3600, data)}, {&h_->tldKey});
  auto r = run(*h_, links);
  expectOutcome(r, State::kBogus, Reason::kDsMismatch);
  EXPECT_EQ(r.outcome.ede(), 6);
  EXPECT_EQ(r.outcome.zone, h_->childKsk.zone);
}

TEST_F(ValidatorTest, ZoneResignedWithNewKeyIsBogus) {
  // The hijack/mistake shape: the child serves a new KSK while the parent's DS names the old one.
  Hierarchy h = Hierarchy();
  auto newKsk = testing::makeKey(h.childKsk.zone, dns::algorithm::kEcdsaP256Sha256, 257);
  auto links = h.links();
  links[2].dnskey = testing::signedSet({newKsk.dnskey, h.childZsk.dnskey}, {&newKsk});
  auto r = run(h, links);
  expectOutcome(r, State::kBogus, Reason::kNoDnskeyMatchesDs);
  EXPECT_EQ(r.outcome.ede(), 9);
}

TEST_F(ValidatorTest, MissingDnskeyRRsetIsBogus) {
  auto links = h_->links();
  links[2].dnskey = dns::RRset{};
  links[2].dnskey->owner = h_->childKsk.zone;
  links[2].dnskey->type = dns::RRType::DNSKEY;
  auto r = run(*h_, links);
  expectOutcome(r, State::kBogus, Reason::kDnskeyMissing);
}

TEST_F(ValidatorTest, UnsignedDnskeyRRsetIsRrsigMissing) {
  auto links = h_->links();
  links[2].dnskey = testing::unsignedSet({h_->childKsk.dnskey, h_->childZsk.dnskey});
  auto r = run(*h_, links);
  expectOutcome(r, State::kBogus, Reason::kRrsigMissing);
  EXPECT_EQ(r.outcome.ede(), 10);
}

TEST_F(ValidatorTest, StrippedSignaturesOnDataAreBogus) {
  auto r = run(*h_, h_->links(), {testing::unsignedSet(h_->childNs.records)});
  expectOutcome(r, State::kBogus, Reason::kRrsigMissing);
}

TEST_F(ValidatorTest, ExpiredSignatureIsBogus) {
  testing::SignOptions old;
  old.inception = static_cast<uint32_t>(kNow - 40 * kDay);
  old.expiration = static_cast<uint32_t>(kNow - kDay);
  auto ns = testing::signedSet(h_->childNs.records, {&h_->childZsk}, old);
  auto r = run(*h_, h_->links(), {ns});
  expectOutcome(r, State::kBogus, Reason::kRrsigExpired);
  EXPECT_EQ(r.outcome.ede(), 7);
  EXPECT_EQ(r.outcome.rrtype, dns::RRType::NS);
}

TEST_F(ValidatorTest, FutureSignatureIsNotYetValid) {
  testing::SignOptions future;
  future.inception = static_cast<uint32_t>(kNow + kDay);
  future.expiration = static_cast<uint32_t>(kNow + 40 * kDay);
  auto ns = testing::signedSet(h_->childNs.records, {&h_->childZsk}, future);
  auto r = run(*h_, h_->links(), {ns});
  expectOutcome(r, State::kBogus, Reason::kRrsigNotYetValid);
  EXPECT_EQ(r.outcome.ede(), 8);
}

TEST_F(ValidatorTest, ValidityBoundariesAreInclusive) {
  testing::SignOptions exact;
  exact.inception = static_cast<uint32_t>(kNow);
  exact.expiration = static_cast<uint32_t>(kNow + 10);
  auto ns = testing::signedSet(h_->childNs.records, {&h_->childZsk}, exact);
  EXPECT_EQ(run(*h_, h_->links(), {ns}, kNow).outcome.state, State::kSecure);       // at inception
  EXPECT_EQ(run(*h_, h_->links(), {ns}, kNow + 10).outcome.state, State::kSecure);  // at expiration
  EXPECT_EQ(run(*h_, h_->links(), {ns}, kNow + 11).outcome.reason, Reason::kRrsigExpired);
  // The chain above was signed an hour before kNow, so kNow - 1 only fails the NS signature.
  EXPECT_EQ(run(*h_, h_->links(), {ns}, kNow - 1).outcome.reason, Reason::kRrsigNotYetValid);
}

TEST_F(ValidatorTest, TamperedDataIsSignatureInvalid) {
  auto ns = h_->childNs;
  ns.records[1] = testing::nsRecord(ns.owner, "ns2.attacker.");
  auto r = run(*h_, h_->links(), {ns});
  expectOutcome(r, State::kBogus, Reason::kSignatureInvalid);
  EXPECT_EQ(r.outcome.keyTag, h_->childZsk.tag);
}

TEST_F(ValidatorTest, SignerOtherThanZoneIsSignerMismatch) {
  testing::SignOptions other;
  other.signer = name("tld.");
  auto ns = testing::signedSet(h_->childNs.records, {&h_->childZsk}, other);
  auto r = run(*h_, h_->links(), {ns});
  expectOutcome(r, State::kBogus, Reason::kSignerMismatch);
}

TEST_F(ValidatorTest, UnsupportedDsAlgorithmIsInsecure) {
  auto links = h_->links();
  auto ds = std::get<dns::rdata::DS>(testing::dsFor(h_->childKsk).data);
  ds.algorithm = 253;  // PRIVATEDNS: not implemented here
  links[2].fromParent.ds = testing::signedSet(
      {dns::ResourceRecord::make(h_->childKsk.zone, dns::RRType::DS, 3600, ds)}, {&h_->tldKey});
  auto r = run(*h_, links, {h_->childNs});
  expectOutcome(r, State::kInsecure, Reason::kUnsupportedAlgorithm);
  EXPECT_EQ(r.outcome.ede(), 1);
}

TEST_F(ValidatorTest, UnsupportedDsDigestIsInsecure) {
  auto links = h_->links();
  auto ds = std::get<dns::rdata::DS>(testing::dsFor(h_->childKsk).data);
  ds.digestType = 3;  // GOST R 34.11-94
  links[2].fromParent.ds = testing::signedSet(
      {dns::ResourceRecord::make(h_->childKsk.zone, dns::RRType::DS, 3600, ds)}, {&h_->tldKey});
  auto r = run(*h_, links);
  expectOutcome(r, State::kInsecure, Reason::kUnsupportedDigest);
  EXPECT_EQ(r.outcome.ede(), 2);
}

TEST_F(ValidatorTest, Sha1DsIgnoredWhenSha256Present) {
  // RFC 4509 §3: a SHA-256 DS that mismatches is not rescued by a matching SHA-1 DS.
  auto links = h_->links();
  auto good1 = testing::dsFor(h_->childKsk, dns::digest::kSha1);
  auto bad256 = std::get<dns::rdata::DS>(testing::dsFor(h_->childKsk).data);
  bad256.digest[5] ^= 1;
  links[2].fromParent.ds = testing::signedSet(
      {good1, dns::ResourceRecord::make(h_->childKsk.zone, dns::RRType::DS, 3600, bad256)},
      {&h_->tldKey});
  expectOutcome(run(*h_, links), State::kBogus, Reason::kDsMismatch);
  // Alone, the SHA-1 DS does authenticate the key.
  links[2].fromParent.ds = testing::signedSet({good1}, {&h_->tldKey});
  EXPECT_EQ(run(*h_, links).outcome.state, State::kSecure);
}

TEST_F(ValidatorTest, RevokedKeyIsIgnored) {
  // The KSK the DS names is published with the REVOKE bit (RFC 5011): it may not anchor the zone.
  auto revoked = testing::makeKey(h_->childKsk.zone, dns::algorithm::kEcdsaP256Sha256,
                                  257 | dns::dnskey_flags::kRevoke);
  auto links = h_->links();
  links[2].fromParent.ds = testing::signedSet({testing::dsFor(revoked)}, {&h_->tldKey});
  links[2].dnskey = testing::signedSet({revoked.dnskey, h_->childZsk.dnskey}, {&revoked});
  auto r = run(*h_, links);
  expectOutcome(r, State::kBogus, Reason::kNoDnskeyMatchesDs);
}

TEST_F(ValidatorTest, WrongTrustAnchorIsBogus) {
  auto other = testing::makeKey(dns::Name(), dns::algorithm::kEcdsaP256Sha256, 257);
  auto anchors = TrustAnchors::fromRecords({testing::dsFor(other)});
  ASSERT_TRUE(anchors.ok());
  Validator v(*anchors, kNow);
  auto r = validateChain(h_->links(), {}, v);
  expectOutcome(r, State::kBogus, Reason::kTrustAnchorMismatch);
}

TEST_F(ValidatorTest, NoAnchorAndMissingDataAreIndeterminate) {
  Validator none(TrustAnchors{}, kNow);
  expectOutcome(validateChain(h_->links(), {}, none), State::kIndeterminate,
                Reason::kNoTrustAnchor);
  auto links = h_->links();
  links[2].dnskey.reset();
  expectOutcome(run(*h_, links), State::kIndeterminate, Reason::kMissingData);
}

TEST_F(ValidatorTest, DnskeyAnchorWorksLikeDsAnchor) {
  auto anchors = TrustAnchors::fromRecords({h_->rootKsk.dnskey});
  ASSERT_TRUE(anchors.ok());
  Validator v(*anchors, kNow);
  EXPECT_EQ(validateChain(h_->links(), {h_->childNs}, v).outcome.state, State::kSecure);
}

// --- Denial of the DS at the parent ---------------------------------------------------------

TEST_F(ValidatorTest, NsecProvesDsAbsence) {
  const auto child = h_->childKsk.zone;
  auto nsec = testing::signedSet(
      {testing::nsecRecord(child, name("zzz.tld."),
                           {dns::RRType::NS, dns::RRType::RRSIG, dns::RRType::NSEC})},
      {&h_->tldKey});
  auto links = h_->links();
  links[2].fromParent = DelegationEvidence{std::nullopt, {nsec}};
  auto r = run(*h_, links, {testing::unsignedSet(h_->childNs.records)});
  expectOutcome(r, State::kInsecure, Reason::kDsAbsent);
  EXPECT_EQ(r.outcome.zone, child);
  ASSERT_EQ(r.rrsets.size(), 1u);
  EXPECT_EQ(r.rrsets[0].outcome.state, State::kInsecure);
}

TEST_F(ValidatorTest, NsecWithDsBitOrFromChildSideIsDenialInvalid) {
  const auto child = h_->childKsk.zone;
  auto links = h_->links();
  links[2].fromParent = DelegationEvidence{
      std::nullopt,
      {testing::signedSet(
          {testing::nsecRecord(child, name("zzz.tld."), {dns::RRType::NS, dns::RRType::DS})},
          {&h_->tldKey})}};
  expectOutcome(run(*h_, links), State::kBogus, Reason::kDenialInvalid);
  links[2].fromParent = DelegationEvidence{
      std::nullopt,
      {testing::signedSet(
          {testing::nsecRecord(child, name("zzz.tld."), {dns::RRType::NS, dns::RRType::SOA})},
          {&h_->tldKey})}};
  expectOutcome(run(*h_, links), State::kBogus, Reason::kDenialInvalid);
}

TEST_F(ValidatorTest, NoDsAndNoDenialIsBogusNotInsecure) {
  auto links = h_->links();
  links[2].fromParent = DelegationEvidence{};
  auto r = run(*h_, links);
  expectOutcome(r, State::kBogus, Reason::kDenialMissing);
  EXPECT_EQ(r.outcome.ede(), 12);
}

TEST_F(ValidatorTest, UnsignedDenialIsNotBelieved) {
  const auto child = h_->childKsk.zone;
  auto links = h_->links();
  links[2].fromParent = DelegationEvidence{
      std::nullopt,
      {testing::unsignedSet({testing::nsecRecord(child, name("zzz.tld."), {dns::RRType::NS})})}};
  auto r = run(*h_, links);
  EXPECT_EQ(r.outcome.state, State::kBogus);
  EXPECT_EQ(r.outcome.reason, Reason::kDenialInvalid);
}

TEST_F(ValidatorTest, Nsec3MatchingRecordProvesDsAbsence) {
  const auto tld = h_->tldKey.zone;
  const auto child = h_->childKsk.zone;
  auto rec = testing::nsec3Record(tld, child, std::vector<uint8_t>(20, 0xFF), {dns::RRType::NS});
  auto links = h_->links();
  links[2].fromParent =
      DelegationEvidence{std::nullopt, {testing::signedSet({rec}, {&h_->tldKey})}};
  auto r = run(*h_, links);
  expectOutcome(r, State::kInsecure, Reason::kDsAbsent);
  EXPECT_GE(r.budget.nsec3Hashes, 1u);
}

// Opt-out: a closest-encloser proof (the NSEC3 of "tld.") and an opt-out NSEC3 covering the
// child's hash.
std::vector<dns::RRset> optOutProof(const Hierarchy& h, bool optOut, uint16_t iterations = 0) {
  // A two-record NSEC3 chain: the apex record (matching "tld.", the closest encloser) and a record
  // owned just below the child's hash whose span wraps around to the apex hash, covering the child.
  const auto tld = h.tldKey.zone;
  const auto apexHash = testing::hashOf(tld, iterations);
  auto lower = testing::hashOf(h.childKsk.zone, iterations);
  lower[19] = static_cast<uint8_t>(lower[19] - 1);
  auto ce = testing::nsec3Record(
      tld, tld, lower, {dns::RRType::SOA, dns::RRType::NS, dns::RRType::DNSKEY}, iterations);
  auto cover = testing::nsec3Record(tld, tld, apexHash, {dns::RRType::NS}, iterations, optOut);
  cover.owner = tld.child(dns::toBase32Hex(lower)).value();
  std::vector<dns::RRset> sets;
  sets.push_back(testing::signedSet({ce}, {&h.tldKey}));
  sets.push_back(testing::signedSet({cover}, {&h.tldKey}));
  return sets;
}

TEST_F(ValidatorTest, Nsec3OptOutMakesDelegationInsecure) {
  auto links = h_->links();
  links[2].fromParent = DelegationEvidence{std::nullopt, optOutProof(*h_, true)};
  auto r = run(*h_, links);
  expectOutcome(r, State::kInsecure, Reason::kOptOut);
}

TEST_F(ValidatorTest, Nsec3CoverWithoutOptOutIsDenialInvalid) {
  auto links = h_->links();
  links[2].fromParent = DelegationEvidence{std::nullopt, optOutProof(*h_, false)};
  expectOutcome(run(*h_, links), State::kBogus, Reason::kDenialInvalid);
}

TEST_F(ValidatorTest, Nsec3IterationsAboveCapAreInsecureWithoutHashing) {
  // CVE-2023-50868: 2,500 iterations must cost no hashing at all.
  auto links = h_->links();
  links[2].fromParent = DelegationEvidence{std::nullopt, optOutProof(*h_, true, 2500)};
  auto r = run(*h_, links);
  expectOutcome(r, State::kInsecure, Reason::kNsec3IterationsTooHigh);
  EXPECT_EQ(r.outcome.ede(), 27);
  EXPECT_EQ(r.budget.nsec3Hashes, 0u);
}

// --- KeyTrap (CVE-2023-50387) ----------------------------------------------------------------

// A DNSKEY whose key tag is forced to `tag` by adjusting two octets of an Ed25519 public key.
dns::ResourceRecord collidingKey(const dns::Name& zone, uint16_t tag, uint8_t seed) {
  dns::rdata::DNSKEY k{256, 3, dns::algorithm::kEd25519, std::vector<uint8_t>(32, seed)};
  k.publicKey[0] = static_cast<uint8_t>(seed * 7 + 1);
  for (uint32_t x = 0; x < 65536; ++x) {
    k.publicKey[30] = static_cast<uint8_t>(x >> 8);
    k.publicKey[31] = static_cast<uint8_t>(x);
    auto rr = dns::ResourceRecord::make(zone, dns::RRType::DNSKEY, 3600, k);
    if (dns::keyTag(rr.rdata) == tag && PublicKey::fromDnskey(k.algorithm, k.publicKey).ok())
      return rr;
  }
  return dns::ResourceRecord::make(zone, dns::RRType::DNSKEY, 3600, k);
}

TEST_F(ValidatorTest, KeyTrapCollisionsEndWithinTheCaps) {
  const auto child = h_->childKsk.zone;
  const uint16_t tag = h_->childZsk.tag;
  std::vector<dns::ResourceRecord> keys = {h_->childKsk.dnskey};
  for (uint8_t i = 0; i < 40; ++i) keys.push_back(collidingKey(child, tag, i));
  size_t colliding = 0;
  for (const auto& k : keys) colliding += dns::keyTag(k.rdata) == tag;
  ASSERT_GE(colliding, 30u);
  auto links = h_->links();
  links[2].dnskey = testing::signedSet(keys, {&h_->childKsk});
  // 40 RRSIGs naming the colliding tag, none of them valid.
  auto ns = testing::unsignedSet(h_->childNs.records);
  auto bogusSig = testing::sign(ns, h_->childZsk);
  auto& sigData = std::get<dns::rdata::RRSIG>(bogusSig.data);
  sigData.algorithm = dns::algorithm::kEd25519;
  sigData.signature.assign(64, 0x42);
  for (int i = 0; i < 40; ++i) {
    sigData.signature[0] = static_cast<uint8_t>(i);
    ns.signatures.push_back(dns::ResourceRecord::make(ns.owner, dns::RRType::RRSIG, 3600, sigData));
  }
  ValidationLimits limits;
  auto r = run(*h_, links, {ns}, kNow, nullptr, limits);
  expectOutcome(r, State::kBogus, Reason::kBudgetExhausted);
  EXPECT_LE(r.budget.verifications, limits.maxVerifications);
  // Without caps this input would cost 40 x 40 = 1,600 verifications.
  EXPECT_LE(r.budget.verifications, 5u + limits.maxKeysPerSignature);
}

TEST_F(ValidatorTest, TooManySignaturesPerRRsetExhaustTheBudget) {
  auto ns = testing::unsignedSet(h_->childNs.records);
  testing::SignOptions expired;
  expired.inception = static_cast<uint32_t>(kNow - 10 * kDay);
  expired.expiration = static_cast<uint32_t>(kNow - kDay);
  for (int i = 0; i < 20; ++i) ns.signatures.push_back(testing::sign(ns, h_->childZsk, expired));
  ns.signatures.push_back(testing::sign(ns, h_->childZsk));  // the valid one comes too late
  auto r = run(*h_, h_->links(), {ns});
  expectOutcome(r, State::kBogus, Reason::kBudgetExhausted);
}

TEST_F(ValidatorTest, VerificationCapAppliesAcrossTheValidation) {
  ValidationLimits tight;
  tight.maxVerifications = 3;
  auto r = run(*h_, h_->links(), {h_->childNs}, kNow, nullptr, tight);
  expectOutcome(r, State::kBogus, Reason::kBudgetExhausted);
  EXPECT_EQ(r.budget.verifications, 3u);
}

// --- Memoisation -----------------------------------------------------------------------------

TEST_F(ValidatorTest, MemoisedVerificationsCostNoCryptoButTimeIsRechecked) {
  VerificationCache cache;
  auto first = run(*h_, h_->links(), {h_->childNs}, kNow, &cache);
  ASSERT_EQ(first.outcome.state, State::kSecure);
  EXPECT_GT(first.budget.verifications, 0u);
  auto second = run(*h_, h_->links(), {h_->childNs}, kNow + 60, &cache);
  EXPECT_EQ(second.outcome.state, State::kSecure);
  EXPECT_EQ(second.budget.verifications, 0u);
  EXPECT_EQ(second.budget.cacheHits, first.budget.verifications);
  // Past the expiration the cached verdict does not help: the signature is expired.
  auto later = run(*h_, h_->links(), {h_->childNs}, kNow + 31 * kDay, &cache);
  EXPECT_EQ(later.outcome.reason, Reason::kRrsigExpired);
}

TEST_F(ValidatorTest, CachedInvalidStaysInvalid) {
  VerificationCache cache;
  auto ns = h_->childNs;
  ns.records[1] = testing::nsRecord(ns.owner, "ns2.attacker.");
  EXPECT_EQ(run(*h_, h_->links(), {ns}, kNow, &cache).outcome.reason, Reason::kSignatureInvalid);
  EXPECT_EQ(run(*h_, h_->links(), {ns}, kNow, &cache).outcome.reason, Reason::kSignatureInvalid);
}

// What a daemon persists across restarts: the journal of successes, preloaded into a fresh memo,
// spares every verification, and the expirations journaled are the signatures' own.
TEST_F(ValidatorTest, JournaledSuccessesPreloadedIntoAFreshMemoSpareEveryVerification) {
  VerificationCache first;
  first.setJournaling(true);
  auto r1 = run(*h_, h_->links(), {h_->childNs}, kNow, &first);
  ASSERT_EQ(r1.outcome.state, State::kSecure);
  const auto journal = first.takeJournal();
  EXPECT_EQ(journal.size(), r1.budget.verifications);
  EXPECT_TRUE(first.takeJournal().empty()) << "taking the journal empties it";
  for (const auto& success : journal) {
    EXPECT_TRUE(serialLessOrEqual(static_cast<uint32_t>(kNow), success.expiration));
  }

  VerificationCache restarted;
  restarted.setJournaling(true);
  for (const auto& success : journal) restarted.preload(success.key);
  auto r2 = run(*h_, h_->links(), {h_->childNs}, kNow + 60, &restarted);
  EXPECT_EQ(r2.outcome.state, State::kSecure);
  EXPECT_EQ(r2.budget.verifications, 0u);
  EXPECT_TRUE(restarted.takeJournal().empty()) << "preloaded entries are not journaled again";

  // A journal nobody drains stays bounded by the capacity.
  VerificationCache tiny(2);
  tiny.setJournaling(true);
  for (uint8_t i = 0; i < 10; ++i) tiny.store(VerificationCache::Key{i}, true, 0);
  EXPECT_LE(tiny.takeJournal().size(), 2u);
}

// --- Serial-number arithmetic (RFC 1982, RFC 4034 §3.1.5) ---------------------------------------

TEST(SerialArithmetic, ComparesAcrossTheWrap) {
  EXPECT_TRUE(serialLessOrEqual(10, 10));
  EXPECT_TRUE(serialLessOrEqual(10, 11));
  EXPECT_FALSE(serialLessOrEqual(11, 10));
  EXPECT_TRUE(serialLessOrEqual(0xFFFFFF00u, 0x00000100u));  // 2106 wrap: still "before"
  EXPECT_FALSE(serialLessOrEqual(0x00000100u, 0xFFFFFF00u));
}

TEST(SerialArithmetic, SignatureValidAcrossThe2106Wrap) {
  // now is just past 2^32 seconds; inception before the wrap, expiration after it.
  const int64_t now = (int64_t{1} << 32) + 100;
  Hierarchy h;
  testing::SignOptions wrap;
  wrap.inception = 0xFFFFFF00u;
  wrap.expiration = 0x00001000u;
  auto links = h.links();
  links[0].dnskey = testing::signedSet(h.rootDnskey.records, {&h.rootKsk}, wrap);
  links[1].fromParent.ds = testing::signedSet(h.tldDs.records, {&h.rootZsk}, wrap);
  links[1].dnskey = testing::signedSet(h.tldDnskey.records, {&h.tldKey}, wrap);
  links[2].fromParent.ds = testing::signedSet(h.childDs.records, {&h.tldKey}, wrap);
  links[2].dnskey = testing::signedSet(h.childDnskey.records, {&h.childKsk}, wrap);
  auto r = run(h, links, {testing::signedSet(h.childNs.records, {&h.childZsk}, wrap)}, now);
  expectOutcome(r, State::kSecure, Reason::kNone);
  // And in 2027 the same signatures are not yet valid... or long expired: either way not secure.
  EXPECT_NE(run(h, links, {}, kNow).outcome.state, State::kSecure);
}

TEST(Outcome, ReasonNamesAreTheDocumentedVocabulary) {
  EXPECT_EQ(toString(Reason::kDsMismatch), "ds_mismatch");
  EXPECT_EQ(toString(Reason::kNoDnskeyMatchesDs), "no_dnskey_matches_ds");
  EXPECT_EQ(toString(Reason::kBudgetExhausted), "budget_exhausted");
  EXPECT_EQ(toString(Reason::kNsec3IterationsTooHigh), "nsec3_iterations_too_high");
  EXPECT_EQ(toString(State::kIndeterminate), "indeterminate");
}

TEST(TrustAnchors, BuiltInRootHasBothKsks) {
  auto anchors = TrustAnchors::builtInRoot();
  ASSERT_EQ(anchors.ds.size(), 2u);
  EXPECT_TRUE(anchors.zone.isRoot());
  EXPECT_EQ(anchors.ds[0].keyTag, 20326);
  EXPECT_EQ(anchors.ds[1].keyTag, 38696);
  EXPECT_EQ(anchors.ds[1].digest.size(), 32u);
}

TEST(TrustAnchors, RejectsOtherTypesAndMixedOwners) {
  auto a = TrustAnchors::fromText(". IN NS a.root-servers.net.\n", "anchors.txt");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("DS or DNSKEY"), std::string::npos);
}

}  // namespace
}  // namespace zonewatch::dnssec
