// The two WorkSources: the in-memory scheduler, and the database's work queue shared by workers.
#include "monitor/daemon/work_source.h"

#include <algorithm>
#include <random>
#include <unordered_set>
#include <utility>

#include "monitor/util/log.h"

namespace zonewatch::daemon {
namespace {

class LocalWorkSource final : public WorkSource {
 public:
  LocalWorkSource(const Clock& clock, uint64_t seed) : scheduler_(clock, seed) {}

  void setDomains(const std::vector<scheduler::ScheduledDomain>& domains) override {
    scheduler_.setDomains(domains);
  }
  void startRound() override {
    scheduler_.makeAllDue();
    remaining_ = scheduler_.size();
  }
  bool roundDone() const override { return remaining_ == 0; }
  std::vector<std::string> takeDue(size_t max) override { return scheduler_.takeDue(max); }
  void completed(const std::string& name, bool failed) override {
    scheduler_.completed(name, failed);
    if (remaining_ > 0) --remaining_;
  }
  std::optional<int64_t> nextDue() const override { return scheduler_.nextDue(); }
  size_t inFlight() const override { return scheduler_.inFlight(); }
  size_t size() const override { return scheduler_.size(); }
  scheduler::Lag lag() const override { return scheduler_.lag(); }
  uint64_t completions() const override { return scheduler_.completions(); }
  uint64_t completions(const std::string& name) const override {
    return scheduler_.completions(name);
  }

 private:
  scheduler::Scheduler scheduler_;
  size_t remaining_ = 0;  // `run --once`: domains of the round not yet completed
};

// How far back of the previous sweep the next one reads (seconds): see takenOver().
constexpr int64_t kSweepOverlap = 5;

// The work queue's claims, seen from one worker. It knows only what it claimed: lag() is read
// from the database with each sweep (the most overdue waiting domain of every worker), and
// completions(name) counts nothing (the sizing's second estimate, which waits for every domain to
// be observed here, is left to a reload).
class SharedWorkSource final : public WorkSource {
 public:
  SharedWorkSource(storage::WorkQueue& queue, const Clock& clock, SharedWorkOptions options)
      : queue_(queue), clock_(clock), options_(std::move(options)), rng_(options_.seed) {}

  void setDomains(const std::vector<scheduler::ScheduledDomain>& domains) override {
    std::vector<storage::PortfolioEntry> entries;
    entries.reserve(domains.size());
    for (const auto& d : domains) entries.push_back({d.name, d.interval});
    size_ = entries.size();
    if (auto synced = queue_.syncPortfolio(entries, clock_.nowUnix()); !synced) {
      // The workers then share the portfolio the database had; the next reload tries again.
      log::error({"queue_sync_failed"},
                 "cannot sync the portfolio to the database: " + synced.error().message);
    }
  }
  void startRound() override { nextPoll_ = 0; }
  bool roundDone() const override { return drained_ && inFlight_.empty() && done_.empty(); }

  std::vector<std::string> takeDue(size_t max) override {
    const int64_t now = clock_.nowUnix();
    if (max == 0) return {};
    const bool idle = options_.once && inFlight_.empty();
    if (now < nextPoll_ && !idle) return {};
    auto claimed = queue_.claimDue(options_.worker, now, max, options_.lease);
    if (!claimed) {
      log::error({"queue_claim_failed"},
                 "cannot claim due domains: " + claimed.error().message + " (retrying)");
      nextPoll_ = now + options_.poll.count();
      drained_ = false;
      return {};
    }
    // A full batch: there may be more at once. Fewer: nothing else is due before the next poll.
    nextPoll_ = claimed->size() < max ? now + options_.poll.count() : now;
    drained_ = claimed->empty();
    for (const auto& name : *claimed) inFlight_.insert(name);
    return std::move(*claimed);
  }

  void completed(const std::string& name, bool failed) override {
    if (inFlight_.erase(name) == 0) return;
    ++completions_;
    std::uniform_int_distribution<int64_t> jitter(900000, 1000000);
    done_.push_back({name, failed, jitter(rng_)});
  }
  void settle() override {
    if (done_.empty()) return;
    auto completedClaims = queue_.completeClaims(options_.worker, clock_.nowUnix(), done_);
    if (!completedClaims) {
      // The claims then expire with their lease, and another worker (or this one) observes
      // those domains again: nothing lost, one observation more.
      log::error({"queue_complete_failed"}, "cannot complete " + std::to_string(done_.size()) +
                                                " claims: " + completedClaims.error().message);
    }
    done_.clear();
  }

  std::vector<std::string> takenOver() override {
    const int64_t now = clock_.nowUnix();
    if (options_.once || now < nextSweep_) return {};
    nextSweep_ = now + options_.sweep.count();
    refreshLag(now);
    auto taken = queue_.takenOver(options_.worker, sweptFrom_);
    if (!taken) {
      // sweptFrom_ stays: the next sweep covers this one's time too.
      log::warning({"queue_read_failed"},
                   "cannot read the domains other workers observed: " + taken.error().message);
      return {};
    }
    // The next sweep reads from a little before this one: completions are stamped with their
    // worker's clock, and one committed while this sweep read was stamped before it.
    sweptFrom_ = std::max<int64_t>(0, now - kSweepOverlap);
    return std::move(*taken);
  }

  // The portfolio's lag, from the database (every worker's waiting domains), refreshed with each
  // sweep; a failed read keeps the last one.
  void refreshLag(int64_t now) {
    auto oldest = queue_.oldestWaiting(now);
    if (!oldest) {
      log::warning({"queue_lag_failed"},
                   "cannot read the schedule's lag: " + oldest.error().message);
      return;
    }
    lag_ = *oldest
               ? scheduler::Lag{now - (*oldest)->dueAt, std::chrono::seconds((*oldest)->interval)}
               : scheduler::Lag{};
  }

  std::optional<int64_t> nextDue() const override {
    if (options_.once && drained_ && inFlight_.empty()) return std::nullopt;
    return nextPoll_;
  }
  size_t inFlight() const override { return inFlight_.size(); }
  size_t size() const override { return size_; }
  scheduler::Lag lag() const override { return lag_; }
  uint64_t completions() const override { return completions_; }
  uint64_t completions(const std::string&) const override { return 0; }

 private:
  storage::WorkQueue& queue_;
  const Clock& clock_;
  SharedWorkOptions options_;
  std::mt19937_64 rng_;
  std::unordered_set<std::string> inFlight_;  // claimed here and not completed
  std::vector<storage::ClaimCompletion> done_;
  size_t size_ = 0;
  int64_t nextPoll_ = 0;
  int64_t nextSweep_ = 0;
  scheduler::Lag lag_;
  int64_t sweptFrom_ = 0;  // 0: the first sweep reads every recorded completion
  bool drained_ = false;   // the latest claim found nothing due
  uint64_t completions_ = 0;
};

}  // namespace

std::unique_ptr<WorkSource> localWorkSource(const Clock& clock, uint64_t seed) {
  return std::make_unique<LocalWorkSource>(clock, seed);
}

std::unique_ptr<WorkSource> sharedWorkSource(storage::WorkQueue& queue, const Clock& clock,
                                             SharedWorkOptions options) {
  return std::make_unique<SharedWorkSource>(queue, clock, std::move(options));
}

}  // namespace zonewatch::daemon
