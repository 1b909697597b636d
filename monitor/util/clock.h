// Time as an injected dependency: the validator takes "now" as an argument and everything that
// asks for the time asks a Clock, so tests pin it and `zonewatch check --at` can replay a moment.
#pragma once

#include <chrono>
#include <cstdint>

namespace zonewatch {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch (UTC).
  virtual int64_t nowUnix() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t nowUnix() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(int64_t now) : now_(now) {}
  int64_t nowUnix() const override { return now_; }
  void set(int64_t now) { now_ = now; }
  void advance(int64_t seconds) { now_ += seconds; }

 private:
  int64_t now_;
};

}  // namespace zonewatch
