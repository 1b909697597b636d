// The scheduler: when each watched domain is observed next.
//
// Every domain is observed once per interval. As NSD spreads zone refreshes (xfrd.c), the next
// observation is due after a random 90–100% of the interval from the end of the last one, so a
// portfolio that started together drifts apart instead of hammering servers in lockstep.
// Concurrency is bounded by the caller taking at most N due domains; a domain that failed
// (nothing answered) backs off: twice, then four times the interval, never more, so that an
// outage is still seen ending. Pure: time comes from a Clock, randomness from a seeded engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "monitor/util/clock.h"

namespace zonewatch::scheduler {

struct ScheduledDomain {
  std::string name;  // absolute, lowercase
  std::chrono::seconds interval{300};
};

class Scheduler {
 public:
  Scheduler(const Clock& clock, uint64_t seed);

  // Replaces the set of domains (start-up, reload). Domains already known keep their due time
  // (clamped to the new interval); new ones are due now.
  void setDomains(const std::vector<ScheduledDomain>& domains);

  // Up to `max` domains whose time has come, earliest first; they are in flight until completed().
  std::vector<std::string> takeDue(size_t max);
  // Records the end of an observation and schedules the next one.
  void completed(const std::string& name, bool failed);

  // When the earliest domain not in flight is due (nullopt: none waiting).
  std::optional<int64_t> nextDue() const;
  size_t inFlight() const { return inFlight_; }
  size_t size() const { return entries_.size(); }
  // Makes every domain due now (`run --once`, tests).
  void makeAllDue();

  int failures(const std::string& name) const;

 private:
  struct Entry {
    std::chrono::seconds interval{300};
    int64_t due = 0;
    int failures = 0;
    bool inFlight = false;
  };
  const Clock& clock_;
  std::mt19937_64 rng_;
  std::unordered_map<std::string, Entry> entries_;
  std::set<std::pair<int64_t, std::string>> waiting_;  // (due, name) of domains not in flight
  size_t inFlight_ = 0;
};

}  // namespace zonewatch::scheduler
