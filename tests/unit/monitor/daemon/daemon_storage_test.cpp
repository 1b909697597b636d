// The daemon's commit path (monitor/daemon/daemon.cpp) against a real SQLite store, with scripted
// observations in place of the prober (RunOptions::observer: no DNS traffic at all). Covered, from
// issue 11: a domain whose keys change every round writes a few snapshots and one state_flapping
// event, not a snapshot per round; a full disk (PRAGMA max_page_count, through
// RunOptions::onStoreOpened) leaves the round uncommitted, says so, counts it, and loses nothing
// once there is room again; `run --once` enforces the retention.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "alerts/metrics.h"
#include "monitor/daemon/daemon.h"
#include "storage/sqlite_store.h"
#include "tests/unit/alerts/metrics_text.h"
#include "tests/unit/monitor/daemon/daemon_fixture.h"

namespace zonewatch::daemon {
namespace {

using testutil::sample;
using testutil::StderrCapture;

// What the scripted observer answers, for every domain.
struct Script {
  uint16_t keyTag = 100;  // the one DNSKEY every server serves
  bool moved = false;     // the delegation moved to gamma-dns
  size_t evidenceBytes = 3000;
  uint16_t rootKey = 20326;  // the root's KSK in the chain of trust
  bool failed = false;       // an observation without data (no root reachable)
};

model::Observation observe(const Script& script, const std::string& domain, int64_t t) {
  model::Observation o;
  o.domain = domain;
  o.domainUnicode = domain;
  o.observedAt = t;
  o.status = model::SecurityState::kSecure;
  o.reason = model::SecurityReason::kNone;
  o.operators = {script.moved ? "gamma-dns.example." : "alpha-dns.example."};
  o.parent.zone = "example.";
  o.parent.ns = {script.moved ? "ns1.gamma-dns.example." : "ns1.alpha-dns.example."};
  o.parent.ds = {{100, 13, 2, "AABB"}};
  o.parent.servers = {testutil::parentServer(o.parent)};
  model::ServerView s;
  s.name = o.parent.ns[0];
  s.address = "192.0.2.53";
  s.aa = true;
  s.ns = o.parent.ns;
  s.dnskey = {{script.keyTag, 257, 13}};
  s.state = model::SecurityState::kSecure;
  s.reason = model::SecurityReason::kNone;
  o.servers = {s};
  o.earliestRrsigExpiration = t + 30 * 86400;
  model::ChainStep root;
  root.zone = ".";
  root.state = model::SecurityState::kSecure;
  root.reason = model::SecurityReason::kNone;
  root.ds = {{script.rootKey, 8, 2, "AA"}};
  root.dsMatched = root.ds;
  root.dnskey = {{script.rootKey, 257, 8}};
  o.chain = {root};
  if (script.failed) {
    o = model::Observation{};
    o.domain = domain;
    o.domainUnicode = domain;
    o.observedAt = t;
    o.error = "no root server answered";
    o.errorCode = "unreachable";
    return o;
  }
  const size_t bytes = script.evidenceBytes;
  o.renderEvidence = [domain, bytes] {
    // Pseudo-random digits: the store deflates evidence, and a text that compressed to nothing
    // would need no new page (the full-disk test needs it to).
    std::string text = "; server ns1 192.0.2.53\n";
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    while (text.size() < bytes) {
      text += domain + " 3600 IN TXT \"";
      for (int i = 0; i < 4; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        text += std::to_string(x);
      }
      text += "\"\n";
    }
    return text;
  };
  return o;
}

class DaemonStorageTest : public testutil::ScriptedRoundsFixture {
 protected:
  DaemonStorageTest() : ScriptedRoundsFixture("zw-storage") {}

  void configure(const std::string& extra = "") {
    std::ofstream(configPath_) << "database: " << database_ << "\n"
                               << "metrics: {enabled: false}\n"
                               << "log_level: error\n"
                               << "domains:\n  - a.example\n"
                               << extra;
  }

  std::unique_ptr<Daemon> create() {
    RunOptions options;
    options.once = true;
    options.seed = 1;
    options.observer = [this](const std::string& domain, auto done) {
      done(observe(script_, domain, t_));
    };
    options.onStoreOpened = onStoreOpened_;
    auto d = Daemon::create(config::loadConfig(configPath_), std::move(options));
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? std::move(d).value() : nullptr;
  }

  // One `run --once` round, 5 minutes after the previous one.
  void round() {
    t_ += 300;
    auto d = create();
    ASSERT_TRUE(d);
    auto summary = d->run();
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    EXPECT_EQ(summary->commitFailures, 0U);
  }

  std::vector<std::string> eventNames(const std::string& domain = "a.example.") {
    return testutil::eventNames(store(), domain);
  }

  std::vector<storage::SnapshotRow> snapshots(const std::string& domain = "a.example.") {
    auto s = store().snapshots(domain, 1000);
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : std::vector<storage::SnapshotRow>{};
  }

  storage::DomainRow row(const std::string& domain = "a.example.") {
    return testutil::domainRow(store(), domain);
  }

  Script script_;
  std::function<void(storage::Store&)> onStoreOpened_;
};

// Issue 11: keys that change at every poll wrote one snapshot, with its evidence, per poll.
TEST_F(DaemonStorageTest, KeysChangingEveryRoundWriteAFewSnapshotsAndOneEvent) {
  configure();
  for (int i = 1; i <= 30; ++i) {
    script_.keyTag = static_cast<uint16_t>(1000 + i);
    round();
  }
  auto snaps = snapshots();
  EXPECT_EQ(snaps.size(), 4U) << "the baseline and three changes, then the domain is flapping";
  EXPECT_EQ(eventNames(), std::vector<std::string>{"state_flapping"});
  ASSERT_FALSE(snaps.empty());
  EXPECT_EQ(snaps.front().lastSeen, t_) << "the latest snapshot stands for the flapping rounds";
  // The flapping and the latest observed state survive from one `run --once` to the next.
  const auto flapping = row();
  EXPECT_NE(flapping.serversJson.find("\"flapping\":true"), std::string::npos)
      << flapping.serversJson;
  EXPECT_NE(flapping.pendingJson.find("\"tag\":1030"), std::string::npos) << flapping.pendingJson;

  // One key for an hour: the settled state is stored and reported against the confirmed one.
  script_.keyTag = 77;
  for (int i = 0; i < 13; ++i) round();
  EXPECT_EQ(eventNames(),
            (std::vector<std::string>{"state_flapping", "state_flapping_ended", "dnskey_changed"}));
  snaps = snapshots();
  ASSERT_EQ(snaps.size(), 5U);
  EXPECT_NE(snaps.front().stateJson.find("\"tag\":77"), std::string::npos);
  EXPECT_EQ(snaps.front().firstSeen, t_);
  EXPECT_NE(row().stateJson.find("\"tag\":77"), std::string::npos);
}

// The chain of trust is display data (monitor/detect/chain_summary.h): each observation with data
// writes it to the row, a root key rollover neither writes a snapshot nor raises an event, and an
// observation without data leaves the chain as it was.
TEST_F(DaemonStorageTest, TheChainIsKeptInTheRowAndChurnsNothing) {
  configure();
  round();
  EXPECT_NE(row().chainJson.find(R"("tag":20326)"), std::string::npos) << row().chainJson;
  script_.rootKey = 38696;
  round();
  round();
  EXPECT_NE(row().chainJson.find(R"("tag":38696)"), std::string::npos) << row().chainJson;
  EXPECT_EQ(snapshots().size(), 1U);
  EXPECT_TRUE(eventNames().empty());
  const std::string before = row().chainJson;
  script_.failed = true;
  round();
  EXPECT_EQ(row().chainJson, before);
  EXPECT_EQ(row().failures, 1);
}

// A full disk: the round is not committed, nothing of it is half there, the log says so and names
// the database, the failure is counted, and once there is room the same daemon (whose memory did
// not advance) derives and stores the round's events.
TEST_F(DaemonStorageTest, FullDiskLeavesTheRoundUncommittedAndLosesNothing) {
  configure("confirm_polls: 1\n");
  round();
  const auto before = row();
  auto statsBefore = store().stats();
  ASSERT_TRUE(statsBefore.ok());
  ASSERT_EQ(statsBefore->snapshots, 1);

  storage::SqliteStore* daemonStore = nullptr;
  onStoreOpened_ = [&daemonStore](storage::Store& s) {
    daemonStore = dynamic_cast<storage::SqliteStore*>(&s);
    ASSERT_NE(daemonStore, nullptr);
    // Not below the current size: the database is pinned where it is.
    ASSERT_TRUE(daemonStore->setMaxPageCount(1).ok());
  };
  script_.moved = true;              // operator_changed at once (confirm_polls: 1)
  script_.evidenceBytes = 64 << 10;  // and a new snapshot that needs new pages
  t_ += 300;
  auto d = create();
  ASSERT_TRUE(d);
  ASSERT_NE(daemonStore, nullptr);
  std::string logged;
  {
    StderrCapture log((dir_ / "daemon.log").string());
    auto failed = d->run();
    ASSERT_TRUE(failed.ok()) << failed.error().message;
    EXPECT_EQ(failed->commitFailures, 1U);
    EXPECT_EQ(failed->events, 0U);
    logged = log.text();
  }
  EXPECT_NE(logged.find("disk full"), std::string::npos) << logged;
  EXPECT_NE(logged.find(database_), std::string::npos) << logged;
  EXPECT_EQ(sample(d->metrics().render(), "zonewatch_store_commit_failures_total"), 1);

  // Nothing of the round is stored: not the row, not a snapshot, not an event.
  EXPECT_EQ(row(), before);
  auto statsFull = store().stats();
  ASSERT_TRUE(statsFull.ok());
  EXPECT_EQ(statsFull->snapshots, statsBefore->snapshots);
  EXPECT_EQ(statsFull->events, 0);
  EXPECT_EQ(statsFull->domains, 1);
  EXPECT_EQ(snapshots().front().lastSeen, before.lastSeen);

  // Room again: the next round of the same daemon stores the change it could not store before.
  ASSERT_TRUE(daemonStore->setMaxPageCount(1 << 20).ok());
  t_ += 300;
  auto stored = d->run();
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->commitFailures, 1U) << "no new failure";
  EXPECT_EQ(eventNames(), std::vector<std::string>{"operator_changed"});
  auto snaps = snapshots();
  ASSERT_EQ(snaps.size(), 2U);
  EXPECT_EQ(snaps.front().firstSeen, t_);
  EXPECT_NE(snaps.front().stateJson.find("gamma-dns.example."), std::string::npos);
  EXPECT_EQ(row().lastSeen, t_);
  EXPECT_EQ(sample(d->metrics().render(), "zonewatch_store_commit_failures_total"), 1);
  auto check = store().integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
}

// `retention:` is enforced by `run --once` too (cron has no long-running daemon to do it): history
// past it goes, but never a domain's latest snapshot nor an alert still waiting for delivery.
TEST_F(DaemonStorageTest, RunOnceEnforcesTheRetention) {
  configure("retention: 1d\n");
  const int64_t old = static_cast<int64_t>(std::time(nullptr)) - 10 * 86400;
  auto commit = [this, old](int64_t at, const std::string& state,
                            std::vector<storage::NewEvent> events) {
    storage::ObservationCommit c;
    c.row.domain = "gone.example.";
    c.row.firstSeen = old;
    c.row.lastSeen = at;
    c.snapshotStateJson = state;
    c.observedAt = at;
    c.events = std::move(events);
    ASSERT_TRUE(store().commit(c).ok());
  };
  auto event = [](const std::string& uid, int64_t at, std::vector<std::string> sinks) {
    storage::NewEvent e;
    e.uid = uid;
    e.observedAt = at;
    e.kind = model::EventKind::kDnskeyChanged;
    e.severity = model::Severity::kInfo;
    e.summary = uid;
    e.sinks = std::move(sinks);
    return e;
  };
  commit(old, R"({"v":1})", {event("old-quiet", old, {})});
  commit(old + 100, R"({"v":2})", {event("old-pending", old + 100, {"ops"})});
  commit(old + 200, R"({"v":3})", {});
  // A recent event of the same domain stays.
  commit(t_, R"({"v":3})", {event("recent", t_, {})});
  ASSERT_EQ(snapshots("gone.example.").size(), 3U);

  round();
  auto snaps = snapshots("gone.example.");
  ASSERT_EQ(snaps.size(), 1U) << "older than a day, except the latest";
  EXPECT_EQ(snaps.front().stateJson, R"({"v":3})");
  std::set<std::string> left;
  storage::EventQuery q;
  q.domain = "gone.example.";
  auto events = store().events(q);
  ASSERT_TRUE(events.ok());
  for (const auto& e : *events) left.insert(e.uid);
  EXPECT_EQ(left, (std::set<std::string>{"old-pending", "recent"}));
  EXPECT_EQ(snapshots().size(), 1U) << "the round itself was stored";
}

}  // namespace
}  // namespace zonewatch::daemon
