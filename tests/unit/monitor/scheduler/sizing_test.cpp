// Tests of monitor/scheduler/sizing.cpp: the least duration of a round at per_server_qps, the
// busiest address, and the warning's text. The plan is the prober's (prober_test holds the prober
// to it); every estimate here must stay a lower bound of what the prober sends.
#include "monitor/scheduler/sizing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zonewatch::scheduler {
namespace {

using std::chrono::seconds;

constexpr QueryPlan kPlan{1, 5, 40, true, true, 0, seconds(0)};
// With server memos (probe/server_memo.h): the SOA alone, and everything once an hour.
constexpr QueryPlan kMemoPlan{1, 5, 40, true, true, 1, seconds(3600)};

// `count` domains d<i>.<parent>, each served by `servers` ("name address").
std::vector<SizingDomain> domains(int count, const std::string& parent,
                                  const std::vector<std::string>& servers,
                                  seconds interval = seconds(300)) {
  std::vector<SizingDomain> out;
  for (int i = 0; i < count; ++i) {
    out.push_back({"d" + std::to_string(i) + "." + parent, interval, servers});
  }
  return out;
}

const std::vector<std::string> kProvider = {"ns1.provider.example. 127.54.2.1",
                                            "ns2.provider.example. 127.54.2.2"};

// The README's worked example: 10,000 domains under one TLD, all at one provider's two addresses,
// the default 10 queries per second per address.
TEST(Sizing, OneProvidersPortfolioAtTheDefaultRateIsBehind) {
  const auto e = estimateRound(domains(10000, "example.", kProvider), kPlan, 10);
  EXPECT_EQ(e.busiest.address, "127.54.2.1");
  EXPECT_EQ(e.busiest.host, "ns1.provider.example.");
  EXPECT_EQ(e.busiest.queriesPerRound, 50000u);
  EXPECT_DOUBLE_EQ(e.roundSeconds, 5000);
  EXPECT_TRUE(e.behind);
  const auto warning = sizingWarning(e);
  ASSERT_TRUE(warning);
  EXPECT_EQ(*warning,
            "per_server_qps 10 cannot observe 10,000 domains every 5m: address 127.54.2.1 "
            "(ns1.provider.example.) gets 50,000 queries per round, a round takes at least 1h23m; "
            "raise per_server_qps to at least 167 or the interval to at least 1h24m");
}

// What the warning proposes suffices: at 167 per second, or at a 1h24m interval, no warning.
TEST(Sizing, TheProposedSettingsAreEnough) {
  EXPECT_FALSE(sizingWarning(estimateRound(domains(10000, "example.", kProvider), kPlan, 167)));
  EXPECT_FALSE(sizingWarning(
      estimateRound(domains(10000, "example.", kProvider, seconds(5040)), kPlan, 10)));
  EXPECT_TRUE(sizingWarning(estimateRound(domains(10000, "example.", kProvider), kPlan, 166)));
}

// With server memos the provider's addresses get 1 question per domain and round, and the other 4
// once an hour: 10,000 + 40,000 x 300 / 3600 = 13,333 per round, 44.4 per second.
TEST(Sizing, ServerMemosAreCountedAndTheProposedSettingsStillSuffice) {
  const auto e = estimateRound(domains(10000, "example.", kProvider), kMemoPlan, 10);
  EXPECT_EQ(e.busiest.queriesPerRound, 13333u);
  EXPECT_NEAR(e.busiest.queriesPerSecond, 10000.0 / 300 + 40000.0 / 3600, 1e-9);
  EXPECT_TRUE(e.behind);
  const auto warning = sizingWarning(e);
  ASSERT_TRUE(warning);
  // The hourly questions alone exceed 10 per second: no interval under an hour helps, and from
  // an hour on every observation asks everything (50,000 in 5,000 s).
  EXPECT_EQ(*warning,
            "per_server_qps 10 cannot observe 10,000 domains every 5m: address 127.54.2.1 "
            "(ns1.provider.example.) gets 13,333 queries per round, a round takes at least "
            "22m13s; raise per_server_qps to at least 45 or the interval to at least 1h24m");
  EXPECT_FALSE(sizingWarning(estimateRound(domains(10000, "example.", kProvider), kMemoPlan, 45)));
  EXPECT_TRUE(sizingWarning(estimateRound(domains(10000, "example.", kProvider), kMemoPlan, 44)));
  EXPECT_FALSE(sizingWarning(
      estimateRound(domains(10000, "example.", kProvider, seconds(5040)), kMemoPlan, 10)));
  // At 20 per second the least interval is under the hour: 10,000 / (20 - 11.1) = 1,125 s.
  const auto at20 = estimateRound(domains(10000, "example.", kProvider), kMemoPlan, 20);
  EXPECT_NEAR(at20.leastIntervalSeconds, 10000 / (20 - 40000.0 / 3600), 1e-6);
  EXPECT_NE(sizingWarning(at20)->find("the interval to at least 18m45s"), std::string::npos)
      << *sizingWarning(at20);
  EXPECT_FALSE(sizingWarning(
      estimateRound(domains(10000, "example.", kProvider, seconds(1125)), kMemoPlan, 20)));
  EXPECT_TRUE(sizingWarning(
      estimateRound(domains(10000, "example.", kProvider, seconds(1120)), kMemoPlan, 20)));
}

// Exactly per_server_qps keeps up: 600 domains x 5 questions in 300 s is 10 per second. No
// rounding may turn that into a warning.
TEST(Sizing, AnAddressAskedExactlyItsRateIsNotBehind) {
  const auto e = estimateRound(domains(600, "example.", kProvider), kPlan, 10);
  EXPECT_DOUBLE_EQ(e.roundSeconds, 300);
  EXPECT_FALSE(e.behind);
  EXPECT_FALSE(sizingWarning(e));
  EXPECT_TRUE(estimateRound(domains(601, "example.", kProvider), kPlan, 10).behind);
}

// An empty database: the domains' own servers are unknown, and only the parent's question counts.
// Every address of the parent is asked once per domain under it.
TEST(Sizing, NeverObservedDomainsCountTheirParentQuestionOnly) {
  const auto e = estimateRound(domains(10000, "example.", {}), kPlan, 10);
  EXPECT_TRUE(e.busiest.address.empty());
  EXPECT_EQ(e.busiest.host, "example.");
  EXPECT_EQ(e.busiest.queriesPerRound, 10000u);
  EXPECT_DOUBLE_EQ(e.roundSeconds, 1000);
  ASSERT_TRUE(sizingWarning(e));
  EXPECT_EQ(*sizingWarning(e),
            "per_server_qps 10 cannot observe 10,000 domains every 5m: every address of the "
            "servers of example. gets 10,000 queries per round, a round takes at least 16m40s; "
            "raise per_server_qps to at least 34 or the interval to at least 16m40s");
}

// Grouping by the name minus its first label never merges two parents: 2,000 domains under 20
// parents load each parent's addresses with 100, not 2,000.
TEST(Sizing, DomainsOfDifferentParentsAreNotAddedUp) {
  std::vector<SizingDomain> all;
  for (int p = 0; p < 20; ++p) {
    auto some = domains(100, "p" + std::to_string(p) + ".example.", {});
    all.insert(all.end(), some.begin(), some.end());
  }
  const auto e = estimateRound(all, kPlan, 1);
  EXPECT_EQ(e.busiest.queriesPerRound, 100u);
  EXPECT_FALSE(e.behind);  // 100 queries in 300 s at 1 per second
  // A TLD's parent is the root; an escaped dot is no label boundary.
  const auto tlds =
      estimateRound({{"com.", seconds(300), {}}, {"net.", seconds(300), {}}}, kPlan, 1);
  EXPECT_EQ(tlds.busiest.host, ".");
  EXPECT_EQ(tlds.busiest.queriesPerRound, 2u);
  const auto escaped = estimateRound(
      {{"a\\.b.example.", seconds(300), {}}, {"c.example.", seconds(300), {}}}, kPlan, 1);
  EXPECT_EQ(escaped.busiest.queriesPerRound, 2u);
  EXPECT_EQ(escaped.busiest.host, "example.");
}

// The prober asks an address once whatever names point at it, and the limiter counts by IP: two
// names at one address cost 5; the same IP on two ports costs 10; servers shared between domains
// add up.
TEST(Sizing, AddressesAreCountedAsTheProberAsksAndTheLimiterCounts) {
  const auto aliases = estimateRound(
      {{"a.example.", seconds(300), {"ns1.x. 192.0.2.1", "ns2.x. 192.0.2.1"}}}, kPlan, 10);
  EXPECT_EQ(aliases.busiest.address, "192.0.2.1");
  EXPECT_EQ(aliases.busiest.queriesPerRound, 5u);
  EXPECT_EQ(aliases.busiest.host, "ns1.x.");
  const auto ports = estimateRound(
      {{"a.example.", seconds(300), {"ns1.x. 192.0.2.1", "ns2.x. 192.0.2.1:5353"}},
       {"b.example.", seconds(300), {"ns1.x. 192.0.2.1", "ns3.x. [2001:db8::1]:5353"}}},
      kPlan, 10);
  EXPECT_EQ(ports.busiest.address, "192.0.2.1");
  EXPECT_EQ(ports.busiest.queriesPerRound, 15u);
}

// Addresses of a family the prober does not ask cost nothing; nor do the addresses of a domain
// that has more than the prober's cap (which of them were asked is not known).
TEST(Sizing, AddressesThatAreNotAskedAreNotCounted) {
  QueryPlan v4only = kPlan;
  v4only.ipv6 = false;
  const std::vector<std::string> both = {"ns1.x. 192.0.2.1", "ns1.x. 2001:db8::1"};
  auto e = estimateRound(domains(10, "example.", both), v4only, 10);
  EXPECT_EQ(e.busiest.address, "192.0.2.1");
  EXPECT_EQ(e.busiest.queriesPerRound, 50u);
  QueryPlan v6only = kPlan;
  v6only.ipv4 = false;
  EXPECT_EQ(estimateRound(domains(10, "example.", both), v6only, 10).busiest.address,
            "2001:db8::1");

  std::vector<std::string> huge;
  for (int i = 0; i < 41; ++i)
    huge.push_back("ns" + std::to_string(i) + ".x. 192.0.2." + std::to_string(i + 1));
  e = estimateRound(domains(10, "example.", huge), kPlan, 10);
  EXPECT_TRUE(e.busiest.address.empty()) << e.busiest.address;
  EXPECT_EQ(e.busiest.queriesPerRound, 10u);
  huge.pop_back();  // 40: at the cap, every one is asked
  EXPECT_EQ(estimateRound(domains(10, "example.", huge), kPlan, 10).busiest.queriesPerRound, 50u);
}

// Per-domain intervals: what decides is the rate each address is asked at. 3,000 domains polled
// hourly on one address is 15,000 queries a round, 4.2 per second: a round takes 25 minutes, which
// those domains' own interval allows.
TEST(Sizing, DomainsWithTheirOwnIntervalAreJudgedByTheirRate) {
  auto all = domains(3000, "example.", {"ns1.slow. 192.0.2.9"}, seconds(3600));
  auto fast = domains(10, "other.", {"ns1.fast. 192.0.2.7"}, seconds(300));
  all.insert(all.end(), fast.begin(), fast.end());
  auto e = estimateRound(all, kPlan, 10);
  EXPECT_DOUBLE_EQ(e.roundSeconds, 1500);
  EXPECT_FALSE(e.oneInterval);
  EXPECT_FALSE(e.behind);
  EXPECT_FALSE(sizingWarning(e));
  EXPECT_EQ(e.busiest.address, "192.0.2.9");
  EXPECT_NEAR(e.busiest.queriesPerSecond, 15000.0 / 3600, 1e-9);
  // At 4 per second they cannot be kept, and the warning speaks of the intervals.
  e = estimateRound(all, kPlan, 4);
  ASSERT_TRUE(sizingWarning(e));
  EXPECT_EQ(*sizingWarning(e),
            "per_server_qps 4 cannot observe 3,010 domains at their intervals: address 192.0.2.9 "
            "(ns1.slow.) gets 15,000 queries per round, a round takes at least 1h2m; raise "
            "per_server_qps to at least 5 or the intervals to at least 1h3m");
}

TEST(Sizing, NoLimitAndNoDomainsNeverWarn) {
  auto e = estimateRound(domains(10000, "example.", kProvider), kPlan, 0);
  EXPECT_FALSE(e.behind);
  EXPECT_EQ(e.roundSeconds, 0);
  EXPECT_FALSE(sizingWarning(e));
  e = estimateRound({}, kPlan, 10);
  EXPECT_FALSE(e.behind);
  EXPECT_EQ(sizingSummary(e), "sizing: 0 domains, a round takes at least 0s at per_server_qps 10");
}

TEST(Sizing, SummaryNamesTheBusiestAddress) {
  EXPECT_EQ(sizingSummary(estimateRound(domains(12, "lab.", kProvider), kPlan, 2.5)),
            "sizing: 12 domains, a round takes at least 24s at per_server_qps 2.5 (busiest: "
            "address 127.54.2.1 (ns1.provider.example.), 60 queries per round)");
}

TEST(Sizing, DurationsKeepTheirTwoLargestUnitsRoundedAsAsked) {
  EXPECT_EQ(durationText(5000, false), "1h23m");
  EXPECT_EQ(durationText(5000, true), "1h24m");
  EXPECT_EQ(durationText(300, false), "5m");
  EXPECT_EQ(durationText(300, true), "5m");
  EXPECT_EQ(durationText(90, true), "1m30s");
  EXPECT_EQ(durationText(59.5, false), "59s");
  EXPECT_EQ(durationText(59.5, true), "1m");
  EXPECT_EQ(durationText(86399, true), "1d");
  EXPECT_EQ(durationText(90061, false), "1d1h");
  EXPECT_EQ(durationText(0.4, false), "0s");
  EXPECT_EQ(durationText(0.4, true), "1s");
  EXPECT_EQ(durationText(0, true), "0s");
}

}  // namespace
}  // namespace zonewatch::scheduler
