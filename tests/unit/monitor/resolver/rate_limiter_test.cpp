#include "monitor/resolver/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace zonewatch::resolver {
namespace {

using namespace std::chrono_literals;
using Clock = TokenBucket::Clock;

// A fixed origin: the limiter only ever sees the times the test hands it.
const Clock::time_point kT0 = Clock::time_point(1000h);

TEST(TokenBucketTest, StartsFullAndAllowsTheBurst) {
  TokenBucket bucket(10.0, 3.0, kT0);
  EXPECT_TRUE(bucket.isFull(kT0));
  EXPECT_TRUE(bucket.tryTake(kT0));
  EXPECT_TRUE(bucket.tryTake(kT0));
  EXPECT_TRUE(bucket.tryTake(kT0));
  EXPECT_FALSE(bucket.tryTake(kT0));
  EXPECT_FALSE(bucket.isFull(kT0));
}

TEST(TokenBucketTest, RefillsAtTheRate) {
  TokenBucket bucket(10.0, 1.0, kT0);  // one token per 100 ms
  ASSERT_TRUE(bucket.tryTake(kT0));
  EXPECT_FALSE(bucket.tryTake(kT0 + 50ms));
  EXPECT_EQ(bucket.waitTime(kT0 + 50ms), 50ms);
  EXPECT_TRUE(bucket.tryTake(kT0 + 100ms));
  EXPECT_EQ(bucket.waitTime(kT0 + 100ms), 100ms);
  // Never more than the burst, however long it was idle.
  EXPECT_TRUE(bucket.isFull(kT0 + 1h));
  EXPECT_TRUE(bucket.tryTake(kT0 + 1h));
  EXPECT_FALSE(bucket.tryTake(kT0 + 1h));
}

TEST(TokenBucketTest, SustainedRateMatchesConfiguration) {
  TokenBucket bucket(10.0, 1.0, kT0);
  int granted = 0;
  for (auto t = kT0; t < kT0 + 10s; t += 1ms) {
    if (bucket.tryTake(t)) ++granted;
  }
  // 10 s at 10 qps, plus the initial token.
  EXPECT_GE(granted, 100);
  EXPECT_LE(granted, 101);
}

TEST(TokenBucketTest, ClockSteppingBackDoesNotMintTokens) {
  TokenBucket bucket(10.0, 1.0, kT0 + 1s);
  ASSERT_TRUE(bucket.tryTake(kT0 + 1s));
  EXPECT_FALSE(bucket.tryTake(kT0));
  EXPECT_GT(bucket.waitTime(kT0), 1s);
}

TEST(TokenBucketTest, ZeroRateMeansUnlimited) {
  TokenBucket bucket(0.0, 1.0, kT0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(bucket.tryTake(kT0));
  EXPECT_EQ(bucket.waitTime(kT0), Clock::duration::zero());
}

// The daemon's probe threads share one limiter (probe_thread.h): between them they get the burst
// once, not once each, and its map survives their concurrent inserts (the sanitizer job runs it).
TEST(ServerRateLimiterTest, ThreadsSharingOneLimiterGetTheBurstOnceBetweenThem) {
  ServerRateLimiter limiter(10.0, 5.0, 4);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        // Each thread also touches servers of its own, so that inserts and sweeps race too.
        limiter.tryAcquire("192.0.2." + std::to_string(t * 50 + i % 50), kT0);
        if (limiter.tryAcquire("198.51.100.1", kT0)) ++granted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 5);
  EXPECT_GT(limiter.waitTime("198.51.100.1", kT0), Clock::duration::zero());
}

TEST(ServerRateLimiterTest, LimitsEachServerSeparately) {
  ServerRateLimiter limiter(10.0, 2.0, 100);
  EXPECT_TRUE(limiter.tryAcquire("192.0.2.1", kT0));
  EXPECT_TRUE(limiter.tryAcquire("192.0.2.1", kT0));
  EXPECT_FALSE(limiter.tryAcquire("192.0.2.1", kT0));
  EXPECT_EQ(limiter.waitTime("192.0.2.1", kT0), 100ms);
  // Another server is not slowed down by the first.
  EXPECT_EQ(limiter.waitTime("192.0.2.2", kT0), Clock::duration::zero());
  EXPECT_TRUE(limiter.tryAcquire("192.0.2.2", kT0));
  EXPECT_TRUE(limiter.tryAcquire("192.0.2.1", kT0 + 100ms));
}

TEST(ServerRateLimiterTest, ForgetsRefilledBucketsToBoundMemory) {
  ServerRateLimiter limiter(10.0, 1.0, 8);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(limiter.tryAcquire("s" + std::to_string(i), kT0));
  EXPECT_EQ(limiter.tracked(), 8U);
  // One second later every bucket has refilled: the next new server sweeps them away.
  ASSERT_TRUE(limiter.tryAcquire("new", kT0 + 1s));
  EXPECT_EQ(limiter.tracked(), 1U);
  // A forgotten server starts again with a full bucket: same as if it had been kept.
  EXPECT_TRUE(limiter.tryAcquire("s0", kT0 + 1s));
}

TEST(ServerRateLimiterTest, KeepsDrainingBucketsWhenOverCapacity) {
  ServerRateLimiter limiter(1.0, 1.0, 4);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(limiter.tryAcquire("s" + std::to_string(i), kT0));
  // None has refilled, so none may be forgotten (that would let them burst again).
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(limiter.tryAcquire("s" + std::to_string(i), kT0));
  EXPECT_EQ(limiter.tracked(), 10U);
}

TEST(ServerRateLimiterTest, NonPositiveRateDisablesLimiting) {
  ServerRateLimiter limiter(0.0, 1.0, 4);
  EXPECT_TRUE(limiter.unlimited());
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.tryAcquire("s", kT0));
  EXPECT_EQ(limiter.tracked(), 0U);
}

}  // namespace
}  // namespace zonewatch::resolver
