// The delegation cache on its own, with an injected clock: TTL bounds, expiry, what domains share,
// and the entry limit.
#include "monitor/probe/delegation_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace zonewatch::probe {
namespace {

constexpr int64_t kStart = 1795780800;  // 2026-11-27T12:00:00Z

dns::Name name(std::string_view text) {
  return dns::Name::parse(text).value();
}

resolver::ServerAddress address(std::string_view ip) {
  return resolver::ServerAddress::make(ip).value();
}

ZoneCut cut(std::string_view zone, std::string_view host, std::string_view ip) {
  return ZoneCut{name(zone), {NameServer{name(host), {address(ip)}}}, 0};
}

std::vector<std::string> zones(const std::vector<ZoneCut>& path) {
  std::vector<std::string> out;
  for (const auto& c : path) out.push_back(c.zone.toString());
  return out;
}

class DelegationCacheTest : public ::testing::Test {
 protected:
  DelegationCacheTest() : clock_(kStart) {}

  DelegationCache make(CacheLimits limits = {}) {
    DelegationCache cache(clock_, limits);
    cache.setRoot(cut(".", "a.root.", "192.0.2.1"));
    return cache;
  }

  FixedClock clock_;
};

TEST_F(DelegationCacheTest, PathRunsFromTheRootToTheDeepestCachedCut) {
  auto cache = make();
  EXPECT_EQ(zones(cache.pathTo(name("www.example.com."))), std::vector<std::string>{"."});
  cache.storeCut(cut("com.", "a.gtld.", "192.0.2.30"), 3600);
  cache.storeCut(cut("example.com.", "ns1.example.com.", "192.0.2.53"), 3600);
  EXPECT_EQ(zones(cache.pathTo(name("www.example.com."))),
            (std::vector<std::string>{".", "com.", "example.com."}));
  // includeName false: the path ends at the zone that delegates the name.
  EXPECT_EQ(zones(cache.pathTo(name("example.com."), false)),
            (std::vector<std::string>{".", "com."}));
  EXPECT_EQ(zones(cache.pathTo(name("example.com."), true)),
            (std::vector<std::string>{".", "com.", "example.com."}));
}

TEST_F(DelegationCacheTest, TheTldCutIsSharedByEveryDomainUnderIt) {
  auto cache = make();
  cache.storeCut(cut("com.", "a.gtld.", "192.0.2.30"), 172800);
  for (auto domain : {"a.com.", "b.com.", "deep.c.com."}) {
    auto path = cache.pathTo(name(domain), false);
    ASSERT_EQ(zones(path), (std::vector<std::string>{".", "com."})) << domain;
    EXPECT_EQ(path.back().servers.front().addresses.front(), address("192.0.2.30"));
  }
  EXPECT_EQ(zones(cache.pathTo(name("example.net."), false)), std::vector<std::string>{"."});
}

TEST_F(DelegationCacheTest, TtlIsBoundedBelowAndAbove) {
  auto cache = make(CacheLimits{60, 86400, 1000});
  cache.storeCut(cut("short.", "ns.short.", "192.0.2.1"), 5);     // raised to 60 s
  cache.storeCut(cut("long.", "ns.long.", "192.0.2.2"), 604800);  // capped at a day
  clock_.advance(59);
  EXPECT_EQ(cache.pathTo(name("x.short.")).size(), 2u);
  clock_.advance(1);
  EXPECT_EQ(cache.pathTo(name("x.short.")).size(), 1u);  // expired at exactly 60 s
  clock_.set(kStart + 86399);
  EXPECT_EQ(cache.pathTo(name("x.long.")).size(), 2u);
  clock_.set(kStart + 86400);
  EXPECT_EQ(cache.pathTo(name("x.long.")).size(), 1u);
}

TEST_F(DelegationCacheTest, AnExpiredLevelEndsThePathEvenWhenDeeperCutsLive) {
  // A deeper cut without its parent's would skip the parent's data the chain of trust needs.
  auto cache = make();
  cache.storeCut(cut("com.", "a.gtld.", "192.0.2.30"), 60);
  cache.storeCut(cut("example.com.", "ns1.example.com.", "192.0.2.53"), 3600);
  clock_.advance(120);
  EXPECT_EQ(zones(cache.pathTo(name("www.example.com."))), std::vector<std::string>{"."});
}

TEST_F(DelegationCacheTest, NamesThatAreNoCutAreSkipped) {
  // co.uk. is no zone cut under uk.: the path goes from uk. straight to example.co.uk.
  auto cache = make();
  cache.storeCut(cut("uk.", "ns.uk.", "192.0.2.40"), 3600);
  cache.storeCut(cut("example.co.uk.", "ns.example.co.uk.", "192.0.2.41"), 3600);
  EXPECT_EQ(zones(cache.pathTo(name("www.example.co.uk."))),
            (std::vector<std::string>{".", "uk.", "example.co.uk."}));
}

TEST_F(DelegationCacheTest, TheRootNeverExpires) {
  auto cache = make();
  clock_.advance(10 * 365 * 86400);
  auto path = cache.pathTo(name("example.com."));
  ASSERT_EQ(path.size(), 1u);
  EXPECT_EQ(path[0].servers.front().host, name("a.root."));
}

TEST_F(DelegationCacheTest, HostAddressesExpireByTheirTtl) {
  auto cache = make();
  EXPECT_FALSE(cache.hostAddresses(name("ns1.example.net.")).has_value());
  cache.storeHostAddresses(name("ns1.example.net."), {address("192.0.2.7"), address("2001:db8::7")},
                           300);
  auto found = cache.hostAddresses(name("NS1.Example.NET."));  // names compare case-insensitively
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->size(), 2u);
  clock_.advance(300);
  EXPECT_FALSE(cache.hostAddresses(name("ns1.example.net.")).has_value());
}

TEST_F(DelegationCacheTest, ZoneKeysExpireAndAreReplaced) {
  auto cache = make();
  EXPECT_EQ(cache.zoneKeys(name("com.")), nullptr);
  ZoneKeysData data;
  data.fromParent.denial.push_back(dns::RRset{});
  cache.storeZoneKeys(name("com."), data, 600);
  ASSERT_NE(cache.zoneKeys(name("com.")), nullptr);
  EXPECT_EQ(cache.zoneKeys(name("com."))->fromParent.denial.size(), 1u);
  cache.storeZoneKeys(name("com."), ZoneKeysData{}, 600);
  EXPECT_TRUE(cache.zoneKeys(name("com."))->fromParent.denial.empty());
  clock_.advance(600);
  EXPECT_EQ(cache.zoneKeys(name("com.")), nullptr);
}

TEST_F(DelegationCacheTest, EntryLimitDropsExpiredEntriesFirst) {
  auto cache = make(CacheLimits{60, 86400, 3});
  cache.storeCut(cut("a.", "ns.a.", "192.0.2.1"), 60);
  cache.storeCut(cut("b.", "ns.b.", "192.0.2.2"), 3600);
  cache.storeCut(cut("c.", "ns.c.", "192.0.2.3"), 3600);
  clock_.advance(60);  // a. has expired
  cache.storeCut(cut("d.", "ns.d.", "192.0.2.4"), 3600);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.pathTo(name("x.b.")).size(), 2u);
  EXPECT_EQ(cache.pathTo(name("x.c.")).size(), 2u);
  EXPECT_EQ(cache.pathTo(name("x.d.")).size(), 2u);
}

TEST_F(DelegationCacheTest, EntryLimitFullOfLiveEntriesStartsOver) {
  // Bounded memory over a warm cache: a cold walk costs a few queries per zone.
  auto cache = make(CacheLimits{60, 86400, 2});
  cache.storeCut(cut("a.", "ns.a.", "192.0.2.1"), 3600);
  cache.storeCut(cut("b.", "ns.b.", "192.0.2.2"), 3600);
  cache.storeCut(cut("c.", "ns.c.", "192.0.2.3"), 3600);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.pathTo(name("x.a.")).size(), 1u);
  EXPECT_EQ(cache.pathTo(name("x.c.")).size(), 2u);
  // The limit holds per kind of entry: hosts and keys are bounded the same way.
  for (auto host : {"h1.", "h2.", "h3."}) {
    cache.storeHostAddresses(name(host), {address("192.0.2.9")}, 3600);
  }
  EXPECT_FALSE(cache.hostAddresses(name("h1.")).has_value());
  EXPECT_TRUE(cache.hostAddresses(name("h3.")).has_value());
}

TEST_F(DelegationCacheTest, ClearForgetsEverythingButTheRoot) {
  auto cache = make();
  cache.storeCut(cut("com.", "a.gtld.", "192.0.2.30"), 3600);
  cache.storeHostAddresses(name("ns.example."), {address("192.0.2.9")}, 3600);
  cache.storeZoneKeys(name("com."), ZoneKeysData{}, 3600);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.pathTo(name("example.com.")).size(), 1u);
}

}  // namespace
}  // namespace zonewatch::probe
