// Findings as events (monitor/detect/finding_events.h): raised after confirmPolls observations in
// a row, cleared after as many without, nothing for a finding that comes and goes, and only the
// kinds without an event of their own.
#include "monitor/detect/finding_events.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zonewatch::detect {
namespace {

using model::FindingKind;
using model::Severity;

model::Finding finding(FindingKind kind, Severity severity = Severity::kWarning,
                       std::string server = "ns2.example.net. 192.0.2.2") {
  return {kind, severity, server + ": answered REFUSED", server};
}

class FindingEventsTest : public ::testing::Test {
 protected:
  std::vector<FindingChange> feed(const std::vector<model::Finding>& findings,
                                  unsigned confirmPolls = 2) {
    return trackFindings(findings, confirmPolls, memory_);
  }
  FindingMemories memory_;
};

TEST_F(FindingEventsTest, RaisedOnceConfirmPollsObservationsInARowShowIt) {
  const std::vector<model::Finding> lame = {finding(FindingKind::kLameServer)};
  EXPECT_TRUE(feed(lame).empty());
  const auto changes = feed(lame);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].raised);
  EXPECT_EQ(changes[0].kind, FindingKind::kLameServer);
  EXPECT_EQ(changes[0].severity, Severity::kWarning);
  ASSERT_EQ(changes[0].findings.size(), 1u);
  EXPECT_EQ(changes[0].findings[0].server, "ns2.example.net. 192.0.2.2");
  EXPECT_TRUE(feed(lame).empty()) << "raised once, not at every observation";
}

TEST_F(FindingEventsTest, ClearedOnceConfirmPollsObservationsInARowDoNotShowIt) {
  const std::vector<model::Finding> lame = {finding(FindingKind::kLameServer)};
  feed(lame);
  feed(lame);
  EXPECT_TRUE(feed({}).empty()) << "one observation without it clears nothing";
  const auto changes = feed({});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].raised);
  EXPECT_EQ(changes[0].kind, FindingKind::kLameServer);
  EXPECT_EQ(changes[0].severity, Severity::kInfo);
  EXPECT_TRUE(memory_.empty());
  EXPECT_TRUE(feed({}).empty());
}

TEST_F(FindingEventsTest, AFindingThatComesAndGoesRaisesNothing) {
  const std::vector<model::Finding> lame = {finding(FindingKind::kLameServer)};
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(feed(i % 2 ? lame : std::vector<model::Finding>{}).empty()) << i;
  }
}

TEST_F(FindingEventsTest, ARaisedFindingMissingOnceStaysRaised) {
  const std::vector<model::Finding> lame = {finding(FindingKind::kLameServer)};
  feed(lame);
  ASSERT_EQ(feed(lame).size(), 1u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(feed(i % 2 ? lame : std::vector<model::Finding>{}).empty()) << i;
  }
  EXPECT_TRUE(memory_.at(FindingKind::kLameServer).raised);
}

TEST_F(FindingEventsTest, KindsWithAnEventOfTheirOwnAreNotTracked) {
  const std::vector<model::Finding> covered = {
      finding(FindingKind::kDnssecBogus, Severity::kCritical),
      finding(FindingKind::kServerUnreachable), finding(FindingKind::kServersDisagree),
      finding(FindingKind::kCdsPending, Severity::kInfo)};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(feed(covered).empty());
  EXPECT_TRUE(memory_.empty());
}

TEST_F(FindingEventsTest, EveryKindWithoutAnEventIsReported) {
  for (const model::FindingKindInfo& row : model::kFindingKinds) {
    FindingMemories memory;
    trackFindings({finding(row.kind)}, 1, memory);
    EXPECT_EQ(memory.count(row.kind), row.event ? 0u : 1u) << row.name;
  }
}

TEST_F(FindingEventsTest, OneEventPerKindWithTheWorstSeverityAndAtMostEightFindings) {
  std::vector<model::Finding> findings;
  for (int i = 0; i < 20; ++i) {
    findings.push_back(finding(FindingKind::kServerQueryFailed,
                               i == 15 ? Severity::kCritical : Severity::kWarning,
                               "ns" + std::to_string(i) + ".example.net. 192.0.2.9"));
  }
  findings.push_back(finding(FindingKind::kNsHostAlias));
  const auto changes = feed(findings, 1);
  ASSERT_EQ(changes.size(), 2u);
  for (const FindingChange& c : changes) {
    if (c.kind != FindingKind::kServerQueryFailed) continue;
    EXPECT_EQ(c.count, 20u);
    EXPECT_EQ(c.findings.size(), kMaxFindingsPerEvent);
    EXPECT_EQ(c.severity, Severity::kCritical) << "the worst, even past the listed ones";
  }
  EXPECT_EQ(memory_.size(), 2u);
}

TEST_F(FindingEventsTest, KindsAreTrackedEachOnTheirOwn) {
  const auto lame = finding(FindingKind::kLameServer);
  const auto alias = finding(FindingKind::kNsHostAlias);
  feed({lame});
  const auto second = feed({lame, alias});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].kind, FindingKind::kLameServer);
  const auto third = feed({alias});
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].kind, FindingKind::kNsHostAlias);
  EXPECT_TRUE(third[0].raised);
  const auto fourth = feed({alias});
  ASSERT_EQ(fourth.size(), 1u);
  EXPECT_EQ(fourth[0].kind, FindingKind::kLameServer);
  EXPECT_FALSE(fourth[0].raised);
}

}  // namespace
}  // namespace zonewatch::detect
