// The probe thread (monitor/daemon/probe_thread.h): observations handed over from the home loop
// come back on the home loop's thread, within their time budget, against a real c-ares engine
// and a loopback root that never answers; stopping it with observations in flight joins at once
// and runs none of their callbacks; and the replay check it makes (replayMatches).
#include "monitor/daemon/probe_thread.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "monitor/dns/name.h"
#include "tests/unit/monitor/resolver/fake_dns_server.h"

namespace zonewatch::daemon {
namespace {

using resolver::testing::Bytes;
using resolver::testing::FakeDnsServer;
using resolver::testing::RawQuery;

constexpr int64_t kNow = 1700000000;

dns::Name name(std::string_view text) {
  return *dns::Name::parse(text);
}

// A root server that takes every query and answers none.
std::unique_ptr<FakeDnsServer> silentRoot() {
  return FakeDnsServer::start(
      "127.0.0.1", [](const RawQuery&, resolver::Transport) { return std::vector<Bytes>{}; });
}

class ProbeThreadTest : public ::testing::Test {
 protected:
  ProbeThreadTest() : clock_(kNow) {
    auto operators = probe::OperatorResolver::load();
    if (!operators) throw std::runtime_error(operators.error().message);
    operators_.emplace(std::move(operators).value());
    home_ = std::move(resolver::EpollLoop::create()).value();
  }

  std::unique_ptr<ProbeThread> start(const FakeDnsServer& root, std::chrono::milliseconds timeout,
                                     std::chrono::milliseconds budget) {
    ProbeThread::Setup setup;
    setup.root =
        probe::ZoneCut{dns::Name(), {probe::NameServer{name("a.root."), {root.address()}}}, 0};
    setup.engine.timeout = timeout;
    setup.engine.tries = 1;
    setup.engine.perServerQps = 0;
    setup.probe.observationTimeout = budget;
    setup.clock = &clock_;
    setup.operators = &*operators_;
    auto thread = ProbeThread::create(std::move(setup), *home_);
    EXPECT_TRUE(thread) << (thread ? "" : thread.error().message);
    if (!thread) return nullptr;
    (*thread)->start();
    return std::move(thread).value();
  }

  FixedClock clock_;
  std::optional<probe::OperatorResolver> operators_;
  std::unique_ptr<resolver::EpollLoop> home_;
};

TEST_F(ProbeThreadTest, ObservationsComeBackOnTheHomeLoopWithinTheirBudget) {
  auto root = silentRoot();
  ASSERT_NE(root, nullptr);
  auto probe = start(*root, std::chrono::milliseconds(100), std::chrono::milliseconds(400));
  ASSERT_NE(probe, nullptr);

  std::vector<model::Observation> done;
  std::vector<std::thread::id> threads;
  for (const char* domain : {"one.example.", "two.example."}) {
    probe->observe(name(domain), {}, std::nullopt, [&](ProbeThread::Finished finished) {
      threads.push_back(std::this_thread::get_id());
      done.push_back(std::move(finished.observation));
    });
  }
  // Bounded: each observation's budget is 400 ms; 100 turns of at most 100 ms are ample.
  for (int turn = 0; turn < 100 && done.size() < 2; ++turn) {
    ASSERT_TRUE(home_->runOnce(std::chrono::milliseconds(100)));
  }
  ASSERT_EQ(done.size(), 2u);
  for (const auto& id : threads) EXPECT_EQ(id, std::this_thread::get_id());
  std::vector<std::string> domains{done[0].domain, done[1].domain};
  std::sort(domains.begin(), domains.end());
  EXPECT_EQ(domains, (std::vector<std::string>{"one.example.", "two.example."}));
  for (const auto& obs : done) {
    EXPECT_TRUE(obs.error) << obs.domain << ": a silent root leaves nothing to observe";
    EXPECT_FALSE(obs.replayed);
  }
  EXPECT_GE(root->udpQueries(), 2) << "the probe thread asked the root";
}

TEST_F(ProbeThreadTest, StoppingWithObservationsInFlightRunsNoneOfTheirCallbacks) {
  auto root = silentRoot();
  ASSERT_NE(root, nullptr);
  auto probe = start(*root, std::chrono::milliseconds(5000), std::chrono::milliseconds(30000));
  ASSERT_NE(probe, nullptr);
  int callbacks = 0;
  probe->observe(name("one.example."), {}, std::nullopt,
                 [&](ProbeThread::Finished) { ++callbacks; });
  for (int wait = 0; wait < 500 && root->udpQueries() == 0; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(root->udpQueries(), 1) << "the observation is in flight";
  probe.reset();  // joins: the query's 5 s and the observation's 30 s are not waited for
  for (int turn = 0; turn < 3; ++turn) ASSERT_TRUE(home_->runOnce(std::chrono::milliseconds(20)));
  EXPECT_EQ(callbacks, 0);
}

model::Observation finished(int64_t at, uint8_t digestByte) {
  model::Observation obs;
  obs.domain = "one.example.";
  obs.observedAt = at;
  obs.replay.emplace();
  obs.replay->digest.fill(digestByte);
  return obs;
}

TEST(ReplayMatchesTest, TheSameInputsWithTheSameOptionsBeforeTheProofEnds) {
  const model::Observation obs = finished(kNow, 7);
  const ReplayExpectation expected{replayKey(*obs.replay, "options"), kNow + 60, "options"};
  EXPECT_TRUE(replayMatches(expected, obs));

  EXPECT_FALSE(replayMatches(expected, finished(kNow, 8))) << "other answers";
  EXPECT_FALSE(replayMatches(expected, finished(kNow + 60, 7))) << "the proof has ended";
  ReplayExpectation otherOptions = expected;
  otherOptions.optionsKey = "reloaded";
  EXPECT_FALSE(replayMatches(otherOptions, obs)) << "judged by other options now";
  model::Observation noInputs = obs;
  noInputs.replay.reset();
  EXPECT_FALSE(replayMatches(expected, noInputs)) << "an observation cut short has no inputs";
}

}  // namespace
}  // namespace zonewatch::daemon
