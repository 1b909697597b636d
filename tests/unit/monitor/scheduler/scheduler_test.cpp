#include "monitor/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace zonewatch::scheduler {
namespace {

constexpr int64_t kT0 = 1'800'000'000;

std::vector<ScheduledDomain> portfolio(int n, int intervalSeconds = 300) {
  std::vector<ScheduledDomain> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({"d" + std::to_string(i) + ".example.", std::chrono::seconds(intervalSeconds)});
  }
  return out;
}

TEST(Scheduler, NewDomainsAreDueAtOnceAndConcurrencyIsBounded) {
  FixedClock clock(kT0);
  Scheduler s(clock, 1);
  s.setDomains(portfolio(10));
  auto first = s.takeDue(4);
  EXPECT_EQ(first.size(), 4u);
  EXPECT_EQ(s.inFlight(), 4u);
  EXPECT_EQ(s.takeDue(100).size(), 6u);
  EXPECT_TRUE(s.takeDue(100).empty());  // all in flight: nothing is taken twice
}

TEST(Scheduler, NextObservationIsAfter90To100PercentOfTheInterval) {
  FixedClock clock(kT0);
  Scheduler s(clock, 42);
  s.setDomains(portfolio(200));
  std::set<int64_t> dues;
  for (const auto& name : s.takeDue(1000)) s.completed(name, false);
  ASSERT_TRUE(s.nextDue().has_value());
  clock.set(kT0 + 269);  // just before 90% of 300 s
  EXPECT_TRUE(s.takeDue(1000).empty());
  clock.set(kT0 + 300);
  auto due = s.takeDue(1000);
  EXPECT_EQ(due.size(), 200u);
  // Jitter spreads them: the 200 domains did not all land on the same second.
  clock.set(kT0);
  Scheduler t(clock, 42);
  t.setDomains(portfolio(200));
  for (const auto& name : t.takeDue(1000)) t.completed(name, false);
  for (int sec = 270; sec <= 300; ++sec) {
    clock.set(kT0 + sec);
    if (!t.takeDue(1000).empty()) dues.insert(sec);
  }
  EXPECT_GT(dues.size(), 10u);
}

TEST(Scheduler, FailingDomainsBackOffButAreStillObserved) {
  FixedClock clock(kT0);
  Scheduler s(clock, 7);
  s.setDomains(portfolio(1, 100));
  const std::string d = "d0.example.";
  ASSERT_EQ(s.takeDue(1).size(), 1u);
  s.completed(d, true);  // first failure: normal interval (to confirm soon)
  EXPECT_LE(*s.nextDue(), kT0 + 100);
  clock.set(kT0 + 100);
  ASSERT_EQ(s.takeDue(1).size(), 1u);
  s.completed(d, true);  // second: twice the interval
  EXPECT_GE(*s.nextDue(), kT0 + 100 + 180);
  clock.set(*s.nextDue());
  ASSERT_EQ(s.takeDue(1).size(), 1u);
  s.completed(d, true);  // third and later: four times, never more
  EXPECT_LE(*s.nextDue(), clock.nowUnix() + 400);
  EXPECT_EQ(s.failures(d), 3);
  clock.set(*s.nextDue());
  ASSERT_EQ(s.takeDue(1).size(), 1u);
  s.completed(d, false);
  EXPECT_EQ(s.failures(d), 0);
  EXPECT_LE(*s.nextDue(), clock.nowUnix() + 100);
}

// Issue 18: the backoff factor of each consecutive failure, pinned. A twin scheduler with the same
// seed makes the same jitter draws for a domain that never fails, so the failing domain's delay is
// exactly factor × the healthy one's before both are cut to whole seconds: within
// [factor × healthy, factor × healthy + factor). 1× for the first failure (confirmed soon), 2× for
// the second, 4× for the third and every later one, and 1× again from the first success.
TEST(Scheduler, BackoffIsOneTwoThenFourTimesTheJitteredInterval) {
  struct Round {
    bool failed;
    int64_t factor;
  };
  const std::vector<Round> rounds = {{true, 1}, {true, 2},  {true, 4}, {true, 4},
                                     {true, 4}, {false, 1}, {true, 1}, {true, 2}};
  FixedClock clock(kT0);
  Scheduler failing(clock, 11);
  Scheduler healthy(clock, 11);
  failing.setDomains(portfolio(1, 1000));
  healthy.setDomains(portfolio(1, 1000));
  const std::string d = "d0.example.";
  for (size_t i = 0; i < rounds.size(); ++i) {
    ASSERT_EQ(failing.takeDue(1).size(), 1u) << "round " << i;
    ASSERT_EQ(healthy.takeDue(1).size(), 1u) << "round " << i;
    failing.completed(d, rounds[i].failed);
    healthy.completed(d, false);
    const int64_t base = *healthy.nextDue() - clock.nowUnix();
    const int64_t delay = *failing.nextDue() - clock.nowUnix();
    ASSERT_GE(base, 900) << "round " << i;  // 90-100% of the interval
    ASSERT_LE(base, 1000) << "round " << i;
    EXPECT_GE(delay, rounds[i].factor * base) << "round " << i;
    EXPECT_LT(delay, rounds[i].factor * base + rounds[i].factor) << "round " << i;
    clock.set(std::max(*failing.nextDue(), *healthy.nextDue()));
  }
}

TEST(Scheduler, ReloadKeepsDueTimesAndDropsRemovedDomains) {
  FixedClock clock(kT0);
  Scheduler s(clock, 3);
  s.setDomains(portfolio(3));
  for (const auto& name : s.takeDue(10)) s.completed(name, false);
  auto bigger = portfolio(4);
  bigger.erase(bigger.begin());  // d0 removed, d3 added
  s.setDomains(bigger);
  EXPECT_EQ(s.size(), 3u);
  auto due = s.takeDue(10);
  ASSERT_EQ(due.size(), 1u);  // only the new domain is due now
  EXPECT_EQ(due[0], "d3.example.");
  s.completed("d0.example.", false);  // unknown now: ignored
  clock.set(kT0 + 301);
  EXPECT_EQ(s.takeDue(10).size(), 2u);
}

TEST(Scheduler, MakeAllDueForOnceMode) {
  FixedClock clock(kT0);
  Scheduler s(clock, 3);
  s.setDomains(portfolio(5));
  for (const auto& name : s.takeDue(10)) s.completed(name, false);
  EXPECT_TRUE(s.takeDue(10).empty());
  s.makeAllDue();
  EXPECT_EQ(s.takeDue(10).size(), 5u);
}

// Issue 13: a restarted daemon made its whole portfolio due at its first second. A domain observed
// before resumes its phase: due 90-100% of its interval after its last observation.
TEST(Scheduler, ADomainObservedBeforeResumesItsPhase) {
  FixedClock clock(kT0);
  Scheduler s(clock, 5);
  auto domains = portfolio(100);
  for (auto& d : domains) d.lastObserved = kT0 - 100;  // due between kT0 + 170 and kT0 + 200
  s.setDomains(domains);
  clock.set(kT0 + 169);
  EXPECT_TRUE(s.takeDue(1000).empty());
  EXPECT_GE(*s.nextDue() - (kT0 - 100), 270) << "at 90% of the interval at the earliest";
  clock.set(kT0 + 200);
  EXPECT_EQ(s.takeDue(1000).size(), 100u);
}

// ... and the ones overdue by then are spread over the first tenth of their interval, not all due
// at once.
TEST(Scheduler, OverdueDomainsAreSpreadOverTheFirstTenthOfTheInterval) {
  FixedClock clock(kT0);
  Scheduler s(clock, 9);
  auto domains = portfolio(300, 600);  // a tenth: 60 s
  for (auto& d : domains) d.lastObserved = kT0 - 86400;
  s.setDomains(domains);
  std::set<int64_t> seconds;
  size_t total = 0;
  for (int64_t sec = 0; sec <= 60; ++sec) {
    clock.set(kT0 + sec);
    const size_t n = s.takeDue(1000).size();
    if (sec == 0) {
      EXPECT_LT(n, 30u) << "about 1 in 60 is due in the first second";
    }
    if (n > 0) seconds.insert(sec);
    total += n;
  }
  EXPECT_EQ(total, 300u) << "every overdue domain is due within the first tenth";
  EXPECT_GT(seconds.size(), 40u) << "spread over the 60 seconds";
}

// New domains (never observed) are still due at once, next to resumed ones, and a reload that adds
// back a domain observed before resumes it too.
TEST(Scheduler, NeverObservedDomainsAreDueAtOnceBesideResumedOnes) {
  FixedClock clock(kT0);
  Scheduler s(clock, 13);
  std::vector<ScheduledDomain> domains = {{"new.example.", std::chrono::seconds(300), 0},
                                          {"seen.example.", std::chrono::seconds(300), kT0 - 10}};
  s.setDomains(domains);
  EXPECT_EQ(s.takeDue(10), std::vector<std::string>{"new.example."});
  s.setDomains({domains[0]});
  s.setDomains(domains);  // seen.example. back, as a new entry: its phase again, not now
  EXPECT_TRUE(s.takeDue(10).empty());
  clock.set(kT0 + 290);
  EXPECT_EQ(s.takeDue(10), std::vector<std::string>{"seen.example."});
}

// A clock set back since the last observation never postpones it past one interval from now.
TEST(Scheduler, ALastObservationInTheFutureIsDueWithinOneInterval) {
  FixedClock clock(kT0);
  Scheduler s(clock, 17);
  s.setDomains({{"d.example.", std::chrono::seconds(300), kT0 + 86400}});
  EXPECT_LE(*s.nextDue(), kT0 + 300);
}

// run --once still observes everything at once, whatever the phase.
TEST(Scheduler, MakeAllDueOverridesResumedPhases) {
  FixedClock clock(kT0);
  Scheduler s(clock, 19);
  auto domains = portfolio(5);
  for (auto& d : domains) d.lastObserved = kT0 - 1;
  s.setDomains(domains);
  EXPECT_TRUE(s.takeDue(10).empty());
  s.makeAllDue();
  EXPECT_EQ(s.takeDue(10).size(), 5u);
}

// The schedule lag (zonewatch_schedule_lag_seconds): the most overdue domain waiting, with its
// interval; in-flight domains are not waiting.
TEST(Scheduler, LagIsHowLateTheMostOverdueWaitingDomainIs) {
  FixedClock clock(kT0);
  Scheduler s(clock, 23);
  s.setDomains(
      {{"a.example.", std::chrono::seconds(60), 0}, {"b.example.", std::chrono::seconds(600), 0}});
  EXPECT_EQ(s.lag().seconds, 0) << "due now is not late";
  clock.set(kT0 + 45);
  EXPECT_EQ(s.lag().seconds, 45);
  ASSERT_EQ(s.takeDue(1).size(), 1u);  // one of them in flight: the other one is still late
  EXPECT_EQ(s.lag().seconds, 45);
  ASSERT_EQ(s.takeDue(1).size(), 1u);
  EXPECT_EQ(s.lag().seconds, 0) << "nothing waiting";
  s.completed("a.example.", false);
  s.completed("b.example.", false);
  clock.set(kT0 + 45 + 60 + 30);  // a.example. is due by kT0 + 105 at the latest
  const Lag lag = s.lag();
  EXPECT_GE(lag.seconds, 30);
  EXPECT_LE(lag.seconds, 36);
  EXPECT_EQ(lag.interval, std::chrono::seconds(60));
}

TEST(Scheduler, CompletionsAreCountedPerDomainAndInAll) {
  FixedClock clock(kT0);
  Scheduler s(clock, 29);
  s.setDomains(portfolio(3));
  for (const auto& name : s.takeDue(2)) s.completed(name, false);
  EXPECT_EQ(s.completions(), 2u);
  size_t once = 0;
  for (int i = 0; i < 3; ++i) once += s.completions("d" + std::to_string(i) + ".example.");
  EXPECT_EQ(once, 2u);
  EXPECT_EQ(s.completions("unknown.example."), 0u);
  s.setDomains(portfolio(3));  // a reload keeps the counts
  EXPECT_EQ(s.completions(), 2u);
}

}  // namespace
}  // namespace zonewatch::scheduler
