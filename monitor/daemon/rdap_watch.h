// The daemon's registration watch over RDAP (issue 16): polls each watched domain's registry every
// `rdap.interval`, judges each answer against the domain's stored registration (monitor/rdap's
// registration_diff.h) and stores the resulting events through the same commit and outbox as the
// DNS events, so that webhooks, `events` and `history` show both in one timeline. Owns the RDAP
// thread and its schedule, the JSON of the stored registration and of the judgement's memory
// (storage::RegistrationRow), the apply step, the correlation hook the DNS side calls on an
// operator change, and the registration metrics.
//
// Threads: the blocking GETs (rdap_fetch.h) run on the watch's own thread, never on the DNS loop.
// A storage::Store is one connection used by one thread (storage/store.h), and the DNS loop's
// connection is the one that writes domain rows and events; so the RDAP thread touches no store:
// it hands each fetch result to the loop through a mutex-guarded queue, and the loop drains it
// (drain()) and applies the results on its own connection, between two turns. A result thus waits
// at most one loop turn (a second), and the registration's events are ordered with the DNS events
// by the same transactions.
//
// The bootstrap registry (RFC 9224) is the RDAP thread's too: with rdap.bootstrap_url it fetches
// the URL before its first poll and every rdap.bootstrap_refresh, and swaps the bootstrap between
// two polls; a failed fetch keeps the one in use and is never an event about a domain.
//
// A failed poll (every RdapFetchFailureKind) is an observation failure: counted, logged when its
// reason changes, and it changes nothing. The first successful poll of a domain is its baseline:
// stored, never compared (a false critical alarm is the worst defect).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.h"
#include "monitor/daemon/rdap_fetch.h"
#include "monitor/model/event.h"
#include "monitor/rdap/registration_diff.h"
#include "monitor/util/result.h"
#include "storage/store.h"

namespace zonewatch::alerts {
class Metrics;
}

namespace zonewatch::daemon {

// --- the stored JSON
// ------------------------------------------------------------------------------

// What the registration judgement remembers of a domain between polls
// (RegistrationRow::memoryJson).
struct RegistrationMemory {
  rdap::ExpiryMemory expiry;
  rdap::MismatchMemory mismatch;
  rdap::CorrelationMemory correlation;
  bool operator==(const RegistrationMemory&) const = default;
};

// A row's factsJson is rdap::toJson's form (monitor/rdap/registration_json.h).
std::string memoryToJson(const RegistrationMemory& memory);
// "" (no memory yet) and unreadable text give an empty memory: at worst an expiry reported again or
// a mismatch timed anew, never an event made up from garbage.
RegistrationMemory memoryFromJson(std::string_view text);

// --- the schedule
// ---------------------------------------------------------------------------------

// When a domain polled at `from` is next due: 90 to 100 % of the interval later, `unit` (in [0, 1))
// choosing where, as NSD's xfrd jitters its refreshes, so that a portfolio whose domains were all
// polled at start drifts apart instead of hitting its registries at the same moment every interval.
int64_t nextPollAt(int64_t from, std::chrono::seconds interval, double unit);

// The domains' due times, earliest first; pure (no clock, no thread), the RDAP thread drives it.
class RdapSchedule {
 public:
  // Replaces the portfolio. A domain kept keeps its due time; a new one is due at its `lastFetched`
  // plus a jittered interval (a restart resumes the phase), or at `now` when never fetched.
  void setDomains(const std::vector<std::pair<std::string, std::optional<int64_t>>>& domains,
                  int64_t now, std::chrono::seconds interval, double unit);
  // The earliest due domain and its time, if any domain is watched. Of domains due at the same
  // time, the one rescheduled first: domains deferred behind a busy server take their turns in
  // the order they were deferred, whatever their names.
  std::optional<std::pair<int64_t, std::string>> next() const;
  void reschedule(const std::string& domain, int64_t at);
  size_t size() const { return due_.size(); }
  // The domains scheduled, by name.
  std::vector<std::string> names() const;

 private:
  struct Due {
    int64_t at = 0;
    uint64_t order = 0;  // when it was (re)scheduled, for ties
  };
  std::map<std::string, Due> due_;
  uint64_t order_ = 0;
};

// --- the bootstrap refresh
// ----------------------------------------------------------------------

// After a failed fetch of rdap.bootstrap_url the next try comes within this, however long
// rdap.bootstrap_refresh is: a registry moved to a new RDAP server is unreachable until then.
inline constexpr std::chrono::seconds kMaxBootstrapRetry{3600};

// When rdap.bootstrap_url is fetched again after a fetch at `from`: `refresh` later after a
// success, min(refresh, kMaxBootstrapRetry) after a failure, each jittered like nextPollAt().
int64_t nextBootstrapFetchAt(int64_t from, std::chrono::seconds refresh, bool fetched, double unit);

// Why a fetch of rdap.bootstrap_url brought no bootstrap. `reason` is what a warning is logged
// once per: "transport", "HTTP status N", "too_large", "malformed" or "no_services".
struct BootstrapFetchFailure {
  std::string reason;
  std::string message;
};

// One answer to the GET of rdap.bootstrap_url judged: the bootstrap to use from now on, or why
// not (the bootstrap in use is then kept). Refused: no HTTP answer, a status other than 200, an
// answer cut at the size cap, a file parseBootstrap refuses, and one with no usable service (it
// would leave every domain without a server).
Result<rdap::Bootstrap, BootstrapFetchFailure> judgeBootstrapAnswer(
    const Result<alerts::HttpGetResponse, alerts::HttpError>& answer);

// --- the apply step
// -------------------------------------------------------------------------------

struct ApplyOptions {
  rdap::ExpiryOptions expiry;
  int64_t mismatchGraceSeconds = 86400;
  int64_t hijackWindowSeconds = 7 * 86400;
};
ApplyOptions applyOptionsFor(const config::RdapSpec& spec);

struct Applied {
  std::vector<model::Event> events;
  storage::RegistrationRow row;  // to write back once the events are stored
  bool baseline = false;         // the domain's first usable registration: nothing compared
  rdap::Registration facts;      // what is known now: the answer, its unsaid parts carried over
};

// One successful poll of `domain` at `at`: the previous row (none, or unreadable facts: a
// baseline), the new registration and the parent NS set the DNS last confirmed (empty: not known)
// → the events to store and the row to write back.
Applied applyRegistration(const std::string& domain,
                          const std::optional<storage::RegistrationRow>& previous,
                          const rdap::Registration& registration, int64_t at,
                          const std::vector<std::string>& dnsNs, const ApplyOptions& options);

// The correlation rule of issue 16 for one operator_changed event of the DNS side: the domain's
// stored signals within the window before it → a hijack_suspected event whose summary says the
// sequence, and the row to write back without the signals it used (one suspicion per signal).
struct Correlated {
  model::Event event;
  storage::RegistrationRow row;
};
std::optional<Correlated> correlateOperatorChanged(const storage::RegistrationRow& row,
                                                   const model::Event& operatorChanged,
                                                   int64_t windowSeconds);

// The parent NS set of a domain row's confirmed state (as the timeline page reads it); empty when
// there is none.
std::vector<std::string> confirmedParentNs(const storage::DomainRow& row);

// --- the watch
// ------------------------------------------------------------------------------------

// One fetch's outcome, handed from the RDAP thread to the loop.
struct RdapResult {
  std::string domain;
  int64_t at = 0;
  Result<rdap::Registration, RdapFetchFailure> outcome;
};

class RdapWatch {
 public:
  // Loads the bootstrap file (`rdap.bootstrap_file`, else the copy shipped with zonewatch); fails
  // with a message naming the file when it cannot be read. Starts no thread. With
  // `rdap.bootstrap_url`, the thread fetches that URL first and every `rdap.bootstrap_refresh`,
  // and its copy replaces the file's while the file's stays the fallback.
  static Result<std::unique_ptr<RdapWatch>> create(const config::RdapSpec& spec,
                                                   alerts::Metrics& metrics, const Clock& clock);
  ~RdapWatch();
  RdapWatch(const RdapWatch&) = delete;
  RdapWatch& operator=(const RdapWatch&) = delete;

  // The portfolio (absolute lowercase names); reads each domain's last fetch from `store` (the
  // caller's thread's connection) to resume its phase. Starts the thread on the first call.
  void setDomains(storage::Store& store, const std::vector<std::string>& domains);

  // Whether this worker polls the registries: of workers sharing one database, only the holder of
  // the store's role "rdap" does (storage::Store::holdRole), so that registries are asked once
  // and a registration event is stored once. Inactive, the thread sends no query and results not
  // yet applied are dropped (the active worker stores its own). Becoming active re-reads each
  // domain's last fetch from `store`: the worker that polled meanwhile moved the due times on.
  // Active from create().
  void setActive(storage::Store& store, bool active);
  bool active() const;

  // On the loop thread: applies the results the RDAP thread handed over since the last call (at
  // most kMaxResultsPerDrain), committing their events through `store`. Returns the events stored.
  std::vector<model::Event> drain(
      storage::Store& store,
      const std::function<std::vector<std::string>(const model::Event&)>& sinksFor);

  // On the loop thread, before a batch of DNS events is committed: the hijack_suspected events the
  // batch's operator_changed events raise. The rows to write back wait for committed().
  std::vector<model::Event> onOperatorChanged(storage::Store& store,
                                              const std::vector<model::Event>& events);
  // After that batch's commit: writes back the rows of the suspicions raised (ok), or forgets them
  // (the batch was not stored and will be observed again, raising them again).
  void committed(storage::Store& store, bool ok);

 private:
  RdapWatch(const config::RdapSpec& spec, rdap::Bootstrap bootstrap, alerts::Metrics& metrics,
            const Clock& clock);
  void run(std::stop_token stop);
  void apply(storage::Store& store, RdapResult result,
             const std::function<std::vector<std::string>(const model::Event&)>& sinksFor,
             std::vector<model::Event>& stored);
  void noteFailure(const std::string& domain, const RdapFetchFailure& failure);
  void publish(const std::string& domain, const rdap::Registration& registration);
  // On the RDAP thread, when run() finds it due: fetches rdap.bootstrap_url, replaces bootstrap_
  // with a usable answer, and sets when to fetch it again.
  void refreshBootstrap(alerts::HttpGetter& getter, const std::stop_token& stop);

  config::RdapSpec spec_;
  // The RDAP thread's once it starts: the fetcher reads it by reference, refreshBootstrap() assigns
  // it between two fetches, so that swapping it needs no lock and no new fetcher.
  rdap::Bootstrap bootstrap_;
  int64_t bootstrapDueAt_ = 0;    // RDAP thread: when rdap.bootstrap_url is fetched next
  std::string bootstrapFailure_;  // RDAP thread: the reason last logged, "" after a success
  alerts::Metrics& metrics_;
  const Clock& clock_;
  ApplyOptions options_;

  std::mutex mutex_;  // guards schedule_, results_ and the wake-up
  std::condition_variable_any wake_;
  RdapSchedule schedule_;
  std::deque<RdapResult> results_;
  bool changed_ = false;  // the portfolio changed: the thread looks at the schedule again
  // setActive(); written under mutex_ too, so that the thread's wait sees the change.
  std::atomic<bool> active_{true};
  std::mt19937_64 random_;
  std::jthread thread_;  // last: stopped and joined before the members it uses go away

  // Loop thread only.
  std::map<std::string, std::string> lastFailure_;  // domain -> the failure kind last logged
  std::vector<storage::RegistrationRow> pendingRows_;
};

// Results applied per drain(): a loop turn stays short however many the RDAP thread queued.
inline constexpr size_t kMaxResultsPerDrain = 64;
// Results the RDAP thread queues before it waits for the loop to drain them.
inline constexpr size_t kMaxQueuedResults = 1024;

}  // namespace zonewatch::daemon
