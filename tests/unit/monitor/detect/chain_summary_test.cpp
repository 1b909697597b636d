// The chain summary (monitor/detect/chain_summary.h): built from an observation's chain, written
// as JSON and read back unchanged; malformed stored text is an error, not a crash.
#include "monitor/detect/chain_summary.h"

#include <gtest/gtest.h>

#include <string>

namespace zonewatch::detect {
namespace {

using model::SecurityReason;
using model::SecurityState;

model::ChainStep step(const std::string& zone, SecurityState state, SecurityReason reason) {
  model::ChainStep s;
  s.zone = zone;
  s.state = state;
  s.reason = reason;
  return s;
}

// Root and TLD secure; the domain's DS 100 (SHA-256) is the digest of its KSK 100, DS 7 (SHA-1)
// of no key: bogus.
model::Observation threeZones() {
  model::Observation obs;
  auto root = step(".", SecurityState::kSecure, SecurityReason::kNone);
  root.ds = {{20326, 8, 2, "E06D"}};
  root.dsMatched = root.ds;
  root.dnskey = {{20326, 257, 8}, {38696, 256, 8}};
  auto tld = step("example.", SecurityState::kSecure, SecurityReason::kNone);
  tld.ds = {{31000, 13, 2, "AB"}};
  tld.dsMatched = tld.ds;
  tld.dnskey = {{31000, 257, 13}};
  auto domain = step("zone.example.", SecurityState::kBogus, SecurityReason::kDsMismatch);
  domain.ds = {{7, 13, 1, "CC"}, {100, 13, 2, "DD"}};
  domain.dsMatched = {{100, 13, 2, "DD"}};
  domain.dnskey = {{100, 257, 13}, {200, 256, 13}};
  obs.chain = {root, tld, domain};
  return obs;
}

TEST(ChainSummary, KeepsEachZoneItsDsAndWhichMatchAKey) {
  const ChainSummary chain = chainSummary(threeZones());
  ASSERT_EQ(chain.zones.size(), 3u);
  EXPECT_EQ(chain.zones[0].zone, ".");
  EXPECT_EQ(chain.zones[2].zone, "zone.example.");
  EXPECT_EQ(chain.zones[2].state, SecurityState::kBogus);
  EXPECT_EQ(chain.zones[2].reason, SecurityReason::kDsMismatch);
  ASSERT_EQ(chain.zones[2].ds.size(), 2u);
  EXPECT_EQ(chain.zones[2].ds[0], (ChainDs{7, 13, 1, false}));
  EXPECT_EQ(chain.zones[2].ds[1], (ChainDs{100, 13, 2, true}));
  ASSERT_EQ(chain.zones[0].dnskey.size(), 2u);
  EXPECT_EQ(chain.zones[0].dnskey[0], (ChainKey{20326, 257, 8}));
}

TEST(ChainSummary, JsonRoundTrip) {
  ChainSummary chain = chainSummary(threeZones());
  chain.zones[1].zone = "<b>\"&'\\032.example.";  // a hostile name survives as it is
  const std::string text = toJson(chain);
  auto back = chainSummaryFromJson(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, chain);
  EXPECT_NE(text.find(R"("matched":true)"), std::string::npos) << text;
}

TEST(ChainSummary, KeepsAtMostSoManyRecordsPerZone) {
  model::Observation obs;
  auto big = step("example.", SecurityState::kSecure, SecurityReason::kNone);
  for (uint16_t tag = 0; tag < 100; ++tag) {
    big.ds.push_back({tag, 13, 2, "AA"});
    big.dnskey.push_back({tag, 256, 13});
  }
  obs.chain = {big};
  const ChainSummary chain = chainSummary(obs);
  EXPECT_EQ(chain.zones[0].ds.size(), kMaxChainRecords);
  EXPECT_EQ(chain.zones[0].dnskey.size(), kMaxChainRecords);
}

TEST(ChainSummary, EmptyTextIsNoChainAndMalformedTextAnError) {
  auto none = chainSummaryFromJson("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->zones.empty());
  EXPECT_TRUE(chainSummaryFromJson("{}").ok() == false);
  EXPECT_FALSE(chainSummaryFromJson("[1,2]"));
  EXPECT_FALSE(chainSummaryFromJson(R"({"zones":[{"zone":".","state":"splendid","reason":"none",)"
                                    R"("ds":[],"dnskey":[]}]})"));
  // A key tag that does not fit 16 bits is not silently wrapped.
  EXPECT_FALSE(chainSummaryFromJson(R"({"zones":[{"zone":".","state":"secure","reason":"none",)"
                                    R"("ds":[{"key_tag":70000,"algorithm":8,"digest_type":2,)"
                                    R"("matched":true}],"dnskey":[]}]})"));
  EXPECT_FALSE(chainSummaryFromJson(R"({"zones":[{"zone":7}]})"));
}

}  // namespace
}  // namespace zonewatch::detect
