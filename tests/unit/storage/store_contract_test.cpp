// What every Store backend must do, run against each: SQLite (a file in a fresh temporary
// directory per test) and PostgreSQL 15 (a fresh database per test on the server pg_server.h
// starts). Snapshots on change only, evidence capped and deflated, one transaction per commit and
// per batch, event uid idempotency, the outbox state machine, retention, verified signatures,
// unknown stored names, read-only and closed stores. The few statements a test runs by hand are
// written in SQL both understand; where the dialects differ (a blob literal, a trigger that
// injects a failure) the fixture writes each its own way.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/deflate.h"
#include "storage/evidence.h"
#include "storage/pg_store.h"
#include "storage/sqlite_store.h"
#include "tests/unit/storage/pg_server.h"
#include "tests/unit/storage/store_test_support.h"

namespace zonewatch::storage {
namespace {

namespace fs = std::filesystem;
using namespace storetest;  // NOLINT: the shared test vocabulary

constexpr std::string_view kSqlite = "sqlite";
constexpr std::string_view kPostgres = "postgresql";

// A store of either backend with the two maintenance calls the tests need beside Store (SQL by
// hand, closing the connection), which each backend has under its own type.
class AnyStore final : public Store {
 public:
  template <class Concrete>
  explicit AnyStore(std::unique_ptr<Concrete> store) {
    execute_ = [s = store.get()](std::string_view sql) { return s->execute(sql); };
    close_ = [s = store.get()] { s->close(); };
    store_ = std::move(store);
  }

  Status<> execute(std::string_view sql) { return execute_(sql); }
  void close() { close_(); }

  Result<std::optional<DomainRow>> domain(std::string_view name) override {
    return store_->domain(name);
  }
  Result<std::vector<DomainRow>> domains() override { return store_->domains(); }
  Status<> forEachDomain(const std::function<void(DomainRow&&)>& visit) override {
    return store_->forEachDomain(visit);
  }
  Status<> commit(const ObservationCommit& c) override { return store_->commit(c); }
  Status<> commitBatch(std::span<const ObservationCommit> batch) override {
    return store_->commitBatch(batch);
  }
  Result<std::vector<EventRow>> events(const EventQuery& q) override { return store_->events(q); }
  Result<std::vector<SnapshotRow>> snapshots(std::string_view domain, size_t limit) override {
    return store_->snapshots(domain, limit);
  }
  Status<> setBaseline(std::string_view domain, std::string_view baselineJson) override {
    return store_->setBaseline(domain, baselineJson);
  }
  Result<std::optional<RegistrationRow>> registration(std::string_view domain) override {
    return store_->registration(domain);
  }
  Status<> putRegistration(const RegistrationRow& row) override {
    return store_->putRegistration(row);
  }
  Result<std::vector<OutboxItem>> dueOutbox(int64_t now, size_t limit) override {
    return store_->dueOutbox(now, limit);
  }
  Status<> outboxDelivered(int64_t id, int64_t now) override {
    return store_->outboxDelivered(id, now);
  }
  Status<> outboxRetry(int64_t id, int64_t nextAttempt, std::string_view error) override {
    return store_->outboxRetry(id, nextAttempt, error);
  }
  Status<> outboxGiveUp(int64_t id, std::string_view error) override {
    return store_->outboxGiveUp(id, error);
  }
  Status<> prune(int64_t olderThan) override { return store_->prune(olderThan); }
  Result<std::vector<VerifiedSignature>> verifiedSignatures(int64_t now) override {
    return store_->verifiedSignatures(now);
  }
  Status<> forgetVerifiedBefore(int64_t time) override {
    return store_->forgetVerifiedBefore(time);
  }
  Result<StoreStats> stats() override { return store_->stats(); }
  Result<std::string> integrityCheck() override { return store_->integrityCheck(); }
  Result<bool> holdRole(std::string_view role) override { return store_->holdRole(role); }

 private:
  std::unique_ptr<Store> store_;
  std::function<Status<>(std::string_view)> execute_;
  std::function<void()> close_;
};

class StoreContractTest : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override {
    if (GetParam() == kSqlite) {
      std::string pattern = (fs::temp_directory_path() / "zonewatch-store-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
      return;
    }
    auto& server = storetest::PgServer::shared();
    auto started = server.ensureStarted();
    ASSERT_TRUE(started.ok()) << started.error().message;
    auto database = server.createDatabase();
    ASSERT_TRUE(database.ok()) << database.error().message;
    uri_ = server.uri(*database);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  bool postgres() const { return GetParam() == kPostgres; }

  std::unique_ptr<AnyStore> open(bool readOnly = false) {
    if (postgres()) {
      PgOptions options;
      options.password = storetest::PgServer::shared().password();
      options.readOnly = readOnly;
      auto store = PgStore::open(uri_, options);
      EXPECT_TRUE(store.ok()) << store.error().message;
      return store.ok() ? std::make_unique<AnyStore>(std::move(*store)) : nullptr;
    }
    SqliteOptions options;
    options.readOnly = readOnly;
    auto store = SqliteStore::open(dir_ + "/zonewatch.sqlite", options);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::make_unique<AnyStore>(std::move(*store)) : nullptr;
  }

  // A blob literal: x'..' in SQLite, '\x..'::bytea in PostgreSQL.
  std::string blob(std::span<const uint8_t> bytes) const {
    return postgres() ? "'\\x" + hex(bytes) + "'::bytea" : "x'" + hex(bytes) + "'";
  }
  // A trigger that fails every INSERT into `table` (for which `when` holds, if given) with
  // `message`, and the statement that removes it.
  std::string failingTrigger(const std::string& name, const std::string& table,
                             const std::string& when, const std::string& message) const {
    if (!postgres()) {
      return "CREATE TEMP TRIGGER " + name + " BEFORE INSERT ON " + table +
             (when.empty() ? "" : " WHEN " + when) + " BEGIN SELECT RAISE(ABORT, '" + message +
             "'); END";
    }
    return "CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " +
           "RAISE EXCEPTION '" + message + "'; END $$; CREATE TRIGGER " + name +
           " BEFORE INSERT ON " + table + " FOR EACH ROW" +
           (when.empty() ? "" : " WHEN (" + when + ")") + " EXECUTE FUNCTION " + name + "()";
  }
  std::string dropTrigger(const std::string& name, const std::string& table) const {
    return postgres() ? "DROP TRIGGER " + name + " ON " + table : "DROP TRIGGER " + name;
  }
  // How each backend words the refusal of a write.
  std::string readOnlyWord() const { return postgres() ? "read-only" : "readonly"; }

  std::string dir_;
  std::string uri_;
};

// Names the instances StoreContractTest/Backends.X/sqlite and .../postgresql.
std::string backendName(const ::testing::TestParamInfo<std::string_view>& param) {
  return std::string(param.param);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::Values(kSqlite, kPostgres),
                         backendName);

TEST_P(StoreContractTest, DomainRowRoundTripsEveryField) {
  auto store = open();
  ASSERT_TRUE(store);
  ObservationCommit c = observation("b.example.", 300, R"({"ds":[]})");
  c.row.lastChange = 250;
  c.row.rrsigExpiry = 1'700'000'000;
  c.row.pendingJson = R"({"ds":[1]})";
  c.row.pendingCount = 2;
  c.row.serversJson = R"({"192.0.2.1":"ok"})";
  c.row.baselineJson = R"({"ds":[]})";
  c.row.failures = 3;
  c.row.replayDigest.emplace();
  for (size_t i = 0; i < 32; ++i) (*c.row.replayDigest)[i] = static_cast<uint8_t>(i * 7 + 1);
  c.row.replayUntil = 5000;
  c.row.chainJson = R"({"zones":[{"zone":"."}]})";
  c.row.serverMemo = {0, 1, 2, 0xFF, 0};  // bytes, zeros included
  ASSERT_TRUE(store->commit(c).ok());
  ASSERT_TRUE(store->commit(observation("a.example.", 300, "{}")).ok());

  auto without = store->domain("a.example.");
  ASSERT_TRUE(without.ok() && without->has_value());
  EXPECT_TRUE((*without)->serverMemo.empty()) << "a row stored without a memo reads as none";

  auto got = store->domain("b.example.");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, c.row);

  auto missing = store->domain("c.example.");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto all = store->domains();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].domain, "a.example.");  // ordered by name
  EXPECT_FALSE((*all)[0].rrsigExpiry.has_value());
  EXPECT_EQ((*all)[1], c.row);
}

// The daemon's replay (monitor/detect/replay.h): a full commit sets or clears the digest; a
// replayed one writes last_seen only, of the row and of the latest snapshot, whatever else its row
// holds.
TEST_P(StoreContractTest, AReplayedCommitWritesLastSeenOnly) {
  auto store = open();
  ASSERT_TRUE(store);
  ObservationCommit first = observation("a.example.", 1000, R"({"ns":["a."]})");
  first.row.replayDigest.emplace();
  first.row.replayDigest->fill(0xAB);
  first.row.replayUntil = 9000;
  first.row.serverMemo = {7, 7, 7};
  ASSERT_TRUE(store->commit(first).ok());
  ObservationCommit replayed;
  replayed.row.domain = "a.example.";
  replayed.row.lastSeen = 1300;
  replayed.row.stateJson = "tampered";
  replayed.row.failures = 9;
  replayed.row.serverMemo = {8, 8};  // renewed by a replayed observation that asked everything
  replayed.observedAt = 1300;
  replayed.replayed = true;
  replayed.touchLatestSnapshot = true;
  ASSERT_TRUE(store->commit(replayed).ok());
  auto row = store->domain("a.example.");
  ASSERT_TRUE(row.ok() && row->has_value());
  DomainRow expected = first.row;
  expected.lastSeen = 1300;
  expected.serverMemo = {8, 8};
  EXPECT_EQ(**row, expected);
  auto snapshots = store->snapshots("a.example.", 10);
  ASSERT_TRUE(snapshots.ok());
  ASSERT_EQ(snapshots->size(), 1u);
  EXPECT_EQ(snapshots->front().firstSeen, 1000);
  EXPECT_EQ(snapshots->front().lastSeen, 1300);

  ASSERT_TRUE(store->commit(observation("a.example.", 1600, R"({"ns":["a."]})")).ok());
  row = store->domain("a.example.");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_FALSE((*row)->replayDigest.has_value());
  EXPECT_EQ((*row)->replayUntil, 0);
  EXPECT_TRUE((*row)->serverMemo.empty());  // a full commit without one clears it
  // A digest of another length is refused by the column.
  EXPECT_FALSE(
      store->execute("UPDATE domains SET replay_digest = " + blob(std::vector<uint8_t>{1, 2, 3}))
          .ok());
}

// Issue 16: one registration per domain, replaced by each poll, kept apart from commits, and gone
// with its domain.
TEST_P(StoreContractTest, RegistrationIsTheLatestAndGoesWithItsDomain) {
  auto store = open();
  ASSERT_TRUE(store);
  auto none = store->registration("example.org.");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value());
  // Unknown domain: refused, nothing written.
  const RegistrationRow first{"example.org.", 300, R"({"locks":["client transfer"]})", ""};
  auto refused = store->putRegistration(first);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("unknown domain"), std::string::npos);

  ASSERT_TRUE(store->commit(observation("example.org.", 200, "{}")).ok());
  ASSERT_TRUE(store->putRegistration(first).ok());
  auto got = store->registration("example.org.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, first);

  const RegistrationRow second{"example.org.", 400, R"({"locks":[]})", R"({"expiry":"warning"})"};
  ASSERT_TRUE(store->putRegistration(second).ok());
  ASSERT_TRUE(store->commit(observation("example.org.", 460, "{}")).ok());
  got = store->registration("example.org.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, second);

  ASSERT_TRUE(store->execute("DELETE FROM domains WHERE domain = 'example.org.'").ok());
  got = store->registration("example.org.");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreContractTest, CommitKeepsTheBaselineOnlySetBaselineChanges) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("example.org.", 200, "{}")).ok());
  ASSERT_TRUE(store->setBaseline("example.org.", R"({"ds":[7]})").ok());
  // A round that read the row before the ack commits it with the old, empty baseline.
  ObservationCommit stale = observation("example.org.", 260, "{}");
  stale.row.failures = 1;
  ASSERT_TRUE(store->commit(stale).ok());
  auto got = store->domain("example.org.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->baselineJson, R"({"ds":[7]})");
  EXPECT_EQ((*got)->failures, 1);
  EXPECT_EQ((*got)->lastSeen, 260);

  ASSERT_TRUE(store->setBaseline("example.org.", "").ok());
  got = store->domain("example.org.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->baselineJson, "");

  auto unknown = store->setBaseline("nowhere.example.", "{}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown domain"), std::string::npos);
}

TEST_P(StoreContractTest, SnapshotOnlyOnChange) {
  auto store = open();
  ASSERT_TRUE(store);
  const std::string a = R"({"ns":["a."]})", b = R"({"ns":["b."]})";
  ASSERT_TRUE(store->commit(observation("example.com.", 200, a)).ok());
  ASSERT_TRUE(store->commit(observation("example.com.", 260, a)).ok());
  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].firstSeen, 200);
  EXPECT_EQ((*snaps)[0].lastSeen, 260);
  EXPECT_EQ((*snaps)[0].stateJson, a);
  // The evidence is the first observation's: an unchanged state stores none.
  EXPECT_NE((*snaps)[0].evidence.find("observed at 200"), std::string::npos);

  // An observation older than what is stored never moves last_seen back.
  ASSERT_TRUE(store->commit(observation("example.com.", 230, a)).ok());
  snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  EXPECT_EQ((*snaps)[0].lastSeen, 260);

  ASSERT_TRUE(store->commit(observation("example.com.", 320, b)).ok());
  // Back to a: compared with the latest snapshot (b), so a third one.
  ASSERT_TRUE(store->commit(observation("example.com.", 380, a)).ok());
  snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 3u);
  EXPECT_EQ((*snaps)[0].stateJson, a);  // newest first
  EXPECT_EQ((*snaps)[0].firstSeen, 380);
  EXPECT_EQ((*snaps)[1].stateJson, b);
  EXPECT_EQ((*snaps)[1].lastSeen, 320);
  EXPECT_EQ((*snaps)[2].lastSeen, 260);
  EXPECT_GT((*snaps)[0].id, (*snaps)[1].id);

  auto limited = store->snapshots("example.com.", 1);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].firstSeen, 380);
  auto other = store->snapshots("example.net.", 10);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

// The daemon hands its evidence over unrendered: it is rendered for a new snapshot only.
TEST_P(StoreContractTest, DeferredEvidenceIsRenderedOnlyForANewSnapshot) {
  auto store = open();
  ASSERT_TRUE(store);
  int rendered = 0;
  auto deferred = [&rendered](const std::string& state, int64_t at) {
    auto c = observation("example.com.", at, state);
    c.evidence.clear();
    c.renderEvidence = [&rendered, at] {
      ++rendered;
      return "; server ns1 192.0.2.1\nrendered at " + std::to_string(at) + "\n";
    };
    return c;
  };
  ASSERT_TRUE(store->commit(deferred("{}", 200)).ok());
  ASSERT_TRUE(store->commit(deferred("{}", 260)).ok());  // unchanged: not rendered
  EXPECT_EQ(rendered, 1);
  ASSERT_TRUE(store->commit(deferred(R"({"ns":["b."]})", 320)).ok());
  EXPECT_EQ(rendered, 2);
  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 2u);
  EXPECT_EQ((*snaps)[0].evidence, "; server ns1 192.0.2.1\nrendered at 320\n");
  EXPECT_EQ((*snaps)[1].evidence, "; server ns1 192.0.2.1\nrendered at 200\n");
}

// Issue 11: one huge answer (thousands of records) made one snapshot, and the database, as large as
// it was. The evidence kept is capped, cut between two records, and says what was cut.
TEST_P(StoreContractTest, EvidenceIsCappedAtARecordBoundary) {
  auto store = open();
  ASSERT_TRUE(store);
  std::string huge = "; server ns1.example.com. 192.0.2.1\n";
  for (int i = 0; huge.size() < 4 * kMaxEvidenceBytes; ++i) {
    huge += "example.com. 3600 IN TXT \"record " + std::to_string(i) + " " +
            std::string(static_cast<size_t>(i % 97), 'x') + "\"\n";
  }
  ObservationCommit c = observation("example.com.", 200, "{}");
  c.evidence = huge;
  ASSERT_TRUE(store->commit(c).ok());
  // The deferred form is capped as well.
  ObservationCommit deferred = observation("example.com.", 260, R"({"ns":["b."]})");
  deferred.evidence.clear();
  deferred.renderEvidence = [&huge] { return huge; };
  ASSERT_TRUE(store->commit(deferred).ok());

  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 2u);
  for (const SnapshotRow& snap : *snaps) {
    const std::string& kept = snap.evidence;
    EXPECT_LE(kept.size(), kMaxEvidenceBytes);
    EXPECT_GT(kept.size(), kMaxEvidenceBytes - 1024) << "cut far below the cap";
    ASSERT_TRUE(kept.ends_with('\n'));
    // Everything before the marker is the original's beginning, whole lines only.
    const size_t marker = kept.rfind('\n', kept.size() - 2) + 1;
    const std::string head = kept.substr(0, marker);
    EXPECT_EQ(huge.compare(0, head.size(), head), 0);
    EXPECT_EQ(huge[head.size() - 1], '\n');
    const std::string_view cut = std::string_view(huge).substr(head.size());
    EXPECT_EQ(kept.substr(marker),
              "; zonewatch: evidence capped at " + std::to_string(kMaxEvidenceBytes) + " bytes, " +
                  std::to_string(cut.size()) + " bytes (" +
                  std::to_string(std::count(cut.begin(), cut.end(), '\n')) + " lines) cut\n");
  }

  // Evidence within the cap is kept byte for byte.
  EXPECT_EQ(capEvidence("a\nb\n", 4), "a\nb\n");
  const std::string exact(kMaxEvidenceBytes, 'z');
  EXPECT_EQ(capEvidence(exact), exact);
  // A single record longer than the cap leaves the marker alone.
  EXPECT_EQ(capEvidence(std::string(1000, 'y'), 200),
            "; zonewatch: evidence capped at 200 bytes, 1000 bytes (1 lines) cut\n");
}

// A damaged file: the snapshot whose blob does not inflate is an error naming it; the domain's
// other data, the other domains and later commits are unaffected.
TEST_P(StoreContractTest, ADamagedDeflatedBodyIsAClearErrorAndLosesNothingElse) {
  auto store = open();
  ASSERT_TRUE(store);
  for (const std::string domain : {"a.lab.", "b.lab."}) {
    auto c = observation(domain, 200, realisticState(domain, 1));
    c.evidence = realisticEvidence(domain);
    ASSERT_TRUE(store->commit(c).ok());
  }
  // a's evidence with one bit flipped in the middle.
  auto bytes = deflateText(realisticEvidence("a.lab."));
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(holds(*store, "SELECT evidence_deflate = " + blob(*bytes) +
                                " FROM snapshot_bodies WHERE snapshot_id = 1"));
  (*bytes)[bytes->size() / 2] ^= 0x10;
  ASSERT_TRUE(store
                  ->execute("UPDATE snapshot_bodies SET evidence_deflate = " + blob(*bytes) +
                            " WHERE snapshot_id = 1")
                  .ok());
  auto damaged = store->snapshots("a.lab.", 10);
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.error().message.find("the evidence of snapshot 1 of a.lab. cannot be read"),
            std::string::npos)
      << damaged.error().message;
  EXPECT_NE(damaged.error().message.find("compressed data"), std::string::npos)
      << damaged.error().message;

  auto b = store->snapshots("b.lab.", 10);
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].evidence, realisticEvidence("b.lab."));
  auto row = store->domain("a.lab.");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->stateJson, realisticState("a.lab.", 1));
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");

  // The domain carries on: a change writes a new, sound snapshot beside the damaged one.
  ASSERT_TRUE(store->commit(observation("a.lab.", 260, realisticState("a.lab.", 2))).ok());
  auto latest = store->snapshots("a.lab.", 1);
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_EQ((*latest)[0].stateJson, realisticState("a.lab.", 2));
  EXPECT_EQ((*latest)[0].firstSeen, 260);
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->snapshots, 3);
}

// The cap on inflating (storage/deflate.h) holds for what the store reads: evidence at the
// evidence cap reads back, a blob claiming more than the inflate cap is an error.
TEST_P(StoreContractTest, DeflatedEvidenceIsReadWithinTheInflateCap) {
  auto store = open();
  ASSERT_TRUE(store);
  auto c = observation("huge.example.", 200, "{}");
  c.evidence = std::string(kMaxEvidenceBytes, 'e');
  ASSERT_TRUE(store->commit(c).ok());
  auto snaps = store->snapshots("huge.example.", 1);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].evidence, c.evidence);

  // A hostile blob: a few KiB that would inflate to 4 MiB.
  auto bomb = deflateText(std::string(4 * kMaxInflatedBytes, 'e'));
  ASSERT_TRUE(bomb.ok());
  ASSERT_LT(bomb->size(), 8 * 1024u);
  ASSERT_TRUE(store->execute("UPDATE snapshot_bodies SET evidence_deflate = " + blob(*bomb)).ok());
  auto capped = store->snapshots("huge.example.", 1);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(
      capped.error().message.find("inflates to more than " + std::to_string(kMaxInflatedBytes)),
      std::string::npos)
      << capped.error().message;
}

// A flapping domain's observation writes no snapshot: the latest one's last_seen advances.
TEST_P(StoreContractTest, TouchLatestSnapshotAdvancesOnlyItsLastSeen) {
  auto store = open();
  ASSERT_TRUE(store);
  ObservationCommit first = observation("example.com.", 200, "");
  first.touchLatestSnapshot = true;  // no snapshot yet: none is created
  ASSERT_TRUE(store->commit(first).ok());
  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  EXPECT_TRUE(snaps->empty());

  ASSERT_TRUE(store->commit(observation("example.com.", 260, R"({"a":1})")).ok());
  ObservationCommit touch = observation("example.com.", 320, "");
  touch.touchLatestSnapshot = true;
  touch.renderEvidence = [] {
    ADD_FAILURE() << "no snapshot, no evidence";
    return std::string();
  };
  ASSERT_TRUE(store->commit(touch).ok());
  snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].firstSeen, 260);
  EXPECT_EQ((*snaps)[0].lastSeen, 320);
  EXPECT_EQ((*snaps)[0].stateJson, R"({"a":1})");
  touch.observedAt = 300;  // an older observation never moves it back
  ASSERT_TRUE(store->commit(touch).ok());
  snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  EXPECT_EQ((*snaps)[0].lastSeen, 320);
  auto other = store->snapshots("example.net.", 10);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST_P(StoreContractTest, ObservationWithoutStateTouchesNoSnapshot) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("example.com.", 200, "{}")).ok());
  ObservationCommit failed = observation("example.com.", 260, "");
  failed.row.failures = 1;
  ASSERT_TRUE(store->commit(failed).ok());
  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].lastSeen, 200);
  auto got = store->domain("example.com.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->failures, 1);
}

// Kind and severity are stored by name; one this build does not know (a newer zonewatch wrote
// the file, or a hand edit) is a clear error naming the row, for history and the outbox alike.
// The verdict is stored by name; an unknown one (a newer zonewatch, an edit) is an error naming the
// domain, and a domain never observed with data has none.
TEST_P(StoreContractTest, TheStoredVerdictReadsBackTypedAndAnUnknownNameIsAnError) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("example.com.", 200, "{}", {}, {})).ok());
  auto row = store->domain("example.com.");
  ASSERT_TRUE(row.ok() && *row) << (row.ok() ? "no row" : row.error().message);
  EXPECT_EQ((*row)->status, model::SecurityState::kSecure);
  EXPECT_EQ((*row)->reason, model::SecurityReason::kNone);

  ASSERT_TRUE(store->execute("UPDATE domains SET status = '', reason = ''").ok());
  row = store->domain("example.com.");
  ASSERT_TRUE(row.ok() && *row) << (row.ok() ? "no row" : row.error().message);
  EXPECT_FALSE((*row)->status.has_value());
  EXPECT_FALSE((*row)->reason.has_value());

  ASSERT_TRUE(store->execute("UPDATE domains SET status = 'secure', reason = 'moon_phase'").ok());
  auto all = store->domains();
  ASSERT_FALSE(all.ok());
  EXPECT_NE(all.error().message.find("domain example.com. has the unknown reason 'moon_phase'"),
            std::string::npos)
      << all.error().message;
  ASSERT_TRUE(store->execute("UPDATE domains SET status = 'purple', reason = 'none'").ok());
  row = store->domain("example.com.");
  ASSERT_FALSE(row.ok());
  EXPECT_NE(row.error().message.find("unknown status 'purple'"), std::string::npos)
      << row.error().message;
}

TEST_P(StoreContractTest, AnUnknownStoredEventKindIsAnErrorNamingTheRow) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store
                  ->commit(observation("example.com.", 200, "{}",
                                       {eventFor("u1", "example.com.", 200)}, {"webhook"}))
                  .ok());
  EXPECT_EQ(allEvents(*store).size(), 1u);
  ASSERT_TRUE(store->execute("UPDATE events SET event = 'kind_of_a_newer_build'").ok());
  auto events = store->events(EventQuery{});
  ASSERT_FALSE(events.ok());
  EXPECT_NE(events.error().message.find("unknown event kind 'kind_of_a_newer_build'"),
            std::string::npos)
      << events.error().message;
  // The outbox still reads: the item comes back marked, so it cannot hold up the others.
  auto due = store->dueOutbox(1000, 100);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 1u);
  EXPECT_NE(due->front().unreadable.find("event 1 has the unknown event kind"), std::string::npos)
      << due->front().unreadable;
  EXPECT_EQ(due->front().event.uid, "u1");
  EXPECT_EQ(due->front().event.domain, "example.com.");
  ASSERT_TRUE(
      store->execute("UPDATE events SET event = 'ds_removed', severity = 'catastrophic'").ok());
  events = store->events(EventQuery{});
  ASSERT_FALSE(events.ok());
  EXPECT_NE(events.error().message.find("unknown severity 'catastrophic'"), std::string::npos)
      << events.error().message;
}

TEST_P(StoreContractTest, EventsAndOutboxRowsAreWrittenWithTheObservation) {
  auto store = open();
  ASSERT_TRUE(store);
  NewEvent withServer = eventFor("u2", "", 201);  // "" = the commit's domain
  withServer.server = "192.0.2.53";
  ASSERT_TRUE(store
                  ->commit(observation("example.com.", 200, "{}",
                                       {eventFor("u1", "example.com.", 200), withServer},
                                       {"webhook", "email"}))
                  .ok());
  auto events = allEvents(*store);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].uid, "u1");
  EXPECT_EQ(events[0].kind, model::EventKind::kNameserversChanged);
  EXPECT_EQ(events[0].severity, model::Severity::kWarning);
  EXPECT_EQ(events[0].summary, "NS set of example.com. changed");
  EXPECT_EQ(events[0].beforeJson, R"(["a."])");
  EXPECT_FALSE(events[0].server.has_value());
  EXPECT_EQ(events[1].domain, "example.com.");
  EXPECT_EQ(events[1].server, std::optional<std::string>("192.0.2.53"));

  auto due = store->dueOutbox(1000, 100);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 4u);  // 2 events x 2 sinks
  std::set<std::pair<std::string, std::string>> pairs;
  for (const OutboxItem& item : *due) {
    pairs.insert({item.event.uid, item.sink});
    EXPECT_EQ(item.attempts, 0);
    EXPECT_EQ(item.nextAttempt, item.event.observedAt);  // due at once
  }
  EXPECT_EQ(pairs.size(), 4u);
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 1);
  EXPECT_EQ(stats->snapshots, 1);
  EXPECT_EQ(stats->events, 2);
  EXPECT_EQ(stats->outboxPending, 4);
  EXPECT_GT(stats->fileBytes, 0);
}

TEST_P(StoreContractTest, PortfolioEventTravelsWithAnyDomainsCommit) {
  auto store = open();
  ASSERT_TRUE(store);
  // The differ's portfolio-wide event ("*") rides on the last commit of the round.
  ASSERT_TRUE(
      store
          ->commit(observation("example.com.", 200, "{}",
                               {eventFor("u1", "", 200), eventFor("*|portfolio|200", "*", 200)},
                               {"webhook"}))
          .ok());
  auto portfolio = store->events(eventQuery("*", 0, 10, false));
  ASSERT_TRUE(portfolio.ok());
  ASSERT_EQ(portfolio->size(), 1u);
  EXPECT_EQ((*portfolio)[0].uid, "*|portfolio|200");
  auto mine = store->events(eventQuery("example.com.", 0, 10, false));
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].uid, "u1");
  auto due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 2u);
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 1);  // "*" is not a domain
}

// Webhooks filter by event and severity: in one commit, each event is queued for its own sinks
// only (a critical event for the pager, an informational one for the chat room alone).
TEST_P(StoreContractTest, EachEventIsQueuedForItsOwnSinksOnly) {
  auto store = open();
  ASSERT_TRUE(store);
  auto c = observation("example.com.", 200, "{}",
                       {eventFor("a", "example.com.", 200), eventFor("b", "example.com.", 200)});
  c.events[0].sinks = {"pager", "chat"};
  c.events[1].sinks = {"chat"};
  ASSERT_TRUE(store->commit(c).ok());
  auto due = store->dueOutbox(1000, 100);
  ASSERT_TRUE(due.ok()) << due.error().message;
  std::vector<std::string> rows;
  for (const auto& item : *due) rows.push_back(item.event.uid + "->" + item.sink);
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<std::string>{"a->chat", "a->pager", "b->chat"}));
}

TEST_P(StoreContractTest, ReRunningARoundNeverRepeatsAnEvent) {
  auto store = open();
  ASSERT_TRUE(store);
  const ObservationCommit round = observation(
      "example.com.", 200, "{}", {eventFor("round-1/ns", "example.com.", 200)}, {"webhook"});
  ASSERT_TRUE(store->commit(round).ok());
  ASSERT_TRUE(store->commit(round).ok());  // the interrupted round, run again
  // Even with a sink added since: the stored event keeps the deliveries it had.
  ObservationCommit withEmail = round;
  withEmail.events[0].sinks.push_back("email");
  ASSERT_TRUE(store->commit(withEmail).ok());
  EXPECT_EQ(allEvents(*store).size(), 1u);
  auto due = store->dueOutbox(1000, 100);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 1u);

  // Even once delivered, the old event gets no new outbox row; a new event in the same commit does.
  ASSERT_TRUE(store->outboxDelivered((*due)[0].id, 210).ok());
  ObservationCommit next = round;
  NewEvent fresh = eventFor("round-2/ds", "example.com.", 260);
  fresh.sinks = {"webhook"};
  next.events.push_back(fresh);
  next.events.push_back(fresh);  // twice in one commit
  ASSERT_TRUE(store->commit(next).ok());
  auto events = allEvents(*store);
  ASSERT_EQ(events.size(), 2u);
  due = store->dueOutbox(1000, 100);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].event.uid, "round-2/ds");
}

TEST_P(StoreContractTest, FailingCommitLeavesNothingHalfWritten) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("example.com.", 200, R"({"v":1})")).ok());
  // The outbox insert is the commit's last write: by then the domain row, the snapshot and the
  // event are written inside the transaction.
  ASSERT_TRUE(
      store->execute(failingTrigger("fail_outbox", "outbox", "", "injected outbox failure")).ok());
  ObservationCommit changed = observation("example.com.", 300, R"({"v":2})",
                                          {eventFor("e1", "example.com.", 300)}, {"webhook"});
  changed.row.lastChange = 300;
  auto failed = store->commit(changed);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("injected outbox failure"), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("while committing example.com."), std::string::npos)
      << failed.error().message;

  auto got = store->domain("example.com.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->stateJson, R"({"v":1})");
  EXPECT_EQ((*got)->lastChange, 0);
  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  EXPECT_EQ(snaps->size(), 1u);
  EXPECT_TRUE(allEvents(*store).empty());

  // The connection is usable again, and the same commit now goes through whole.
  ASSERT_TRUE(store->execute(dropTrigger("fail_outbox", "outbox")).ok());
  ASSERT_TRUE(store->commit(changed).ok());
  EXPECT_EQ(allEvents(*store).size(), 1u);
  auto due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 1u);
}

TEST_P(StoreContractTest, BatchIsOneTransaction) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(
      store->execute(failingTrigger("poison", "events", "NEW.uid = 'poison'", "poisoned event"))
          .ok());
  std::vector<ObservationCommit> batch;
  for (int i = 0; i < 5; ++i) {
    const std::string domain = "d" + std::to_string(i) + ".example.";
    batch.push_back(
        observation(domain, 200, "{}", {eventFor("ok-" + domain, domain, 200)}, {"webhook"}));
  }
  batch[3].events.push_back(eventFor("poison", "d3.example.", 200));
  auto failed = store->commitBatch(batch);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("d3.example."), std::string::npos)
      << failed.error().message;
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 0);
  EXPECT_EQ(stats->snapshots, 0);
  EXPECT_EQ(stats->events, 0);
  EXPECT_EQ(stats->outboxPending, 0);

  batch[3].events.pop_back();
  ASSERT_TRUE(store->commitBatch(batch).ok());
  stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 5);
  EXPECT_EQ(stats->events, 5);
  EXPECT_EQ(stats->outboxPending, 5);
}

TEST_P(StoreContractTest, InvalidCommitsAreRejectedBeforeWriting) {
  auto store = open();
  ASSERT_TRUE(store);
  ObservationCommit noUid = observation("example.com.", 200, "{}", {eventFor("", "", 200)});
  auto r = store->commit(noUid);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("without a uid"), std::string::npos) << r.error().message;
  ObservationCommit emptySink = observation("example.com.", 200, "{}", {eventFor("x", "", 200)});
  emptySink.events[0].sinks = {"webhook", ""};
  r = store->commit(emptySink);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("empty sink"), std::string::npos) << r.error().message;
  r = store->commit(observation("", 200, "{}"));
  ASSERT_FALSE(r.ok());
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 0);
  EXPECT_EQ(stats->events, 0);
}

TEST_P(StoreContractTest, ReadOnlyStoreReadsButRefusesWrites) {
  {
    auto writer = open();
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->commit(observation("example.com.", 200, R"({"v":1})")).ok());
  }
  auto reader = open(/*readOnly=*/true);
  ASSERT_TRUE(reader);
  auto got = reader->domain("example.com.");
  ASSERT_TRUE(got.ok() && got->has_value());
  auto r = reader->commit(observation("example.com.", 300, R"({"v":2})",
                                      {eventFor("e1", "example.com.", 300)}, {"webhook"}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(readOnlyWord()), std::string::npos) << r.error().message;
  EXPECT_FALSE(reader->setBaseline("example.com.", "{}").ok());
  EXPECT_FALSE(reader->prune(1000).ok());

  auto writer = open();
  ASSERT_TRUE(writer);
  got = writer->domain("example.com.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->stateJson, R"({"v":1})");
  EXPECT_TRUE(allEvents(*writer).empty());
}

TEST_P(StoreContractTest, ClosedStoreFailsEveryCall) {
  auto store = open();
  ASSERT_TRUE(store);
  store->close();
  auto r = store->commit(observation("example.com.", 200, "{}"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("store is closed"), std::string::npos) << r.error().message;
  EXPECT_FALSE(store->domain("example.com.").ok());
  EXPECT_FALSE(store->stats().ok());
  EXPECT_FALSE(store->integrityCheck().ok());

  auto again = open();
  ASSERT_TRUE(again);
  auto stats = again->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 0);
}

TEST_P(StoreContractTest, EventQueriesFilterOrderAndLimit) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store
                  ->commit(observation(
                      "a.example.", 300, "{}",
                      {eventFor("a1", "", 100), eventFor("a2", "", 300), eventFor("a3", "", 200)}))
                  .ok());
  ASSERT_TRUE(store->commit(observation("b.example.", 300, "{}", {eventFor("b1", "", 150)})).ok());
  auto uids = [&](const EventQuery& q) {
    std::vector<std::string> out;
    auto events = store->events(q);
    EXPECT_TRUE(events.ok());
    if (events.ok()) {
      for (const EventRow& e : *events) out.push_back(e.uid);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(uids(eventQuery(std::nullopt, 0, 1000, false)), (V{"a1", "b1", "a3", "a2"}));
  EXPECT_EQ(uids(eventQuery(std::nullopt, 0, 1000, true)), (V{"a2", "a3", "b1", "a1"}));
  EXPECT_EQ(uids(eventQuery("a.example.", 0, 1000, false)), (V{"a1", "a3", "a2"}));
  EXPECT_EQ(uids(eventQuery("a.example.", 200, 1000, false)), (V{"a3", "a2"}));
  EXPECT_EQ(uids(eventQuery("a.example.", 0, 1, true)), (V{"a2"}));
  EXPECT_EQ(uids(eventQuery(std::nullopt, 150, 2, false)), (V{"b1", "a3"}));
  EXPECT_EQ(uids(eventQuery("c.example.", 0, 1000, false)), V{});
}

// `zonewatch events`: every domain's events and the portfolio-wide ones ("*") in one time order,
// from `since`, with no limit (the largest size_t, which each backend must clamp to its own).
TEST_P(StoreContractTest, TheTimelineHoldsEveryDomainAndThePortfolio) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store
                  ->commit(observation("b.example.", 300, "{}",
                                       {eventFor("b1", "", 300), eventFor("p1", "*", 300)}))
                  .ok());
  ASSERT_TRUE(store
                  ->commit(observation("a.example.", 400, "{}",
                                       {eventFor("a1", "", 100), eventFor("a2", "", 400)}))
                  .ok());
  auto events =
      store->events(eventQuery(std::nullopt, 0, std::numeric_limits<size_t>::max(), false));
  ASSERT_TRUE(events.ok()) << events.error().message;
  std::vector<std::string> seen;
  for (const EventRow& e : *events) seen.push_back(e.domain + " " + e.uid);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"a.example. a1", "b.example. b1", "* p1", "a.example. a2"}));
  auto since =
      store->events(eventQuery(std::nullopt, 300, std::numeric_limits<size_t>::max(), false));
  ASSERT_TRUE(since.ok()) << since.error().message;
  EXPECT_EQ(since->size(), 3u);
}

TEST_P(StoreContractTest, OutboxDueOrderingAndTransitions) {
  auto store = open();
  ASSERT_TRUE(store);
  // Events observed at 300, 100, 200: due in that time order whatever the insertion order.
  ASSERT_TRUE(store
                  ->commit(observation("example.com.", 300, "{}",
                                       {eventFor("late", "", 300), eventFor("early", "", 100),
                                        eventFor("middle", "", 200)},
                                       {"webhook"}))
                  .ok());
  auto due = store->dueOutbox(250, 10);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 2u);  // "late" is not due before 300
  EXPECT_EQ((*due)[0].event.uid, "early");
  EXPECT_EQ((*due)[1].event.uid, "middle");
  const int64_t early = (*due)[0].id, middle = (*due)[1].id;
  due = store->dueOutbox(1000, 1);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, early);

  // early fails once: retried at 400, after "late".
  ASSERT_TRUE(store->outboxRetry(early, 400, "HTTP 503").ok());
  due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ((*due)[0].event.uid, "middle");
  EXPECT_EQ((*due)[1].event.uid, "late");
  EXPECT_EQ((*due)[2].id, early);
  EXPECT_EQ((*due)[2].attempts, 1);
  EXPECT_EQ((*due)[2].nextAttempt, 400);
  EXPECT_EQ((*due)[2].lastError, "HTTP 503");
  const int64_t late = (*due)[1].id;
  due = store->dueOutbox(399, 10);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 2u);

  ASSERT_TRUE(store->outboxDelivered(middle, 310).ok());
  ASSERT_TRUE(store->outboxGiveUp(late, "HTTP 400: rejected").ok());
  due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, early);
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->outboxPending, 1);

  // Transitions apply to pending items only.
  auto again = store->outboxDelivered(middle, 320);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("is delivered, not pending"), std::string::npos)
      << again.error().message;
  auto afterGiveUp = store->outboxRetry(late, 500, "x");
  ASSERT_FALSE(afterGiveUp.ok());
  EXPECT_NE(afterGiveUp.error().message.find("is failed"), std::string::npos);
  auto unknown = store->outboxGiveUp(9999, "x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("no outbox item 9999"), std::string::npos);
}

TEST_P(StoreContractTest, PruneKeepsTheLatestSnapshotAndPendingDeliveries) {
  auto store = open();
  ASSERT_TRUE(store);
  // a.example.: three states, the last one last seen long ago (the domain went quiet).
  ASSERT_TRUE(store->commit(observation("a.example.", 100, "1")).ok());
  ASSERT_TRUE(store->commit(observation("a.example.", 200, "2")).ok());
  ASSERT_TRUE(store->commit(observation("a.example.", 300, "3")).ok());
  // b.example.: an old state and one still seen after the cut.
  ASSERT_TRUE(store->commit(observation("b.example.", 100, "1")).ok());
  ASSERT_TRUE(store->commit(observation("b.example.", 200, "2")).ok());
  ASSERT_TRUE(store->commit(observation("b.example.", 2000, "2")).ok());
  ASSERT_TRUE(store
                  ->commit(observation(
                      "b.example.", 2000, "2",
                      {eventFor("old-delivered", "", 100), eventFor("old-pending", "", 110),
                       eventFor("old-failed", "", 120), eventFor("new", "", 1500)},
                      {"webhook"}))
                  .ok());
  ASSERT_TRUE(
      store->commit(observation("b.example.", 2000, "2", {eventFor("old-nosink", "", 90)})).ok());
  auto due = store->dueOutbox(2000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 4u);
  std::map<std::string, int64_t> ids;
  for (const OutboxItem& item : *due) ids[item.event.uid] = item.id;
  ASSERT_TRUE(store->outboxDelivered(ids["old-delivered"], 130).ok());
  ASSERT_TRUE(store->outboxGiveUp(ids["old-failed"], "gone").ok());  // settled at its due time, 120
  ASSERT_TRUE(store->outboxDelivered(ids["new"], 1600).ok());

  ASSERT_TRUE(store->prune(1000).ok());
  auto snapsA = store->snapshots("a.example.", 10);
  ASSERT_TRUE(snapsA.ok());
  ASSERT_EQ(snapsA->size(), 1u);
  EXPECT_EQ((*snapsA)[0].stateJson, "3");  // the latest survives although older than the cut
  auto snapsB = store->snapshots("b.example.", 10);
  ASSERT_TRUE(snapsB.ok());
  ASSERT_EQ(snapsB->size(), 1u);
  EXPECT_EQ((*snapsB)[0].stateJson, "2");

  std::set<std::string> left;
  for (const EventRow& e : allEvents(*store)) left.insert(e.uid);
  EXPECT_EQ(left, (std::set<std::string>{"old-pending", "new"}));
  due = store->dueOutbox(2000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].event.uid, "old-pending");
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 2);  // domains are never pruned
  EXPECT_EQ(stats->snapshots, 2);

  // Once delivered, the old event goes at the next prune after its delivery time.
  ASSERT_TRUE(store->outboxDelivered(ids["old-pending"], 2100).ok());
  ASSERT_TRUE(store->prune(1550).ok());  // before either delivery
  left.clear();
  for (const EventRow& e : allEvents(*store)) left.insert(e.uid);
  EXPECT_EQ(left, (std::set<std::string>{"old-pending", "new"}));
  ASSERT_TRUE(store->prune(2200).ok());
  EXPECT_TRUE(allEvents(*store).empty());
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
}

TEST_P(StoreContractTest, VerifiedSignaturesTravelWithACommitAndLeaveWhenExpired) {
  auto store = open();
  ASSERT_TRUE(store);
  auto c = observation("example.com.", 200, R"({"ns":["a."]})");
  VerifiedSignature a, b;
  a.digest.fill(0xaa);
  a.expiresAt = 1000;
  b.digest.fill(0xbb);
  b.expiresAt = 5000;
  c.verified = {a, b};
  ASSERT_TRUE(store->commit(c).ok());
  // Stored again (a re-run round) with a later expiration: one row, the later time.
  auto again = observation("example.com.", 300, R"({"ns":["a."]})");
  VerifiedSignature a2 = a;
  a2.expiresAt = 2000;
  again.verified = {a2};
  ASSERT_TRUE(store->commit(again).ok());

  auto all = store->verifiedSignatures(0);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  std::sort(all->begin(), all->end(),
            [](const auto& x, const auto& y) { return x.digest < y.digest; });
  EXPECT_EQ((*all)[0], a2);
  EXPECT_EQ((*all)[1], b);
  // Only those not expired at `now` come back; forgetting drops the expired for good.
  auto live = store->verifiedSignatures(3000);
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ(live->front(), b);
  ASSERT_TRUE(store->forgetVerifiedBefore(3000).ok());
  auto left = store->verifiedSignatures(0);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->size(), 1u);
}

// Whether `store` holds `role` now; a failure is not holding.
bool holds(Store& store, std::string_view role) {
  auto held = store.holdRole(role);
  return held.ok() && *held;
}

// Whether `store` holds `role` within 5 s: a session that ended frees its locks a moment after its
// client is gone, as its server process exits.
bool soonHolds(Store& store, std::string_view role) {
  for (int i = 0; i < 50; ++i) {
    if (holds(store, role)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// holdRole: one process owns an SQLite file, so it holds every role; of PostgreSQL sessions, one
// at a time holds a role, until its session ends.
TEST_P(StoreContractTest, HoldRoleHasOneHolderAtATime) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  auto first = a->holdRole("rdap");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  auto second = b->holdRole("rdap");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, !postgres());
  auto other = b->holdRole("another role");
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_TRUE(*other);
  for (int i = 0; i < 100; ++i) {
    auto again = a->holdRole("rdap");
    ASSERT_TRUE(again.ok()) << again.error().message;
    ASSERT_TRUE(*again) << "repeat " << i;
  }
  a.reset();
  EXPECT_TRUE(soonHolds(*b, "rdap"));
}

TEST_P(StoreContractTest, HoldRoleFailsOnAClosedStore) {
  auto store = open();
  ASSERT_TRUE(store);
  store->close();
  EXPECT_FALSE(store->holdRole("rdap").ok());
}

// Asked again, the holder keeps one lock, not one per call: a single unlock frees it.
TEST_P(StoreContractTest, HoldRoleDoesNotStackAndNoticesItsLoss) {
  if (!postgres()) GTEST_SKIP() << "advisory locks are PostgreSQL's";
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(holds(*a, "rdap"));
  ASSERT_TRUE(a->execute("SELECT pg_advisory_unlock(hashtextextended('rdap', 0))").ok());
  EXPECT_TRUE(holds(*b, "rdap"));
  // A believed it held the role: it checks, and answers no.
  auto lost = a->holdRole("rdap");
  ASSERT_TRUE(lost.ok()) << lost.error().message;
  EXPECT_FALSE(*lost);
}

// A session that ends (a killed worker, a cut connection) frees the role; its store reconnects
// without believing it still holds it.
TEST_P(StoreContractTest, HoldRoleIsFreedWithTheSession) {
  if (!postgres()) GTEST_SKIP() << "advisory locks are PostgreSQL's";
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(holds(*a, "rdap"));
  ASSERT_TRUE(b->execute("SELECT pg_terminate_backend(pid) FROM pg_locks "
                         "WHERE locktype = 'advisory' AND pid <> pg_backend_pid()")
                  .ok());
  EXPECT_TRUE(soonHolds(*b, "rdap"));
  // A meets the lost connection once (an error), then reconnects and finds the role taken.
  auto first = a->holdRole("rdap");
  if (first.ok()) {
    EXPECT_FALSE(*first);
  }
  auto again = a->holdRole("rdap");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(*again);
  b.reset();
  EXPECT_TRUE(soonHolds(*a, "rdap"));
}

}  // namespace
}  // namespace zonewatch::storage
