// Where the daemon's loop takes the domains to observe next from, and where it says that an
// observation ended. Two sources behind one interface, so that the loop (daemon.cpp) is the same
// for both:
// - local: the in-memory scheduler (scheduler.h), for a database one process owns (SQLite). The
//   daemon alone decides when each domain is due.
// - shared: the database's work queue (storage/work_queue.h), for PostgreSQL, where every
//   `zonewatch run` on the same database is a worker. Due domains are claimed in batches when the
//   loop has room for them; completions are handed back in one transaction after each commit.
//   Another worker's share is never observed here, a dead worker's after its lease expired.
//   Per-domain metrics are exported by the worker that last observed the domain: each completion
//   records its worker, and a periodic sweep (takenOver()) names the domains others observed since,
//   whose series this worker then drops. The first sweep reads from the beginning, so a worker
//   that starts drops the series it loaded from the database for domains others observed.
//
// `run --once`: the local source makes every domain due and the round ends when each was
// observed once; the shared one claims until nothing is due and nothing is in flight, so that
// several `run --once` workers started together observe each due domain once between them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "monitor/scheduler/scheduler.h"
#include "monitor/util/clock.h"
#include "storage/work_queue.h"

namespace zonewatch::daemon {

class WorkSource {
 public:
  virtual ~WorkSource() = default;

  // The configured portfolio (start, reload); lastObserved resumes each domain's phase.
  virtual void setDomains(const std::vector<scheduler::ScheduledDomain>& domains) = 0;
  // `run --once`: starts the one round.
  virtual void startRound() = 0;
  // Whether the round of `run --once` is over (not counting observations waiting to be stored).
  virtual bool roundDone() const = 0;

  // Up to `max` domains to observe now; each is in flight until completed().
  virtual std::vector<std::string> takeDue(size_t max) = 0;
  // An observation ended: stored (failed: without data), or not stored at all (failed).
  virtual void completed(const std::string& name, bool failed) = 0;
  // Hands what completed() gathered to where it goes; called by the loop after each flush.
  virtual void settle() {}
  // Domains another worker observed since the previous sweep, when a sweep is due (else none):
  // only the worker that last observed a domain exports its series, so the loop drops these.
  // The local source has no other worker.
  virtual std::vector<std::string> takenOver() { return {}; }

  // When takeDue() may have something next (unix seconds); nullopt when nothing is waiting.
  virtual std::optional<int64_t> nextDue() const = 0;
  virtual size_t inFlight() const = 0;
  virtual size_t size() const = 0;  // domains in the portfolio
  // The most overdue waiting domain this source knows of.
  virtual scheduler::Lag lag() const = 0;
  // Observations completed here since start, in all and of one domain.
  virtual uint64_t completions() const = 0;
  virtual uint64_t completions(const std::string& name) const = 0;
};

std::unique_ptr<WorkSource> localWorkSource(const Clock& clock, uint64_t seed);

struct SharedWorkOptions {
  std::string worker;  // storage::newWorkerId()
  // How long a claim holds: longer than an observation and its commit take, or another worker
  // observes the domain too; a dead worker's domains wait this long.
  std::chrono::seconds lease{120};
  // How often to ask for due domains when the last claim found fewer than it asked for.
  std::chrono::seconds poll{1};
  // How often takenOver() asks the database which domains other workers observed: how long a
  // domain that moved keeps its series on both workers.
  std::chrono::seconds sweep{30};
  bool once = false;
  uint64_t seed = 0;  // the jitter of next due times
};

// `queue` is the loop's store connection, used from the loop's thread only.
std::unique_ptr<WorkSource> sharedWorkSource(storage::WorkQueue& queue, const Clock& clock,
                                             SharedWorkOptions options);

}  // namespace zonewatch::daemon
