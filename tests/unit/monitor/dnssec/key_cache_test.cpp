// The parsed-key cache: one parse per distinct key, never a key for other key material, failures
// remembered, bounded; and through the validator, a second validation with the same zones parses
// nothing while still verifying every signature.
#include "monitor/dnssec/key_cache.h"

#include <gtest/gtest.h>

#include "monitor/dnssec/chain.h"
#include "monitor/dnssec/validator.h"
#include "tests/unit/monitor/dnssec/signing_fixture.h"

namespace zonewatch::dnssec {
namespace {

using testing::Hierarchy;
using testing::kNow;
using testing::makeKey;
using testing::name;

std::vector<uint8_t> publicField(const testing::TestKey& key) {
  return std::get<dns::rdata::DNSKEY>(key.dnskey.data).publicKey;
}

TEST(KeyCacheTest, ParsesEachDistinctKeyOnce) {
  const auto a = makeKey(name("a.test."), dns::algorithm::kEcdsaP256Sha256);
  const auto b = makeKey(name("b.test."), dns::algorithm::kEd25519);
  KeyCache cache;
  auto first = cache.get(dns::algorithm::kEcdsaP256Sha256, publicField(a));
  auto again = cache.get(dns::algorithm::kEcdsaP256Sha256, publicField(a));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, again);
  EXPECT_EQ(cache.parses(), 1u);
  auto other = cache.get(dns::algorithm::kEd25519, publicField(b));
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other, first);
  EXPECT_EQ(cache.parses(), 2u);
}

TEST(KeyCacheTest, SameBytesUnderAnotherAlgorithmAreAnotherKey) {
  const auto a = makeKey(name("a.test."), dns::algorithm::kEcdsaP256Sha256);
  KeyCache cache;
  ASSERT_NE(cache.get(dns::algorithm::kEcdsaP256Sha256, publicField(a)), nullptr);
  // 64 octets are no Ed25519 key (RFC 8080 §3: 32): it must not come back as the ECDSA key.
  EXPECT_EQ(cache.get(dns::algorithm::kEd25519, publicField(a)), nullptr);
  EXPECT_EQ(cache.parses(), 2u);
}

TEST(KeyCacheTest, KeysThatDoNotParseAreRememberedAsSuch) {
  const std::vector<uint8_t> junk(7, 0xAB);
  KeyCache cache;
  EXPECT_EQ(cache.get(dns::algorithm::kRsaSha256, junk), nullptr);
  EXPECT_EQ(cache.get(dns::algorithm::kRsaSha256, junk), nullptr);
  EXPECT_EQ(cache.parses(), 1u);
  EXPECT_EQ(cache.get(200, junk), nullptr);  // an algorithm not implemented here
}

TEST(KeyCacheTest, BoundedAndKeepsTheKeysInUse) {
  std::vector<testing::TestKey> keys;
  for (int i = 0; i < 6; ++i) {
    keys.push_back(makeKey(name("k.test."), dns::algorithm::kEd25519));
  }
  KeyCache cache(4);  // two generations of two
  for (const auto& k : keys) {
    ASSERT_NE(cache.get(dns::algorithm::kEd25519, publicField(k)), nullptr);
    // The first key is used all along: promoted each time, it survives every rotation.
    ASSERT_NE(cache.get(dns::algorithm::kEd25519, publicField(keys[0])), nullptr);
    EXPECT_LE(cache.size(), 4u);
  }
  EXPECT_EQ(cache.parses(), 6u);
  cache.get(dns::algorithm::kEd25519, publicField(keys[1]));  // long evicted: parsed again
  EXPECT_EQ(cache.parses(), 7u);
}

TEST(KeyCacheTest, ASecondValidationParsesNoKeyButStillVerifies) {
  const Hierarchy h;
  KeyCache keys;
  Validator first(h.anchors(), kNow, {}, nullptr, &keys);
  auto r1 = validateChain(h.links(), {h.childNs}, first);
  ASSERT_EQ(r1.outcome.state, State::kSecure) << r1.outcome.detail;
  const uint64_t parsed = keys.parses();
  EXPECT_GT(parsed, 0u);

  Validator second(h.anchors(), kNow, {}, nullptr, &keys);
  auto r2 = validateChain(h.links(), {h.childNs}, second);
  EXPECT_EQ(r2.outcome.state, State::kSecure);
  EXPECT_EQ(keys.parses(), parsed);
  // Only the key is reused, not the verdict: every signature is verified again.
  EXPECT_EQ(r2.budget.verifications, r1.budget.verifications);

  // A forged RRset is still caught with a cached key.
  auto forged = h.childNs;
  forged.records[0] = testing::nsRecord(forged.owner, "ns1.attacker.");
  Validator third(h.anchors(), kNow, {}, nullptr, &keys);
  EXPECT_EQ(validateChain(h.links(), {forged}, third).outcome.reason, Reason::kSignatureInvalid);
}

}  // namespace
}  // namespace zonewatch::dnssec
