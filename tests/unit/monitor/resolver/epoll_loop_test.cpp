#include "monitor/resolver/epoll_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace zonewatch::resolver {
namespace {

using namespace std::chrono_literals;

// A clock the test moves by hand, so timer behaviour never depends on how fast the machine is.
struct FakeClock {
  EpollLoop::TimePoint now = EpollLoop::TimePoint(1000h);
  EpollLoop::NowFn fn() {
    return [this] { return now; };
  }
};

struct Pipe {
  std::array<int, 2> fds{-1, -1};
  Pipe() { EXPECT_EQ(pipe(fds.data()), 0); }
  ~Pipe() {
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
  int readEnd() const { return fds[0]; }
  int writeEnd() const { return fds[1]; }
  void put() const { ASSERT_EQ(write(fds[1], "x", 1), 1); }
};

std::unique_ptr<EpollLoop> makeLoop(EpollLoop::NowFn now = {}) {
  auto loop = EpollLoop::create(std::move(now));
  EXPECT_TRUE(loop.ok());
  return std::move(loop).value();
}

TEST(EpollLoopTest, TimersRunWhenDueInDeadlineOrder) {
  FakeClock clock;
  auto loop = makeLoop(clock.fn());
  std::vector<int> order;
  loop->addTimer(clock.now + 30ms, [&] { order.push_back(30); });
  loop->addTimer(clock.now + 10ms, [&] { order.push_back(10); });
  loop->addTimerAfter(20ms, [&] { order.push_back(20); });
  EXPECT_EQ(loop->pendingTimers(), 3U);

  EXPECT_EQ(*loop->runOnce(0ms), 0U);
  EXPECT_TRUE(order.empty());

  clock.now += 15ms;
  EXPECT_EQ(*loop->runOnce(0ms), 1U);
  EXPECT_EQ(order, (std::vector<int>{10}));

  clock.now += 1h;
  EXPECT_EQ(*loop->runOnce(0ms), 2U);
  EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(loop->pendingTimers(), 0U);
}

TEST(EpollLoopTest, DueTimerCutsTheWaitShort) {
  FakeClock clock;
  auto loop = makeLoop(clock.fn());
  bool ran = false;
  loop->addTimer(clock.now, [&] { ran = true; });
  // A 1-hour wait would hang the test if the loop ignored its due timer.
  EXPECT_EQ(*loop->runOnce(1h), 1U);
  EXPECT_TRUE(ran);
}

TEST(EpollLoopTest, CancelledTimerNeverRuns) {
  FakeClock clock;
  auto loop = makeLoop(clock.fn());
  bool ran = false;
  const auto id = loop->addTimerAfter(5ms, [&] { ran = true; });
  EXPECT_TRUE(loop->cancelTimer(id));
  EXPECT_FALSE(loop->cancelTimer(id));
  clock.now += 1s;
  EXPECT_EQ(*loop->runOnce(0ms), 0U);
  EXPECT_FALSE(ran);
}

TEST(EpollLoopTest, TimerRearmingItselfForNowRunsOncePerRound) {
  FakeClock clock;
  auto loop = makeLoop(clock.fn());
  int runs = 0;
  std::function<void()> rearm = [&] {
    ++runs;
    loop->addTimer(clock.now, rearm);
  };
  loop->addTimer(clock.now, rearm);
  EXPECT_EQ(*loop->runOnce(0ms), 1U);
  EXPECT_EQ(*loop->runOnce(0ms), 1U);
  EXPECT_EQ(runs, 2);
}

TEST(EpollLoopTest, ReadableDescriptorRunsItsCallback) {
  auto loop = makeLoop();
  Pipe p;
  std::vector<uint32_t> seen;
  ASSERT_TRUE(loop->watch(p.readEnd(), true, false,
                          [&](int fd, uint32_t events) {
                            EXPECT_EQ(fd, p.readEnd());
                            seen.push_back(events);
                            char c = 0;
                            EXPECT_EQ(read(fd, &c, 1), 1);
                          })
                  .ok());
  EXPECT_EQ(loop->watchedFds(), 1U);
  EXPECT_EQ(*loop->runOnce(0ms), 0U);
  p.put();
  EXPECT_EQ(*loop->runOnce(0ms), 1U);
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_TRUE(seen[0] & EpollLoop::kReadable);
  EXPECT_EQ(*loop->runOnce(0ms), 0U);  // drained: level-triggered, nothing left
}

TEST(EpollLoopTest, ModifyChangesInterestAndUnwatchStopsEvents) {
  auto loop = makeLoop();
  Pipe p;
  int writable = 0;
  ASSERT_TRUE(loop->watch(p.writeEnd(), false, true,
                          [&](int, uint32_t events) {
                            if (events & EpollLoop::kWritable) ++writable;
                          })
                  .ok());
  EXPECT_EQ(*loop->runOnce(0ms), 1U);
  EXPECT_EQ(writable, 1);
  ASSERT_TRUE(loop->modify(p.writeEnd(), false, false).ok());
  EXPECT_EQ(*loop->runOnce(0ms), 0U);
  ASSERT_TRUE(loop->modify(p.writeEnd(), false, true).ok());
  EXPECT_EQ(*loop->runOnce(0ms), 1U);
  loop->unwatch(p.writeEnd());
  EXPECT_FALSE(loop->isWatching(p.writeEnd()));
  EXPECT_EQ(*loop->runOnce(0ms), 0U);
  EXPECT_EQ(writable, 2);
  EXPECT_FALSE(loop->modify(p.writeEnd(), true, false).ok());
}

TEST(EpollLoopTest, DescriptorClosedAndReusedDuringARoundGetsNoStaleEvent) {
  auto loop = makeLoop();
  auto a = std::make_unique<Pipe>();
  auto b = std::make_unique<Pipe>();
  a->put();
  b->put();
  int firstCalls = 0;
  int staleCalls = 0;
  std::unique_ptr<Pipe> replacement;
  // Whichever of a and b is dispatched first closes the other and reuses its descriptor number
  // for a fresh, empty pipe: the other's already-collected event must not reach the new watcher.
  auto first = [&](Pipe& other) {
    return [&, otherPtr = &other](int, uint32_t) {
      ++firstCalls;
      const int reused = otherPtr->readEnd();
      loop->unwatch(reused);
      close(otherPtr->fds[0]);
      otherPtr->fds[0] = -1;
      replacement = std::make_unique<Pipe>();
      ASSERT_TRUE(
          loop->watch(replacement->readEnd(), true, false, [&](int, uint32_t) { ++staleCalls; })
              .ok());
    };
  };
  ASSERT_TRUE(loop->watch(a->readEnd(), true, false, first(*b)).ok());
  ASSERT_TRUE(loop->watch(b->readEnd(), true, false, first(*a)).ok());
  EXPECT_EQ(*loop->runOnce(0ms), 1U);
  EXPECT_EQ(firstCalls, 1);
  EXPECT_EQ(staleCalls, 0);
}

TEST(EpollLoopTest, CallbackMayUnwatchItself) {
  auto loop = makeLoop();
  Pipe p;
  p.put();
  int calls = 0;
  ASSERT_TRUE(loop->watch(p.readEnd(), true, false,
                          [&](int fd, uint32_t) {
                            ++calls;
                            loop->unwatch(fd);  // destroys this very callback's registration
                          })
                  .ok());
  EXPECT_EQ(*loop->runOnce(0ms), 1U);
  EXPECT_EQ(*loop->runOnce(0ms), 0U);
  EXPECT_EQ(calls, 1);
}

TEST(EpollLoopTest, PostFromAnotherThreadWakesAWaitingLoop) {
  auto loop = makeLoop();
  bool ran = false;
  std::thread poster([&] { loop->post([&] { ran = true; }); });
  // Without the wake-up this would wait the full hour.
  while (!ran) ASSERT_TRUE(loop->runOnce(1h).ok());
  poster.join();
  EXPECT_TRUE(ran);
}

TEST(EpollLoopTest, PostedTaskRunsOnNextRound) {
  auto loop = makeLoop();
  std::vector<int> order;
  loop->post([&] {
    order.push_back(1);
    loop->post([&] { order.push_back(2); });  // posted while running: next round
  });
  EXPECT_EQ(*loop->runOnce(0ms), 1U);
  EXPECT_EQ(order, (std::vector<int>{1}));
  EXPECT_EQ(*loop->runOnce(1h), 1U);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(EpollLoopTest, RejectsInvalidDescriptors) {
  auto loop = makeLoop();
  EXPECT_FALSE(loop->watch(-1, true, false, [](int, uint32_t) {}).ok());
  EXPECT_FALSE(loop->watch(987654, true, false, [](int, uint32_t) {}).ok());
  EXPECT_EQ(loop->watchedFds(), 0U);
}

}  // namespace
}  // namespace zonewatch::resolver
