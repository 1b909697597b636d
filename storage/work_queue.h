// Work sharing between workers on one database: which worker observes which domain when. Several
// `zonewatch run` processes pointed at the same PostgreSQL database are workers; none of them
// holds the schedule in memory. The database keeps, per configured domain, when it is due, how
// many of its observations failed in a row, and which worker has claimed it until when (its
// lease). A worker claims due domains in batches (SELECT ... FOR UPDATE SKIP LOCKED: two workers
// never wait on, nor take, the same rows), observes them, and completes each claim, which sets the
// next due time exactly as the in-memory scheduler does (scheduler.h: 90-100% of the interval,
// backing off twice then four times the interval after failures). A worker that dies keeps its
// claims only until their lease expires; then any worker claims them.
//
// Why an interface of its own rather than more of Store: only a backend shared by several
// processes has anything to share. SQLite is one process's file, and its daemon keeps scheduling
// in memory (scheduler.h) as before; Store::workQueue() says which backend can do this, without
// every backend implementing calls it cannot honour.
//
// Why a table of its own (work) rather than columns of domains: the portfolio (what the config
// watches) is not the history (what was ever observed). A domain dropped from the config leaves
// the work table while its rows, snapshots and events stay for the retention, as with SQLite; and
// a claim or a due time never rewrites the wide domains row.
//
// Each completion records its worker and time (last_worker, last_done): the worker that last
// observed a domain is the one that exports its per-domain series, and takenOver() tells the
// others which series to drop.
//
// Completing a claim happens after the observation's commit, in its own transaction: a worker
// killed between the two leaves the claim to expire, and the domain is observed once more than
// needed, which changes nothing (the commit advanced the domain's memory; event uids are
// idempotent).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/util/result.h"

namespace zonewatch::storage {

struct PortfolioEntry {
  std::string domain;  // absolute lowercase A-label name
  std::chrono::seconds interval{300};
};

struct ClaimCompletion {
  std::string domain;
  bool failed = false;  // nothing stored or no data: backs off like Scheduler::completed()
  // The jitter of the next due time in parts per million of the interval, 900000..1000000; drawn
  // by the caller so that its seed makes it reproducible.
  int64_t jitterPpm = 950000;
};

// The most overdue domain waiting to be claimed: when it was due and its interval (seconds).
struct OldestWaiting {
  int64_t dueAt = 0;
  int64_t interval = 0;
};

class WorkQueue {
 public:
  virtual ~WorkQueue() = default;

  // Makes the database's portfolio the given one: new domains are added (due at once when never
  // observed, else 90-100% of their interval after their last observation with data), changed
  // intervals are taken over, domains no longer listed are removed (their history stays).
  // Idempotent; workers syncing at once are serialised by the database.
  virtual Status<> syncPortfolio(std::span<const PortfolioEntry> domains, int64_t now) = 0;

  // Claims up to `limit` domains due at `now` whose claim is free or expired, earliest due first,
  // for `worker` until now + lease. One statement: rows another worker is claiming at the same
  // moment are skipped, never waited for.
  virtual Result<std::vector<std::string>> claimDue(std::string_view worker, int64_t now,
                                                    size_t limit, std::chrono::seconds lease) = 0;

  // Ends `worker`'s claims on these domains and schedules their next observations from `now`. A
  // claim `worker` no longer holds (expired and taken over, or the domain was removed) is left
  // alone. One transaction.
  virtual Status<> completeClaims(std::string_view worker, int64_t now,
                                  std::span<const ClaimCompletion> done) = 0;

  // The domains whose latest completed claim, at `since` or later, was another worker's: `worker`
  // must stop exporting their series, the other one exports them now. Asked with the time of the
  // previous ask, it reads only the completions since (an index on the completion time).
  virtual Result<std::vector<std::string>> takenOver(std::string_view worker, int64_t since) = 0;

  // The domain due longest ago at `now` that no worker holds (free or expired claim), across the
  // workers: the schedule's lag is the portfolio's, not one worker's. None when none is due.
  virtual Result<std::optional<OldestWaiting>> oldestWaiting(int64_t now) = 0;
};

// "HOST:PID:RANDOM", unique among the workers of one database; logged at start, stored with
// every claim.
std::string newWorkerId();

}  // namespace zonewatch::storage
