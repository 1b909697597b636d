// Validator outcomes, one test per reason, with records signed at test time under a pinned clock.
#include "monitor/dnssec/validator.h"

#include <gtest/gtest.h>

#include "monitor/dns/canonical.h"
#include "monitor/dns/presentation.h"
#include "monitor/dnssec/chain.h"
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
                VerificationCache* cache = nullptr, ValidationLimits limits = {},
                std::vector<dns::RRset> wildcardProof = {}) {
  Validator v(h.anchors(), now, limits, cache);
  return validateChain(links, rrsets, v, wildcardProof);
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
  // No EDE at all: code 0 would claim "Other Error" (RFC 8914 §4.1).
  EXPECT_FALSE(r.outcome.ede().has_value());
}

TEST(ValidatorAlgorithms, EachSupportedAlgorithmValidates) {
  for (uint8_t alg :
       {dns::algorithm::kRsaSha256, dns::algorithm::kRsaSha512, dns::algorithm::kEcdsaP256Sha256,
        dns::algorithm::kEcdsaP384Sha384, dns::algorithm::kEd25519, dns::algorithm::kEd448}) {
    if (!crypto::isAlgorithmSupported(alg)) continue;
    Hierarchy h(alg);
    auto r = run(h, h.links(), {h.childNs});
    EXPECT_EQ(r.outcome.state, State::kSecure)
        << "algorithm " << int(alg) << ": " << r.outcome.detail;
  }
}

TEST(ValidatorAlgorithms, RsaSha1IsSecureButDeprecated) {
  if (!crypto::isAlgorithmSupported(dns::algorithm::kRsaSha1))
    GTEST_SKIP() << "no SHA-1 signatures here";
  auto generated = crypto::PrivateKey::generate(dns::algorithm::kRsaSha1, 1024);
  if (!generated)
    GTEST_SKIP() << "this OpenSSL refuses to sign with SHA-1: " << generated.error().message;
  Hierarchy h(dns::algorithm::kRsaSha1);
  auto r = run(h, h.links(), {h.childNs});
  expectOutcome(r, State::kSecure, Reason::kDeprecatedAlgorithm);
  EXPECT_FALSE(r.outcome.ede().has_value()) << "RSASHA1 was supported: EDE 1 would say otherwise";
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
  EXPECT_FALSE(r.outcome.ede().has_value()) << "a proven unsigned delegation is no error";
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
  EXPECT_FALSE(r.outcome.ede().has_value());
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
    if (dns::keyTag(rr.rdata) == tag &&
        crypto::PublicKey::fromDnskey(k.algorithm, k.publicKey).ok())
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

// --- Caps end the validation at once (KeyTrap at the DS, NSEC3 hashing) --------------------------

TEST_F(ValidatorTest, KeyTrapCollisionsBehindADsAreBudgetExhaustedNotDsMismatch) {
  // More DNSKEYs share the DS's key tag and algorithm than the cap allows: the answer is hostile,
  // and must not end as an ordinary ds_mismatch because the first few keys happened not to match.
  const auto child = h_->childKsk.zone;
  const uint16_t tag = 4242;
  std::vector<dns::ResourceRecord> keys = {h_->childKsk.dnskey, h_->childZsk.dnskey};
  for (uint8_t i = 0; i < 8; ++i) keys.push_back(collidingKey(child, tag, i));
  size_t colliding = 0;
  for (const auto& k : keys) colliding += dns::keyTag(k.rdata) == tag;
  ValidationLimits limits;
  ASSERT_GT(colliding, limits.maxKeysPerSignature);
  dns::rdata::DS ds{tag, dns::algorithm::kEd25519, dns::digest::kSha256,
                    std::vector<uint8_t>(32, 0x5A)};
  auto links = h_->links();
  links[2].fromParent.ds = testing::signedSet(
      {dns::ResourceRecord::make(child, dns::RRType::DS, 3600, ds)}, {&h_->tldKey});
  links[2].dnskey = testing::signedSet(keys, {&h_->childKsk});
  auto r = run(*h_, links, {h_->childNs}, kNow, nullptr, limits);
  expectOutcome(r, State::kBogus, Reason::kBudgetExhausted);
  EXPECT_TRUE(r.budget.exhausted);
  EXPECT_EQ(r.outcome.keyTag, tag);
  // Root DNSKEY, tld DS and DNSKEY, child DS: the child's DNSKEY RRset and NS are never verified.
  EXPECT_EQ(r.budget.verifications, 4u);
  ASSERT_EQ(r.rrsets.size(), 1u);
  EXPECT_EQ(r.rrsets[0].outcome.reason, Reason::kBudgetExhausted);
}

TEST_F(ValidatorTest, KeyTrapCollisionsAtTheAnchorAreBudgetExhaustedNotAnchorMismatch) {
  // The anchor zone is where a KeyTrap against a monitor would start; renaming the spent budget to
  // trust_anchor_mismatch would blame the anchor instead of the hostile answer.
  const uint16_t tag = 777;
  std::vector<dns::ResourceRecord> keys = {h_->rootKsk.dnskey, h_->rootZsk.dnskey};
  for (uint8_t i = 0; i < 6; ++i) keys.push_back(collidingKey(dns::Name(), tag, i));
  dns::rdata::DS ds{tag, dns::algorithm::kEd25519, dns::digest::kSha256,
                    std::vector<uint8_t>(32, 0x11)};
  auto anchors =
      TrustAnchors::fromRecords({dns::ResourceRecord::make(dns::Name(), dns::RRType::DS, 0, ds)});
  ASSERT_TRUE(anchors.ok());
  Validator v(*anchors, kNow);
  auto links = h_->links();
  links[0].dnskey = testing::signedSet(keys, {&h_->rootKsk});
  auto r = validateChain(links, {}, v);
  expectOutcome(r, State::kBogus, Reason::kBudgetExhausted);
  EXPECT_EQ(r.budget.verifications, 0u);
}

// A name `depth` labels below "tld.", so that a closest-encloser search hashes every ancestor.
dns::Name deepName(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += "l" + std::to_string(i) + ".";
  return name(text + "tld.");
}

// The parent's NSEC3 denial for a delegation far below the apex: the apex's own NSEC3 (the only
// closest encloser there is) and a few unrelated ones, iterations well under the cap.
dns::RRset deepDenial(const Hierarchy& h) {
  const auto tld = h.tldKey.zone;
  std::vector<dns::ResourceRecord> records;
  records.push_back(testing::nsec3Record(tld, tld, testing::hashOf(name("a.tld.")),
                                         {dns::RRType::SOA, dns::RRType::NS, dns::RRType::DNSKEY},
                                         10));
  for (const char* other : {"a.tld.", "b.tld.", "c.tld.", "d.tld."}) {
    records.push_back(testing::nsec3Record(tld, name(other), testing::hashOf(tld, 10),
                                           {dns::RRType::NS}, 10, true));
  }
  return testing::signedSet(records, {&h.tldKey});
}

TEST_F(ValidatorTest, Nsec3HashCapEndsTheDenialAsBudgetExhausted) {
  // CVE-2023-50868: 41 names to hash (the delegation and each of its 40 ancestors) at 10
  // iterations each, under the iterations cap but over the hash cap.
  const auto deep = deepName(40);
  auto links = h_->links();
  links[2] = ChainLink{deep, DelegationEvidence{std::nullopt, {deepDenial(*h_)}}, std::nullopt};
  for (uint32_t cap : {32u, 5u}) {
    ValidationLimits limits;
    limits.maxNsec3Hashes = cap;
    auto r = run(*h_, links, {}, kNow, nullptr, limits);
    expectOutcome(r, State::kBogus, Reason::kBudgetExhausted);
    EXPECT_TRUE(r.budget.exhausted);
    EXPECT_EQ(r.budget.nsec3Hashes, cap) << "hashing stops exactly at the cap";
    EXPECT_LE(r.budget.nsec3Hashes, limits.maxNsec3Hashes);
  }
  // With room for every hash the same proof runs to its end, so the cap, not the data, ended the
  // runs above: all 41 names hashed, the closest encloser is the apex, and the NSEC3 that covers
  // the next closer name l39.tld. has no opt-out flag, so it denies that name outright, not just
  // an insecure delegation's DS (RFC 5155 §8.6): bogus, the denial is invalid.
  ValidationLimits roomy;
  roomy.maxNsec3Hashes = 100;
  auto r = run(*h_, links, {}, kNow, nullptr, roomy);
  expectOutcome(r, State::kBogus, Reason::kDenialInvalid);
  EXPECT_FALSE(r.budget.exhausted);
  EXPECT_EQ(r.budget.nsec3Hashes, 41u);
}

TEST_F(ValidatorTest, NothingIsVerifiedOnceTheBudgetIsExhausted) {
  Validator v(h_->anchors(), kNow);
  auto root = v.anchorZone(&h_->rootDnskey);
  auto tld = v.childZone(root, h_->tldKey.zone, {h_->tldDs, {}}, &h_->tldDnskey);
  ASSERT_EQ(tld.outcome.state, State::kSecure) << tld.outcome.detail;
  auto deep = v.childZone(tld, deepName(40), {std::nullopt, {deepDenial(*h_)}}, nullptr);
  ASSERT_EQ(deep.outcome.reason, Reason::kBudgetExhausted) << deep.outcome.detail;
  const Budget spent = v.budget();
  // A perfectly good RRset of the secure tld zone: nothing more may be spent on it.
  auto verdict = v.rrset(tld, h_->childDs);
  EXPECT_EQ(verdict.outcome.reason, Reason::kBudgetExhausted);
  EXPECT_EQ(v.budget().verifications, spent.verifications);
  EXPECT_EQ(v.budget().cacheHits, spent.cacheHits);
  auto again = v.childZone(tld, h_->childKsk.zone, {h_->childDs, {}}, &h_->childDnskey);
  EXPECT_EQ(again.outcome.reason, Reason::kBudgetExhausted);
  EXPECT_EQ(v.budget().verifications, spent.verifications);
  // A new budget for the next validation.
  v.resetBudget();
  EXPECT_EQ(v.rrset(tld, h_->childDs).outcome.state, State::kSecure);
}

TEST_F(ValidatorTest, ValidateChainStartsEachChainWithAFreshBudget) {
  ValidationLimits limits;
  limits.maxVerifications = 8;  // one chain needs 6
  Validator v(h_->anchors(), kNow, limits);
  auto first = validateChain(h_->links(), {h_->childNs}, v);
  expectOutcome(first, State::kSecure, Reason::kNone);
  auto second = validateChain(h_->links(), {h_->childNs}, v);
  expectOutcome(second, State::kSecure, Reason::kNone);
  EXPECT_EQ(second.budget.verifications, first.budget.verifications);
}

// --- The zone-key flag and the protocol field (RFC 4034 §2.1.1, §2.1.2; RFC 4035 §5.3.1) -------

TEST_F(ValidatorTest, KeyWithoutTheZoneFlagCannotValidateAnRrsig) {
  // RFC 4034 §2.1.1: with bit 7 clear, "the DNSKEY record holds some other type of DNS public key
  // and MUST NOT be used to verify RRSIGs that cover RRsets".
  const auto child = h_->childKsk.zone;
  auto other = testing::makeKey(child, dns::algorithm::kEcdsaP256Sha256, 0);
  auto links = h_->links();
  links[2].dnskey =
      testing::signedSet({h_->childKsk.dnskey, h_->childZsk.dnskey, other.dnskey}, {&h_->childKsk});
  auto byOther = testing::signedSet(h_->childNs.records, {&other});
  expectOutcome(run(*h_, links, {byOther}), State::kBogus, Reason::kRrsigMissing);
  // The same DNSKEY RRset with the data signed by the zone key: the flag was the only problem.
  auto byZsk = testing::signedSet(h_->childNs.records, {&h_->childZsk});
  expectOutcome(run(*h_, links, {byZsk}), State::kSecure, Reason::kNone);

  // A DS naming a key without the flag authenticates nothing (RFC 4034 §5.2).
  auto sepOnly = testing::makeKey(child, dns::algorithm::kEcdsaP256Sha256, 1);
  links[2].fromParent.ds = testing::signedSet({testing::dsFor(sepOnly)}, {&h_->tldKey});
  links[2].dnskey = testing::signedSet({sepOnly.dnskey, h_->childZsk.dnskey}, {&sepOnly});
  expectOutcome(run(*h_, links), State::kBogus, Reason::kNoDnskeyMatchesDs);
}

TEST_F(ValidatorTest, KeyWithProtocolOtherThanThreeIsUnusable) {
  // RFC 4034 §2.1.2: "The Protocol Field MUST have value 3, and the DNSKEY RR MUST be treated as
  // invalid during signature verification if it is found to be some value other than 3."
  const auto child = h_->childKsk.zone;
  auto zsk2 = testing::makeKey(child, dns::algorithm::kEcdsaP256Sha256, 256, 2);
  auto links = h_->links();
  links[2].dnskey = testing::signedSet({h_->childKsk.dnskey, zsk2.dnskey}, {&h_->childKsk});
  auto ns = testing::signedSet(h_->childNs.records, {&zsk2});
  expectOutcome(run(*h_, links, {ns}), State::kBogus, Reason::kRrsigMissing);

  auto ksk2 = testing::makeKey(child, dns::algorithm::kEcdsaP256Sha256, 257, 2);
  links[2].fromParent.ds = testing::signedSet({testing::dsFor(ksk2)}, {&h_->tldKey});
  links[2].dnskey = testing::signedSet({ksk2.dnskey, h_->childZsk.dnskey}, {&ksk2});
  expectOutcome(run(*h_, links), State::kBogus, Reason::kNoDnskeyMatchesDs);
}

// Issue 11: an RSA key whose public exponent is longer than 64 bits is an unsupported key (the
// adapter refuses it: "RSA public exponent longer than 64 bits"), so its signatures cost no
// verification, which would otherwise cost about 160 ordinary ones for a 3,064-bit exponent.
TEST_F(ValidatorTest, RsaKeyWithAnExponentOver64BitsIsUnusableAndCostsNoVerification) {
  const auto child = h_->childKsk.zone;
  auto zsk = testing::makeKey(child, dns::algorithm::kRsaSha256, 256);
  // The same modulus with an odd 2,040-bit exponent instead of 65537 (RFC 3110 §2: a length that
  // does not fit in one octet is a zero and then two octets).
  auto dnskey = std::get<dns::rdata::DNSKEY>(zsk.dnskey.data);
  std::vector<uint8_t> field{0, 0, 255};
  field.insert(field.end(), 255, 0xa7);
  field.insert(field.end(), dnskey.publicKey.begin() + 4, dnskey.publicKey.end());
  dnskey.publicKey = field;
  zsk.dnskey = dns::ResourceRecord::make(child, dns::RRType::DNSKEY, 3600, dnskey);
  zsk.tag = dns::keyTag(zsk.dnskey.rdata);
  EXPECT_FALSE(crypto::PublicKey::fromDnskey(dns::algorithm::kRsaSha256, field).ok());

  auto links = h_->links();
  links[2].dnskey = testing::signedSet({h_->childKsk.dnskey, zsk.dnskey}, {&h_->childKsk});
  const uint32_t chainVerifications = run(*h_, links).budget.verifications;
  auto r = run(*h_, links, {testing::signedSet(h_->childNs.records, {&zsk})});
  expectOutcome(r, State::kBogus, Reason::kRrsigMissing);
  EXPECT_EQ(r.outcome.detail, "no RRSIG by a key of child.tld. covers child.tld. NS");
  EXPECT_EQ(r.budget.verifications, chainVerifications);
}

// --- Wildcard expansions (RFC 4035 §5.3.4, RFC 5155 §8.8) --------------------------------------

dns::ResourceRecord aRecord(const dns::Name& owner, uint8_t last) {
  return dns::ResourceRecord::make(owner, dns::RRType::A, 3600, dns::rdata::A{{192, 0, 2, last}});
}

// An A RRset at `owner` as a server synthesises it from *.child.tld.: its RRSIG's Labels is 2.
dns::RRset wildcardAnswer(const Hierarchy& h, const dns::Name& owner) {
  testing::SignOptions fromWildcard;
  fromWildcard.labels = 2;
  return testing::signedSet({aRecord(owner, 1)}, {&h.childZsk}, fromWildcard);
}

dns::RRset childNsec(const Hierarchy& h, const char* owner, const char* next) {
  return testing::signedSet(
      {testing::nsecRecord(name(owner), name(next), {dns::RRType::A, dns::RRType::NSEC})},
      {&h.childZsk});
}

std::vector<uint8_t> adjacent(std::vector<uint8_t> hash, int delta) {
  // hash ± 1 as a big-endian number, for an NSEC3 span just around a name's hash.
  for (size_t i = hash.size(); i-- > 0;) {
    const int v = hash[i] + delta;
    hash[i] = static_cast<uint8_t>(v & 0xFF);
    if (v >= 0 && v <= 0xFF) break;
  }
  return hash;
}

// An NSEC3 of child.tld. whose span covers exactly the hash of `covered`.
dns::RRset coveringNsec3(const Hierarchy& h, const dns::Name& covered, uint16_t iterations = 0) {
  const auto zone = h.childZsk.zone;
  const auto hash = testing::hashOf(covered, iterations);
  auto rec = testing::nsec3Record(zone, zone, adjacent(hash, +1), {dns::RRType::A}, iterations);
  rec.owner = zone.child(dns::toBase32Hex(adjacent(hash, -1))).value();
  return testing::signedSet({rec}, {&h.childZsk});
}

TEST_F(ValidatorTest, WildcardExpansionWithoutProofIsBogus) {
  auto answer = wildcardAnswer(*h_, name("host.child.tld."));
  auto r = run(*h_, h_->links(), {answer});
  expectOutcome(r, State::kBogus, Reason::kWildcardProofMissing);
  EXPECT_EQ(r.outcome.ede(), std::optional<uint16_t>(6));
  EXPECT_EQ(r.outcome.rrtype, dns::RRType::A);
  // The signature itself is fine: the same call through Validator::rrset says the same.
  Validator v(h_->anchors(), kNow);
  auto chain = validateChain(h_->links(), {}, v);
  ASSERT_EQ(chain.outcome.state, State::kSecure);
  auto verdict = v.rrset(chain.zones.back(), answer);
  EXPECT_EQ(verdict.outcome.reason, Reason::kWildcardProofMissing);
  EXPECT_EQ(verdict.wildcardLabels, std::optional<uint8_t>(2));
}

TEST_F(ValidatorTest, WildcardExpansionWithNsecProofIsSecure) {
  // "*.child.tld." < "host.child.tld." < "www.child.tld." in canonical order: the NSEC proves host
  // does not exist, and the closest encloser it implies is child.tld., the wildcard's parent.
  auto answer = wildcardAnswer(*h_, name("host.child.tld."));
  auto proof = childNsec(*h_, "*.child.tld.", "www.child.tld.");
  auto r = run(*h_, h_->links(), {answer}, kNow, nullptr, {}, {proof});
  expectOutcome(r, State::kSecure, Reason::kNone);
  ASSERT_EQ(r.rrsets.size(), 1u);
  EXPECT_EQ(r.rrsets[0].wildcardLabels, std::optional<uint8_t>(2));
}

TEST_F(ValidatorTest, WildcardNsecProofThatProvesTheWrongThingIsBogus) {
  auto answer = wildcardAnswer(*h_, name("host.child.tld."));
  // Does not cover host.child.tld.
  auto elsewhere = childNsec(*h_, "www.child.tld.", "zzz.child.tld.");
  expectOutcome(run(*h_, h_->links(), {answer}, kNow, nullptr, {}, {elsewhere}), State::kBogus,
                Reason::kWildcardProofMissing);
  // Covers a.b.child.tld., but implies the closest encloser b.child.tld.: *.b.child.tld. would be
  // a closer wildcard than *.child.tld., the one the RRSIG claims.
  auto deeper = wildcardAnswer(*h_, name("a.b.child.tld."));
  auto closer = childNsec(*h_, "b.child.tld.", "c.child.tld.");
  expectOutcome(run(*h_, h_->links(), {deeper}, kNow, nullptr, {}, {closer}), State::kBogus,
                Reason::kWildcardProofMissing);
  // An unsigned proof is no proof.
  auto unsignedProof = testing::unsignedSet(
      {testing::nsecRecord(name("*.child.tld."), name("www.child.tld."), {dns::RRType::A})});
  auto r = run(*h_, h_->links(), {answer}, kNow, nullptr, {}, {unsignedProof});
  EXPECT_EQ(r.outcome.state, State::kBogus);
  EXPECT_EQ(r.outcome.reason, Reason::kRrsigMissing) << r.outcome.detail;
}

TEST_F(ValidatorTest, WildcardExpansionWithNsec3ProofIsSecure) {
  // RFC 5155 §8.8: an NSEC3 covering the next closer name (host.child.tld. itself here).
  const auto qname = name("host.child.tld.");
  auto answer = wildcardAnswer(*h_, qname);
  auto r = run(*h_, h_->links(), {answer}, kNow, nullptr, {}, {coveringNsec3(*h_, qname)});
  expectOutcome(r, State::kSecure, Reason::kNone);
  EXPECT_EQ(r.budget.nsec3Hashes, 1u);
  // One covering another name proves nothing about host.
  auto wrong = run(*h_, h_->links(), {answer}, kNow, nullptr, {},
                   {coveringNsec3(*h_, name("other.child.tld."))});
  expectOutcome(wrong, State::kBogus, Reason::kWildcardProofMissing);
  // Past the iterations cap the answer is insecure, with no hashing (RFC 9276 §3.2).
  auto costly =
      run(*h_, h_->links(), {answer}, kNow, nullptr, {}, {coveringNsec3(*h_, qname, 500)});
  expectOutcome(costly, State::kInsecure, Reason::kNsec3IterationsTooHigh);
  EXPECT_EQ(costly.budget.nsec3Hashes, 0u);
}

TEST_F(ValidatorTest, ApexRRsetsCanNeverBeWildcardExpansions) {
  // An NS RRset at the apex whose RRSIG claims Labels 1 would come from *.tld., a name of the
  // parent zone: no proof can make that secure.
  testing::SignOptions fromAbove;
  fromAbove.labels = 1;
  auto ns = testing::signedSet(h_->childNs.records, {&h_->childZsk}, fromAbove);
  auto proof = childNsec(*h_, "*.child.tld.", "www.child.tld.");
  auto r = run(*h_, h_->links(), {ns}, kNow, nullptr, {}, {proof});
  // Refused before any crypto, as a signature that cannot be right (issue 18: pinned, not "any
  // bogus reason").
  expectOutcome(r, State::kBogus, Reason::kSignatureInvalid);
  EXPECT_EQ(r.outcome.detail,
            "RRSIG by key " + std::to_string(h_->childZsk.tag) +
                " over child.tld. claims a wildcard above the apex of child.tld.");
  EXPECT_EQ(r.outcome.keyTag, h_->childZsk.tag);
  ASSERT_EQ(r.rrsets.size(), 1u);
  EXPECT_FALSE(r.rrsets[0].wildcardLabels.has_value());
}

// --- The walk and its aggregation (chain.h), as the prober uses them ----------------------------

TEST_F(ValidatorTest, ABogusRRsetIsNotHiddenBehindAnInsecureOne) {
  // The wildcard answer's NSEC3 proof is past the iterations cap (insecure); the NS RRset after it
  // is tampered with (bogus). The worst verdict wins, whatever the order.
  const auto qname = name("host.child.tld.");
  auto insecureAnswer = wildcardAnswer(*h_, qname);
  auto tampered = h_->childNs;
  tampered.records[1] = testing::nsRecord(tampered.owner, "ns2.attacker.");
  const std::vector<dns::RRset> proof = {coveringNsec3(*h_, qname, 500)};
  auto r = run(*h_, h_->links(), {insecureAnswer, tampered}, kNow, nullptr, {}, proof);
  expectOutcome(r, State::kBogus, Reason::kSignatureInvalid);
  ASSERT_EQ(r.rrsets.size(), 2u);
  EXPECT_EQ(r.rrsets[0].outcome.reason, Reason::kNsec3IterationsTooHigh);
  expectOutcome(run(*h_, h_->links(), {tampered, insecureAnswer}, kNow, nullptr, {}, proof),
                State::kBogus, Reason::kSignatureInvalid);
  // Alone, the insecure one is the verdict.
  expectOutcome(run(*h_, h_->links(), {insecureAnswer}, kNow, nullptr, {}, proof), State::kInsecure,
                Reason::kNsec3IterationsTooHigh);
}

TEST_F(ValidatorTest, TheWalkStartsAtTheAnchorsZoneAndPassesOverTheZonesAbove) {
  // An anchor for tld.: the root above it is no part of the chain, even with a DNSKEY RRset at
  // hand, so nothing of it is verified.
  auto anchors = TrustAnchors::fromRecords({testing::dsFor(h_->tldKey)});
  ASSERT_TRUE(anchors.ok());
  auto links = h_->links();
  links[0].dnskey = testing::unsignedSet(h_->rootDnskey.records);  // would be bogus if judged
  Validator v(*anchors, kNow);
  auto r = validateChain(links, {h_->childNs}, v);
  expectOutcome(r, State::kSecure, Reason::kNone);
  ASSERT_EQ(r.zones.size(), 2u);
  EXPECT_EQ(r.zones[0].zone, h_->tldKey.zone);
  EXPECT_EQ(r.budget.verifications, 4u);  // tld DNSKEY, child DS and DNSKEY, NS

  std::vector<ZoneEvidence> evidence;
  for (const auto& link : links) {
    evidence.push_back({link.zone, &link.fromParent, link.dnskey ? &*link.dnskey : nullptr});
  }
  v.resetBudget();
  const ChainWalk walk = walkChain(v, evidence);
  EXPECT_EQ(walk.firstLink, 1u);
  ASSERT_EQ(walk.zones.size(), 2u);
  EXPECT_EQ(walk.trust.zone, h_->childKsk.zone);
  EXPECT_EQ(walk.trust.outcome.state, State::kSecure);
}

TEST_F(ValidatorTest, AWalkThatNeverReachesTheAnchorsZoneIsIndeterminate) {
  auto elsewhere = testing::makeKey(name("elsewhere."), dns::algorithm::kEcdsaP256Sha256, 257);
  auto anchors = TrustAnchors::fromRecords({testing::dsFor(elsewhere)});
  ASSERT_TRUE(anchors.ok());
  Validator v(*anchors, kNow);
  auto r = validateChain(h_->links(), {h_->childNs}, v);
  expectOutcome(r, State::kIndeterminate, Reason::kNoTrustAnchor);
  EXPECT_EQ(r.outcome.detail, "the trust anchor's zone is not above the domain");
  EXPECT_TRUE(r.zones.empty());
  EXPECT_EQ(r.budget.verifications, 0u);
  ASSERT_EQ(r.rrsets.size(), 1u);
  EXPECT_EQ(r.rrsets[0].outcome.reason, Reason::kNoTrustAnchor);
}

// --- Closest-encloser checks and unknown NSEC3 hashes (RFC 5155 §8.1, §8.3) -------------------

// An opt-out proof for `delegation` whose closest encloser is `encloser` with the given bitmap.
std::vector<dns::RRset> optOutProofVia(const Hierarchy& h, const dns::Name& delegation,
                                       const dns::Name& encloser,
                                       std::vector<dns::RRType> encloserTypes) {
  const auto tld = h.tldKey.zone;
  const auto nextCloser = delegation.suffix(encloser.labelCount() + 1);
  auto ce = testing::nsec3Record(tld, encloser, adjacent(testing::hashOf(encloser), +1),
                                 std::move(encloserTypes));
  const auto nc = testing::hashOf(nextCloser);
  auto cover = testing::nsec3Record(tld, tld, adjacent(nc, +1), {dns::RRType::NS}, 0, true);
  cover.owner = tld.child(dns::toBase32Hex(adjacent(nc, -1))).value();
  return {testing::signedSet({ce}, {&h.tldKey}), testing::signedSet({cover}, {&h.tldKey})};
}

ChainResult runDelegation(const Hierarchy& h, const dns::Name& delegation,
                          std::vector<dns::RRset> denial) {
  auto links = h.links();
  links[2] =
      ChainLink{delegation, DelegationEvidence{std::nullopt, std::move(denial)}, std::nullopt};
  return run(h, links);
}

TEST_F(ValidatorTest, ClosestEncloserWithDnameIsDenialInvalid) {
  const auto delegation = name("x.sub.tld.");
  const auto encloser = name("sub.tld.");
  // Control: an empty non-terminal as closest encloser, the opt-out span covering x.sub.tld.
  expectOutcome(runDelegation(*h_, delegation, optOutProofVia(*h_, delegation, encloser, {})),
                State::kInsecure, Reason::kOptOut);
  // RFC 5155 §8.3: "The DNAME type bit must not be set".
  auto r = runDelegation(*h_, delegation,
                         optOutProofVia(*h_, delegation, encloser, {dns::RRType::DNAME}));
  expectOutcome(r, State::kBogus, Reason::kDenialInvalid);
}

TEST_F(ValidatorTest, ClosestEncloserThatIsADelegationIsDenialInvalid) {
  // RFC 5155 §8.3: "the NS type bit may only be set if the SOA type bit is set": sub.tld. with NS
  // alone is a cut, and what lies below it is another zone's to deny.
  const auto delegation = name("x.sub.tld.");
  const auto encloser = name("sub.tld.");
  auto r =
      runDelegation(*h_, delegation, optOutProofVia(*h_, delegation, encloser, {dns::RRType::NS}));
  expectOutcome(r, State::kBogus, Reason::kDenialInvalid);
  // NS together with SOA is an apex, which is fine: the parent's own apex as closest encloser.
  const auto tld = h_->tldKey.zone;
  expectOutcome(
      runDelegation(*h_, name("y.tld."),
                    optOutProofVia(*h_, name("y.tld."), tld, {dns::RRType::NS, dns::RRType::SOA})),
      State::kInsecure, Reason::kOptOut);
}

TEST_F(ValidatorTest, Nsec3WithAnUnknownHashIsIgnoredSoTheDenialIsBogus) {
  // RFC 5155 §8.1: "A validator MUST ignore NSEC3 RRs with unknown hash types. The practical
  // result of this is that responses containing only such NSEC3 RRs will generally be considered
  // bogus." Not insecure, and not EDE 1, which is about DNSKEY algorithms.
  const auto tld = h_->tldKey.zone;
  auto rec = testing::nsec3Record(tld, h_->childKsk.zone, std::vector<uint8_t>(20, 0xFF),
                                  {dns::RRType::NS});
  std::get<dns::rdata::NSEC3>(rec.data).hashAlgorithm = 2;
  rec = dns::ResourceRecord::make(rec.owner, dns::RRType::NSEC3, 3600,
                                  std::get<dns::rdata::NSEC3>(rec.data));
  auto links = h_->links();
  links[2].fromParent =
      DelegationEvidence{std::nullopt, {testing::signedSet({rec}, {&h_->tldKey})}};
  auto r = run(*h_, links);
  expectOutcome(r, State::kBogus, Reason::kDenialMissing);
  EXPECT_EQ(r.outcome.ede(), std::optional<uint16_t>(12));
  EXPECT_NE(r.outcome.detail.find("RFC 5155 §8.1"), std::string::npos) << r.outcome.detail;
  // Next to a usable proof it is simply ignored.
  auto proof = optOutProof(*h_, true);
  proof.push_back(testing::signedSet({rec}, {&h_->tldKey}));
  links[2].fromParent = DelegationEvidence{std::nullopt, proof};
  expectOutcome(run(*h_, links), State::kInsecure, Reason::kOptOut);
}

// --- Owners must be the zone's own (and the memo must fail closed) ------------------------------

TEST_F(ValidatorTest, DsRRsetOwnedByAnotherNameIsOwnerMismatch) {
  // A sibling's correctly signed DS RRset, carrying the child's DS data, spliced into the child's
  // referral: without the owner check it would authenticate the child's key.
  auto spliced = testing::dsFor(h_->childKsk);
  spliced.owner = name("sibling.tld.");
  auto links = h_->links();
  links[2].fromParent.ds = testing::signedSet({spliced}, {&h_->tldKey});
  auto r = run(*h_, links);
  expectOutcome(r, State::kBogus, Reason::kOwnerMismatch);
  EXPECT_EQ(r.outcome.rrtype, dns::RRType::DS);
}

TEST_F(ValidatorTest, DnskeyRRsetOwnedByAnotherNameIsOwnerMismatch) {
  std::vector<dns::ResourceRecord> keys = {h_->childKsk.dnskey, h_->childZsk.dnskey};
  for (auto& k : keys) k.owner = name("elsewhere.tld.");
  auto links = h_->links();
  links[2].dnskey = testing::signedSet(keys, {&h_->childKsk});
  auto r = run(*h_, links);
  expectOutcome(r, State::kBogus, Reason::kOwnerMismatch);
  EXPECT_EQ(r.outcome.rrtype, dns::RRType::DNSKEY);
}

std::optional<std::vector<uint8_t>> failingDigest(std::span<const uint8_t>) {
  return std::nullopt;
}

TEST_F(ValidatorTest, MemoWithoutADigestVerifiesForRealAndStoresNothing) {
  VerificationCache cache;
  cache.setDigestForTesting(&failingDigest);
  EXPECT_FALSE(
      cache.makeKey(std::vector<uint8_t>{1}, std::vector<uint8_t>{2}, std::vector<uint8_t>{3})
          .has_value());
  auto first = run(*h_, h_->links(), {h_->childNs}, kNow, &cache);
  expectOutcome(first, State::kSecure, Reason::kNone);
  EXPECT_EQ(cache.size(), 0u);
  auto second = run(*h_, h_->links(), {h_->childNs}, kNow, &cache);
  EXPECT_EQ(second.budget.verifications, first.budget.verifications);
  EXPECT_EQ(second.budget.cacheHits, 0u);
  // Had every triple shared one all-zero key, the forgery would hit the successes stored above.
  auto forged = h_->childNs;
  forged.records[1] = testing::nsRecord(forged.owner, "ns2.attacker.");
  expectOutcome(run(*h_, h_->links(), {forged}, kNow, &cache), State::kBogus,
                Reason::kSignatureInvalid);
}

// --- EDE ----------------------------------------------------------------------------------------

TEST(Outcome, EdeIsAbsentForNonErrorsAndNeverOtherError) {
  for (auto r = static_cast<uint8_t>(Reason::kNone);
       r <= static_cast<uint8_t>(Reason::kMissingData); ++r) {
    const auto reason = static_cast<Reason>(r);
    const auto ede = edeCode(reason);
    const bool noError = reason == Reason::kNone || reason == Reason::kDsAbsent ||
                         reason == Reason::kOptOut || reason == Reason::kDeprecatedAlgorithm;
    EXPECT_EQ(ede.has_value(), !noError) << toString(reason);
    EXPECT_NE(ede, std::optional<uint16_t>(0)) << toString(reason) << ": 0 is \"Other Error\"";
  }
  EXPECT_EQ(edeCode(Reason::kUnsupportedAlgorithm), std::optional<uint16_t>(1));
  EXPECT_EQ(edeCode(Reason::kDenialMissing), std::optional<uint16_t>(12));
  EXPECT_EQ(edeCode(Reason::kWildcardProofMissing), std::optional<uint16_t>(6));
  EXPECT_EQ(toString(Reason::kWildcardProofMissing), "wildcard_proof_missing");
  EXPECT_EQ(toString(Reason::kOwnerMismatch), "owner_mismatch");
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
  // In 2027 (kNow = 1.8e9) the same signatures have long expired. In serial arithmetic (RFC 4034
  // §3.1.5, RFC 1982) both ends lie less than 2^31 seconds before now: the expiration 0x1000 by
  // 1,799,995,904 s and the inception 0xFFFFFF00, across the wrap, by 1,800,000,256 s. So the
  // signatures are expired, not "not yet valid" (pinned: either would be "not secure").
  expectOutcome(run(h, links, {}, kNow), State::kBogus, Reason::kRrsigExpired);
}

TEST(Outcome, ReasonNamesAreTheDocumentedVocabulary) {
  EXPECT_EQ(toString(Reason::kDsMismatch), "ds_mismatch");
  EXPECT_EQ(toString(Reason::kNoDnskeyMatchesDs), "no_dnskey_matches_ds");
  EXPECT_EQ(toString(Reason::kBudgetExhausted), "budget_exhausted");
  EXPECT_EQ(toString(Reason::kNsec3IterationsTooHigh), "nsec3_iterations_too_high");
  EXPECT_EQ(toString(State::kIndeterminate), "indeterminate");
}

TEST(TrustAnchors, BuiltInRootHasBothKsks) {
  // IANA's root-anchors.xml, checked against Debian's dns-root-data (/usr/share/dns/root.ds).
  auto anchors = TrustAnchors::builtInRoot();
  ASSERT_EQ(anchors.ds.size(), 2u);
  EXPECT_TRUE(anchors.zone.isRoot());
  EXPECT_TRUE(anchors.dnskeys.empty());
  const std::pair<uint16_t, const char*> kExpected[] = {
      {20326, "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"},
      {38696, "683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16"},
  };
  for (size_t i = 0; i < 2; ++i) {
    const auto& ds = anchors.ds[i];
    EXPECT_EQ(ds.keyTag, kExpected[i].first);
    EXPECT_EQ(ds.algorithm, dns::algorithm::kRsaSha256);
    EXPECT_EQ(ds.digestType, dns::digest::kSha256);
    auto want = dns::fromHex(kExpected[i].second);
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(dns::toHex(ds.digest), dns::toHex(*want)) << "key tag " << ds.keyTag;
  }
}

TEST(TrustAnchors, DnskeyAnchorFromZoneFileTextValidatesAChain) {
  // The form the lab writes: the root KSK as a zone-file DNSKEY line, read by fromText.
  Hierarchy h;
  const std::string text = "; lab trust anchor\n" + h.rootKsk.dnskey.toString() + "\n";
  auto anchors = TrustAnchors::fromText(text, "root.key");
  ASSERT_TRUE(anchors.ok()) << anchors.error().message << "\n" << text;
  EXPECT_TRUE(anchors->ds.empty());
  ASSERT_EQ(anchors->dnskeys.size(), 1u);
  Validator v(*anchors, kNow);
  auto r = validateChain(h.links(), {h.childNs}, v);
  expectOutcome(r, State::kSecure, Reason::kNone);
  // Another key in the same form is not this root's anchor.
  auto other = testing::makeKey(dns::Name(), dns::algorithm::kEcdsaP256Sha256, 257);
  auto wrong = TrustAnchors::fromText(other.dnskey.toString() + "\n", "other.key");
  ASSERT_TRUE(wrong.ok());
  Validator w(*wrong, kNow);
  expectOutcome(validateChain(h.links(), {h.childNs}, w), State::kBogus,
                Reason::kTrustAnchorMismatch);
}

TEST(TrustAnchors, RejectsOtherTypesAndMixedOwners) {
  auto a = TrustAnchors::fromText(". IN NS a.root-servers.net.\n", "anchors.txt");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("DS or DNSKEY"), std::string::npos);
}

}  // namespace
}  // namespace zonewatch::dnssec
