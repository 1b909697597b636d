// Politeness toward other people's name servers: a token bucket per server address, so that a
// large portfolio hosted by one operator does not turn zonewatch into a flood (a low default such
// as 10 queries/second per address; the engine queues what exceeds it, it never drops).
//
// Time is passed in by the caller (the engine's loop clock) so the limiter is pure arithmetic and
// tests drive it without sleeping. Memory is bounded: a bucket that has refilled to its burst is
// indistinguishable from a new one, so such buckets are forgotten once more than maxTracked
// addresses are tracked.
//
// ServerRateLimiter is thread-safe: the daemon's probe threads (monitor/daemon/probe_thread.h)
// each have an engine, and share one limiter, so that per_server_qps holds for the process.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace zonewatch::resolver {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // ratePerSecond <= 0 disables the limit; burst is the bucket size (at least one token). The
  // bucket starts full.
  TokenBucket(double ratePerSecond, double burst, Clock::time_point now);

  // Takes a token when one is available.
  bool tryTake(Clock::time_point now);
  // Zero when a token is available now, else how long until one is.
  Clock::duration waitTime(Clock::time_point now) const;
  bool isFull(Clock::time_point now) const;

 private:
  // GCRA form of the token bucket, in integer clock ticks so that "100 ms at 10 qps" is exact:
  // tat_ is when the bucket will be full again; a query is allowed while tat_ - now <= tolerance_.
  bool unlimited_;
  Clock::duration interval_{};   // time to earn one token
  Clock::duration tolerance_{};  // (burst - 1) intervals
  Clock::time_point tat_;
};

class ServerRateLimiter {
 public:
  using Clock = TokenBucket::Clock;

  ServerRateLimiter(double queriesPerSecond, double burst, size_t maxTracked);

  bool tryAcquire(const std::string& server, Clock::time_point now);
  Clock::duration waitTime(const std::string& server, Clock::time_point now) const;
  size_t tracked() const;
  bool unlimited() const { return qps_ <= 0; }

 private:
  void forgetRefilled(Clock::time_point now);  // mutex_ held

  mutable std::mutex mutex_;
  double qps_;
  double burst_;
  size_t maxTracked_;
  size_t nextSweepAt_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace zonewatch::resolver
