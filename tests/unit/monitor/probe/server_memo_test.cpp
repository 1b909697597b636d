// Server memos (monitor/probe/server_memo.h): their bytes round-trip, anything else decodes to no
// memo, and a memo stands only while young and while its signatures' verdict holds.
#include "monitor/probe/server_memo.h"

#include <gtest/gtest.h>

namespace zonewatch::probe {
namespace {

constexpr int64_t kNow = 1'700'000'000;

std::vector<ServerMemo> sample() {
  ServerMemo a;
  a.address = "192.0.2.1:53";
  a.soa.fill(0x11);
  a.rest.digest.fill(0x22);
  a.rest.earliestExpiration = kNow + 86400;
  a.since = kNow;
  ServerMemo b;
  b.address = "[2001:db8::1]:53";
  b.soa.fill(0x33);
  b.rest.digest.fill(0x44);
  b.rest.nextInception = kNow + 60;
  b.since = kNow - 5;
  b.extraHosts = {"ns3.example.", "ns4.example."};
  return {a, b};
}

TEST(ServerMemoTest, RoundTrips) {
  const auto memos = sample();
  const auto bytes = encodeServerMemos(memos);
  EXPECT_EQ(decodeServerMemos(bytes), memos);
  EXPECT_TRUE(encodeServerMemos({}).empty());
  EXPECT_TRUE(decodeServerMemos({}).empty());
}

TEST(ServerMemoTest, TwoServersTakeAbout150Octets) {
  // A row of every domain holds it (issue 13: the database's size per domain).
  EXPECT_LE(encodeServerMemos({sample().front(), sample().front()}).size(), 160u);
}

TEST(ServerMemoTest, EveryTruncationAndAnyTrailingByteDecodeToNothing) {
  const auto bytes = encodeServerMemos(sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_TRUE(decodeServerMemos(std::span(bytes).first(n)).empty()) << n;
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_TRUE(decodeServerMemos(longer).empty());
}

TEST(ServerMemoTest, AnotherVersionOrTooManyDecodeToNothing) {
  auto bytes = encodeServerMemos(sample());
  bytes[0] = 2;
  EXPECT_TRUE(decodeServerMemos(bytes).empty());
  std::vector<ServerMemo> many(kMaxServerMemos + 1, sample().front());
  const auto capped = decodeServerMemos(encodeServerMemos(many));
  EXPECT_EQ(capped.size(), kMaxServerMemos);  // the encoder keeps the cap
  auto over = encodeServerMemos(sample());
  over[1] = static_cast<uint8_t>(kMaxServerMemos + 1);
  EXPECT_TRUE(decodeServerMemos(over).empty());
}

TEST(ServerMemoTest, AMemoStandsWhileYoungAndItsSignaturesHold) {
  auto memos = sample();
  const ServerMemo& a = memos[0];
  EXPECT_TRUE(memoUsable(a, kNow));
  EXPECT_TRUE(memoUsable(a, kNow + kServerMemoMaxAge.count() - 1));
  EXPECT_FALSE(memoUsable(a, kNow + kServerMemoMaxAge.count()));
  EXPECT_FALSE(memoUsable(a, kNow - 1));  // from the future: a clock stepped back
  memos[0].rest.earliestExpiration = kNow + 10;
  EXPECT_TRUE(memoUsable(memos[0], kNow + 9));
  EXPECT_FALSE(memoUsable(memos[0], kNow + 10));
  const ServerMemo& b = memos[1];  // a signature becomes valid at kNow + 60
  EXPECT_TRUE(memoUsable(b, kNow + 59));
  EXPECT_FALSE(memoUsable(b, kNow + 60));
}

}  // namespace
}  // namespace zonewatch::probe
