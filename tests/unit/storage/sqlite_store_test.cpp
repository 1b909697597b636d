// What only SqliteStore does, against real SQLite database files in a fresh temporary directory
// per test: WAL mode and synchronous=FULL, file permissions, schema-5 rows kept as text,
// a writer waiting for another, migrations from version 1, refusal of newer and foreign files, a
// full disk (PRAGMA max_page_count) and SIGKILL at random moments. What every backend must do
// (snapshots on change only, transactions, event uid idempotency, the outbox state machine,
// retention...) is store_contract_test.cpp, which runs against SQLite too.
#include "storage/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "storage/deflate.h"
#include "storage/evidence.h"
#include "tests/unit/storage/store_test_support.h"

namespace zonewatch::storage {
namespace {

namespace fs = std::filesystem;
using namespace storetest;  // NOLINT: the shared test vocabulary

// Designated initializers would do, but GCC 12 warns (-Wmissing-field-initializers) on each.
SqliteOptions withReadOnly() {
  SqliteOptions o;
  o.readOnly = true;
  return o;
}
SqliteOptions withMigrateTo(int version) {
  SqliteOptions o;
  o.migrateTo = version;
  return o;
}
SqliteOptions withBusyTimeout(int ms) {
  SqliteOptions o;
  o.busyTimeoutMs = ms;
  return o;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "zonewatch-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (fs::path(dir_) / "zonewatch.sqlite").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SqliteStore> open(const SqliteOptions& options = {}) {
    auto store = SqliteStore::open(path_, options);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Example.com. as a zonewatch of schema `version` wrote it (`columns` and `values` after domain,
  // first_seen, last_seen, status and reason), read back once today's zonewatch has migrated the
  // file; `column` is one the migration adds, which the old schema must not have.
  std::optional<DomainRow> migratedRow(int version, const std::string& columns,
                                       const std::string& values, const std::string& column) {
    {
      auto old = open(withMigrateTo(version));
      if (!old) return std::nullopt;
      EXPECT_TRUE(
          old->execute("INSERT INTO domains (domain, first_seen, last_seen, status, reason" +
                       columns + ") VALUES ('example.com.', 100, 1000, 'secure', 'none'" + values +
                       ")")
              .ok());
      EXPECT_FALSE(old->execute("SELECT " + column + " FROM domains").ok()) << "a newer column";
    }
    auto store = open();
    if (!store) return std::nullopt;
    auto migrated = store->schemaVersion();
    EXPECT_TRUE(migrated.ok() && *migrated == kSqliteSchemaVersion);
    auto row = store->domain("example.com.");
    if (!row.ok() || !row->has_value()) return std::nullopt;
    EXPECT_EQ((*row)->lastSeen, 1000);
    EXPECT_TRUE((*row)->serverMemo.empty()) << "a row from before the memo has none";
    return **row;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(SqliteStoreTest, NewDatabaseIsAtTheLatestVersionInWalMode) {
  auto store = open();
  ASSERT_TRUE(store);
  auto version = store->schemaVersion();
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, kSqliteSchemaVersion);
  ASSERT_TRUE(store->commit(observation("example.com.", 200, R"({"ns":["a."]})")).ok());
  // WAL mode: the commit went to the -wal file next to the database.
  EXPECT_TRUE(fs::exists(path_ + "-wal"));
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok()) << check.error().message;
  EXPECT_EQ(*check, "ok");
}

TEST_F(SqliteStoreTest, CommitsAreDurableBeforeTheirDeliveries) {
  auto store = open();
  ASSERT_TRUE(store);
  auto level = store->synchronousLevel();
  ASSERT_TRUE(level.ok()) << level.error().message;
  EXPECT_EQ(*level, 2);  // FULL (https://www.sqlite.org/pragma.html#pragma_synchronous)
}

TEST_F(SqliteStoreTest, ANewDatabaseAndItsWalAreReadableByTheOwnerOnly) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("example.com.", 200, R"({"ns":["a."]})")).ok());
  for (const std::string& file : {path_, path_ + "-wal"}) {
    const auto perms = fs::status(file).permissions();
    EXPECT_EQ(perms & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write) << file;
  }
}

// Schema 5: a new snapshot's evidence is stored deflated and read back byte for byte; an unchanged
// state is still recognised (no new snapshot, the file does not grow).
TEST_F(SqliteStoreTest, SnapshotBodiesAreStoredDeflatedAndReadBackAsWritten) {
  auto store = open();
  ASSERT_TRUE(store);
  const std::string domain = "child01.lab.";
  const std::string state = realisticState(domain, 57027);
  auto first = observation(domain, 200, state);
  first.evidence = realisticEvidence(domain);
  ASSERT_TRUE(store->commit(first).ok());
  auto snaps = store->snapshots(domain, 10);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].stateJson, state);
  EXPECT_EQ((*snaps)[0].evidence, first.evidence);
  // Stored deflated: the text column empty, the evidence in under a third of its size.
  EXPECT_TRUE(holds(*store, "SELECT evidence = '' AND length(evidence_deflate) * 3 < " +
                                std::to_string(first.evidence.size()) + " FROM snapshot_bodies"));

  // The same state again only advances last_seen, and leaves the file as large as it was.
  auto before = store->stats();
  ASSERT_TRUE(before.ok());
  for (int64_t at = 260; at < 2000; at += 60) {
    ASSERT_TRUE(store->commit(observation(domain, at, state)).ok());
  }
  auto after = store->stats();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->snapshots, 1);
  EXPECT_EQ(after->fileBytes, before->fileBytes);
  snaps = store->snapshots(domain, 10);
  ASSERT_TRUE(snaps.ok());
  EXPECT_EQ((*snaps)[0].lastSeen, 1940);

  // A state one byte shorter, then the longer one again: each differs from the latest.
  const std::string shorter = state.substr(0, state.size() - 1);
  ASSERT_TRUE(store->commit(observation(domain, 2000, shorter)).ok());
  ASSERT_TRUE(store->commit(observation(domain, 2060, state)).ok());
  snaps = store->snapshots(domain, 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 3u);
  EXPECT_EQ((*snaps)[0].stateJson, state);
  EXPECT_EQ((*snaps)[1].stateJson, shorter);

  // Evidence that deflate does not shrink (empty) is kept as text.
  auto tiny = observation("tiny.example.", 200, "{}");
  tiny.evidence.clear();
  ASSERT_TRUE(store->commit(tiny).ok());
  EXPECT_TRUE(holds(*store,
                    "SELECT state_json = '{}' AND evidence = '' AND "
                    "evidence_deflate IS NULL FROM snapshot_bodies b JOIN snapshots s ON "
                    "s.id = b.snapshot_id WHERE s.domain = 'tiny.example.'"));
  snaps = store->snapshots("tiny.example.", 1);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].stateJson, "{}");
  EXPECT_EQ((*snaps)[0].evidence, "");
}

// A body written before schema 5 keeps its text and is read, and compared with, as it is.
TEST_F(SqliteStoreTest, ASnapshotWrittenBeforeSchema5IsReadAsText) {
  const std::string domain = "old.lab.";
  const std::string state = realisticState(domain, 1);
  auto old = observation(domain, 200, state);
  old.evidence = realisticEvidence(domain);
  {
    // As zonewatch wrote it under schema 4 (this build writes schema 5 only).
    auto v4 = open(withMigrateTo(4));
    ASSERT_TRUE(v4);
    ASSERT_TRUE(v4->execute("INSERT INTO domains (domain, first_seen, last_seen, state_json) "
                            "VALUES ('old.lab.', 200, 200, '" +
                            state +
                            "'); INSERT INTO snapshots (id, domain, first_seen, last_seen) "
                            "VALUES (1, 'old.lab.', 200, 200); "
                            "INSERT INTO snapshot_bodies (snapshot_id, state_json, evidence) "
                            "VALUES (1, '" +
                            state + "', '" + old.evidence + "')")
                    .ok());
  }
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(holds(*store, "SELECT evidence_deflate IS NULL AND state_json = '" + state +
                                "' FROM snapshot_bodies"));
  ASSERT_TRUE(store->commit(observation(domain, 260, state)).ok());  // the same state
  auto snaps = store->snapshots(domain, 10);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].lastSeen, 260);
  EXPECT_EQ((*snaps)[0].stateJson, state);
  EXPECT_EQ((*snaps)[0].evidence, old.evidence);

  // A change writes the new format beside the old row; both read back.
  auto changed = observation(domain, 320, realisticState(domain, 2));
  changed.evidence = realisticEvidence(domain) + "; changed\n";
  ASSERT_TRUE(store->commit(changed).ok());
  snaps = store->snapshots(domain, 10);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 2u);
  EXPECT_EQ((*snaps)[0].evidence, changed.evidence);
  EXPECT_EQ((*snaps)[1].evidence, old.evidence);
  EXPECT_TRUE(
      holds(*store, "SELECT count(*) = 1 FROM snapshot_bodies WHERE evidence_deflate IS NOT NULL"));
}

TEST_F(SqliteStoreTest, WriterWaitsForAnotherWriterThenReportsBusy) {
  auto first = open();
  ASSERT_TRUE(first);
  auto second = open(withBusyTimeout(50));
  ASSERT_TRUE(second);
  ASSERT_TRUE(first->execute("BEGIN IMMEDIATE").ok());  // another process's round in progress
  auto r = second->commit(observation("example.com.", 200, "{}"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("SQLITE_BUSY"), std::string::npos) << r.error().message;
  // Readers are not blocked by the writer (WAL).
  EXPECT_TRUE(second->domains().ok());
  ASSERT_TRUE(first->execute("ROLLBACK").ok());
  EXPECT_TRUE(second->commit(observation("example.com.", 200, "{}")).ok());
}

// The database a version-1 zonewatch left behind: written through the v1 schema only.
constexpr const char* kV1Rows = R"sql(
INSERT INTO domains (domain, first_seen, last_seen, status, state_json)
  VALUES ('old.example.', 100, 200, 'secure', '{"v":1}');
INSERT INTO snapshots (domain, first_seen, last_seen, state_json, evidence)
  VALUES ('old.example.', 100, 200, '{"v":1}', 'old.example. 3600 IN NS ns1.old.example.');
INSERT INTO events (id, uid, domain, observed_at, event, severity, summary)
  VALUES (1, 'v1-a', 'old.example.', 150, 'nameservers_changed', 'warning', 'NS changed'),
         (2, 'v1-b', 'old.example.', 160, 'ds_changed', 'critical', 'DS changed');
INSERT INTO outbox (event_id, sink, status, attempts, next_attempt)
  VALUES (1, 'webhook', 'pending', 2, 170), (2, 'webhook', 'delivered', 1, 165);
)sql";

TEST_F(SqliteStoreTest, MigratesAVersion1Database) {
  {
    auto v1 = open(withMigrateTo(1));
    ASSERT_TRUE(v1);
    auto version = v1->schemaVersion();
    ASSERT_TRUE(version.ok());
    ASSERT_EQ(*version, 1);
    ASSERT_TRUE(v1->execute(kV1Rows).ok());
    EXPECT_FALSE(v1->execute("SELECT last_error FROM outbox").ok());  // a v2 column
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto version = store->schemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, kSqliteSchemaVersion);
  EXPECT_TRUE(store->execute("SELECT last_error, settled_at FROM outbox").ok());

  auto got = store->domain("old.example.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->stateJson, R"({"v":1})");
  EXPECT_EQ((*got)->operatorsJson, "[]");  // the v1 default
  EXPECT_EQ(allEvents(*store).size(), 2u);

  // The v1 pending delivery carries on under v2.
  auto due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].event.uid, "v1-a");
  EXPECT_EQ((*due)[0].attempts, 2);
  EXPECT_EQ((*due)[0].lastError, "");
  ASSERT_TRUE(store->outboxRetry((*due)[0].id, 500, "timeout").ok());
  due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].attempts, 3);
  EXPECT_EQ((*due)[0].lastError, "timeout");

  // The row delivered under v1 was given settled_at = 165 by migration 2: pruned at 166.
  ASSERT_TRUE(store->prune(166).ok());
  auto events = allEvents(*store);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].uid, "v1-a");

  // Version 3 moved the snapshot's state and evidence to snapshot_bodies: all still there, and
  // the v1 snapshot is the one a new observation of the same state is compared with.
  auto snaps = store->snapshots("old.example.", 10);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].stateJson, R"({"v":1})");
  EXPECT_EQ((*snaps)[0].evidence, "old.example. 3600 IN NS ns1.old.example.");
  EXPECT_EQ((*snaps)[0].firstSeen, 100);
  EXPECT_FALSE(store->execute("SELECT state_json FROM snapshots").ok());
  ASSERT_TRUE(store->commit(observation("old.example.", 900, R"({"v":1})")).ok());
  snaps = store->snapshots("old.example.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].lastSeen, 900);
  ASSERT_TRUE(store->commit(observation("old.example.", 960, R"({"v":2})")).ok());
  snaps = store->snapshots("old.example.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 2u);
  EXPECT_EQ((*snaps)[0].stateJson, R"({"v":2})");
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
}

// Schema 6 drops the index by expiry; what a schema-4 file holds is still read and forgotten.
TEST_F(SqliteStoreTest, MigratingToSchema6DropsTheExpiryIndexOnly) {
  const std::string kIndexCount =
      "(SELECT count(*) FROM sqlite_schema WHERE name = 'verified_signatures_expiry')";
  {
    auto v4 = open(withMigrateTo(4));
    ASSERT_TRUE(v4);
    ASSERT_TRUE(holds(*v4, kIndexCount + " = 1"));
    ASSERT_TRUE(v4->execute("INSERT INTO verified_signatures VALUES (zeroblob(32), 1000), "
                            "(x'" +
                            std::string(64, 'f') + "', 5000)")
                    .ok());
  }
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(holds(*store, kIndexCount + " = 0"));
  auto live = store->verifiedSignatures(2000);
  ASSERT_TRUE(live.ok()) << live.error().message;
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ(live->front().expiresAt, 5000);
  ASSERT_TRUE(store->forgetVerifiedBefore(2000).ok());
  EXPECT_TRUE(holds(*store, "(SELECT count(*) FROM verified_signatures) = 1"));
}

TEST_F(SqliteStoreTest, MigrationSevenLeavesEveryRowToBeJudgedInFull) {
  {
    // Written as a zonewatch of schema 6 wrote it (this build's commit names the new columns).
    auto v6 = open(withMigrateTo(6));
    ASSERT_TRUE(v6);
    ASSERT_TRUE(v6->execute("INSERT INTO domains (domain, first_seen, last_seen, status, reason) "
                            "VALUES ('example.com.', 100, 1000, 'secure', 'none')")
                    .ok());
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto version = store->schemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, kSqliteSchemaVersion);
  auto row = store->domain("example.com.");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_FALSE((*row)->replayDigest.has_value());
  EXPECT_EQ((*row)->replayUntil, 0);
  EXPECT_EQ((*row)->lastSeen, 1000);
}

TEST_F(SqliteStoreTest, MigrationNineGivesEveryRowAnEmptyChain) {
  auto row = migratedRow(8, "", "", "chain_json");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->chainJson, "");
  EXPECT_TRUE(row->serverMemo.empty());
}

TEST_F(SqliteStoreTest, MigrationTenGivesEveryRowNoServerMemo) {
  auto row = migratedRow(9, ", chain_json", ", '{}'", "server_memo");
  ASSERT_TRUE(row);
  EXPECT_TRUE(row->serverMemo.empty());
  EXPECT_EQ(row->chainJson, "{}");
}

// Schema 10: the chain is stored deflated, a chain stored as text (before) reads as it was, and a
// damaged one reads as none without taking the row with it.
TEST_F(SqliteStoreTest, TheChainIsStoredDeflated) {
  auto store = open();
  ASSERT_TRUE(store);
  auto c = observation("a.example.", 100, "{}");
  std::string chain = R"({"zones":[)";
  for (const char* zone : {".", "example.", "a.example."}) {
    chain += std::string(R"({"dnskey":[{"algorithm":13,"flags":257,"tag":24553}],"ds":[],)") +
             R"("reason":"none","state":"secure","zone":")" + zone + R"("},)";
  }
  chain.back() = ']';
  chain += "}";
  c.row.chainJson = chain;
  ASSERT_TRUE(store->commit(c).ok());
  EXPECT_TRUE(holds(*store, "SELECT typeof(chain_json) = 'blob' AND length(chain_json) * 2 < " +
                                std::to_string(chain.size()) + " FROM domains"));
  auto row = store->domain("a.example.");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->chainJson, chain);

  ASSERT_TRUE(store->execute("UPDATE domains SET chain_json = '{\"zones\":[]}'").ok());
  row = store->domain("a.example.");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->chainJson, R"({"zones":[]})");

  ASSERT_TRUE(store->execute("UPDATE domains SET chain_json = x'789c0102'").ok());
  row = store->domain("a.example.");
  ASSERT_TRUE(row.ok() && row->has_value()) << (row.ok() ? "" : row.error().message);
  EXPECT_EQ((*row)->chainJson, "");
  EXPECT_EQ((*row)->lastSeen, 100);
}

TEST_F(SqliteStoreTest, FailedMigrationLeavesThePreviousVersionWhole) {
  {
    auto v1 = open(withMigrateTo(1));
    ASSERT_TRUE(v1);
    ASSERT_TRUE(v1->execute(kV1Rows).ok());
    // An object in the way of migration 2's second index (its ALTERs come before).
    ASSERT_TRUE(v1->execute("CREATE INDEX events_observed ON events (severity)").ok());
  }
  auto failed = SqliteStore::open(path_);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("schema version 2"), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("events_observed"), std::string::npos)
      << failed.error().message;

  auto v1 = open(withMigrateTo(1));
  ASSERT_TRUE(v1);
  auto version = v1->schemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 1);
  // Not even the ALTER TABLEs that ran before the failure remain.
  EXPECT_FALSE(v1->execute("SELECT last_error FROM outbox").ok());
  ASSERT_TRUE(v1->execute("DROP INDEX events_observed").ok());
  v1.reset();
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(allEvents(*store).size(), 2u);
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerZonewatch) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->commit(observation("example.com.", 200, "{}")).ok());
    ASSERT_TRUE(store->execute("PRAGMA user_version = 99").ok());
  }
  auto refused = SqliteStore::open(path_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("schema version 99"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos);
  auto readOnly = SqliteStore::open(path_, withReadOnly());
  EXPECT_FALSE(readOnly.ok());
}

TEST_F(SqliteStoreTest, RefusesFilesThatAreNotZonewatchDatabases) {
  {
    auto store = open(withMigrateTo(1));
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->execute("PRAGMA application_id = 42").ok());
  }
  auto foreign = SqliteStore::open(path_);
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().message.find("not a zonewatch database"), std::string::npos)
      << foreign.error().message;

  const std::string text = dir_ + "/notes.txt";
  std::ofstream(text) << std::string(4096, 'x');
  auto garbage = SqliteStore::open(text);
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("SQLITE_NOTADB"), std::string::npos)
      << garbage.error().message;

  auto missing = SqliteStore::open(dir_ + "/absent.sqlite", withReadOnly());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("SQLITE_CANTOPEN"), std::string::npos)
      << missing.error().message;
  EXPECT_FALSE(fs::exists(dir_ + "/absent.sqlite"));
}

TEST_F(SqliteStoreTest, FullDiskFailsCleanlyKeepsEverythingAndRecovers) {
  auto store = open();
  ASSERT_TRUE(store);
  for (int i = 0; i < 20; ++i) {
    const std::string domain = "d" + std::to_string(i) + ".example.";
    ASSERT_TRUE(
        store
            ->commit(observation(domain, 200, "{\"i\":" + std::to_string(i) + "}",
                                 {eventFor("e" + std::to_string(i), domain, 200)}, {"webhook"}))
            .ok());
  }
  // The cap cannot go below the current size: asking for 1 page pins the database where it is.
  auto cap = store->setMaxPageCount(1);
  ASSERT_TRUE(cap.ok()) << cap.error().message;
  EXPECT_GT(*cap, 1);

  ObservationCommit big = observation("big.example.", 300, R"({"big":true})",
                                      {eventFor("big-1", "big.example.", 300)}, {"webhook"});
  big.evidence = incompressible(256 * 1024);
  auto full = store->commit(big);
  ASSERT_FALSE(full.ok());
  // Said plainly, for the log: what happened and to which database.
  EXPECT_TRUE(full.error().message.starts_with("disk full: ")) << full.error().message;
  EXPECT_NE(full.error().message.find(path_), std::string::npos) << full.error().message;
  EXPECT_NE(full.error().message.find("(SQLITE_FULL) while committing big.example."),
            std::string::npos)
      << full.error().message;

  // A batch that runs out of room part-way stores none of it.
  std::vector<ObservationCommit> batch;
  for (int i = 0; i < 40; ++i) {
    ObservationCommit c = observation("batch" + std::to_string(i) + ".example.", 300, "{}");
    c.evidence = incompressible(8 * 1024, static_cast<unsigned>(i));
    batch.push_back(std::move(c));
  }
  auto fullBatch = store->commitBatch(batch);
  ASSERT_FALSE(fullBatch.ok());
  EXPECT_NE(fullBatch.error().message.find("SQLITE_FULL"), std::string::npos);

  // Nothing committed before is lost, nothing of the failed commits is there.
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 20);
  EXPECT_EQ(stats->snapshots, 20);
  EXPECT_EQ(stats->events, 20);
  EXPECT_EQ(stats->outboxPending, 20);
  auto d7 = store->domain("d7.example.");
  ASSERT_TRUE(d7.ok() && d7->has_value());
  EXPECT_EQ((*d7)->stateJson, R"({"i":7})");

  // Room again: the same commits go through on the same connection.
  auto raised = store->setMaxPageCount(1 << 20);
  ASSERT_TRUE(raised.ok());
  EXPECT_EQ(*raised, 1 << 20);
  ASSERT_TRUE(store->commit(big).ok());
  ASSERT_TRUE(store->commitBatch(batch).ok());
  auto snaps = store->snapshots("big.example.", 1);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].evidence.size(), 256u * 1024u);
  stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 61);
  store.reset();

  auto reopened = open();
  ASSERT_TRUE(reopened);
  check = reopened->integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
  EXPECT_EQ(allEvents(*reopened).size(), 21u);
}

// ---- crash safety
// --------------------------------------------------------------------------------
constexpr int kCrashDomains = 25;

std::string crashDomain(int64_t seq) {
  return "d" + std::to_string(seq % kCrashDomains) + ".crash.";
}

// The child: commits forever, acknowledging each sequence number on the pipe once commit()
// returned. Never returns.
[[noreturn]] void commitUntilKilled(const std::string& path, int64_t firstSeq, int ackFd) {
  auto store = openSqliteStore(path);
  if (!store) _exit(2);
  // Enough volume for WAL checkpoints to happen, after compression too.
  const std::string evidence = incompressible(3000);
  for (int64_t seq = firstSeq; seq < firstSeq + 10'000'000; ++seq) {
    const std::string domain = crashDomain(seq);
    ObservationCommit c =
        observation(domain, seq, "{\"seq\":" + std::to_string(seq) + "}",
                    {eventFor("seq-" + std::to_string(seq), domain, seq)}, {"webhook"});
    c.row.failures = static_cast<int>(seq % 7);
    c.evidence = evidence;
    if (!(*store)->commit(c)) _exit(3);
    if (write(ackFd, &seq, sizeof seq) != static_cast<ssize_t>(sizeof seq)) _exit(4);
  }
  _exit(5);
}

TEST_F(SqliteStoreTest, EveryAcknowledgedCommitSurvivesSigkill) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::set<int64_t> acked;
  std::map<std::string, int64_t> latestAcked;  // per domain

  for (int round = 0; round < 5; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const int64_t firstSeq = (round + 1) * 1'000'000;
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      commitUntilKilled(path_, firstSeq, fds[1]);
    }
    close(fds[1]);
    // Kill after a random number of acknowledged commits plus a random delay, so that the kill
    // lands anywhere in a commit (including during checkpoints).
    const int wantAcks = std::uniform_int_distribution<int>(1, 400)(rng);
    const int delayUs = std::uniform_int_distribution<int>(0, 3000)(rng);
    int got = 0;
    bool childAlive = true;
    while (got < wantAcks) {
      int64_t seq = 0;
      const ssize_t n = read(fds[0], &seq, sizeof seq);
      if (n != static_cast<ssize_t>(sizeof seq)) {
        childAlive = false;
        break;
      }
      acked.insert(seq);
      latestAcked[crashDomain(seq)] = seq;
      ++got;
    }
    if (childAlive) {
      usleep(static_cast<useconds_t>(delayUs));
      ASSERT_EQ(kill(child, SIGKILL), 0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child stopped by itself, status " << status;
    // Acknowledgements written before the kill are still in the pipe.
    for (;;) {
      int64_t seq = 0;
      if (read(fds[0], &seq, sizeof seq) != static_cast<ssize_t>(sizeof seq)) break;
      acked.insert(seq);
      latestAcked[crashDomain(seq)] = seq;
    }
    close(fds[0]);

    auto store = openSqliteStore(path_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto check = (*store)->integrityCheck();
    ASSERT_TRUE(check.ok()) << check.error().message;
    ASSERT_EQ(*check, "ok") << "round " << round;
    std::set<int64_t> stored;
    for (const EventRow& e : allEvents(**store)) stored.insert(std::stoll(e.uid.substr(4)));
    for (int64_t seq : acked) {
      ASSERT_TRUE(stored.count(seq)) << "acknowledged commit " << seq << " lost in round " << round;
    }
    // Each domain holds its latest acknowledged state or a later one (committed, not yet
    // acknowledged when the kill came), never an older one.
    for (const auto& [domain, seq] : latestAcked) {
      auto row = (*store)->domain(domain);
      ASSERT_TRUE(row.ok() && row->has_value()) << domain;
      EXPECT_GE((*row)->lastSeen, seq) << domain;
      auto snaps = (*store)->snapshots(domain, 1);
      ASSERT_TRUE(snaps.ok() && !snaps->empty());
      EXPECT_EQ((*snaps)[0].stateJson, (*row)->stateJson);
    }
  }
  EXPECT_GE(acked.size(), 5u);
}

}  // namespace
}  // namespace zonewatch::storage
