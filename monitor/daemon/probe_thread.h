// One of the daemon's probe threads (issue 13): its epoll loop, query engine, delegation cache and
// prober live there, so that asking, parsing, validating signatures and assembling observations
// run beside the daemon's loop, which judges and stores. A first round (every signature verified
// for the first time) was CPU-bound on the daemon's one thread; the daemon now runs `probe_threads`
// of these and hands each domain to the same one every time (its keys stay in that prober's
// KeyCache).
//
// Threads: the daemon's loop (the "home" loop) calls observe(); the request reaches the probe
// thread with EpollLoop::post(), and each finished observation comes back the same way, its
// callback running on the home loop. Shared between the threads, and thread-safe: the rate
// limiter (so that per_server_qps holds for the process), the signature verifications
// (VerificationCache), the OperatorResolver (libpsl's context is read-only) and the metrics. The
// store stays the home loop's (storage/store.h: one connection, one thread): what the probers
// learn for it travels with each observation, the signature verifications made since the last one
// (VerificationCache's journal). The replay check (monitor/detect/replay.h) runs on the probe
// thread against the domain's replay digest as read when its observation was handed over.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "monitor/dnssec/trust_anchor.h"
#include "monitor/dnssec/verification_cache.h"
#include "monitor/model/observation.h"
#include "monitor/probe/prober.h"
#include "monitor/resolver/epoll_loop.h"
#include "monitor/resolver/query_engine.h"
#include "monitor/util/clock.h"
#include "monitor/util/result.h"

namespace zonewatch::daemon {

// The digest a domain's row keeps (storage::DomainRow::replayDigest): the prober's over the DNS
// inputs, with this build's version and the key of the options the differ judges by
// (detect::replayOptionsKey: a reload, a changed `expect:` or an `ack` change it).
std::array<uint8_t, 32> replayKey(const model::ReplayInputs& inputs, std::string_view optionsKey);

// What a replayed observation must repeat: the row's digest, while its proof holds.
struct ReplayExpectation {
  std::array<uint8_t, 32> digest{};
  int64_t until = 0;       // the row's replayUntil
  std::string optionsKey;  // detect::replayOptionsKey of the domain's options
};

// Whether obs, which ran to its end, repeats the inputs `expected` was proven with, in time.
bool replayMatches(const ReplayExpectation& expected, const model::Observation& obs);

class ProbeThread {
 public:
  struct Setup {
    resolver::EngineOptions engine;  // a rateLimiter shared by the threads
    probe::ProbeOptions probe;       // verifications shared; its replayCheck is the thread's own
    probe::ZoneCut root;             // the root hints of the thread's delegation cache
    const Clock* clock = nullptr;
    dnssec::TrustAnchors anchors;
    const probe::OperatorResolver* operators = nullptr;
  };
  struct Finished {
    model::Observation observation;
    // Verifications this thread made since the last observation it handed back, for the store.
    std::vector<dnssec::VerificationCache::Success> verified;
  };
  using Done = std::function<void(Finished)>;

  // Builds the thread's loop, engine and prober; the thread itself starts with start().
  static Result<std::unique_ptr<ProbeThread>> create(Setup setup, resolver::EpollLoop& home);
  // Cancels what is in flight (no callback runs any more) and joins the thread.
  ~ProbeThread();
  ProbeThread(const ProbeThread&) = delete;
  ProbeThread& operator=(const ProbeThread&) = delete;

  void start();

  // On the home loop's thread: observes `domain` (probe::Prober::observe, with its memo); `done`
  // runs later on the home loop. `replay`: the row's replay digest, if it has one.
  void observe(const dns::Name& domain, std::vector<uint8_t> memo,
               std::optional<ReplayExpectation> replay, Done done);

  // Why the thread's loop stopped on its own (epoll_wait failed), if it did: its observations
  // will not come back, so the daemon stops with this message rather than wait for them.
  std::optional<std::string> failure() const;

 private:
  ProbeThread(resolver::EpollLoop& home, std::unique_ptr<resolver::EpollLoop> loop,
              const Clock& clock)
      : home_(home), loop_(std::move(loop)), cache_(clock) {}
  void runLoop();
  void begin(const dns::Name& domain, std::vector<uint8_t> memo,
             std::optional<ReplayExpectation> replay, Done done);
  bool replayCheck(const model::Observation& obs) const;

  resolver::EpollLoop& home_;
  std::unique_ptr<resolver::EpollLoop> loop_;
  probe::DelegationCache cache_;
  std::unique_ptr<resolver::QueryEngine> engine_;
  std::unique_ptr<probe::Prober> prober_;
  // The probe thread's own: the expectation of each domain in flight, by name.
  std::unordered_map<std::string, ReplayExpectation> expectations_;
  std::atomic<bool> stop_{false};
  mutable std::mutex failureMutex_;
  std::optional<std::string> failure_;
  std::thread thread_;
};

}  // namespace zonewatch::daemon
