// The verification memo as the daemon's probe threads share it (verification_cache.h): threads
// storing and looking up at once, past a generation's capacity, lose no entry of the current
// generation and journal every success exactly once. Its use by the validator (hits, a failed
// digest, restarts) is validator_test's.
#include "monitor/dnssec/verification_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

namespace zonewatch::dnssec {
namespace {

VerificationCache::Key keyOf(int thread, int i) {
  VerificationCache::Key key{};
  key[0] = static_cast<uint8_t>(thread);
  key[1] = static_cast<uint8_t>(i >> 8);
  key[2] = static_cast<uint8_t>(i);
  key[31] = 1;
  return key;
}

TEST(VerificationCacheTest, ThreadsSharingOneCacheLoseNothingTheyStored) {
  constexpr int kThreads = 4;
  constexpr int kEach = 500;
  VerificationCache cache(2 * kThreads * kEach);  // one generation holds them all
  cache.setJournaling(true);
  std::vector<int> missing(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, &missing, t] {
      for (int i = 0; i < kEach; ++i) {
        cache.store(keyOf(t, i), true, 100);
        if (cache.lookup(keyOf(t, i)) != std::optional<bool>(true))
          ++missing[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(missing, std::vector<int>(kThreads, 0));
  EXPECT_EQ(cache.size(), static_cast<size_t>(kThreads * kEach));
  std::set<VerificationCache::Key> journaled;
  for (const auto& success : cache.takeJournal()) journaled.insert(success.key);
  EXPECT_EQ(journaled.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_TRUE(cache.takeJournal().empty());
}

TEST(VerificationCacheTest, ConcurrentRotationsKeepTheCacheBounded) {
  VerificationCache cache(64);  // generations of 32: rotated again and again
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        cache.store(keyOf(t, i), i % 2 == 0);
        cache.lookup(keyOf(t, std::max(0, i - 10)));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(cache.size(), 64u);
  EXPECT_GT(cache.size(), 0u);
}

}  // namespace
}  // namespace zonewatch::dnssec
