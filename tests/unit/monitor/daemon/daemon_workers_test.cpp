// Several daemons as workers on one PostgreSQL database (work_source.h, storage/work_queue.h),
// with scripted observations in place of the prober (RunOptions::observer: no DNS traffic) and the
// real PostgreSQL 15 that tests/unit/storage/pg_server.h starts. Covered: three `run --once`
// workers started together observe each domain once per round between them and raise each event
// once; a change seen by one worker and confirmed by another still needs confirm_polls
// observations; an ack made through the database holds for every worker; a worker killed with
// SIGKILL holding claims leaves its domains to the others once its lease expired; a domain's
// series are exported by the worker that observed it last only; and one worker polls RDAP.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "alerts/metrics.h"
#include "monitor/commands/monitor_commands.h"
#include "monitor/daemon/daemon.h"
#include "storage/pg_store.h"
#include "tests/unit/alerts/metrics_text.h"
#include "tests/unit/monitor/daemon/daemon_fixture.h"
#include "tests/unit/storage/pg_server.h"
#include "tests/unit/storage/store_test_support.h"

namespace zonewatch::daemon {
namespace {

using storage::storetest::PgServer;

constexpr int kDomains = 24;

// A signed domain served by two operators' servers; `moved`: a third operator's.
model::Observation scripted(const std::string& domain, int64_t t, bool moved) {
  model::Observation o;
  o.domain = domain;
  o.domainUnicode = domain;
  o.observedAt = t;
  o.status = model::SecurityState::kSecure;
  o.reason = model::SecurityReason::kNone;
  o.operators = {moved ? "gamma-dns.example." : "alpha-dns.example."};
  o.parent.zone = "example.";
  o.parent.ns = {moved ? "ns1.gamma-dns.example." : "ns1.alpha-dns.example."};
  o.parent.ds = {{100, 13, 2, "AABB"}};
  o.parent.servers = {testutil::parentServer(o.parent)};
  model::ServerView s;
  s.name = o.parent.ns[0];
  s.address = "192.0.2.53";
  s.aa = true;
  s.ns = o.parent.ns;
  s.dnskey = {{100, 257, 13}, {200, 256, 13}};
  s.state = model::SecurityState::kSecure;
  s.reason = model::SecurityReason::kNone;
  o.servers = {s};
  o.earliestRrsigExpiration = t + 30 * 86400;
  return o;
}

class DaemonWorkersTest : public testutil::DaemonFixture {
 protected:
  DaemonWorkersTest() : DaemonFixture("zw-workers") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonFixture::SetUp());
    auto started = PgServer::shared().ensureStarted();
    ASSERT_TRUE(started.ok()) << started.error().message;
    auto database = PgServer::shared().createDatabase();
    ASSERT_TRUE(database.ok()) << database.error().message;
    uri_ = PgServer::shared().uri(*database);
    std::ofstream(dir_ / "password") << PgServer::shared().password() << "\n";
    std::ofstream config(configPath_);
    config << "database: " << uri_ << "\n"
           << "database_password_file: " << (dir_ / "password").string() << "\n"
           << "metrics: {enabled: false}\n"
           << "log_level: error\n"
           << "confirm_polls: 2\n"
           << "concurrency: 4\n"  // small batches: the workers interleave
           << "domains:\n";
    for (int i = 0; i < kDomains; ++i) config << "  - d" << i << ".example\n";
    t_ = static_cast<int64_t>(std::time(nullptr)) - 20000;
  }
  void TearDown() override {
    store_.reset();
    DaemonFixture::TearDown();
  }

  storage::PgStore& store() {
    if (!store_) {
      storage::PgOptions options;
      options.password = PgServer::shared().password();
      auto s = storage::PgStore::open(uri_, options);
      EXPECT_TRUE(s.ok()) << s.error().message;
      store_ = std::move(s).value();
    }
    return *store_;
  }

  // A `run --once` worker; its observations are counted under `worker`. With `hang`, it never
  // answers (a worker that dies mid-round).
  std::unique_ptr<Daemon> worker(int id, bool hang = false, std::chrono::seconds lease = {}) {
    RunOptions options;
    options.once = true;
    options.seed = static_cast<uint64_t>(id + 1);
    options.lease = lease;
    options.observer = [this, id, hang](const std::string& domain, auto done) {
      {
        std::lock_guard lock(mutex_);
        ++observed_[domain];
        by_[domain] = id;
      }
      if (!hang) done(scripted(domain, t_, moved_));
    };
    auto d = Daemon::create(config::loadConfig(configPath_), std::move(options));
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? std::move(d).value() : nullptr;
  }

  // A worker that runs until SIGTERM and sweeps every second (RunOptions::sweep). Created on the
  // test's thread, whose signal mask the run() thread then inherits.
  std::unique_ptr<Daemon> runningWorker(int id) {
    RunOptions options;
    options.seed = static_cast<uint64_t>(id + 1);
    options.sweep = std::chrono::seconds(1);
    options.observer = [this, id](const std::string& domain, auto done) {
      {
        std::lock_guard lock(mutex_);
        by_[domain] = id;
      }
      done(scripted(domain, t_, false));
    };
    auto d = Daemon::create(config::loadConfig(configPath_), std::move(options));
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? std::move(d).value() : nullptr;
  }

  bool roundStored() {
    return storage::storetest::holds(
        store(), "NOT EXISTS (SELECT 1 FROM work WHERE claimed_by IS NOT NULL OR due_at = 0)");
  }

  // The domains whose zonewatch_domain_state series the daemon exports.
  static std::set<std::string> exported(const Daemon& d) {
    std::set<std::string> out;
    const std::string text = d.metrics().render();
    for (int i = 0; i < kDomains; ++i) {
      const std::string domain = "d" + std::to_string(i) + ".example.";
      if (text.find("zonewatch_domain_state{domain=\"" + domain + "\"") != std::string::npos) {
        out.insert(domain);
      }
    }
    return out;
  }

  // The domains whose latest observation was `worker`'s.
  std::set<std::string> observedLastBy(int worker) {
    std::lock_guard lock(mutex_);
    std::set<std::string> out;
    for (const auto& [domain, id] : by_) {
      if (id == worker) out.insert(domain);
    }
    return out;
  }

  // One round by `workers` `run --once` daemons started together, 5 minutes after the previous.
  // Returns how many observations each made.
  std::vector<size_t> round(int workers, bool moved) {
    t_ += 300;
    moved_ = moved;
    observed_.clear();
    // The interval passed: every domain is due again.
    EXPECT_TRUE(store().execute("UPDATE work SET due_at = 0").ok());
    std::vector<size_t> made(static_cast<size_t>(workers));
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([this, w, &made] {
        auto d = worker(nextWorker_ + w);
        if (!d) return;
        auto summary = d->run();
        EXPECT_TRUE(summary.ok()) << summary.error().message;
        if (summary.ok()) made[static_cast<size_t>(w)] = summary->observations;
      });
    }
    for (auto& t : threads) t.join();
    nextWorker_ += workers;
    return made;
  }

  void expectEachObservedOnce() {
    EXPECT_EQ(observed_.size(), static_cast<size_t>(kDomains));
    for (const auto& [domain, count] : observed_) EXPECT_EQ(count, 1) << domain;
  }

  std::string uri_;
  std::unique_ptr<storage::PgStore> store_;
  int64_t t_ = 0;
  bool moved_ = false;
  std::mutex mutex_;
  std::map<std::string, int> observed_;
  std::map<std::string, int> by_;  // the worker that observed each domain last
  int nextWorker_ = 0;
};

TEST_F(DaemonWorkersTest, ThreeWorkersObserveEachDomainOncePerRoundAndRaiseEachEventOnce) {
  for (int r = 0; r < 3; ++r) {
    // The first round is the baseline; the second sees the move (pending, confirm_polls 2); the
    // third confirms it.
    const auto made = round(3, /*moved=*/r > 0);
    expectEachObservedOnce();
    size_t total = 0;
    for (size_t m : made) total += m;
    EXPECT_EQ(total, static_cast<size_t>(kDomains)) << "round " << r;
    if (r == 1) {
      EXPECT_TRUE(testutil::eventNames(store(), "").empty());
    }
  }
  for (int i = 0; i < kDomains; ++i) {
    const std::string domain = "d" + std::to_string(i) + ".example.";
    const auto names = testutil::eventNames(store(), domain);
    EXPECT_EQ(std::count(names.begin(), names.end(), "operator_changed"), 1) << domain;
  }
  // Every domain moved at once: one grouped event for the portfolio, whichever workers saw it.
  const auto portfolio = testutil::eventNames(store(), "*");
  EXPECT_EQ(std::count(portfolio.begin(), portfolio.end(), "portfolio_operator_change"), 1);
  EXPECT_TRUE(storage::storetest::holds(store(), "(SELECT count(*) FROM work) = 24"));
  EXPECT_TRUE(storage::storetest::holds(store(),
                                        "NOT EXISTS (SELECT 1 FROM work WHERE "
                                        "claimed_by IS NOT NULL OR due_at = 0)"));
}

// The pending change lives in the domain's row, not in a worker: worker 1 sees the move, worker 2
// confirms it, and the event is raised once, by the second observation.
TEST_F(DaemonWorkersTest, ConfirmationCountsObservationsOfDifferentWorkers) {
  round(1, /*moved=*/false);
  round(1, /*moved=*/true);
  EXPECT_TRUE(testutil::eventNames(store(), "d0.example.").empty());
  EXPECT_EQ(testutil::domainRow(store(), "d0.example.").pendingCount, 1);
  round(1, /*moved=*/true);
  EXPECT_EQ(by_["d0.example."], 2);
  const auto names = testutil::eventNames(store(), "d0.example.");
  EXPECT_EQ(std::count(names.begin(), names.end(), "operator_changed"), 1);
  round(1, /*moved=*/true);
  const auto after = testutil::eventNames(store(), "d0.example.");
  EXPECT_EQ(std::count(after.begin(), after.end(), "operator_changed"), 1);
}

// `zonewatch ack` writes the baseline into the shared database, not into a worker: after an ack
// of d0 (only), a move seen by one worker and confirmed by another violates d0's expectation and
// no other domain's, and each event is raised once.
TEST_F(DaemonWorkersTest, AnAckHoldsForEveryWorker) {
  round(1, /*moved=*/false);
  MonitorArgs ack;
  ack.configPath = configPath_;
  ack.configGiven = true;
  ack.domain = "d0.example.";
  std::ostringstream out, err;
  ASSERT_EQ(runAckCommand(ack, out, err), 0) << err.str();
  EXPECT_FALSE(testutil::domainRow(store(), "d0.example.").baselineJson.empty());
  round(1, /*moved=*/true);
  round(1, /*moved=*/true);
  EXPECT_EQ(by_["d0.example."], 2);
  const auto acked = testutil::eventNames(store(), "d0.example.");
  EXPECT_EQ(std::count(acked.begin(), acked.end(), "expectation_violated"), 1);
  EXPECT_EQ(std::count(acked.begin(), acked.end(), "operator_changed"), 1);
  const auto other = testutil::eventNames(store(), "d1.example.");
  EXPECT_EQ(std::count(other.begin(), other.end(), "expectation_violated"), 0);
  EXPECT_EQ(std::count(other.begin(), other.end(), "operator_changed"), 1);
}

// A worker killed with SIGKILL while it holds claims: nobody observes those domains until the
// lease expires, then another worker does, and the round is complete.
TEST_F(DaemonWorkersTest, AKilledWorkersDomainsAreTakenOverAfterItsLease) {
  round(1, /*moved=*/false);
  ASSERT_TRUE(store().execute("UPDATE work SET due_at = 0").ok());
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A worker whose observations never end (concurrency 4: it holds 4 claims); lease 3 s.
    auto d = worker(100, /*hang=*/true, std::chrono::seconds(3));
    if (d) (void)d->run();
    _exit(1);
  }
  bool claimed = false;
  for (int i = 0; i < 200 && !claimed; ++i) {
    claimed = storage::storetest::holds(
        store(), "(SELECT count(*) FROM work WHERE claimed_by IS NOT NULL) = 4");
    if (!claimed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(claimed);

  observed_.clear();
  {
    auto early = worker(1);
    ASSERT_TRUE(early);
    ASSERT_TRUE(early->run().ok());
  }
  // Within the lease: every domain but the dead worker's four.
  EXPECT_EQ(observed_.size(), static_cast<size_t>(kDomains - 4));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto late = worker(2);
  ASSERT_TRUE(late);
  auto summary = late->run();
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->observations, 4u);  // the dead worker's, nothing else
  expectEachObservedOnce();
  EXPECT_TRUE(storage::storetest::holds(store(),
                                        "NOT EXISTS (SELECT 1 FROM work WHERE "
                                        "claimed_by IS NOT NULL OR due_at = 0)"));
}

template <class Predicate>
bool eventually(Predicate done, std::chrono::seconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// Worker 1 observes the portfolio alone and exports every domain, still after its own sweeps.
// Worker 2 starts: its first sweep drops the series it loaded from the database, all worker 1's.
// Rounds follow until worker 2 observed some domains: then each domain's series are on the worker
// that observed it last, and on that one only.
TEST_F(DaemonWorkersTest, OnlyTheWorkerThatObservedADomainLastExportsItsSeries) {
  auto first = runningWorker(1);
  ASSERT_TRUE(first);
  std::atomic<int> running = 1;
  std::thread runFirst([&] {
    EXPECT_TRUE(first->run().ok());
    --running;
  });
  std::set<std::string> all;
  for (int i = 0; i < kDomains; ++i) all.insert("d" + std::to_string(i) + ".example.");
  EXPECT_TRUE(eventually([&] { return roundStored() && exported(*first) == all; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // two sweeps at least
  EXPECT_EQ(exported(*first), all);

  auto second = runningWorker(2);
  ASSERT_TRUE(second);
  ++running;
  std::thread runSecond([&] {
    EXPECT_TRUE(second->run().ok());
    --running;
  });
  EXPECT_TRUE(eventually([&] { return exported(*second).empty(); }));
  for (int r = 0; r < 20 && observedLastBy(2).empty(); ++r) {
    ASSERT_TRUE(store().execute("UPDATE work SET due_at = 0").ok());
    EXPECT_TRUE(eventually([&] { return roundStored(); }));
  }
  ASSERT_FALSE(observedLastBy(2).empty());
  EXPECT_TRUE(eventually([&] {
    return exported(*first) == observedLastBy(1) && exported(*second) == observedLastBy(2);
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(exported(*first), observedLastBy(1));
  EXPECT_EQ(exported(*second), observedLastBy(2));

  // One SIGTERM stops one daemon (the first signalfd to read it): send until both stopped.
  for (int i = 0; i < 100 && running > 0; ++i) {
    ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  runFirst.join();
  runSecond.join();
}

// RDAP queries a daemon counted, whatever their result.
double rdapQueries(const Daemon& d) {
  const std::string text = d.metrics().render();
  double count = 0;
  for (std::string_view result : {"ok", "no_server", "deferred", "transport", "not_found",
                                  "rate_limited", "http_status", "bad_response", "other"}) {
    count += testutil::sample(
                 text, "zonewatch_rdap_queries_total{result=\"" + std::string(result) + "\"}")
                 .value_or(0);
  }
  return count;
}

double rdapActive(const Daemon& d) {
  return testutil::sample(d.metrics().render(), "zonewatch_rdap_active").value_or(-1);
}

// Of two workers with rdap.enabled on one database, the one holding the role "rdap" polls and the
// other sends no query. The registry is a closed local port: every poll fails at once, counted.
TEST_F(DaemonWorkersTest, OneWorkerAtATimePollsRdap) {
  std::ofstream(configPath_, std::ios::app) << "rdap:\n  enabled: true\n  min_spacing: 0s\n"
                                            << "  servers:\n    example: http://127.0.0.1:1/\n";
  auto first = runningWorker(1);
  auto second = runningWorker(2);
  ASSERT_TRUE(first && second);
  std::atomic<int> running = 2;
  std::thread runFirst([&] {
    EXPECT_TRUE(first->run().ok());
    --running;
  });
  std::thread runSecond([&] {
    EXPECT_TRUE(second->run().ok());
    --running;
  });
  EXPECT_TRUE(eventually([&] { return rdapQueries(*first) + rdapQueries(*second) >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(rdapActive(*first) + rdapActive(*second), 1);
  const bool firstPolls = rdapActive(*first) == 1;
  EXPECT_GE(rdapQueries(firstPolls ? *first : *second), 1);
  EXPECT_EQ(rdapQueries(firstPolls ? *second : *first), 0);

  for (int i = 0; i < 100 && running > 0; ++i) {
    ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  runFirst.join();
  runSecond.join();
}

}  // namespace
}  // namespace zonewatch::daemon
