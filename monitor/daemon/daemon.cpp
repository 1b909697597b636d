#include "monitor/daemon/daemon.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <utility>

#include "alerts/deliverer.h"
#include "alerts/metrics.h"
#include "monitor/daemon/probe_thread.h"
#include "monitor/daemon/rdap_watch.h"
#include "monitor/daemon/work_source.h"
#include "monitor/detect/chain_summary.h"
#include "monitor/detect/differ.h"
#include "monitor/detect/observation_failure.h"
#include "monitor/detect/replay.h"
#include "monitor/dnssec/signature.h"
#include "monitor/dnssec/verification_cache.h"
#include "monitor/model/event_kind.h"
#include "monitor/probe/start_files.h"
#include "monitor/resolver/rate_limiter.h"
#include "monitor/scheduler/scheduler.h"
#include "monitor/scheduler/sizing.h"
#include "monitor/util/log.h"
#include "monitor/web/web_routes.h"
#include "storage/open_store.h"
#include "storage/work_queue.h"

namespace zonewatch::daemon {

namespace {

using nlohmann::json;

// Observations per transaction, at most (and kFlushEvery at the longest between two). Each waits
// in the batch with its row, snapshot and evidence (about 5 KB): with the probe thread handing
// back 2,500 observations a second, 500 were a peak of a few megabytes that 128 avoids, for about
// 20 transactions a second in WAL mode (issue 13, tests/bench/monitor_bench.sh).
constexpr size_t kBatchSize = 128;

// How the daemon's connections open the configured database (SQLite file or PostgreSQL URI).
storage::StoreOptions storeOptions(const config::Config& config) {
  storage::StoreOptions options;
  options.password = config.databasePassword;
  options.outboxClaim = config.deliveryClaim;
  return options;
}
constexpr auto kFlushEvery = std::chrono::milliseconds(200);
// How often the loop asks the store whether this worker still holds (or can take) the role "rdap":
// a worker that died leaves the polling to another within about this long.
constexpr auto kRdapRoleEvery = std::chrono::seconds(10);

detect::Expectation expectationFor(const config::DomainSpec* spec, const std::string& baseline) {
  detect::Expectation e;
  if (spec != nullptr && (!spec->expect.operators.empty() || !spec->expect.dsKeyTags.empty())) {
    e.operators = spec->expect.operators;
    e.dsKeyTags = spec->expect.dsKeyTags;
    return e;
  }
  if (baseline.empty()) return e;
  json j = json::parse(baseline, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return e;
  for (const auto& op : j.value("operators", json::array())) {
    if (op.is_string()) e.operators.push_back(op.get<std::string>());
  }
  for (const auto& tag : j.value("ds_key_tags", json::array())) {
    if (tag.is_number_unsigned()) e.dsKeyTags.push_back(tag.get<uint16_t>());
  }
  return e;
}

// Says plainly when observations fail, without one line per domain per round when, say, the
// root servers cannot be reached: the first failure of a kind is logged, then a count per minute.
class FailureLog {
 public:
  void note(const std::string& domain, const std::string& why, int64_t now) {
    // Failures of a kind share one entry: the domain's own name is taken out of the text.
    std::string kind = why;
    for (size_t at = kind.find(domain); at != std::string::npos; at = kind.find(domain)) {
      kind.replace(at, domain.size(), "<domain>");
    }
    auto& e = entries_[kind];
    if (e.count == 0 && now - e.lastLogged >= 60) {
      log::warning({"observation_failed", domain},
                   "cannot observe " + domain + ": " + why + " (retrying)");
      e.lastLogged = now;
      return;
    }
    ++e.count;
    if (now - e.lastLogged >= 60) {
      log::warning({"observations_failed"},
                   std::to_string(e.count) +
                       " more observations failed in the last minute: " + why + " (retrying)");
      e.count = 0;
      e.lastLogged = now;
    }
  }

 private:
  struct Entry {
    size_t count = 0;
    int64_t lastLogged = -1000;
  };
  std::map<std::string, Entry> entries_;
};

class DaemonImpl final : public Daemon {
 public:
  DaemonImpl(config::Config config, RunOptions options)
      : config_(std::move(config)), options_(std::move(options)) {}

  ~DaemonImpl() override {
    delivery_ = {};  // request stop and join before the members it uses go away
    if (signalFd_ >= 0) {
      if (loop_) loop_->unwatch(signalFd_);
      close(signalFd_);
    }
  }

  Status<> init();
  Result<RunSummary> run() override;
  const alerts::Metrics& metrics() const override { return *metrics_; }

 private:
  // A domain's stored row and the differ's memory built from it: read from the store when its
  // observation ends, not kept between observations, so that the daemon's memory does not grow
  // with the portfolio (issue 13: a few hundred octets per domain) and a baseline set by
  // `zonewatch ack` while it runs is the one compared with.
  struct Known {
    storage::DomainRow row;
    detect::DomainMemory memory;
  };
  struct Pending {
    std::string name;
    storage::ObservationCommit commit;
    std::optional<detect::ObservationFailure> failure;  // none: the observation brought data
    std::vector<detect::Event> events;
  };

  Status<> blockSignals();
  Status<> loadRootHints();
  Result<dnssec::TrustAnchors> loadTrustAnchors();
  Status<> startMetrics();
  resolver::EngineOptions engineOptions();
  Status<> openStore();
  void serveWebPage();
  void chooseWorkSource();
  Status<> startProbing(dnssec::TrustAnchors anchors);
  void preloadVerifiedSignatures();
  Status<> loadKnownDomains();
  std::optional<storage::DomainRow> takeRow(const std::string& name, bool replayed);
  std::optional<ReplayExpectation> expectationOf(const storage::DomainRow& row) const;
  bool replayHit(const model::Observation& obs) const;
  void onReplayed(storage::DomainRow row, const model::Observation& obs);
  void judgeReplay(const detect::DomainMemory& before, const detect::DiffResult& result,
                   const model::Observation& obs, const detect::DetectOptions& options,
                   storage::DomainRow& row) const;
  void applyDomains();
  scheduler::QueryPlan queryPlan() const;
  scheduler::RoundEstimate estimateFromStore(std::vector<scheduler::ScheduledDomain>* schedule,
                                             bool armFirstRound);
  void applyEstimate(const scheduler::RoundEstimate& estimate);
  void resizeAfterFirstRound();
  void publishSchedule();
  void dispatch();
  Status<> probesRunning() const;
  void onObservation(const std::string& name, model::Observation obs);
  detect::DetectOptions detectOptionsFor(const std::string& name,
                                         const std::string& baseline) const;
  void flush();
  void groupPortfolioEvents(std::vector<Pending>& batch, int64_t now);
  void groupSharedPortfolioEvents(std::vector<Pending>& batch, int64_t now);
  Status<> commitBatch(std::vector<Pending>& batch,
                       std::vector<storage::ObservationCommit>& commits, int64_t now);
  void handleStoreFailure(const std::vector<Pending>& batch, const std::string& why);
  void logAndCountEvents(const std::vector<detect::Event>& events);
  void reload();
  void onSignal();
  std::vector<std::string> sinksFor(const detect::Event& e) const;
  void publish(const storage::DomainRow& row, int64_t observedAt);
  void startDelivery();
  void deliver(std::stop_token stop, std::vector<config::WebhookSpec> sinks,
               const std::string& database, const storage::StoreOptions& storeOptions);
  std::optional<std::vector<config::WebhookSpec>> takeNextSinks();
  void handSinksToDelivery();
  void deliverOnce();
  void prune();
  Status<> startRdap();
  void drainRdap();
  void checkRdapRole();
  std::vector<std::string> watchedNames() const;

  config::Config config_;
  RunOptions options_;
  SystemClock clock_;
  std::unique_ptr<alerts::Metrics> metrics_;
  // Sinks from a reload, waiting for the delivery worker to take them.
  std::mutex sinksMutex_;
  std::condition_variable_any sinksChanged_;
  std::optional<std::vector<config::WebhookSpec>> nextSinks_;
  std::jthread delivery_;  // webhook deliveries: blocking HTTP stays off the loop's thread
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> started_;
  std::unique_ptr<resolver::EpollLoop> loop_;
  std::unique_ptr<storage::Store> store_;
  probe::ZoneCut rootHints_;
  std::optional<probe::OperatorResolver> operators_;
  // Shared by the probe threads (thread-safe), preloaded from the store before they start.
  dnssec::VerificationCache verifications_;
  // The query engines and the probers, each on a thread of its own (probe_thread.h), a domain
  // always on the same one. After what they use: they stop before it goes away.
  std::vector<std::unique_ptr<ProbeThread>> probes_;
  // Signature verifications the probe thread made, until the next commit stores them.
  std::vector<dnssec::VerificationCache::Success> verified_;
  // The in-memory scheduler, or the work queue the workers on one PostgreSQL share.
  std::unique_ptr<WorkSource> work_;
  // Each watched domain's place in config_.domains (a copy of every spec would double them).
  std::unordered_map<std::string, size_t> specs_;
  std::vector<Pending> batch_;
  // The row of each domain in flight that may be replayed, as read when it was handed to the
  // probe thread: a replayed observation's commit updates it (onReplayed).
  std::unordered_map<std::string, storage::DomainRow> prefetched_;
  std::chrono::steady_clock::time_point lastFlush_ = std::chrono::steady_clock::now();
  std::vector<detect::Event> recentOperatorChanges_;
  int64_t portfolioReportedAt_ = 0;
  FailureLog failures_;
  RunSummary summary_;
  int signalFd_ = -1;
  int64_t lastPrune_ = 0;
  // Sizing (estimateFromStore): the domains whose servers were unknown at the last estimate, and
  // the scheduler's count of completions at which to look whether they have all been observed.
  std::vector<std::string> unsized_;
  uint64_t sizingCheckAt_ = 0;
  bool behindByEstimate_ = false;
  int64_t schedulePublishedAt_ = 0;
  bool stopping_ = false;
  bool reloadRequested_ = false;
  // When the loop last asked for the role "rdap", and the answer last logged (none before the
  // first): one worker at a time polls the registries (checkRdapRole).
  std::chrono::steady_clock::time_point rdapRoleCheckedAt_{};
  std::optional<bool> rdapActive_;
  // The registration watch (issue 16), when rdap.enabled and not `--once`: its own thread fetches,
  // this loop applies (rdap_watch.h). Last: its thread stops before the members above go away.
  std::unique_ptr<RdapWatch> rdap_;
};

Status<> DaemonImpl::init() {
  log::setLevel(log::parseLevel(config_.logLevel));
  log::setFormat(log::parseFormat(config_.logFormat));
  if (auto blocked = blockSignals(); !blocked) return blocked;
  if (auto hints = loadRootHints(); !hints) return hints;
  auto anchors = loadTrustAnchors();
  if (!anchors) return Unexpected{anchors.error()};

  auto loop = resolver::EpollLoop::create();
  if (!loop) return fail("cannot create the event loop: " + loop.error().message);
  loop_ = std::move(loop).value();

  if (auto metrics = startMetrics(); !metrics) return metrics;
  if (auto store = openStore(); !store) return store;
  serveWebPage();  // after openStore(): the database exists and is migrated
  chooseWorkSource();
  if (auto probing = startProbing(std::move(anchors).value()); !probing) return probing;
  applyDomains();  // before the rows: their series are published for configured domains only
  if (auto rows = loadKnownDomains(); !rows) return rows;
  if (auto rdap = startRdap(); !rdap) return rdap;

  auto watched = loop_->watch(signalFd_, true, false, [this](int, uint32_t) { onSignal(); });
  if (!watched) return fail("cannot watch signals: " + watched.error().message);

  startDelivery();
  return Ok{};
}

Status<> DaemonImpl::blockSignals() {
  // Signals arrive as readable data on a descriptor of the loop, not in a handler. They are
  // blocked before any thread exists (the metrics exposer and the webhook worker start later in
  // init()), so that every thread inherits the mask and none is killed by a SIGTERM meant for the
  // loop.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return fail("cannot block signals");
  signalFd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signalFd_ < 0) return fail("cannot create a signalfd");
  return Ok{};
}

// Both say at start which copy is used: after a dns-root-data upgrade, or a malformed file, the
// operator can see whether the daemon follows it.
Status<> DaemonImpl::loadRootHints() {
  auto hints = probe::chooseRootHints(config_.rootHints.value_or(""), options_.debianRootData);
  if (!hints) return Unexpected{hints.error()};
  if (!hints->warning.empty()) log::warning({"root_hints"}, hints->warning);
  log::info({"root_hints"}, "root hints: " + hints->origin);
  rootHints_ = std::move(hints->value);
  return Ok{};
}

Result<dnssec::TrustAnchors> DaemonImpl::loadTrustAnchors() {
  auto anchors =
      probe::chooseTrustAnchors(config_.trustAnchors.value_or(""), options_.debianRootData);
  if (!anchors) return Unexpected{anchors.error()};
  if (!anchors->warning.empty()) log::warning({"trust_anchors"}, anchors->warning);
  log::info({"trust_anchors"}, "trust anchors: " + anchors->origin);
  return std::move(anchors->value);
}

Status<> DaemonImpl::startMetrics() {
  // A one-shot run (cron, benchmarks) serves no /metrics: nothing would scrape it, and the port
  // may belong to the daemon that runs beside it.
  config::MetricsSpec metricsSpec = config_.metrics;
  if (options_.once) metricsSpec.enabled = false;
  auto metrics = alerts::Metrics::create(metricsSpec);
  if (!metrics) return fail("cannot start the metrics endpoint: " + metrics.error().message);
  metrics_ = std::move(metrics).value();
  return Ok{};
}

resolver::EngineOptions DaemonImpl::engineOptions() {
  resolver::EngineOptions engineOptions;
  engineOptions.onResult = [this](const resolver::QueryResult& r) {
    if (r) {
      metrics_->countQuery(dns::rcodeToString(r->rcode));
    } else {
      metrics_->countQuery(r.error().code == resolver::QueryErrc::kTimeout ? "timeout" : "error");
    }
  };
  engineOptions.timeout = config_.queryTimeout;
  engineOptions.tries = config_.queryTries;
  engineOptions.perServerQps = config_.perServerQps;
  engineOptions.maxInFlight = std::max<size_t>(64, size_t{config_.concurrency} * 2);
  return engineOptions;
}

Status<> DaemonImpl::openStore() {
  auto store = storage::openStore(config_.database, storeOptions(config_));
  if (!store) {
    return fail("cannot open the database " + storage::databaseForDisplay(config_.database) + ": " +
                store.error().message);
  }
  store_ = std::move(store).value();
  if (options_.onStoreOpened) options_.onStoreOpened(*store_);
  return Ok{};
}

void DaemonImpl::serveWebPage() {
  // On the metrics listener, so only where metrics are served (not in `run --once`).
  if (!config_.web.enabled || metrics_->port() == 0) return;
  // The page's own connection, opened on its first request: a Store is one connection used by
  // one thread, and the loop's must never wait for a page (SQLite's WAL lets this one read while
  // the loop writes). Read-only: the page changes nothing. monitor/web/web_routes.h serialises
  // the listener's threads on it.
  storage::StoreOptions options = storeOptions(config_);
  options.readOnly = true;
  web::registerWebRoutes(*metrics_, [database = config_.database, options] {
    return storage::openStore(database, options);
  });
  const std::string& listen = config_.metrics.listen;  // its port may be 0: say the real one
  log::info("serving the timeline page on http://" + listen.substr(0, listen.rfind(':')) + ":" +
            std::to_string(metrics_->port()) + "/");
}

void DaemonImpl::chooseWorkSource() {
  const uint64_t seed =
      options_.seed != 0
          ? options_.seed
          : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  storage::WorkQueue* queue = store_->workQueue();
  if (queue == nullptr) {
    work_ = localWorkSource(clock_, seed);
    return;
  }
  // A shared database: this process is one of its workers.
  SharedWorkOptions shared;
  shared.worker = storage::newWorkerId();
  // An observation ends by observation_timeout; its commit waits for the next flush at most. Twice
  // that and a minute: a live worker's claim never expires under it.
  shared.lease = options_.lease.count() > 0
                     ? options_.lease
                     : std::chrono::duration_cast<std::chrono::seconds>(
                           2 * config_.observationTimeout + std::chrono::seconds(60));
  if (options_.sweep.count() > 0) shared.sweep = options_.sweep;
  shared.once = options_.once;
  shared.seed = seed;
  log::info({"worker_started"}, "worker " + shared.worker + " sharing the domains of " +
                                    storage::databaseForDisplay(config_.database) + " (lease " +
                                    std::to_string(shared.lease.count()) + "s)");
  work_ = sharedWorkSource(*queue, clock_, std::move(shared));
}

Status<> DaemonImpl::startProbing(dnssec::TrustAnchors anchors) {
  auto ops = probe::OperatorResolver::load();
  if (!ops) return fail("cannot load the Public Suffix List: " + ops.error().message);
  operators_.emplace(std::move(ops).value());

  ProbeThread::Setup setup;
  setup.engine = engineOptions();
  // One limiter for every thread's engine: per_server_qps is the process's.
  setup.engine.rateLimiter = std::make_shared<resolver::ServerRateLimiter>(
      setup.engine.perServerQps, setup.engine.perServerBurst, setup.engine.maxTrackedServers);
  setup.probe.iterator.ipv4 = config_.ipv4;
  setup.probe.iterator.ipv6 = config_.ipv6;
  setup.probe.limits = config_.validation;
  setup.probe.evidence = probe::ProbeOptions::Evidence::kDeferred;
  setup.probe.observationTimeout = config_.observationTimeout;
  setup.probe.verifications = &verifications_;
  setup.root = rootHints_;
  setup.clock = &clock_;
  setup.anchors = std::move(anchors);
  setup.operators = &*operators_;
  preloadVerifiedSignatures();  // before the threads share the cache
  const unsigned threads = config::probeThreadsFor(config_.probeThreads);
  for (unsigned i = 0; i < threads; ++i) {
    auto probe = ProbeThread::create(setup, *loop_);
    if (!probe) return Unexpected{probe.error()};
    probes_.push_back(std::move(probe).value());
  }
  for (auto& probe : probes_) probe->start();
  log::info({"probe_threads"},
            std::to_string(threads) + (threads == 1 ? " probe thread" : " probe threads"));
  return Ok{};
}

void DaemonImpl::preloadVerifiedSignatures() {
  // Signatures verified by earlier runs: restarting (or the next `run --once`) over an unchanged
  // portfolio then verifies nothing again. The memo must hold a whole round's verifications, a
  // handful per domain, or it would evict what the round is about to ask for.
  auto& memo = verifications_;
  memo.setJournaling(true);
  if (auto verified = store_->verifiedSignatures(clock_.nowUnix()); verified) {
    memo.reserve(2 * (verified->size() + 16 * config_.domains.size()));
    for (const auto& v : *verified) memo.preload(v.digest);
  } else {
    // Only a cost: every signature is verified again.
    log::warning({"verified_signatures_unreadable"}, verified.error().message);
  }
}

Status<> DaemonImpl::loadKnownDomains() {
  auto read = store_->forEachDomain([this](storage::DomainRow&& row) {
    // A domain no longer configured keeps its history but gets no series.
    if (!specs_.contains(row.domain)) return;
    // When it was last observed at all is not stored: the later of these is the best guess until
    // its next observation.
    publish(row, std::max(row.lastSeen, row.firstSeen));
  });
  if (!read)
    return fail("cannot read the database " + storage::databaseForDisplay(config_.database) + ": " +
                read.error().message);
  return Ok{};
}

void DaemonImpl::startDelivery() {
  // A one-shot run delivers in deliverOnce(), after its round, on this thread.
  if (config_.webhooks.empty() || options_.once) return;
  // The worker has its own store connection (a Store is one connection, used by one thread) and
  // delivers from the outbox the loop's commits fill: alerts survive restarts and receivers that
  // are down, because nothing leaves the outbox until a receiver accepted it. It lives until the
  // daemon stops; a reload hands it new sinks instead of restarting it (handSinksToDelivery).
  delivery_ = std::jthread(
      [sinks = config_.webhooks, database = config_.database, options = storeOptions(config_),
       this](std::stop_token stop) { deliver(stop, sinks, database, options); });
}

void DaemonImpl::deliver(std::stop_token stop, std::vector<config::WebhookSpec> sinks,
                         const std::string& database, const storage::StoreOptions& storeOptions) {
  auto store = storage::openStore(database, storeOptions);
  if (!store) {
    log::error({"webhooks_disabled"}, "webhook deliveries disabled: cannot open " +
                                          storage::databaseForDisplay(database) + ": " +
                                          store.error().message);
    return;
  }
  alerts::CurlPoster poster(stop);  // stopping the daemon aborts a request in progress
  alerts::Deliverer deliverer(**store, std::move(sinks), clock_, poster);
  std::map<std::pair<std::string, std::string>, uint64_t> reported;
  while (!stop.stop_requested()) {
    if (auto next = takeNextSinks()) deliverer.setSinks(std::move(*next));
    const size_t handled = deliverer.runOnce();
    for (const auto& [key, total] : deliverer.counters()) {
      for (uint64_t& seen = reported[key]; seen < total; ++seen) {
        metrics_->countWebhookDelivery(key.first, key.second);
      }
    }
    if (auto stats = (*store)->stats()) {
      metrics_->setOutboxPending(static_cast<size_t>(stats->outboxPending));
    }
    if (handled == 0) {
      std::unique_lock lock(sinksMutex_);
      sinksChanged_.wait_for(lock, stop, std::chrono::seconds(2),
                             [this] { return nextSinks_.has_value(); });
    }
  }
}

std::optional<std::vector<config::WebhookSpec>> DaemonImpl::takeNextSinks() {
  std::lock_guard lock(sinksMutex_);
  return std::exchange(nextSinks_, std::nullopt);
}

void DaemonImpl::handSinksToDelivery() {
  // Joining the worker here would hold the DNS loop for as long as a request to a slow receiver
  // takes (up to its timeout): the worker takes the new sinks between two requests instead.
  if (!delivery_.joinable()) {
    startDelivery();
    return;
  }
  {
    std::lock_guard lock(sinksMutex_);
    nextSinks_ = config_.webhooks;
  }
  sinksChanged_.notify_all();
}

void DaemonImpl::deliverOnce() {
  // A cron job has no daemon behind it: without this pass its events would wait in the outbox for
  // a worker that never runs. It runs after the round is stored, on this thread and connection
  // (nothing else uses them by now). Each request is bounded by its webhook's timeout, and a
  // receiver that does not answer at all is tried once per pass; what fails stays in the outbox
  // with its backoff (retry_initial, retry_max) for the next run to retry once it is due.
  if (config_.webhooks.empty()) return;
  alerts::CurlPoster poster;
  alerts::Deliverer deliverer(*store_, config_.webhooks, clock_, poster);
  deliverer.runPass();
  for (const auto& [key, total] : deliverer.counters()) {
    if (key.second == alerts::kDelivered) summary_.webhooksDelivered += total;
    if (key.second == alerts::kRetry) summary_.webhooksRetried += total;
    if (key.second == alerts::kGaveUp) summary_.webhooksGivenUp += total;
  }
}

void DaemonImpl::applyDomains() {
  std::vector<std::string> previous;
  previous.reserve(specs_.size());
  for (const auto& [name, spec] : specs_) previous.push_back(name);
  specs_.clear();
  std::vector<scheduler::ScheduledDomain> domains;
  domains.reserve(config_.domains.size());
  for (const auto& d : config_.domains) {
    auto name = d.name.lowercased().toString();
    specs_.insert_or_assign(name, domains.size());
    domains.push_back({std::move(name), d.interval, 0});
  }
  // A domain observed before resumes its phase instead of being due at once (scheduler.h); the
  // same pass over the stored rows sizes the round.
  const scheduler::RoundEstimate estimate = estimateFromStore(&domains, /*armFirstRound=*/true);
  work_->setDomains(domains);
  metrics_->setDomainsWatched(domains.size());
  for (const auto& name : previous) {
    if (!specs_.contains(name)) metrics_->removeDomain(name);
  }
  applyEstimate(estimate);
  if (rdap_) rdap_->setDomains(*store_, watchedNames());
}

scheduler::QueryPlan DaemonImpl::queryPlan() const {
  scheduler::QueryPlan plan;
  plan.perParentAddress = probe::kQueriesPerParentAddress;
  plan.perServerAddress = probe::kQueriesPerServerAddress;
  plan.perServerAddressWithMemo = probe::kQueriesPerServerAddressWithMemo;
  plan.fullEvery = std::chrono::duration_cast<std::chrono::seconds>(probe::kServerMemoMaxAge);
  // The prober's work caps (ProbeOptions::work is left at its defaults): past the address cap, or
  // past half the query cap in apex questions (the rest goes to the parent, the walk and host
  // lookups), an observation may leave some of its addresses unasked.
  const probe::WorkLimits caps;
  plan.maxServerAddresses = static_cast<size_t>(
      std::min(caps.maxAddresses, caps.maxQueries / 2 / probe::kQueriesPerServerAddress));
  plan.ipv4 = config_.ipv4;
  plan.ipv6 = config_.ipv6;
  return plan;
}

// Issue 13: at per_server_qps 10 a portfolio at one provider can need hours per round, and nothing
// said so. From the servers each domain's last observation found (none for a domain never
// observed: then its parent question only), the least duration of a round. The stored rows are
// streamed, read at start, on reload and once after the first round, and not kept: the rows are
// the memory. With `schedule`, each watched domain's last observation with data is set in it too.
scheduler::RoundEstimate DaemonImpl::estimateFromStore(
    std::vector<scheduler::ScheduledDomain>* schedule, bool armFirstRound) {
  scheduler::RoundEstimator estimator(queryPlan(), config_.perServerQps);
  std::vector<bool> sized(config_.domains.size(), false);
  auto read = store_->forEachDomain([&](storage::DomainRow&& row) {
    const auto spec = specs_.find(row.domain);
    if (spec == specs_.end()) return;  // no longer watched
    if (schedule != nullptr) (*schedule)[spec->second].lastObserved = row.lastSeen;
    detect::DomainMemory memory;
    detect::auxiliaryFromJson(row.serversJson, memory);
    if (memory.servers.empty()) return;
    scheduler::SizingDomain domain{
        std::move(row.domain), config_.domains[spec->second].interval, {}};
    for (const auto& [key, server] : memory.servers) domain.servers.push_back(key);
    estimator.add(domain);
    sized[spec->second] = true;
  });
  if (!read) {
    // Only the estimate and the phases suffer: every domain is then taken as never observed.
    log::warning({"schedule_read_failed"},
                 "cannot read the stored domains for the schedule: " + read.error().message);
    estimator = scheduler::RoundEstimator(queryPlan(), config_.perServerQps);
    std::fill(sized.begin(), sized.end(), false);
    if (schedule != nullptr) {
      for (auto& d : *schedule) d.lastObserved = 0;
    }
  }
  unsized_.clear();
  for (size_t i = 0; i < config_.domains.size(); ++i) {
    if (sized[i]) continue;
    const config::DomainSpec& d = config_.domains[i];
    scheduler::SizingDomain domain{d.name.lowercased().toString(), d.interval, {}};
    if (armFirstRound) unsized_.push_back(domain.name);
    estimator.add(domain);
  }
  return estimator.finish();
}

// A warning when the intervals cannot be kept (at start, on reload, in `run --once` too).
void DaemonImpl::applyEstimate(const scheduler::RoundEstimate& estimate) {
  sizingCheckAt_ = work_->completions() + unsized_.size();
  if (auto warning = scheduler::sizingWarning(estimate)) {
    log::warning({"round_sizing"}, *warning);
  } else {
    log::info({"round_sizing"}, scheduler::sizingSummary(estimate));
  }
  metrics_->setRoundEstimate(estimate.roundSeconds);
  behindByEstimate_ = estimate.behind;
  schedulePublishedAt_ = 0;
  publishSchedule();
}

void DaemonImpl::resizeAfterFirstRound() {
  // The servers shared between domains are known only once the domains have been observed: on an
  // empty database the first estimate counts the parents' questions alone. Once every domain whose
  // servers were unknown has been observed (with data or not), once more. Looked at only when
  // enough observations have completed for that to be possible, so the loop pays nothing per turn.
  if (unsized_.empty() || work_->completions() < sizingCheckAt_) return;
  std::erase_if(unsized_, [this](const std::string& name) { return work_->completions(name) > 0; });
  if (!unsized_.empty()) {
    sizingCheckAt_ = work_->completions() + unsized_.size();
    return;
  }
  applyEstimate(estimateFromStore(nullptr, /*armFirstRound=*/false));
}

void DaemonImpl::publishSchedule() {
  // Once a second is plenty for a scrape; the loop turns far more often under load.
  const int64_t now = clock_.nowUnix();
  if (now == schedulePublishedAt_) return;
  schedulePublishedAt_ = now;
  const scheduler::Lag lag = work_->lag();
  metrics_->setScheduleLag(static_cast<double>(lag.seconds));
  metrics_->setBehindSchedule(behindByEstimate_ || lag.seconds > lag.interval.count());
}

// The row's operators as noteObserved() writes them (a JSON array of names); none if unreadable.
std::vector<std::string> operatorsOf(const storage::DomainRow& row) {
  std::vector<std::string> names;
  const json ops = json::parse(row.operatorsJson, nullptr, /*allow_exceptions=*/false);
  if (!ops.is_array()) return names;
  for (const auto& op : ops) {
    if (op.is_string()) names.push_back(op.get<std::string>());
  }
  return names;
}

void DaemonImpl::publish(const storage::DomainRow& row, int64_t observedAt) {
  if (row.status) metrics_->setDomainState(row.domain, *row.status);
  if (row.rrsigExpiry) {
    metrics_->setRrsigExpiry(row.domain, *row.rrsigExpiry);
  } else {
    metrics_->clearRrsigExpiry(row.domain);  // no longer signed: no expiry to alert on
  }
  metrics_->setLastObserved(row.domain, observedAt);
  // Until its first observation with data, a domain counts as seen when it was first watched, so
  // that one added during an outage goes stale like any other.
  metrics_->setLastSuccess(row.domain, row.lastSeen > 0 ? row.lastSeen : row.firstSeen);
  metrics_->setConsecutiveFailures(row.domain, row.failures);
  if (row.lastChange > 0) metrics_->setLastChange(row.domain, row.lastChange);
  metrics_->setDomainOperators(row.domain, operatorsOf(row));
}

void DaemonImpl::onSignal() {
  signalfd_siginfo info{};
  while (read(signalFd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    if (info.ssi_signo == SIGHUP) {
      reloadRequested_ = true;
    } else {
      if (!stopping_) log::info({"stopping"}, "stopping: finishing the observations in flight");
      stopping_ = true;
    }
  }
}

void DaemonImpl::reload() {
  reloadRequested_ = false;
  try {
    config::Config next = config::loadConfig(config_.sourcePath);
    for (const auto& [what, changed] :
         {std::pair{"database", next.database != config_.database ||
                                    next.databasePassword != config_.databasePassword},
          std::pair{"concurrency", next.concurrency != config_.concurrency},
          std::pair{"probe_threads", next.probeThreads != config_.probeThreads},
          std::pair{"root_hints", next.rootHints != config_.rootHints},
          std::pair{"trust_anchors", next.trustAnchors != config_.trustAnchors},
          std::pair{"observation_timeout", next.observationTimeout != config_.observationTimeout},
          std::pair{"web.enabled", next.web.enabled != config_.web.enabled},
          std::pair{"rdap", !(next.rdap == config_.rdap)}}) {
      if (changed)
        log::warning({"reload_needs_restart"},
                     std::string("reload: a change of '") + what + "' takes effect at restart");
    }
    next.database = config_.database;
    next.databasePassword = config_.databasePassword;
    next.concurrency = config_.concurrency;
    next.probeThreads = config_.probeThreads;
    next.rootHints = config_.rootHints;
    next.trustAnchors = config_.trustAnchors;
    next.observationTimeout = config_.observationTimeout;  // the prober's, fixed at start
    next.web = config_.web;    // the page's routes are registered at start
    next.rdap = config_.rdap;  // the RDAP thread's fetcher and options are built at start
    config_ = std::move(next);
    log::setLevel(log::parseLevel(config_.logLevel));
    log::setFormat(log::parseFormat(config_.logFormat));
    applyDomains();
    handSinksToDelivery();
    log::info({"reloaded"}, "reloaded " + config_.sourcePath + ": " +
                                std::to_string(config_.domains.size()) + " domains");
  } catch (const std::exception& e) {
    // Knot Resolver's policy: a bad reload keeps the running configuration.
    log::error({"reload_failed"},
               std::string("reload failed, keeping the previous configuration: ") + e.what());
  }
}

void DaemonImpl::prune() {
  // At start and hourly, `--once` included: a cron job never runs for an hour, and without this
  // its database would keep everything forever. Expired verified signatures go; so does history
  // past the retention, except each domain's latest snapshot and every alert not yet delivered,
  // whatever their age.
  const int64_t now = clock_.nowUnix();
  if (now - lastPrune_ < 3600) return;
  lastPrune_ = now;
  if (auto forgot = store_->forgetVerifiedBefore(now); !forgot) {
    log::warning({"prune_failed"}, forgot.error().message);
  }
  if (auto pruned = store_->prune(now - config_.retention.count()); !pruned) {
    log::warning({"prune_failed"},
                 "could not prune history older than the retention: " + pruned.error().message);
  }
}

Status<> DaemonImpl::startRdap() {
  // A one-shot run ends with its DNS round: it would not wait for registries.
  if (!config_.rdap.enabled || options_.once) return Ok{};
  auto watch = RdapWatch::create(config_.rdap, *metrics_, clock_);
  if (!watch) return fail("cannot start the RDAP watch: " + watch.error().message);
  rdap_ = std::move(watch).value();
  // Before the thread starts: a worker that does not hold the role sends no query at all.
  checkRdapRole();
  rdap_->setDomains(*store_, watchedNames());
  return Ok{};
}

void DaemonImpl::checkRdapRole() {
  rdapRoleCheckedAt_ = std::chrono::steady_clock::now();
  auto held = store_->holdRole("rdap");
  // Not knowing is not holding: two workers polling is what the role prevents.
  const bool active = held.ok() && *held;
  rdap_->setActive(*store_, active);
  metrics_->setRdapActive(active);
  if (rdapActive_ == active) return;
  rdapActive_ = active;
  if (active) {
    log::info({"rdap_role"}, "RDAP watch: this worker polls the registries");
  } else if (held.ok()) {
    log::info({"rdap_role"}, "RDAP watch: another worker polls the registries");
  } else {
    log::warning({"rdap_role"},
                 "RDAP watch: not polling the registries, cannot tell whether "
                 "another worker does: " +
                     held.error().message);
  }
}

std::vector<std::string> DaemonImpl::watchedNames() const {
  std::vector<std::string> names;
  names.reserve(specs_.size());
  for (const auto& [name, index] : specs_) names.push_back(name);
  return names;
}

void DaemonImpl::drainRdap() {
  if (!rdap_) return;
  if (std::chrono::steady_clock::now() - rdapRoleCheckedAt_ >= kRdapRoleEvery) checkRdapRole();
  logAndCountEvents(rdap_->drain(*store_, [this](const model::Event& e) { return sinksFor(e); }));
}

void DaemonImpl::dispatch() {
  // Observations waiting only for their commit do not count against the concurrency.
  const size_t probing = work_->inFlight() - batch_.size();
  const size_t limit = config_.concurrency;
  if (probing >= limit) return;
  for (const auto& name : work_->takeDue(limit - probing)) {
    auto parsed = dns::Name::parse(name);
    if (!parsed) {
      work_->completed(name, true);
      continue;
    }
    started_[name] = std::chrono::steady_clock::now();
    // What it may reuse of the last answers (probe/server_memo.h) and the digest a replay must
    // repeat. Unreadable: it asks all and is judged, and onObservation() says why.
    std::vector<uint8_t> memo;
    std::optional<ReplayExpectation> expected;
    if (auto row = store_->domain(name); row && *row) {
      memo = (*row)->serverMemo;  // a copy: a replayed observation's commit writes the row's back
      expected = expectationOf(**row);
      if (expected) prefetched_.insert_or_assign(name, std::move(**row));
    }
    if (options_.observer) {
      // A scripted observation that carries replay inputs meets the check the prober makes.
      options_.observer(name, [this, name](model::Observation obs) {
        if (obs.replay && !obs.error && replayHit(obs)) obs.replayed = true;
        onObservation(name, std::move(obs));
      });
    } else {
      // Always the same thread for a domain: its keys stay in that prober's KeyCache.
      ProbeThread& probe = *probes_[std::hash<std::string>{}(name) % probes_.size()];
      probe.observe(*parsed, std::move(memo), std::move(expected),
                    [this, name](ProbeThread::Finished finished) {
                      verified_.insert(verified_.end(), finished.verified.begin(),
                                       finished.verified.end());
                      onObservation(name, std::move(finished.observation));
                    });
    }
  }
}

std::vector<std::string> DaemonImpl::sinksFor(const detect::Event& e) const {
  std::vector<std::string> sinks;
  for (const auto& w : config_.webhooks) {
    if (w.accepts(e)) sinks.push_back(w.name);
  }
  return sinks;
}

detect::DetectOptions DaemonImpl::detectOptionsFor(const std::string& name,
                                                   const std::string& baseline) const {
  const auto spec = specs_.find(name);
  detect::DetectOptions options;
  options.confirmPolls = config_.confirmPolls;
  options.failingPolls = config_.failingPolls;
  options.signatureWarningSeconds = config_.signatureWarning.count();
  options.signatureCriticalSeconds = config_.signatureCritical.count();
  options.maxSnapshotsPerHour = config_.maxSnapshotsPerHour;
  options.expect =
      expectationFor(spec != specs_.end() ? &config_.domains[spec->second] : nullptr, baseline);
  return options;
}

// Only an observation with data says anything about the domain: a failed one leaves the state,
// operators, expiry, chain and last_seen as they were, and touches no snapshot.
void noteObserved(const detect::DomainState& observed, bool storeSnapshot, model::Observation& obs,
                  storage::ObservationCommit& commit, storage::DomainRow& row) {
  row.lastSeen = obs.observedAt;
  row.status = observed.status;
  row.reason = observed.reason;
  row.operatorsJson = json(observed.operators).dump();
  row.rrsigExpiry = obs.earliestRrsigExpiration;
  row.chainJson = detect::toJson(detect::chainSummary(obs));  // display only: not in the state
  if (storeSnapshot) {
    commit.snapshotStateJson = detect::toJson(observed);
    commit.renderEvidence = std::move(obs.renderEvidence);
  } else {
    // A flapping domain (monitor/detect/differ.h): its latest snapshot stands for this
    // observation too.
    commit.touchLatestSnapshot = true;
  }
}

void DaemonImpl::onObservation(const std::string& name, model::Observation obs) {
  ++summary_.observations;
  if (auto started = started_.extract(name); !started.empty()) {
    metrics_->observeObservationDuration(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started.mapped()).count());
  }
  auto row = takeRow(name, obs.replayed);
  if (!row) {
    // Nothing to compare with: observed again after the backoff, like a round not stored.
    work_->completed(name, true);
    return;
  }
  if (obs.replayed) {
    onReplayed(std::move(*row), obs);
    return;
  }
  Pending p;
  p.name = name;
  Known k{std::move(*row), {}};
  if (k.row.domain.empty()) {
    k.row.domain = name;
    k.row.firstSeen = obs.observedAt;
  } else {
    k.memory = memoryFromRow(k.row);
  }
  p.failure = detect::observationFailure(obs, k.memory.confirmed ? &*k.memory.confirmed : nullptr);
  if (p.failure) {
    ++summary_.failedObservations;
    metrics_->countObservationFailure(detect::toString(*p.failure));
    failures_.note(name, detect::failureText(obs), obs.observedAt);
  }

  const detect::DetectOptions options = detectOptionsFor(name, k.row.baselineJson);
  auto result = detect::diff(k.memory, obs, options);
  judgeReplay(k.memory, result, obs, options, k.row);
  k.memory = std::move(result.memory);
  rowFromMemory(k.memory, k.row);
  p.commit.observedAt = obs.observedAt;
  if (result.observed) noteObserved(*result.observed, result.storeSnapshot, obs, p.commit, k.row);
  if (obs.serverMemo) k.row.serverMemo = std::move(*obs.serverMemo);
  p.commit.row = std::move(k.row);
  p.events = std::move(result.events);
  batch_.push_back(std::move(p));
  if (batch_.size() >= kBatchSize) flush();
}

// --- Replay (monitor/detect/replay.h) ------------------------------------------------------------

// What a replay of the domain must repeat: its row's digest, proven at a fixpoint, with the
// options it is judged by now. Read when the observation is handed over: a reload or an `ack`
// while it runs counts from the next one.
std::optional<ReplayExpectation> DaemonImpl::expectationOf(const storage::DomainRow& row) const {
  if (!row.replayDigest) return std::nullopt;
  return ReplayExpectation{
      *row.replayDigest, row.replayUntil,
      detect::replayOptionsKey(detectOptionsFor(row.domain, row.baselineJson))};
}

// The replay check of a scripted observation (RunOptions::observer): the one the probe thread
// makes (ProbeThread::replayCheck).
bool DaemonImpl::replayHit(const model::Observation& obs) const {
  const auto kept = prefetched_.find(obs.domain);
  if (kept == prefetched_.end()) return false;
  const auto expected = expectationOf(kept->second);
  return expected && replayMatches(*expected, obs);
}

// A replayed observation updates the row it was handed over with; any other is judged against
// the row as it is now.
std::optional<storage::DomainRow> DaemonImpl::takeRow(const std::string& name, bool replayed) {
  auto kept = prefetched_.extract(name);
  if (replayed && !kept.empty()) return std::move(kept.mapped());
  auto row = store_->domain(name);
  if (!row) {
    log::error({"domain_read_failed", name}, "cannot read " + name +
                                                 " from the database: " + row.error().message +
                                                 " (it will be observed again)");
    return std::nullopt;
  }
  return std::move(*row).value_or(storage::DomainRow{});
}

// A replayed observation changes nothing but the time the domain was last seen, and the latest
// snapshot's: no diff, no event, and an update of the row's last_seen and server memo.
void DaemonImpl::onReplayed(storage::DomainRow row, const model::Observation& obs) {
  ++summary_.replayedObservations;
  metrics_->countReplayedObservation();
  Pending p;
  p.name = row.domain;
  row.lastSeen = obs.observedAt;
  if (obs.serverMemo) row.serverMemo = *obs.serverMemo;
  p.commit.row = std::move(row);
  p.commit.observedAt = obs.observedAt;
  p.commit.replayed = true;
  p.commit.touchLatestSnapshot = true;
  batch_.push_back(std::move(p));
  if (batch_.size() >= kBatchSize) flush();
}

// Sets (or clears) the row's replay digest from a fully judged observation.
void DaemonImpl::judgeReplay(const detect::DomainMemory& before, const detect::DiffResult& result,
                             const model::Observation& obs, const detect::DetectOptions& options,
                             storage::DomainRow& row) const {
  row.replayDigest.reset();
  row.replayUntil = 0;
  if (!obs.replay || !detect::changesNothingWhenRepeated(before, result, obs, options)) return;
  if (auto until = detect::replayUntil(*obs.replay, options, obs.observedAt)) {
    row.replayDigest = replayKey(*obs.replay, detect::replayOptionsKey(options));
    row.replayUntil = *until;
  }
}

void DaemonImpl::flush() {
  lastFlush_ = std::chrono::steady_clock::now();
  if (batch_.empty()) return;
  std::vector<Pending> batch = std::move(batch_);
  batch_.clear();

  const int64_t now = clock_.nowUnix();
  groupPortfolioEvents(batch, now);
  if (rdap_) {
    // Issue 16: an operator change after a lock removal or registrar change is a hijack
    // suspicion; it travels with the operator change's own commit.
    for (auto& p : batch) {
      auto raised = rdap_->onOperatorChanged(*store_, p.events);
      p.events.insert(p.events.end(), raised.begin(), raised.end());
    }
  }
  std::vector<storage::ObservationCommit> commits;
  auto stored = commitBatch(batch, commits, now);
  if (rdap_) rdap_->committed(*store_, stored.ok());
  if (!stored) {
    handleStoreFailure(batch, stored.error().message);
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    logAndCountEvents(batch[i].events);
    publish(commits[i].row, commits[i].observedAt);
    work_->completed(batch[i].name, batch[i].failure.has_value());
  }
}

void DaemonImpl::groupPortfolioEvents(std::vector<Pending>& batch, int64_t now) {
  // Portfolio view: operator changes of several domains within one interval are also reported as
  // one grouped event (travelling with the last commit of the batch).
  const int64_t window = config_.interval.count();
  std::erase_if(recentOperatorChanges_,
                [&](const detect::Event& e) { return now - e.observedAt > window; });
  bool newChange = false;
  for (const auto& p : batch) {
    for (const auto& e : p.events) {
      if (e.kind == model::EventKind::kOperatorChanged) {
        recentOperatorChanges_.push_back(e);
        newChange = true;
      }
    }
  }
  if (!newChange) return;
  if (store_->workQueue() != nullptr) {
    groupSharedPortfolioEvents(batch, now);
    return;
  }
  if (now - portfolioReportedAt_ > window) {
    if (auto grouped = detect::groupPortfolio(recentOperatorChanges_, now)) {
      batch.back().events.push_back(*grouped);
      portfolioReportedAt_ = now;
    }
  }
}

// Workers sharing a database each see only the changes they observed: the grouped event is built
// from the operator changes every worker stored within the interval, and not raised when one was
// already stored by any of them. Its uid names the interval it falls in, so two workers that
// build one at the same moment store it once (event uids are unique).
void DaemonImpl::groupSharedPortfolioEvents(std::vector<Pending>& batch, int64_t now) {
  const int64_t window = std::max<int64_t>(1, config_.interval.count());
  storage::EventQuery q;
  q.since = now - window;
  q.limit = 100000;
  auto stored = store_->events(q);
  if (!stored) {
    log::warning({"portfolio_events_unreadable"},
                 "cannot read the portfolio's recent events: " + stored.error().message +
                     " (no grouped portfolio event this time)");
    return;
  }
  std::vector<detect::Event> changes;
  for (const auto& e : *stored) {
    if (e.kind == model::EventKind::kPortfolioOperatorChange) return;  // already reported
    if (e.kind == model::EventKind::kOperatorChanged) changes.push_back(e);
  }
  for (const auto& p : batch) {
    for (const auto& e : p.events) {
      if (e.kind == model::EventKind::kOperatorChanged) changes.push_back(e);
    }
  }
  if (auto grouped = detect::groupPortfolio(changes, now)) {
    grouped->uid = "*|" + grouped->name() + "|interval " + std::to_string(now / window);
    batch.back().events.push_back(*grouped);
  }
}

// Moves each commit out of the batch into `commits`, one per entry, in order.
Status<> DaemonImpl::commitBatch(std::vector<Pending>& batch,
                                 std::vector<storage::ObservationCommit>& commits, int64_t now) {
  commits.reserve(batch.size());
  for (auto& p : batch) {
    for (const auto& e : p.events) {
      // Each webhook's own filter (events, min_severity) decides, event by event.
      p.commit.events.push_back(storage::NewEvent{e, sinksFor(e)});
    }
    commits.push_back(std::move(p.commit));
  }
  // Successful verifications since the last batch travel with it. Should the commit fail they are
  // lost, which costs only their verification once more.
  for (const auto& success : std::exchange(verified_, {})) {
    commits.back().verified.push_back(
        {success.key, dnssec::unixFromSerial(success.expiration, now)});
  }
  return store_->commitBatch(commits);
}

void DaemonImpl::handleStoreFailure(const std::vector<Pending>& batch, const std::string& why) {
  // Nothing of the batch is stored, and the memory has not advanced: the next observation of
  // each domain derives the same events again. Back off, so a full disk is not hammered. The
  // store's message names the database, and starts with "disk full" when that is the cause.
  ++summary_.commitFailures;
  metrics_->countStoreCommitFailure();
  log::error({"store_failed"}, "could not store " + std::to_string(batch.size()) +
                                   " observations: " + why +
                                   " (nothing of them is stored; they will be observed again)");
  for (const auto& p : batch) {
    work_->completed(p.name, true);
  }
}

void DaemonImpl::logAndCountEvents(const std::vector<detect::Event>& events) {
  for (const auto& e : events) {
    ++summary_.events;
    const std::string line = e.name() + " " + e.domain + " [" +
                             std::string(model::toString(e.severity)) + "] " + e.summary;
    // Warning and critical events at warning level, so that `journalctl -p warning` (the
    // sd-daemon prefix, log.h) and a log_level: warning daemon show every event worth a look.
    if (e.severity != model::Severity::kInfo) {
      log::warning({e.name(), e.domain}, line);
    } else {
      log::info({e.name(), e.domain}, line);
    }
    metrics_->countEvent(e.kind);
    if (options_.onEvent) options_.onEvent(e);
  }
}

Status<> DaemonImpl::probesRunning() const {
  for (const auto& probe : probes_) {
    if (auto failure = probe->failure()) {
      return fail("a probe thread's event loop failed: " + *failure);
    }
  }
  return Ok{};
}

Result<RunSummary> DaemonImpl::run() {
  if (options_.once) {
    work_->startRound();
    log::info({"started"},
              (store_->workQueue() != nullptr ? "observing the due domains of " : "observing ") +
                  std::to_string(work_->size()) + " domains once");
  } else {
    log::info({"started"}, "watching " + std::to_string(work_->size()) + " domains, database " +
                               storage::databaseForDisplay(config_.database));
  }
  while (true) {
    if (reloadRequested_) reload();
    prune();
    drainRdap();
    if (!stopping_) dispatch();
    const size_t inFlight = work_->inFlight() - batch_.size();
    if (!batch_.empty() && (inFlight == 0 || stopping_ ||
                            std::chrono::steady_clock::now() - lastFlush_ >= kFlushEvery)) {
      flush();
    }
    work_->settle();
    // Another worker observed these since: its series are the current ones, ours are stale.
    for (const auto& name : work_->takenOver()) metrics_->removeDomain(name);
    resizeAfterFirstRound();
    publishSchedule();
    if (options_.once && work_->roundDone() && batch_.empty()) break;
    if (stopping_ && work_->inFlight() == 0 && batch_.empty()) break;

    auto wait = std::chrono::milliseconds(1000);
    if (!batch_.empty()) wait = std::chrono::milliseconds(50);
    if (auto due = work_->nextDue(); due && !stopping_) {
      const int64_t seconds = *due - clock_.nowUnix();
      const bool full = work_->inFlight() - batch_.size() >= config_.concurrency;
      if (seconds <= 0) {
        // Due now: wait only for a slot (answers wake the loop) or not at all.
        wait = full ? wait : std::chrono::milliseconds(0);
      } else {
        wait = std::min(wait, std::chrono::milliseconds(seconds * 1000));
      }
    }
    auto ran = loop_->runOnce(wait);
    if (!ran) return fail("the event loop failed: " + ran.error().message);
    if (auto probing = probesRunning(); !probing) return Unexpected{probing.error()};
  }
  // After the round is stored; not after a SIGTERM, which asks to finish quickly (the outbox
  // keeps the deliveries for the next run).
  if (options_.once && !stopping_) deliverOnce();
  if (!options_.once) log::info({"stopped"}, "stopped");
  return summary_;
}

}  // namespace

namespace {

// A stored state, unless it is one that an observation without data left behind (zonewatch before
// observation_failure.h took those as states): such a state is no baseline to compare with.
std::optional<detect::DomainState> usableState(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto s = detect::domainStateFromJson(text);
  if (!s || detect::fromObservationWithoutData(*s)) return std::nullopt;
  return std::move(s).value();
}

}  // namespace

detect::DomainMemory memoryFromRow(const storage::DomainRow& row) {
  detect::DomainMemory m;
  m.confirmed = usableState(row.stateJson);
  m.pending = usableState(row.pendingJson);
  m.pendingCount = m.pending ? row.pendingCount : 0;
  detect::auxiliaryFromJson(row.serversJson, m);
  m.lastChange = row.lastChange;
  m.failures = row.failures;
  return m;
}

void rowFromMemory(const detect::DomainMemory& m, storage::DomainRow& row) {
  row.lastChange = m.lastChange;
  row.stateJson = m.confirmed ? detect::toJson(*m.confirmed) : "";
  row.pendingJson = m.pending ? detect::toJson(*m.pending) : "";
  row.pendingCount = m.pendingCount;
  row.serversJson = detect::auxiliaryToJson(m);
  row.failures = m.failures;
}

Result<std::unique_ptr<Daemon>> Daemon::create(config::Config config, RunOptions options) {
  auto daemon = std::make_unique<DaemonImpl>(std::move(config), std::move(options));
  auto ready = daemon->init();
  if (!ready) return Unexpected{ready.error()};
  return std::unique_ptr<Daemon>(std::move(daemon));
}

}  // namespace zonewatch::daemon
