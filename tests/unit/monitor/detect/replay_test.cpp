// Replay (monitor/detect/replay.h): when an observation is proven to change nothing if judged
// again, and for how long its inputs may stand for the next observations.
#include "monitor/detect/replay.h"

#include <gtest/gtest.h>

#include "tests/unit/monitor/detect/observations.h"
#include "tests/unit/monitor/model/query_failure_text.h"

namespace zonewatch::detect {
namespace {

constexpr int64_t kT0 = 1'800'000'000;

using testing::healthy;

// Judges `o` from `memory` and says whether it is proven to change nothing; `memory` moves on.
bool judge(DomainMemory& memory, const model::Observation& o, const DetectOptions& options = {}) {
  const DomainMemory before = memory;
  DiffResult result = diff(before, o, options);
  const bool fixpoint = changesNothingWhenRepeated(before, result, o, options);
  memory = result.memory;
  return fixpoint;
}

TEST(ReplayTest, AHealthyDomainIsAtRestFromItsFirstObservation) {
  DomainMemory memory;
  // The baseline raises nothing and leaves a memory that the same observation does not move.
  EXPECT_TRUE(judge(memory, healthy(kT0)));
  EXPECT_TRUE(judge(memory, healthy(kT0 + 300)));
}

TEST(ReplayTest, APendingChangeIsNotAtRestUntilConfirmedAndReported) {
  DomainMemory memory;
  ASSERT_TRUE(judge(memory, healthy(kT0)));
  model::Observation moved = healthy(kT0 + 300);
  moved.operators = {"gamma-dns.example."};
  moved.parent.ns = {"ns1.gamma-dns.example."};
  moved.parent.servers[0].ns = moved.parent.ns;
  for (auto& s : moved.servers) s.ns = moved.parent.ns;
  EXPECT_FALSE(judge(memory, moved));  // pending: the next poll would confirm it
  moved.observedAt = kT0 + 600;
  EXPECT_FALSE(judge(memory, moved));  // confirmed: events raised
  moved.observedAt = kT0 + 900;
  EXPECT_TRUE(judge(memory, moved));  // the new state, at rest
}

TEST(ReplayTest, AFindingBeingCountedIsNotAtRestUntilRaised) {
  DomainMemory memory;
  model::Observation lame = healthy(kT0);
  lame.servers[1].aa = false;
  lame.servers[1].error = zonewatch::testing::queryError("lame");
  // confirm_polls 2: the first sighting counts one, the second raises it.
  EXPECT_FALSE(judge(memory, lame));
  lame.observedAt = kT0 + 300;
  EXPECT_FALSE(judge(memory, lame));
  // From then on the count stays where raising needs it: the memory no longer moves.
  lame.observedAt = kT0 + 600;
  EXPECT_TRUE(judge(memory, lame));
}

TEST(ReplayTest, AnObservationWithoutDataIsNeverAtRest) {
  DomainMemory memory;
  ASSERT_TRUE(judge(memory, healthy(kT0)));
  model::Observation failed;
  failed.domain = "example.com.";
  failed.observedAt = kT0 + 300;
  failed.error = "no server of . answered";
  EXPECT_FALSE(judge(memory, failed));
}

TEST(ReplayTest, ReplayEndsBeforeTheSignaturesComeWithinTheThresholds) {
  model::ReplayInputs inputs;
  DetectOptions options;  // warning 7 days, critical 1 day
  EXPECT_EQ(replayUntil(inputs, options, kT0), std::numeric_limits<int64_t>::max());
  inputs.earliestExpiration = kT0 + 10 * 86400;
  EXPECT_EQ(replayUntil(inputs, options, kT0), kT0 + 3 * 86400);
  options.signatureCriticalSeconds = 9 * 86400;  // the larger of the two counts
  EXPECT_EQ(replayUntil(inputs, options, kT0), kT0 + 86400);
  inputs.nextInception = kT0 + 600;  // a signature valid from then on may change the verdict
  EXPECT_EQ(replayUntil(inputs, options, kT0), kT0 + 600);
  EXPECT_FALSE(replayUntil(inputs, options, kT0 + 600).has_value());
  inputs.nextInception.reset();
  inputs.earliestExpiration = kT0 + 86400;  // within the warning already
  EXPECT_FALSE(replayUntil(inputs, options, kT0).has_value());
}

TEST(ReplayTest, EveryOptionTheDifferJudgesByIsInTheKey) {
  const DetectOptions base;
  auto differs = [&base](auto change) {
    DetectOptions o = base;
    change(o);
    return replayOptionsKey(o) != replayOptionsKey(base);
  };
  EXPECT_TRUE(differs([](DetectOptions& o) { o.signatureWarningSeconds = 1; }));
  EXPECT_TRUE(differs([](DetectOptions& o) { o.signatureCriticalSeconds = 1; }));
  EXPECT_TRUE(differs([](DetectOptions& o) { o.confirmPolls = 5; }));
  EXPECT_TRUE(differs([](DetectOptions& o) { o.failingPolls = 5; }));
  EXPECT_TRUE(differs([](DetectOptions& o) { o.maxSnapshotsPerHour = 1; }));
  EXPECT_TRUE(differs([](DetectOptions& o) { o.flapSettleSeconds = 1; }));
  EXPECT_TRUE(differs([](DetectOptions& o) { o.expect.operators = {"a.example."}; }));
  EXPECT_TRUE(differs([](DetectOptions& o) { o.expect.dsKeyTags = {1}; }));
  EXPECT_EQ(replayOptionsKey(base), replayOptionsKey(DetectOptions{}));
}

}  // namespace
}  // namespace zonewatch::detect
