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
    e.interval = d.interval;
    e.due = now;
    if (auto it = entries_.find(d.name); it != entries_.end()) {
      e = it->second;
      e.interval = d.interval;
      e.due = std::min(e.due, now + d.interval.count());
    }
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

int Scheduler::failures(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? 0 : it->second.failures;
}

}  // namespace zonewatch::scheduler
