// The monitor daemon: watches the configured portfolio continuously (or once, for cron and
// benchmarks), turning each observation into stored state and events.
//
// Where due domains come from (work_source.h): the in-memory scheduler with SQLite; with
// PostgreSQL, the work queue every `zonewatch run` on the same database shares as a worker
// (claims with a lease, storage/work_queue.h), while the domain's memory (confirmation, baseline,
// ack) is read from its row per observation, whichever worker makes it.
//
// The daemon's loop (one thread, one epoll loop) runs the scheduler's timer, signals (signalfd:
// SIGHUP reloads, SIGTERM/SIGINT finish in-flight work and exit), the differ and the store. The
// query engine and the prober run on the probe thread (probe_thread.h), its own loop, which hands
// each observation back to this one. Blocking HTTP runs beside them: the metrics and page
// listener's threads, the webhook deliveries on a worker thread with its own store connection,
// and, with rdap.enabled, the RDAP queries on a thread whose results the loop applies itself
// (rdap_watch.h). The pipeline for each domain is
//   scheduler → prober (observation, probe thread) → differ (events, new memory) → store (one
//   transaction)
// and the in-memory memory of a domain advances only once its commit succeeded, so a failed write
// (full disk) or a kill -9 never loses or repeats an event: the next observation re-derives it.
// Error policy (as Knot Resolver's): start-up problems are fatal with a message; a bad reload
// keeps the old configuration and says why; everything at run time is logged and retried.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "monitor/detect/differ.h"
#include "monitor/probe/start_files.h"
#include "monitor/util/result.h"
#include "storage/store.h"

namespace zonewatch::alerts {
class Metrics;
}

namespace zonewatch::daemon {

// Observes one domain (absolute, lowercase) and calls `done` with the observation, on the loop's
// thread, at once or later.
using Observer =
    std::function<void(const std::string& domain, std::function<void(model::Observation)> done)>;

struct RunOptions {
  // Observe every domain once, store, make one delivery pass over the webhook outbox, report,
  // exit (cron, benchmarks).
  bool once = false;
  uint64_t seed = 0;  // scheduler jitter; 0 = from the clock
  // With PostgreSQL (several workers, work_source.h): how long a claimed domain stays this
  // worker's; 0 = twice observation_timeout and a minute. Tests shorten it to see a dead worker's
  // domains taken over.
  std::chrono::seconds lease{0};
  // With PostgreSQL: how often to drop the series of domains another worker observed since
  // (work_source.h); 0 = every 30 s. Tests shorten it.
  std::chrono::seconds sweep{0};
  // Called for every event committed (logging, and later webhooks and metrics).
  std::function<void(const detect::Event&)> onEvent;
  // Replaces the prober (tests: scripted observations, no network); empty = the prober. An
  // observation it gives with `replay` set meets the same replay check as the prober's.
  Observer observer;
  // Tests only: called with the daemon's store once it is open, e.g. to cap its size
  // (storage::SqliteStore::setMaxPageCount) and so make the disk "full".
  std::function<void(storage::Store&)> onStoreOpened;
  // Where Debian's dns-root-data files are looked for when root_hints or trust_anchors is not
  // configured (probe/start_files.h); tests point at their own files.
  probe::DebianRootData debianRootData;
};

struct RunSummary {
  size_t observations = 0;
  size_t failedObservations = 0;
  // Observations not judged again: their answers repeated ones proven to change nothing
  // (monitor/detect/replay.h).
  size_t replayedObservations = 0;
  size_t events = 0;
  size_t commitFailures = 0;
  // `once` only: the outcomes of its delivery pass (alerts::Deliverer::runPass), per item and
  // webhook. Retried items stay in the outbox for a later run.
  size_t webhooksDelivered = 0;
  size_t webhooksRetried = 0;
  size_t webhooksGivenUp = 0;
};

class Daemon {
 public:
  // Opens the database (applying migrations), builds the engine and the prober. Fails with a
  // message that names what could not be set up.
  static Result<std::unique_ptr<Daemon>> create(config::Config config, RunOptions options);
  virtual ~Daemon() = default;
  // Runs until SIGTERM/SIGINT (or, with `once`, until every domain was observed once).
  virtual Result<RunSummary> run() = 0;
  // The series it exports (thread-safe: readable while run() runs on another thread).
  virtual const alerts::Metrics& metrics() const = 0;
};

// Builds the DomainMemory the differ needs from a stored row (the daemon writes the row back from
// the memory after each observation).
detect::DomainMemory memoryFromRow(const storage::DomainRow& row);
// Copies the memory into the row's columns (confirmed and pending states, auxiliary JSON, the
// consecutive failures, the last change).
void rowFromMemory(const detect::DomainMemory& memory, storage::DomainRow& row);

}  // namespace zonewatch::daemon
