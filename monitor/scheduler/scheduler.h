// The scheduler: when each watched domain is observed next.
//
// Every domain is observed once per interval. As NSD spreads zone refreshes (xfrd.c), the next
// observation is due after a random 90–100% of the interval from the end of the last one, so a
// portfolio that started together drifts apart instead of hammering servers in lockstep. A restart
// keeps that spread: a domain observed before resumes its phase (as xfrd restores its zones'
// timers from xfrd.state), and the ones overdue by then are spread over the first tenth of their
// interval instead of all being due at the first second. Only domains never observed are due at
// once: whoever adds a domain wants to see it (the engine's per-server limit paces them).
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
  // The end of its last observation with data (storage::DomainRow::lastSeen), 0 when never.
  int64_t lastObserved = 0;
};

// How late the most overdue domain waiting to be observed is.
struct Lag {
  int64_t seconds = 0;               // from its due time to now; 0 when none is late
  std::chrono::seconds interval{0};  // its interval
};

class Scheduler {
 public:
  Scheduler(const Clock& clock, uint64_t seed);

  // Replaces the set of domains (start-up, reload). Domains already known keep their due time
  // (clamped to the new interval). New ones observed before are due 90–100% of the interval after
  // `lastObserved`, or, when that has passed, within the first tenth of the interval from now;
  // new ones never observed are due now.
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
  // The domain waiting longest past its due time (in-flight ones are not waiting).
  Lag lag() const;

  int failures(const std::string& name) const;
  // Observations completed since the domain joined (0 for an unknown name), and of all domains.
  uint64_t completions(const std::string& name) const;
  uint64_t completions() const { return completions_; }

 private:
  struct Entry {
    std::chrono::seconds interval{300};
    int64_t due = 0;
    int failures = 0;
    uint64_t completions = 0;
    bool inFlight = false;
  };
  int64_t firstDue(const ScheduledDomain& domain, int64_t now);
  const Clock& clock_;
  std::mt19937_64 rng_;
  std::unordered_map<std::string, Entry> entries_;
  std::set<std::pair<int64_t, std::string>> waiting_;  // (due, name) of domains not in flight
  size_t inFlight_ = 0;
  uint64_t completions_ = 0;
};

}  // namespace zonewatch::scheduler
