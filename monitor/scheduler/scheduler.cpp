#include "monitor/scheduler/scheduler.h"

#include <algorithm>

namespace zonewatch::scheduler {

Scheduler::Scheduler(const Clock& clock, uint64_t seed) : clock_(clock), rng_(seed) {}

void Scheduler::setDomains(const std::vector<ScheduledDomain>& domains) {
  const int64_t now = clock_.nowUnix();
  std::unordered_map<std::string, Entry> next;
  next.reserve(domains.size());
  for (const auto& d : domains) {
    Entry e;
    if (auto it = entries_.find(d.name); it != entries_.end()) {
      e = it->second;
      e.due = std::min(e.due, now + d.interval.count());
    } else {
      e.due = firstDue(d, now);
    }
    e.interval = d.interval;
    next.insert_or_assign(d.name, e);
  }
  entries_ = std::move(next);
  waiting_.clear();
  inFlight_ = 0;
  for (const auto& [name, e] : entries_) {
    if (e.inFlight) {
      ++inFlight_;
    } else {
      waiting_.emplace(e.due, name);
    }
  }
}

int64_t Scheduler::firstDue(const ScheduledDomain& d, int64_t now) {
  if (d.lastObserved <= 0) return now;  // never observed: at once
  const auto interval = static_cast<double>(d.interval.count());
  std::uniform_real_distribution<double> jitter(0.9, 1.0);
  const int64_t resumed = d.lastObserved + static_cast<int64_t>(interval * jitter(rng_));
  // A clock set back since the last observation must not postpone it past one interval.
  if (resumed > now) return std::min(resumed, now + d.interval.count());
  // Overdue (the daemon was down, or this is its first start with the database): spread, or a
  // restart would send the whole portfolio's queries in its first seconds.
  std::uniform_real_distribution<double> spread(0.0, interval / 10);
  return now + static_cast<int64_t>(spread(rng_));
}

std::vector<std::string> Scheduler::takeDue(size_t max) {
  const int64_t now = clock_.nowUnix();
  std::vector<std::string> out;
  while (out.size() < max && !waiting_.empty() && waiting_.begin()->first <= now) {
    auto node = waiting_.extract(waiting_.begin());
    entries_[node.value().second].inFlight = true;
    out.push_back(std::move(node.value().second));
  }
  inFlight_ += out.size();
  return out;
}

void Scheduler::completed(const std::string& name, bool failed) {
  auto it = entries_.find(name);
  if (it == entries_.end() || !it->second.inFlight) return;  // removed by a reload meanwhile
  Entry& e = it->second;
  e.inFlight = false;
  --inFlight_;
  ++e.completions;
  ++completions_;
  e.failures = failed ? e.failures + 1 : 0;
  // NSD-style jitter: 90-100% of the interval.
  std::uniform_real_distribution<double> jitter(0.9, 1.0);
  double delay = static_cast<double>(e.interval.count()) * jitter(rng_);
  if (e.failures > 1) delay *= e.failures == 2 ? 2.0 : 4.0;
  e.due = clock_.nowUnix() + static_cast<int64_t>(delay);
  waiting_.emplace(e.due, name);
}

std::optional<int64_t> Scheduler::nextDue() const {
  if (waiting_.empty()) return std::nullopt;
  return waiting_.begin()->first;
}

void Scheduler::makeAllDue() {
  const int64_t now = clock_.nowUnix();
  std::set<std::pair<int64_t, std::string>> updated;
  for (const auto& [due, name] : waiting_) {
    entries_[name].due = std::min(due, now);
    updated.emplace(entries_[name].due, name);
  }
  waiting_ = std::move(updated);
}

Lag Scheduler::lag() const {
  if (waiting_.empty()) return {};
  const auto& [due, name] = *waiting_.begin();  // the earliest due is the most overdue
  const int64_t late = clock_.nowUnix() - due;
  if (late <= 0) return {};
  return {late, entries_.at(name).interval};
}

uint64_t Scheduler::completions(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? 0 : it->second.completions;
}

int Scheduler::failures(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? 0 : it->second.failures;
}

}  // namespace zonewatch::scheduler
