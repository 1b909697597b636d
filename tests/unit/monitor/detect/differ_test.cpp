// The differ, event by event: baselines, confirmed changes, rollovers that stay quiet, and
// transient failures that never read as changes.
#include "monitor/detect/differ.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>

#include "monitor/detect/observation_failure.h"
#include "tests/unit/monitor/detect/observations.h"
#include "tests/unit/monitor/model/query_failure_text.h"

namespace zonewatch::detect {
namespace {

using testing::healthy;

using model::EventKind;
using model::Severity;

constexpr int64_t kT0 = 1'800'000'000;

// The delegation moved to `ns`: the parent's servers and the domain's own servers say so alike.
void setNs(model::Observation& o, std::vector<std::string> ns) {
  o.parent.ns = ns;
  for (auto& p : o.parent.servers) p.ns = ns;
  for (auto& s : o.servers) s.ns = ns;
}

// The observation moved to time t, its signatures still a month from expiry.
model::Observation at(model::Observation o, int64_t t) {
  o.observedAt = t;
  if (o.earliestRrsigExpiration) o.earliestRrsigExpiration = t + 30 * 86400;
  return o;
}

std::vector<std::string> names(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.name());
  std::sort(out.begin(), out.end());
  return out;
}

const Event* find(const std::vector<Event>& events, const std::string& name) {
  for (const auto& e : events) {
    if (e.name() == name) return &e;
  }
  return nullptr;
}

class DifferTest : public ::testing::Test {
 protected:
  // Feeds an observation and returns its events.
  std::vector<Event> feed(const model::Observation& o) {
    auto r = diff(memory_, o, options_);
    memory_ = r.memory;
    return r.events;
  }
  // Feeds the same observation shape at successive times until confirmed.
  std::vector<Event> feedConfirmed(model::Observation o) {
    std::vector<Event> all;
    for (unsigned i = 0; i < options_.confirmPolls; ++i) {
      o.observedAt = t_ += 300;
      o.earliestRrsigExpiration = o.observedAt + 30 * 86400;
      auto e = feed(o);
      if (i + 1 < options_.confirmPolls) {
        EXPECT_TRUE(e.empty()) << "reported before confirmation";
      }
      all.insert(all.end(), e.begin(), e.end());
    }
    return all;
  }
  void baseline() { EXPECT_TRUE(feed(healthy(t_)).empty()); }

  DomainMemory memory_;
  DetectOptions options_;
  int64_t t_ = kT0;
};

TEST_F(DifferTest, FirstObservationIsABaselineWithoutChangeEvents) {
  baseline();
  ASSERT_TRUE(memory_.confirmed.has_value());
  EXPECT_EQ(memory_.confirmed->status, model::SecurityState::kSecure);
  EXPECT_TRUE(feed(healthy(t_ + 300)).empty());
}

TEST_F(DifferTest, BogusBaselineRaisesOnlyTheProblem) {
  auto o = healthy(t_);
  o.status = model::SecurityState::kBogus;
  o.reason = model::SecurityReason::kRrsigExpired;
  EXPECT_EQ(names(feed(o)), std::vector<std::string>{"validation_failed"});
}

TEST_F(DifferTest, OperatorChangeIsReportedAfterConfirmation) {
  baseline();
  auto o = healthy(0);
  o.operators = {"gamma-dns.example."};
  setNs(o, {"ns1.gamma-dns.example.", "ns2.gamma-dns.example."});
  auto events = feedConfirmed(o);
  EXPECT_EQ(names(events), std::vector<std::string>{"operator_changed"});
  const Event* e = find(events, "operator_changed");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->severity, Severity::kCritical);
  EXPECT_NE(e->beforeJson.find("alpha-dns.example."), std::string::npos);
  EXPECT_NE(e->afterJson.find("gamma-dns.example."), std::string::npos);
  EXPECT_EQ(memory_.lastChange, t_);
}

TEST_F(DifferTest, OperatorMoveCarriesItsGlueInsteadOfAGlueEvent) {
  baseline();
  auto o = healthy(0);
  o.operators = {"gamma-dns.example."};
  setNs(o, {"ns1.gamma-dns.example."});
  o.parent.glue = {{"ns1.gamma-dns.example.", {"203.0.113.53"}}};
  auto events = feedConfirmed(o);
  EXPECT_EQ(names(events), std::vector<std::string>{"operator_changed"});
  EXPECT_NE(events[0].afterJson.find("203.0.113.53"), std::string::npos);
}

TEST_F(DifferTest, ChangeThatRevertsBeforeConfirmationIsNotReported) {
  baseline();
  auto o = healthy(t_ += 300);
  setNs(o, {"ns1.alpha-dns.example."});
  EXPECT_TRUE(feed(o).empty());
  EXPECT_TRUE(feed(healthy(t_ += 300)).empty());
  EXPECT_TRUE(feed(healthy(t_ += 300)).empty());
  EXPECT_FALSE(memory_.pending.has_value());
}

TEST_F(DifferTest, OperatorAndDsReplacedIsAHijack) {
  baseline();
  auto o = healthy(0);
  o.operators = {"evil.example."};
  setNs(o, {"ns1.evil.example."});
  o.parent.ds = {{999, 13, 2, "CCDD"}};
  for (auto& s : o.servers) s.dnskey = {{999, 257, 13}};
  auto events = feedConfirmed(o);
  EXPECT_EQ(names(events), (std::vector<std::string>{"dnskey_changed", "ds_changed",
                                                     "hijack_suspected", "operator_changed"}));
  EXPECT_EQ(find(events, "hijack_suspected")->severity, Severity::kCritical);
}

TEST_F(DifferTest, OperatorChangeIntoABogusChainIsAHijack) {
  baseline();
  auto o = healthy(0);
  o.operators = {"evil.example."};
  setNs(o, {"ns1.evil.example."});
  o.status = model::SecurityState::kBogus;
  o.reason = model::SecurityReason::kNoDnskeyMatchesDs;
  auto events = feedConfirmed(o);
  EXPECT_NE(find(events, "hijack_suspected"), nullptr);
  EXPECT_NE(find(events, "validation_failed"), nullptr);
}

TEST_F(DifferTest, DsRemovedWithProofIsAnUnsignedDowngrade) {
  baseline();
  auto o = healthy(0);
  o.parent.ds.clear();
  o.parent.denial = "nsec3";
  o.status = model::SecurityState::kInsecure;
  o.reason = model::SecurityReason::kDsAbsent;
  auto events = feedConfirmed(o);
  EXPECT_EQ(names(events), (std::vector<std::string>{"ds_removed", "unsigned_downgrade"}));
  EXPECT_EQ(find(events, "unsigned_downgrade")->severity, Severity::kCritical);
}

TEST_F(DifferTest, BogusThenRecovered) {
  baseline();
  auto bad = healthy(0);
  bad.status = model::SecurityState::kBogus;
  bad.reason = model::SecurityReason::kRrsigExpired;
  EXPECT_EQ(names(feedConfirmed(bad)), std::vector<std::string>{"validation_failed"});
  EXPECT_EQ(names(feedConfirmed(healthy(0))), std::vector<std::string>{"validation_recovered"});
}

// Two `--once` rounds back to back can confirm a change and its reversal within one second: the
// store keeps only the first event per uid, so the second dnskey_changed must not share its id.
TEST_F(DifferTest, OppositeChangesWithinOneSecondHaveDistinctIds) {
  options_.confirmPolls = 1;
  baseline();
  auto rekeyed = healthy(t_ + 1);
  for (auto& s : rekeyed.servers) s.dnskey = {{300, 257, 13}};
  const auto there = feed(rekeyed);
  const auto back = feed(healthy(t_ + 1));
  const Event* a = find(there, "dnskey_changed");
  const Event* b = find(back, "dnskey_changed");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->observedAt, b->observedAt);
  EXPECT_NE(a->uid, b->uid);

  // Storing an interrupted round again must reproduce the same ids, or events would repeat.
  DomainMemory before = memory_;
  const auto again = diff(before, rekeyed, options_).events;
  const auto first = diff(before, rekeyed, options_).events;
  ASSERT_EQ(again.size(), first.size());
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].uid, first[i].uid);
}

TEST_F(DifferTest, KskRolloverIsInformationalOnly) {
  baseline();
  // Step 1: the new KSK is published next to the old one.
  auto step1 = healthy(0);
  for (auto& s : step1.servers) s.dnskey = {{100, 257, 13}, {200, 256, 13}, {300, 257, 13}};
  // Step 2: the parent's DS moves to the new KSK.
  auto step2 = step1;
  step2.parent.ds = {{300, 13, 2, "EEFF"}};
  // Step 3: the old KSK is removed.
  auto step3 = step2;
  for (auto& s : step3.servers) s.dnskey = {{200, 256, 13}, {300, 257, 13}};
  for (const auto& step : {step1, step2, step3}) {
    auto events = feedConfirmed(step);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].severity, Severity::kInfo) << events[0].name();
    EXPECT_TRUE(events[0].kind == EventKind::kDnskeyChanged ||
                events[0].kind == EventKind::kDsChanged);
  }
}

TEST_F(DifferTest, TimeoutIsAnUnreachableServerNotAnEmptyNsSet) {
  baseline();
  auto o = healthy(0);
  o.servers[1].error = zonewatch::testing::queryError("timeout");
  o.servers[1].ns.clear();
  o.servers[1].dnskey.clear();
  o.servers[1].state = model::SecurityState::kIndeterminate;
  EXPECT_TRUE(feed(at(o, t_ += 300)).empty());  // one failure: not yet unreachable
  auto events = feed(at(o, t_ += 300));
  EXPECT_EQ(names(events), std::vector<std::string>{"server_unreachable"});
  EXPECT_EQ(*events[0].server, "ns2.beta-dns.example. 198.51.100.53");
  EXPECT_TRUE(feed(at(o, t_ += 300)).empty());  // reported once
  EXPECT_EQ(names(feed(healthy(t_ += 300))), std::vector<std::string>{"server_recovered"});
}

// "not sent": the observation's query cap kept the server from being asked. Neither a failure
// (no server_unreachable, however often) nor an answer (a server already down does not recover).
TEST_F(DifferTest, AServerTheQueryCapKeptBackIsNeitherDownNorRecovered) {
  baseline();
  auto capped = healthy(0);
  capped.servers[1].error = zonewatch::testing::queryError("not sent");
  capped.servers[1].ns.clear();
  capped.servers[1].dnskey.clear();
  capped.servers[1].state = model::SecurityState::kIndeterminate;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(feed(at(capped, t_ += 300)).empty()) << i;

  auto down = capped;
  down.servers[1].error = zonewatch::testing::queryError("timeout");
  EXPECT_TRUE(feed(at(down, t_ += 300)).empty());
  EXPECT_EQ(names(feed(at(down, t_ += 300))), std::vector<std::string>{"server_unreachable"});
  EXPECT_TRUE(feed(at(capped, t_ += 300)).empty()) << "not asked: no server_recovered";
  EXPECT_EQ(names(feed(healthy(t_ += 300))), std::vector<std::string>{"server_recovered"});
}

TEST_F(DifferTest, EverythingUnreachableChangesNothing) {
  baseline();
  auto o = healthy(0);
  o.error = "no server of . answered";
  o.parent = {};
  o.servers.clear();
  o.operators.clear();
  o.status = model::SecurityState::kIndeterminate;
  o.reason = model::SecurityReason::kMissingData;
  const std::string confirmed = toJson(*memory_.confirmed);
  for (int i = 1; i <= 5; ++i) {
    auto r = diff(memory_, at(o, t_ += 300), options_);
    memory_ = r.memory;
    EXPECT_FALSE(r.observed.has_value());
    // The outage itself is news once, at the third failure in a row (failingPolls), and only that.
    EXPECT_EQ(names(r.events),
              i == 3 ? std::vector<std::string>{"observation_failing"} : std::vector<std::string>{})
        << "failure " << i;
  }
  EXPECT_EQ(toJson(*memory_.confirmed), confirmed);
  EXPECT_EQ(memory_.failures, 5);
  EXPECT_EQ(names(feed(healthy(t_ += 300))), std::vector<std::string>{"observation_recovered"});
  EXPECT_EQ(memory_.failures, 0);
  EXPECT_TRUE(feed(healthy(t_ += 300)).empty());
}

// --- Observations without data (monitor/detect/observation_failure.h)
// ---------------------------------

// The walk failed: no root server answered (the daemon started during an outage).
model::Observation walkFailed(int64_t t) {
  model::Observation o;
  o.domain = "example.com.";
  o.domainUnicode = o.domain;
  o.observedAt = t;
  o.error = "no server of . answered";
  o.detail = *o.error;
  return o;
}

// The walk succeeded and the parent answered, but none of the domain's servers did.
model::Observation serversSilent(int64_t t) {
  auto o = healthy(t);
  for (auto& s : o.servers) {
    s.error = zonewatch::testing::queryError("timeout");
    s.aa = false;
    s.ns.clear();
    s.dnskey.clear();
    s.state = model::SecurityState::kIndeterminate;
    s.reason = model::SecurityReason::kMissingData;
  }
  o.status = model::SecurityState::kIndeterminate;
  o.reason = model::SecurityReason::kMissingData;
  o.earliestRrsigExpiration.reset();
  return o;
}

TEST_F(DifferTest, FailedFirstObservationIsNoBaseline) {
  EXPECT_TRUE(feed(walkFailed(t_)).empty());
  EXPECT_FALSE(memory_.confirmed.has_value()) << toJson(*memory_.confirmed);
  for (int i = 0; i < 3; ++i) {
    const auto events = feed(healthy(t_ += 300));
    EXPECT_TRUE(events.empty()) << "round " << i << ": " << ::testing::PrintToString(names(events));
  }
  ASSERT_TRUE(memory_.confirmed.has_value());
  EXPECT_EQ(memory_.confirmed->operators, healthy(0).operators);
}

TEST_F(DifferTest, FirstObservationWithEveryServerSilentIsNoBaseline) {
  EXPECT_TRUE(feed(serversSilent(t_)).empty());
  EXPECT_FALSE(memory_.confirmed.has_value());
  EXPECT_TRUE(memory_.servers.empty()) << "no server memory from an observation without data";
  for (int i = 0; i < 3; ++i) {
    const auto events = feed(healthy(t_ += 300));
    EXPECT_TRUE(events.empty()) << "round " << i << ": " << ::testing::PrintToString(names(events));
  }
}

TEST_F(DifferTest, DelegationMovedToSilentServersIsAnOperatorChangeNotAnOutage) {
  // A takeover (or sabotage) at the registrar that points the NS at servers that never answer:
  // the parent's answer is the data, the change is critical.
  baseline();
  auto o = serversSilent(0);
  o.operators = {"gamma-dns.example."};
  setNs(o, {"ns1.gamma-dns.example.", "ns2.gamma-dns.example."});
  for (auto& s : o.servers) s.name = "ns1.gamma-dns.example.";
  EXPECT_FALSE(observationFailure(o, &*memory_.confirmed).has_value());
  EXPECT_EQ(observationFailure(o), ObservationFailure::kNoAuthoritativeAnswer);
  const auto events = feedConfirmed(o);
  ASSERT_NE(find(events, "operator_changed"), nullptr) << ::testing::PrintToString(names(events));
  EXPECT_EQ(find(events, "operator_changed")->severity, Severity::kCritical);
  EXPECT_EQ(find(events, "observation_failing"), nullptr);
}

TEST_F(DifferTest, ParentServersThatDisagreeAreReportedOnceConfirmed) {
  baseline();
  auto o = healthy(0);
  auto stale = o.parent.servers[0];
  stale.name = "b.gtld.example.";
  stale.address = "192.0.2.2";
  stale.ns = {"ns1.old-dns.example."};
  o.parent.servers.push_back(stale);  // the state still follows the delegation the prober chose
  const auto events = feedConfirmed(o);
  EXPECT_EQ(names(events), std::vector<std::string>{"parent_servers_disagree"});
  EXPECT_EQ(find(events, "parent_servers_disagree")->severity, Severity::kWarning);
  EXPECT_EQ(memory_.confirmed->operators, healthy(0).operators);
  // Still disagreeing: nothing new. Agreeing again: the state changes back without an alarm.
  EXPECT_TRUE(feed(at(o, t_ += 300)).empty());
  EXPECT_TRUE(feedConfirmed(healthy(0)).empty());
  EXPECT_FALSE(memory_.confirmed->parentsDisagree);
}

TEST_F(DifferTest, AServerNsSetThatIsNotTheParentsIsReportedOnceConfirmed) {
  auto consistent = healthy(0);
  for (auto& s : consistent.servers) s.ns = consistent.parent.ns;
  EXPECT_TRUE(feed(at(consistent, t_)).empty());
  auto o = consistent;
  for (auto& s : o.servers) s.ns.push_back("ns3.alpha-dns.example.");
  const auto events = feedConfirmed(o);
  EXPECT_EQ(names(events), std::vector<std::string>{"nameservers_inconsistent"});
  EXPECT_EQ(memory_.confirmed->operators, consistent.operators);
  EXPECT_TRUE(feed(at(o, t_ += 300)).empty());
}

TEST_F(DifferTest, ARoundObservedAgainAfterARollbackRaisesTheSameIds) {
  baseline();
  auto moved = healthy(0);
  moved.operators = {"gamma-dns.example."};
  setNs(moved, {"ns1.gamma-dns.example."});
  EXPECT_TRUE(feed(at(moved, t_ += 300)).empty());  // pending
  const DomainMemory beforeTheRound = memory_;
  const auto first = feed(at(moved, t_ += 300));
  ASSERT_FALSE(first.empty());
  // The round's commit was lost (kill -9, power loss): the same change is observed again later.
  memory_ = beforeTheRound;
  const auto again = feed(at(moved, t_ += 700));
  ASSERT_EQ(again.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(again[i].uid, first[i].uid) << first[i].name();
    EXPECT_NE(again[i].observedAt, first[i].observedAt);
  }
  // The memory that survives a reload carries the sequence the ids are made of.
  DomainMemory reloaded;
  auxiliaryFromJson(auxiliaryToJson(memory_), reloaded);
  EXPECT_EQ(reloaded.eventSeq, memory_.eventSeq);
  // A later change back is a new event with a new id, though its content repeats an old one's.
  const auto back = feedConfirmed(healthy(0));
  ASSERT_FALSE(back.empty());
  for (const auto& e : back) {
    for (const auto& f : first) EXPECT_NE(e.uid, f.uid);
  }
}

TEST_F(DifferTest, PinnedExpectationIsNotJudgedOnAFailedObservation) {
  options_.expect.operators = {"iana-servers.net."};  // what quickstart's example.org pins
  EXPECT_TRUE(feed(walkFailed(t_)).empty());
  EXPECT_TRUE(feed(serversSilent(t_ += 300)).empty());
  EXPECT_FALSE(memory_.expectationViolated);
  // The first observation with data is judged: healthy() is operated by others.
  EXPECT_EQ(names(feed(healthy(t_ += 300))), std::vector<std::string>{"expectation_violated"});
}

TEST_F(DifferTest, DomainAddedDuringAnOutageIsFailingThenBaselinedQuietly) {
  options_.failingPolls = 2;
  EXPECT_TRUE(feed(walkFailed(t_)).empty());  // one failure: not yet news
  auto events = feed(serversSilent(t_ += 300));
  ASSERT_EQ(names(events), std::vector<std::string>{"observation_failing"});
  EXPECT_EQ(events[0].severity, Severity::kWarning);
  EXPECT_NE(events[0].summary.find("could not be observed 2 times in a row: none of the 2 server "
                                   "addresses of example.com. answered authoritatively"),
            std::string::npos)
      << events[0].summary;
  EXPECT_NE(events[0].afterJson.find(R"("reason":"no_authoritative_answer")"), std::string::npos)
      << events[0].afterJson;
  EXPECT_TRUE(feed(walkFailed(t_ += 300)).empty());  // reported once per run of failures
  EXPECT_FALSE(memory_.confirmed.has_value());

  // The first observation with data: the baseline (no change from "nothing"), and the recovery.
  events = feed(healthy(t_ += 300));
  ASSERT_EQ(names(events), std::vector<std::string>{"observation_recovered"});
  EXPECT_EQ(events[0].severity, Severity::kInfo);
  EXPECT_NE(events[0].summary.find("after 3 failed observations"), std::string::npos);
  ASSERT_TRUE(memory_.confirmed.has_value());
  EXPECT_EQ(memory_.confirmed->operators, healthy(0).operators);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(feed(healthy(t_ += 300)).empty());
}

TEST_F(DifferTest, ObservationFailingNeedsFailingPollsInARow) {
  options_.failingPolls = 3;
  baseline();
  for (int round = 0; round < 4; ++round) {  // two failures, then data: the count starts again
    EXPECT_TRUE(feed(walkFailed(t_ += 300)).empty()) << round;
    EXPECT_TRUE(feed(walkFailed(t_ += 300)).empty()) << round;
    EXPECT_TRUE(feed(healthy(t_ += 300)).empty()) << round;
  }
  EXPECT_TRUE(feed(walkFailed(t_ += 300)).empty());
  EXPECT_TRUE(feed(walkFailed(t_ += 300)).empty());
  EXPECT_EQ(names(feed(walkFailed(t_ += 300))), std::vector<std::string>{"observation_failing"});
}

TEST_F(DifferTest, AFailureNeitherAdvancesNorDropsAPendingChange) {
  baseline();
  auto moved = healthy(0);
  moved.operators = {"gamma-dns.example."};
  setNs(moved, {"ns1.gamma-dns.example."});
  EXPECT_TRUE(feed(at(moved, t_ += 300)).empty());
  ASSERT_EQ(memory_.pendingCount, 1);
  EXPECT_TRUE(feed(walkFailed(t_ += 300)).empty());
  EXPECT_EQ(memory_.pendingCount, 1);
  EXPECT_EQ(names(feed(at(moved, t_ += 300))), std::vector<std::string>{"operator_changed"});
}

TEST_F(DifferTest, SomeServersAnsweringIsNotAFailedObservation) {
  baseline();
  auto o = serversSilent(t_ += 300);
  o.servers[0] = healthy(0).servers[0];  // one address still answers authoritatively
  o.status = model::SecurityState::kSecure;
  o.reason = model::SecurityReason::kNone;
  auto r = diff(memory_, o, options_);
  ASSERT_TRUE(r.observed.has_value());
  EXPECT_EQ(r.memory.failures, 0);
  EXPECT_EQ(r.observed->dnskey, memory_.confirmed->dnskey);
}

TEST_F(DifferTest, ALameAnswerIsNoData) {
  // NOERROR without AA is not the zone speaking (findings.cpp's `authoritative`): no baseline.
  auto o = healthy(t_);
  for (auto& s : o.servers) s.aa = false;
  EXPECT_TRUE(feed(o).empty());
  EXPECT_FALSE(memory_.confirmed.has_value());
  EXPECT_EQ(memory_.failures, 1);
}

TEST_F(DifferTest, ThirtyPercentDroppedAnswersNeverProduceAChangeEvent) {
  baseline();
  std::mt19937 rng(20261127);
  std::bernoulli_distribution drop(0.3);
  for (int round = 0; round < 500; ++round) {
    auto o = healthy(t_ += 300);
    if (drop(rng)) {
      o.servers[0].error = zonewatch::testing::queryError("timeout");
      o.servers[0].dnskey.clear();
      o.servers[0].ns.clear();
      o.servers[0].state = model::SecurityState::kIndeterminate;
      o.servers[0].reason = model::SecurityReason::kMissingData;
    }
    for (const auto& e : feed(o)) {
      EXPECT_TRUE(e.kind == EventKind::kServerUnreachable || e.kind == EventKind::kServerRecovered)
          << "round " << round << ": " << e.name();
    }
  }
}

TEST_F(DifferTest, SignatureExpiringIsReportedOncePerExpiration) {
  baseline();
  auto o = healthy(t_ += 300);
  o.earliestRrsigExpiration = o.observedAt + 3 * 86400;
  auto events = feed(o);
  ASSERT_EQ(names(events), std::vector<std::string>{"signature_expiring"});
  EXPECT_EQ(events[0].severity, Severity::kWarning);
  o.observedAt = t_ += 300;
  EXPECT_TRUE(feed(o).empty());
  o.observedAt = t_ += 300;
  o.earliestRrsigExpiration = o.observedAt + 3600;  // re-signed badly: a new, closer expiration
  events = feed(o);
  ASSERT_EQ(names(events), std::vector<std::string>{"signature_expiring"});
  EXPECT_EQ(events[0].severity, Severity::kCritical);
}

TEST_F(DifferTest, CdsPublishedThenDeleteRequest) {
  baseline();
  auto o = healthy(0);
  for (auto& s : o.servers) s.cds = {{100, 13, 2, "AABB"}};
  EXPECT_EQ(names(feedConfirmed(o)), std::vector<std::string>{"cds_published"});
  for (auto& s : o.servers) {
    s.cds = {{0, 0, 0, "00"}};
    s.cdsCheck.cdsDelete = true;
  }
  EXPECT_EQ(names(feedConfirmed(o)), std::vector<std::string>{"cds_delete"});
}

// cds_inconsistent, as `check` finds it: CDS for no key of the zone, or servers that publish
// different CDS sets. Raised once when it appears; a server whose CDS question failed is no
// evidence either way.
TEST_F(DifferTest, CdsForNoKeyOrDifferingBetweenServersIsInconsistent) {
  baseline();
  auto o = healthy(0);
  ASSERT_GE(o.servers.size(), 2U);
  for (auto& s : o.servers) s.cds = {{100, 13, 2, "AABB"}};
  EXPECT_EQ(names(feedConfirmed(o)), std::vector<std::string>{"cds_published"});
  o.servers[0].cdsCheck.cdsWithoutKey = {{100, 13, 2, "AABB"}};
  const auto events = feedConfirmed(o);
  ASSERT_EQ(names(events), std::vector<std::string>{"cds_inconsistent"});
  EXPECT_EQ(events[0].severity, Severity::kWarning);
  EXPECT_TRUE(memory_.confirmed->cdsInconsistent);
  EXPECT_TRUE(feedConfirmed(o).empty()) << "raised once";

  auto differing = healthy(0);
  differing.servers[0].cds = {{100, 13, 2, "AABB"}};
  differing.servers[1].cds = {{300, 13, 2, "CCDD"}};
  EXPECT_TRUE(stateFromObservation(differing, nullptr).cdsInconsistent);
  differing.servers[1].failedQueries = zonewatch::testing::failedQueries({"CDS refused"});
  EXPECT_FALSE(stateFromObservation(differing, nullptr).cdsInconsistent)
      << "a server that did not answer CDS shows no CDS set";
}

// cds_pending, as `check` finds it (detect::cdsPending): the CDS differs from the parent's DS.
// Raised when it becomes so, once; not for a CDS that matches the DS, nor for a delete request.
TEST_F(DifferTest, CdsThatDiffersFromTheDsIsPending) {
  baseline();
  auto o = healthy(0);
  for (auto& s : o.servers) s.cds = {{300, 13, 2, "CCDD"}};  // the DS is 100 13 2 AABB
  const auto events = feedConfirmed(o);
  EXPECT_EQ(names(events), (std::vector<std::string>{"cds_pending", "cds_published"}));
  EXPECT_EQ(find(events, "cds_pending")->severity, Severity::kInfo);
  EXPECT_TRUE(feedConfirmed(o).empty()) << "raised once";
  o.parent.ds = {{300, 13, 2, "CCDD"}};  // the parent acted
  for (auto& p : o.parent.servers) p.ds = o.parent.ds;
  EXPECT_EQ(names(feedConfirmed(o)), std::vector<std::string>{"ds_changed"});

  DomainState s = stateFromObservation(healthy(kT0), nullptr);
  s.cdnskey = {{100, 257, 13}};  // CDNSKEY alone: tag and algorithm against the DS
  EXPECT_FALSE(cdsPending(s));
  s.cdnskey = {{200, 257, 13}};
  EXPECT_TRUE(cdsPending(s));
  s.cdsDelete = true;
  EXPECT_FALSE(cdsPending(s)) << "a delete request is cds_delete, not pending";
}

TEST_F(DifferTest, DivergingServersAreInconsistent) {
  baseline();
  auto o = healthy(0);
  o.servers[1].ns.push_back("ns3.rogue.example.");
  // That server's set is not the parent's either.
  EXPECT_EQ(names(feedConfirmed(o)),
            (std::vector<std::string>{"nameservers_inconsistent", "server_inconsistent"}));
}

TEST_F(DifferTest, GlueAndNameserverChangesWithinOneOperator) {
  baseline();
  auto o = healthy(0);
  o.parent.glue = {{"ns1.example.com.", {"192.0.2.7"}}};
  EXPECT_EQ(names(feedConfirmed(o)), std::vector<std::string>{"glue_changed"});
  setNs(o, {"ns1.alpha-dns.example.", "ns3.beta-dns.example."});
  EXPECT_EQ(names(feedConfirmed(o)), std::vector<std::string>{"nameservers_changed"});
}

// example.com. with an in-domain host, ns1.example.com., glued at 192.0.2.53 and served by both
// servers at `served`.
model::Observation withInDomainHost(int64_t t, std::vector<std::string> served) {
  auto o = healthy(t);
  setNs(o, {"ns1.example.com.", "ns2.beta-dns.example."});
  o.parent.glue = {{"ns1.example.com.", {"192.0.2.53"}}};
  o.parent.servers[0].ns = o.parent.ns;
  o.parent.servers[0].glue = o.parent.glue;
  for (auto& s : o.servers) s.hostAddresses = {{"ns1.example.com.", served}};
  return o;
}

TEST_F(DifferTest, ServersRenumberingTheirHostUnderUnchangedGlueIsAGlueChange) {
  EXPECT_TRUE(feed(withInDomainHost(t_, {"192.0.2.53"})).empty());
  EXPECT_TRUE(memory_.confirmed->glueMismatch.empty());
  auto events = feedConfirmed(withInDomainHost(0, {"192.0.2.99"}));
  ASSERT_EQ(names(events), std::vector<std::string>{"glue_changed"});
  EXPECT_NE(events[0].summary.find("no longer matches the addresses its servers serve for "
                                   "ns1.example.com."),
            std::string::npos)
      << events[0].summary;
  EXPECT_EQ(memory_.confirmed->glueMismatch, std::vector<std::string>{"ns1.example.com."});
  events = feedConfirmed(withInDomainHost(0, {"192.0.2.53"}));
  ASSERT_EQ(names(events), std::vector<std::string>{"glue_changed"});
  EXPECT_NE(events[0].summary.find("matches its servers' own addresses again"), std::string::npos);
}

TEST_F(DifferTest, GlueMovedAwayFromTheServedAddressIsOneGlueChange) {
  // The lab's change-glue: the glue changes and now contradicts the zone, one event says both.
  EXPECT_TRUE(feed(withInDomainHost(t_, {"192.0.2.53"})).empty());
  auto o = withInDomainHost(0, {"192.0.2.53"});
  o.parent.glue = {{"ns1.example.com.", {"203.0.113.1"}}};
  o.parent.servers[0].glue = o.parent.glue;
  auto events = feedConfirmed(o);
  ASSERT_EQ(names(events), std::vector<std::string>{"glue_changed"});
  EXPECT_NE(events[0].afterJson.find("ns1.example.com. glue differs"), std::string::npos)
      << events[0].afterJson;
}

TEST_F(DifferTest, GlueMismatchSurvivesPollsWhereNoServerGaveTheHostsAddresses) {
  // A standing mismatch, then polls where the servers' answers lost the addresses (timeouts, a
  // partial view): "could not see" is not a change, nor even a pending one.
  EXPECT_TRUE(feed(withInDomainHost(t_, {"192.0.2.99"})).empty());
  const std::string confirmed = toJson(*memory_.confirmed);
  auto blind = withInDomainHost(0, {});
  for (auto& s : blind.servers) s.hostAddresses.clear();
  for (int i = 0; i < 4; ++i) {
    auto r = diff(memory_, at(blind, t_ += 300), options_);
    EXPECT_EQ(toJson(r.observed.value()), confirmed);
    EXPECT_TRUE(r.events.empty());
    memory_ = r.memory;
    EXPECT_FALSE(memory_.pending.has_value());
  }
  auto silentParent = withInDomainHost(0, {"192.0.2.99"});
  silentParent.parent.servers[0].error = zonewatch::testing::queryError("timeout");
  silentParent.parent.glue.clear();
  EXPECT_EQ(toJson(diff(memory_, at(silentParent, t_ += 300), options_).observed.value()),
            confirmed);
}

TEST_F(DifferTest, UnchangedDomainGivesTheSameStateTextPollAfterPoll) {
  auto o = withInDomainHost(t_, {"192.0.2.99"});
  feed(o);
  const std::string first = toJson(*memory_.confirmed);
  for (int i = 0; i < 3; ++i) {
    auto r = diff(memory_, at(o, t_ += 300), options_);
    EXPECT_EQ(toJson(r.observed.value()), first);
    memory_ = r.memory;
  }
}

TEST_F(DifferTest, PinnedExpectationViolatedOnce) {
  options_.expect.operators = {"alpha-dns.example.", "beta-dns.example."};
  options_.expect.dsKeyTags = {100};
  baseline();
  auto o = healthy(0);
  o.parent.ds = {{300, 13, 2, "EEFF"}};
  auto events = feedConfirmed(o);
  EXPECT_NE(find(events, "expectation_violated"), nullptr);
  EXPECT_TRUE(feedConfirmed(o).empty());  // still violated: not repeated
}

TEST_F(DifferTest, ConfirmPollsOfOneReportsImmediately) {
  options_.confirmPolls = 1;
  baseline();
  auto o = healthy(t_ + 300);
  o.operators = {"gamma-dns.example."};
  EXPECT_EQ(names(feed(o)), std::vector<std::string>{"operator_changed"});
}

// --- Flapping ----------------------------------------------------------------------------------

// The observation at time t whose servers serve the one key `tag`.
model::Observation keyed(int64_t t, uint16_t tag) {
  auto o = healthy(t);
  for (auto& s : o.servers) s.dnskey = {{tag, 257, 13}};
  return o;
}

// A delegation moved to an operator of its own, with its own DS: what a hijack looks like.
model::Observation hijacked(model::Observation o) {
  o.operators = {"evil.example."};
  setNs(o, {"ns1.evil.example."});
  o.parent.ds = {{999, 13, 2, "CCDD"}};
  return o;
}

class FlappingTest : public DifferTest {
 protected:
  // Feeds one observation; counts the snapshots the store would write (a state that differs from
  // the previous observation's, when the differ lets it be stored) and checks the rolling hour.
  std::vector<Event> poll(const model::Observation& o) {
    const auto r = diff(memory_, o, options_);
    // As the store does: a new snapshot when the state differs from the latest one stored.
    const bool differs = !lastStored_ || (r.observed && *r.observed != *lastStored_);
    if (r.observed && r.storeSnapshot && differs) {
      snapshotTimes_.push_back(o.observedAt);
      lastStored_ = r.observed;
      size_t inHour = 0;
      for (int64_t at : snapshotTimes_) inHour += o.observedAt - at < 3600 ? 1 : 0;
      EXPECT_LE(inHour, kMaxSnapshotsPerHour) << "at " << o.observedAt - kT0;
    }
    stored_ = r.storeSnapshot;
    memory_ = r.memory;
    for (const auto& e : r.events) all_.push_back(e.name());
    return r.events;
  }
  size_t count(const std::string& name) const {
    return static_cast<size_t>(std::count(all_.begin(), all_.end(), name));
  }

  std::vector<int64_t> snapshotTimes_;
  std::optional<DomainState> lastStored_;
  std::vector<std::string> all_;
  bool stored_ = true;
};

// Issue 11: a domain whose keys changed at every poll wrote one snapshot (and its evidence) per
// poll, and with confirm_polls 2 no event at all said so.
TEST_F(FlappingTest, KeysChangingAtEveryPollAreCoalesced) {
  EXPECT_TRUE(poll(healthy(t_)).empty());
  for (int i = 1; i <= 1000; ++i) {
    const auto events = poll(keyed(t_ += 300, static_cast<uint16_t>(1000 + i)));
    if (i == 4) {
      // The 5th state within 20 minutes: the baseline and 4 changes.
      ASSERT_EQ(names(events), std::vector<std::string>{"state_flapping"});
      EXPECT_EQ(events[0].severity, Severity::kWarning);
      EXPECT_EQ(events[0].summary,
                "example.com. is flapping: 5 different states in 20 minutes (at most 4 snapshots "
                "an hour are kept); change events wait until one state lasts 60 minutes, except "
                "for a change of operator, NS, DS or validation state");
    } else {
      EXPECT_TRUE(events.empty()) << "poll " << i << ": " << names(events)[0];
    }
  }
  EXPECT_EQ(snapshotTimes_.size(), 4u) << "the baseline and the first three changes only";
  EXPECT_FALSE(stored_);
  EXPECT_TRUE(memory_.flap.flapping);
  EXPECT_EQ(memory_.confirmed->dnskey,
            (std::vector<model::KeyInfo>{{100, 257, 13}, {200, 256, 13}}))
      << "the confirmed state does not follow a flapping domain";
  ASSERT_TRUE(memory_.pending.has_value()) << "the latest observed state is kept";
  EXPECT_EQ(memory_.pending->dnskey, (std::vector<model::KeyInfo>{{2000, 257, 13}}));

  // One key from now on: stable after an hour (13 polls, 5 minutes apart).
  for (int i = 0; i < 12; ++i) {
    EXPECT_TRUE(poll(keyed(t_ += 300, 77)).empty()) << i;
    EXPECT_FALSE(stored_);
  }
  const auto settled = poll(keyed(t_ += 300, 77));
  EXPECT_EQ(names(settled), (std::vector<std::string>{"dnskey_changed", "state_flapping_ended"}));
  EXPECT_EQ(settled[0].kind, EventKind::kStateFlappingEnded) << "first the end, then the change";
  EXPECT_EQ(settled[0].severity, Severity::kInfo);
  EXPECT_EQ(settled[0].summary,
            "example.com. stopped flapping: 998 changes of state in 4985 minutes, then the same "
            "state for 60 minutes");
  // The change is reported against what was last confirmed (and stored), the baseline's keys.
  EXPECT_EQ(settled[1].beforeJson, R"(["100/257/13","200/256/13"])");
  EXPECT_EQ(settled[1].afterJson, R"(["77/257/13"])");
  EXPECT_TRUE(stored_);
  EXPECT_EQ(snapshotTimes_.size(), 5u);
  EXPECT_EQ(lastStored_->dnskey, (std::vector<model::KeyInfo>{{77, 257, 13}}));
  EXPECT_FALSE(memory_.flap.flapping);
  EXPECT_FALSE(memory_.pending.has_value());
  EXPECT_EQ(memory_.lastChange, t_);
  EXPECT_TRUE(poll(keyed(t_ += 300, 77)).empty());
}

// A, B, A, B...: with confirm_polls 1 every poll was a dnskey_changed.
TEST_F(FlappingTest, TwoAlternatingStatesRaiseOneEventNotOnePerPoll) {
  options_.confirmPolls = 1;
  EXPECT_TRUE(poll(healthy(t_)).empty());
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(names(poll(i % 2 == 1 ? keyed(t_ += 300, 5) : healthy(t_ += 300))),
              std::vector<std::string>{"dnskey_changed"});
  }
  EXPECT_EQ(names(poll(healthy(t_ += 300))), std::vector<std::string>{"state_flapping"});
  for (int i = 0; i < 200; ++i) {
    EXPECT_TRUE(poll(i % 2 == 0 ? keyed(t_ += 300, 5) : healthy(t_ += 300)).empty()) << i;
  }
  EXPECT_EQ(snapshotTimes_.size(), 4u);
  // Settles on A, while the last confirmed state is B: that change is reported at the end.
  std::vector<Event> last;
  int polls = 0;
  while (memory_.flap.flapping && polls++ < 20) last = poll(healthy(t_ += 300));
  EXPECT_EQ(polls, 12) << "A for an hour: the last alternation and 12 more polls";
  EXPECT_EQ(names(last), (std::vector<std::string>{"dnskey_changed", "state_flapping_ended"}));
  EXPECT_EQ(count("state_flapping"), 1u);
  EXPECT_EQ(count("dnskey_changed"), 4u);
}

// max_snapshots_per_hour: 0 switches the limit off: every confirmed change is stored and
// reported, however often, and an episode begun under a limit ends without an event.
TEST_F(DifferTest, NoSnapshotLimitReportsEveryChange) {
  options_.confirmPolls = 1;
  options_.maxSnapshotsPerHour = 0;
  EXPECT_TRUE(feed(healthy(t_)).empty());
  for (int i = 1; i <= 50; ++i) {
    const auto r = diff(memory_, keyed(t_ += 60, static_cast<uint16_t>(1000 + i)), options_);
    EXPECT_EQ(names(r.events), std::vector<std::string>{"dnskey_changed"}) << i;
    EXPECT_TRUE(r.storeSnapshot) << i;
    EXPECT_FALSE(r.memory.flap.flapping);
    memory_ = r.memory;
  }
  memory_.flap.flapping = true;  // as left by a run with the limit on
  const auto r = diff(memory_, keyed(t_ += 60, 7), options_);
  EXPECT_EQ(names(r.events), std::vector<std::string>{"dnskey_changed"});
  EXPECT_FALSE(r.memory.flap.flapping);
}

TEST_F(FlappingTest, ChangesEveryQuarterHourAreNotFlapping) {
  options_.confirmPolls = 1;
  EXPECT_TRUE(poll(healthy(t_)).empty());
  for (int i = 1; i <= 40; ++i) {
    auto o = i % 2 == 1 ? keyed(t_ += 900, 5) : healthy(t_ += 900);
    EXPECT_EQ(names(poll(o)), std::vector<std::string>{"dnskey_changed"}) << i;
    EXPECT_TRUE(stored_);
  }
  EXPECT_EQ(snapshotTimes_.size(), 41u);
  EXPECT_EQ(count("state_flapping"), 0u);
}

// Flapping keys must not hide a hijack: with confirm_polls 2 a move of the delegation was never
// "confirmed" (no two observations in a row were equal, their keys differing), so never reported.
TEST_F(FlappingTest, AHijackWhileFlappingIsStillReportedOnce) {
  EXPECT_TRUE(poll(healthy(t_)).empty());
  uint16_t tag = 1000;
  for (int i = 0; i < 20; ++i) poll(keyed(t_ += 300, ++tag));
  ASSERT_TRUE(memory_.flap.flapping);
  EXPECT_EQ(all_, std::vector<std::string>{"state_flapping"});

  EXPECT_TRUE(poll(hijacked(keyed(t_ += 300, ++tag))).empty()) << "not confirmed yet";
  const auto moved = poll(hijacked(keyed(t_ += 300, ++tag)));
  EXPECT_EQ(names(moved), (std::vector<std::string>{"dnskey_changed", "ds_changed",
                                                    "hijack_suspected", "operator_changed"}));
  EXPECT_EQ(find(moved, "operator_changed")->severity, Severity::kCritical);
  EXPECT_TRUE(stored_) << "the hour since the flapping began has room: the evidence is kept";
  EXPECT_EQ(memory_.confirmed->operators, std::vector<std::string>{"evil.example."});
  EXPECT_TRUE(memory_.flap.flapping) << "the keys still flap";
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(poll(hijacked(keyed(t_ += 300, ++tag))).empty()) << "reported once";
  }
  // Back to the operator it had when the flapping began, and to another hijacker.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(poll(keyed(t_ += 300, ++tag)).empty());
  auto other = hijacked(keyed(t_ += 300, ++tag));
  other.operators = {"other-evil.example."};
  setNs(other, {"ns1.other-evil.example."});
  EXPECT_TRUE(poll(other).empty());
  other = at(other, t_ += 300);
  ++tag;
  for (auto& s : other.servers) s.dnskey = {{tag, 257, 13}};
  EXPECT_EQ(count("operator_changed"), 1u);
  EXPECT_EQ(names(poll(other)), (std::vector<std::string>{"dnskey_changed", "operator_changed"}));
  EXPECT_EQ(memory_.confirmed->operators, std::vector<std::string>{"other-evil.example."});
  EXPECT_EQ(count("state_flapping"), 1u);
}

// A flapping domain's memory lives in the domain row between two `run --once`.
TEST_F(FlappingTest, FlappingSurvivesAReloadOfTheMemory) {
  EXPECT_TRUE(poll(healthy(t_)).empty());
  for (int i = 1; i <= 6; ++i) poll(keyed(t_ += 300, static_cast<uint16_t>(i)));
  ASSERT_TRUE(memory_.flap.flapping);
  DomainMemory reloaded;
  reloaded.confirmed = memory_.confirmed;
  reloaded.pending = memory_.pending;
  reloaded.pendingCount = memory_.pendingCount;
  auxiliaryFromJson(auxiliaryToJson(memory_), reloaded);
  EXPECT_EQ(reloaded.flap, memory_.flap);
  memory_ = reloaded;
  for (int i = 0; i < 13; ++i) poll(keyed(t_ += 300, 77));
  EXPECT_EQ(all_,
            (std::vector<std::string>{"state_flapping", "state_flapping_ended", "dnskey_changed"}));
  // A stable domain keeps no flap memory beyond the last hour's snapshot times.
  for (int i = 0; i < 13; ++i) poll(keyed(t_ += 300, 77));
  EXPECT_EQ(memory_.flap, FlapMemory{});
  EXPECT_EQ(auxiliaryToJson(memory_).find("flap"), std::string::npos);
}

// Whatever the servers do, no rolling hour holds more than kMaxSnapshotsPerHour new snapshots,
// and every state_flapping has its state_flapping_ended before the next one.
TEST_F(FlappingTest, NoHourEverHoldsMoreThanTheCap) {
  options_.confirmPolls = 1;
  std::mt19937 rng(20261128);
  std::uniform_int_distribution<int> pick(0, 5), gap(30, 1200);
  EXPECT_TRUE(poll(healthy(t_)).empty());
  for (int i = 0; i < 3000; ++i) {
    const int shape = pick(rng);
    t_ += gap(rng);
    auto o = shape < 3 ? healthy(t_) : keyed(t_, static_cast<uint16_t>(shape));
    if (shape == 5) o = hijacked(o);
    poll(o);
  }
  std::string open;
  for (const auto& name : all_) {
    if (name == "state_flapping") {
      EXPECT_EQ(open, "") << "flapping twice";
      open = name;
    } else if (name == "state_flapping_ended") {
      EXPECT_EQ(open, "state_flapping");
      open.clear();
    }
  }
  EXPECT_GE(count("state_flapping"), 1u);
}

TEST(Portfolio, SeveralOperatorChangesInOneRoundAreGrouped) {
  std::vector<Event> round;
  for (const char* d : {"a.example.", "b.example.", "c.example."}) {
    Event e;
    e.domain = d;
    e.kind = EventKind::kOperatorChanged;
    e.beforeJson = "{}";
    e.afterJson = "{}";
    round.push_back(e);
  }
  auto grouped = groupPortfolio(round, kT0);
  ASSERT_TRUE(grouped.has_value());
  EXPECT_EQ(grouped->kind, EventKind::kPortfolioOperatorChange);
  EXPECT_NE(grouped->afterJson.find("b.example."), std::string::npos);
  round.resize(1);
  EXPECT_FALSE(groupPortfolio(round, kT0).has_value());
}

TEST(DomainStateJson, RoundTripsAndIsCanonical) {
  auto s = stateFromObservation(healthy(kT0), nullptr);
  auto text = toJson(s);
  auto back = domainStateFromJson(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
  EXPECT_EQ(toJson(*back), text);
  EXPECT_FALSE(domainStateFromJson("[1,2]").ok());
  EXPECT_FALSE(domainStateFromJson("{\"ds\": 5}").ok());
}

// The verdict is stored by name and read back typed; a name no version wrote is an error, never
// a silently different state (which would read as a change).
TEST(DomainStateJson, StatusAndReasonAreReadByName) {
  auto s = stateFromObservation(healthy(kT0), nullptr);
  s.status = model::SecurityState::kBogus;
  s.reason = model::SecurityReason::kDsMismatch;
  const std::string text = toJson(s);
  EXPECT_NE(text.find("\"reason\":\"ds_mismatch\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"status\":\"bogus\""), std::string::npos) << text;
  auto back = domainStateFromJson(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->reason, model::SecurityReason::kDsMismatch);
  auto unknown = domainStateFromJson(R"({"status":"secure","reason":"new_reason"})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown reason 'new_reason'"), std::string::npos);
  EXPECT_FALSE(domainStateFromJson(R"({"status":"green","reason":"none"})").ok());
  for (auto i = static_cast<uint8_t>(model::SecurityReason::kNone);
       i <= static_cast<uint8_t>(model::SecurityReason::kMissingData); ++i) {
    const auto reason = static_cast<model::SecurityReason>(i);
    EXPECT_EQ(model::reasonFromString(model::toString(reason)), reason) << int{i};
  }
}

TEST(DomainStateJson, GlueMismatchIsStoredOnlyWhenThere) {
  // States stored before the field existed must read back equal to a fresh one: no new snapshot
  // for every domain on upgrade.
  auto s = stateFromObservation(healthy(kT0), nullptr);
  EXPECT_EQ(toJson(s).find("glue_mismatch"), std::string::npos);
  s.glueMismatch = {"ns1.example.com."};
  auto text = toJson(s);
  EXPECT_NE(text.find("\"glue_mismatch\":[\"ns1.example.com.\"]"), std::string::npos) << text;
  auto back = domainStateFromJson(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
}

// A lame server (REFUSED from one address) is a finding without an event of its own: the daemon
// reports it as finding_raised once confirmPolls observations show it, finding_cleared once as
// many do not, and the memory that carries it survives a reload.
TEST_F(DifferTest, ALameServerIsRaisedAndClearedAsAFinding) {
  baseline();
  auto lame = healthy(0);
  lame.servers[1].rcode = 5;  // REFUSED
  lame.servers[1].aa = false;
  lame.servers[1].error = zonewatch::testing::queryError("lame");
  const auto raised = feedConfirmed(lame);
  EXPECT_EQ(names(raised), std::vector<std::string>{"finding_raised"});
  const Event* e = find(raised, "finding_raised");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->severity, Severity::kWarning);
  EXPECT_EQ(e->server, "ns2.beta-dns.example. 198.51.100.53");
  EXPECT_NE(e->summary.find("lame_server"), std::string::npos) << e->summary;
  EXPECT_NE(e->afterJson.find(R"("finding":"lame_server")"), std::string::npos) << e->afterJson;
  EXPECT_TRUE(feed(at(lame, t_ += 300)).empty()) << "raised once";

  DomainMemory reloaded;
  auxiliaryFromJson(auxiliaryToJson(memory_), reloaded);
  EXPECT_EQ(reloaded.findings, memory_.findings);
  memory_.findings = reloaded.findings;

  const auto cleared = feedConfirmed(healthy(0));
  EXPECT_EQ(names(cleared), std::vector<std::string>{"finding_cleared"});
  EXPECT_TRUE(memory_.findings.empty());
}

// Findings are judged on observations with data only: a run of failed observations neither
// raises nor clears one.
TEST_F(DifferTest, FailedObservationsLeaveFindingsAsTheyWere) {
  auto alias = healthy(t_);
  alias.nsAliases = {"ns1.alpha-dns.example. -> ns1.hosting.example."};
  EXPECT_EQ(names(feed(alias)), std::vector<std::string>{});
  EXPECT_EQ(names(feed(at(alias, t_ += 300))), std::vector<std::string>{"finding_raised"});
  const FindingMemories before = memory_.findings;
  for (int i = 0; i < 2; ++i) feed(walkFailed(t_ += 300));
  EXPECT_EQ(memory_.findings, before);
}

TEST(AuxiliaryMemory, AFindingKindThisVersionDoesNotKnowIsForgotten) {
  DomainMemory m;
  auxiliaryFromJson(
      R"({"servers":{},"findings":{"lame_server":{"seen":2,"absent":0,"raised":true},)"
      R"("from_a_newer_version":{"seen":1,"absent":0,"raised":false}}})",
      m);
  ASSERT_EQ(m.findings.size(), 1u);
  EXPECT_TRUE(m.findings.at(model::FindingKind::kLameServer).raised);
}

TEST(AuxiliaryMemory, RoundTrips) {
  DomainMemory m;
  m.servers["ns1 192.0.2.1"] = ServerMemory{3, true};
  m.expiringAlertedFor = 42;
  m.expectationViolated = true;
  m.failingReported = true;
  DomainMemory back;
  auxiliaryFromJson(auxiliaryToJson(m), back);
  EXPECT_EQ(back.servers, m.servers);
  EXPECT_EQ(back.expiringAlertedFor, 42);
  EXPECT_TRUE(back.expectationViolated);
  EXPECT_TRUE(back.failingReported);
  DomainMemory older;  // written before observation_failing existed
  auxiliaryFromJson(R"({"servers":{},"expectation_violated":false})", older);
  EXPECT_FALSE(older.failingReported);
}

TEST(ObservationFailure, OneDefinition) {
  auto o = healthy(kT0);
  EXPECT_FALSE(observationFailure(o).has_value());
  o.servers[1].error = zonewatch::testing::queryError("timeout");
  EXPECT_FALSE(observationFailure(o).has_value()) << "a partial failure has data";
  o.servers[0].rcode = 2;  // SERVFAIL without an error label still is no answer
  EXPECT_EQ(observationFailure(o), ObservationFailure::kNoAuthoritativeAnswer);
  o.servers.clear();
  EXPECT_EQ(observationFailure(o), ObservationFailure::kNoAuthoritativeAnswer);
  EXPECT_EQ(failureText(o), "no address was found for any name server of example.com.");
  o.error = "example.com. does not exist";
  EXPECT_EQ(observationFailure(o), ObservationFailure::kWalkFailed);
  EXPECT_EQ(failureText(o), "example.com. does not exist");
  EXPECT_EQ(toString(ObservationFailure::kWalkFailed), "walk_failed");
  EXPECT_EQ(toString(ObservationFailure::kNoAuthoritativeAnswer), "no_authoritative_answer");
}

}  // namespace
}  // namespace zonewatch::detect
