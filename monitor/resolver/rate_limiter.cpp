#include "monitor/resolver/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace zonewatch::resolver {

TokenBucket::TokenBucket(double ratePerSecond, double burst, Clock::time_point now)
    : unlimited_(ratePerSecond <= 0), tat_(now) {
  if (unlimited_) return;
  interval_ =
      std::chrono::round<Clock::duration>(std::chrono::duration<double>(1.0 / ratePerSecond));
  interval_ = std::max(interval_, Clock::duration(1));
  const double extraTokens = std::max(burst, 1.0) - 1.0;
  tolerance_ = Clock::duration(std::llround(extraTokens * static_cast<double>(interval_.count())));
}

bool TokenBucket::tryTake(Clock::time_point now) {
  if (unlimited_) return true;
  const Clock::time_point tat = std::max(tat_, now);
  if (tat - now > tolerance_) return false;
  tat_ = tat + interval_;
  return true;
}

TokenBucket::Clock::duration TokenBucket::waitTime(Clock::time_point now) const {
  if (unlimited_) return Clock::duration::zero();
  const Clock::time_point tat = std::max(tat_, now);
  return std::max(tat - tolerance_ - now, Clock::duration::zero());
}

bool TokenBucket::isFull(Clock::time_point now) const {
  return unlimited_ || tat_ <= now;
}

ServerRateLimiter::ServerRateLimiter(double queriesPerSecond, double burst, size_t maxTracked)
    : qps_(queriesPerSecond),
      burst_(burst),
      maxTracked_(std::max<size_t>(maxTracked, 1)),
      nextSweepAt_(maxTracked_) {}

bool ServerRateLimiter::tryAcquire(const std::string& server, Clock::time_point now) {
  if (unlimited()) return true;
  const std::lock_guard lock(mutex_);
  auto it = buckets_.find(server);
  if (it == buckets_.end()) {
    if (buckets_.size() >= nextSweepAt_) forgetRefilled(now);
    it = buckets_.emplace(server, TokenBucket(qps_, burst_, now)).first;
  }
  return it->second.tryTake(now);
}

ServerRateLimiter::Clock::duration ServerRateLimiter::waitTime(const std::string& server,
                                                               Clock::time_point now) const {
  const std::lock_guard lock(mutex_);
  const auto it = buckets_.find(server);
  return it == buckets_.end() ? Clock::duration::zero() : it->second.waitTime(now);
}

size_t ServerRateLimiter::tracked() const {
  const std::lock_guard lock(mutex_);
  return buckets_.size();
}

void ServerRateLimiter::forgetRefilled(Clock::time_point now) {
  std::erase_if(buckets_, [now](const auto& entry) { return entry.second.isFull(now); });
  // Buckets still draining belong to servers queried in the last burst/qps seconds; when there are
  // that many, sweep again only after the map has doubled, keeping inserts amortised O(1).
  nextSweepAt_ = std::max(maxTracked_, 2 * buckets_.size());
}

}  // namespace zonewatch::resolver
