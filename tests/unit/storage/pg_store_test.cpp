// What only PgStore does, against the real PostgreSQL 15 that pg_server.h starts: its schema
// table (migration from an empty database, a newer version refused, a foreign database refused,
// concurrent first starts), connection failures as error values with clear messages, passwords
// kept out of every message, and a server restart between two commits (reconnection, nothing
// half-written).
#include "storage/pg_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/open_store.h"
#include "tests/unit/storage/pg_server.h"
#include "tests/unit/storage/store_test_support.h"

namespace zonewatch::storage {
namespace {

using namespace storetest;  // NOLINT: the shared test vocabulary

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = server().ensureStarted();
    ASSERT_TRUE(started.ok()) << started.error().message;
    auto database = server().createDatabase();
    ASSERT_TRUE(database.ok()) << database.error().message;
    uri_ = server().uri(*database);
  }

  static PgServer& server() { return PgServer::shared(); }

  PgOptions withPassword(bool readOnly = false) const {
    PgOptions options;
    options.password = server().password();
    options.readOnly = readOnly;
    return options;
  }
  std::unique_ptr<PgStore> open(bool readOnly = false) {
    auto store = PgStore::open(uri_, withPassword(readOnly));
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Example.com. as a zonewatch of schema `version` wrote it (after `drop`, the statements that
  // take a database back to that schema; `columns` and `values` after domain, first_seen,
  // last_seen, status and reason), read back once today's zonewatch has migrated it.
  std::optional<DomainRow> migratedRow(int version, const std::vector<std::string>& drop,
                                       const std::string& columns, const std::string& values) {
    {
      auto store = open();
      if (!store) return std::nullopt;
      for (const auto& sql : drop) EXPECT_TRUE(store->execute(sql).ok()) << sql;
      EXPECT_TRUE(
          store->execute("UPDATE zonewatch_schema SET version = " + std::to_string(version)).ok());
      EXPECT_TRUE(
          store
              ->execute("INSERT INTO domains (domain, first_seen, last_seen, status, reason" +
                        columns + ") VALUES ('example.com.', 100, 1000, 'secure', 'none'" + values +
                        ")")
              .ok());
    }
    auto store = open();
    if (!store) return std::nullopt;
    EXPECT_TRUE(holds(
        *store, "SELECT version = " + std::to_string(kPgSchemaVersion) + " FROM zonewatch_schema"));
    auto row = store->domain("example.com.");
    if (!row.ok() || !row->has_value()) return std::nullopt;
    EXPECT_EQ((*row)->lastSeen, 1000);
    EXPECT_TRUE((*row)->serverMemo.empty()) << "a row from before the memo has none";
    return **row;
  }

  std::string uri_;
};

TEST_F(PgStoreTest, MigratesAnEmptyDatabaseToTheLatestVersion) {
  auto store = open();
  ASSERT_TRUE(store);
  auto version = store->schemaVersion();
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, kPgSchemaVersion);
  EXPECT_TRUE(holds(*store, "SELECT count(*) = 1 FROM zonewatch_schema"));
  ASSERT_TRUE(store->commit(observation("example.com.", 200, R"({"ns":["a."]})")).ok());
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok()) << check.error().message;
  EXPECT_EQ(*check, "ok");
  store.reset();
  // Opened again: nothing to migrate, nothing lost.
  store = open();
  ASSERT_TRUE(store);
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->domains, 1);
  EXPECT_EQ(stats->snapshots, 1);
  EXPECT_GT(stats->fileBytes, 0);
}

// Several workers started at once on a new database: one migrates, the others wait and find it
// done (the advisory lock), and every one opens.
TEST_F(PgStoreTest, WorkersStartingTogetherMigrateOnce) {
  std::vector<std::string> errors(4);
  std::vector<std::thread> workers;
  for (size_t i = 0; i < errors.size(); ++i) {
    workers.emplace_back([&, i] {
      auto store = PgStore::open(uri_, withPassword());
      if (!store) errors[i] = store.error().message;
    });
  }
  for (auto& w : workers) w.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(holds(
      *store, "SELECT version = " + std::to_string(kPgSchemaVersion) + " FROM zonewatch_schema"));
}

TEST_F(PgStoreTest, RefusesASchemaFromANewerZonewatch) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store
                    ->execute("UPDATE zonewatch_schema SET version = " +
                              std::to_string(kPgSchemaVersion + 1))
                    .ok());
  }
  for (bool readOnly : {false, true}) {
    auto refused = PgStore::open(uri_, withPassword(readOnly));
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(
        refused.error().message.find("has schema version " + std::to_string(kPgSchemaVersion + 1) +
                                     ", newer than version " + std::to_string(kPgSchemaVersion)),
        std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("refusing to open it"), std::string::npos);
  }
}

TEST_F(PgStoreTest, RefusesADatabaseWithZonewatchTablesButNoSchemaTable) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->execute("DROP TABLE zonewatch_schema").ok());
  }
  auto refused = PgStore::open(uri_, withPassword());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("is not a zonewatch database"), std::string::npos)
      << refused.error().message;
}

TEST_F(PgStoreTest, ReadOnlyDoesNotMigrate) {
  auto refused = PgStore::open(uri_, withPassword(/*readOnly=*/true));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("has schema version 0, older than version " +
                                         std::to_string(kPgSchemaVersion) +
                                         "; open it read-write once to migrate it"),
            std::string::npos)
      << refused.error().message;
}

// Migration 2 (registrations, issue 16) on a database a zonewatch of schema 1 left behind.
TEST_F(PgStoreTest, MigratesAVersion1DatabaseToTheRegistrationsTable) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    // As schema 1 left it: no registrations (migration 2), no chain_json (migration 3), no
    // server_memo (migration 4).
    ASSERT_TRUE(store->execute("DROP TABLE registrations").ok());
    ASSERT_TRUE(store->execute("ALTER TABLE domains DROP COLUMN chain_json").ok());
    ASSERT_TRUE(store->execute("ALTER TABLE domains DROP COLUMN server_memo").ok());
    ASSERT_TRUE(store->execute("UPDATE zonewatch_schema SET version = 1").ok());
  }
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(holds(
      *store, "SELECT version = " + std::to_string(kPgSchemaVersion) + " FROM zonewatch_schema"));
  EXPECT_TRUE(holds(*store, "SELECT count(*) = 0 FROM registrations"));
}

// Migration 3 (the chain summary, DomainRow::chainJson): a row written before it reads back with
// no chain, and keeps everything else.
TEST_F(PgStoreTest, MigrationThreeGivesEveryRowAnEmptyChain) {
  auto row = migratedRow(
      2,
      {"ALTER TABLE domains DROP COLUMN server_memo", "ALTER TABLE domains DROP COLUMN chain_json"},
      "", "");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->chainJson, "");
  EXPECT_TRUE(row->serverMemo.empty());
}

// Migration 4 (DomainRow::serverMemo): a row written before it reads back with no memo.
TEST_F(PgStoreTest, MigrationFourGivesEveryRowNoServerMemo) {
  auto row =
      migratedRow(3, {"ALTER TABLE domains DROP COLUMN server_memo"}, ", chain_json", ", '{}'");
  ASSERT_TRUE(row);
  EXPECT_TRUE(row->serverMemo.empty());
  EXPECT_EQ(row->chainJson, "{}");
}

TEST_F(PgStoreTest, EvidenceIsStoredDeflated) {
  auto store = open();
  ASSERT_TRUE(store);
  auto c = observation("child01.lab.", 200, realisticState("child01.lab.", 1));
  c.evidence = realisticEvidence("child01.lab.");
  ASSERT_TRUE(store->commit(c).ok());
  EXPECT_TRUE(holds(*store, "SELECT evidence = '' AND length(evidence_deflate) * 3 < " +
                                std::to_string(c.evidence.size()) + " FROM snapshot_bodies"));
}

TEST_F(PgStoreTest, NothingListeningIsAClearErrorValue) {
  const int port = freeLoopbackPort();
  ASSERT_NE(port, 0);
  const std::string uri = "postgresql://zonewatch@127.0.0.1:" + std::to_string(port) + "/zw";
  auto refused = openStore(uri);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("cannot connect to " + uri), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("Connection refused"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(refused.error().message.find('\n'), std::string::npos) << refused.error().message;
}

TEST_F(PgStoreTest, APasswordNeverAppearsInAnError) {
  const std::string wrong = "Wrong-Pass-83kq";
  PgOptions options;
  options.password = wrong;
  auto refused = PgStore::open(uri_, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("password authentication failed"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(refused.error().message.find(wrong), std::string::npos) << refused.error().message;

  // In the URI, shown redacted; even where libpq echoes a malformed part of it.
  const std::string port = std::to_string(server().port());
  for (const std::string& secret : {std::string("In-Uri-Secret-51x"), std::string("bad%zzPart9")}) {
    const std::string uri = "postgresql://zonewatch:" + secret + "@127.0.0.1:" + port + "/zw";
    auto failed = PgStore::open(uri, {});
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().message.find(secret), std::string::npos) << failed.error().message;
    EXPECT_EQ(failed.error().message.find("zzPart9"), std::string::npos) << failed.error().message;
    EXPECT_NE(failed.error().message.find("***"), std::string::npos) << failed.error().message;
  }
  auto query =
      PgStore::open("postgresql://zonewatch@127.0.0.1:" + port + "/zw?password=Qp-77x", {});
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(query.error().message.find("Qp-77x"), std::string::npos) << query.error().message;
}

TEST_F(PgStoreTest, RedactsTheUrisPasswordOnly) {
  EXPECT_EQ(redactDatabaseUri("postgresql://zw:s3cret@db.example:5432/zonewatch"),
            "postgresql://zw:***@db.example:5432/zonewatch");
  EXPECT_EQ(redactDatabaseUri("postgres://zw@db/zonewatch?sslmode=require&password=x&a=b"),
            "postgres://zw@db/zonewatch?sslmode=require&password=***&a=b");
  EXPECT_EQ(redactDatabaseUri("postgresql://zw@db/zonewatch"), "postgresql://zw@db/zonewatch");
  EXPECT_EQ(redactDatabaseUri("postgresql://u:p%40ss@h1,h2/db"), "postgresql://u:***@h1,h2/db");
  EXPECT_TRUE(isPostgresUri("postgresql://h/db"));
  EXPECT_TRUE(isPostgresUri("postgres://h/db"));
  EXPECT_FALSE(isPostgresUri("zonewatch.sqlite"));
  EXPECT_FALSE(isPostgresUri("/var/lib/zonewatch/postgresql://x"));
}

// libpq's own sources of a password keep working when the configuration gives none.
TEST_F(PgStoreTest, PgpasswordFromTheEnvironmentWorks) {
  ASSERT_EQ(setenv("PGPASSWORD", server().password().c_str(), 1), 0);
  auto store = PgStore::open(uri_, {});
  unsetenv("PGPASSWORD");
  ASSERT_TRUE(store.ok()) << store.error().message;
}

// PostgreSQL restarted between two commits: the next call fails cleanly or succeeds, the one
// after succeeds on a new connection, and every commit is there whole or not at all.
TEST_F(PgStoreTest, ReconnectsAfterAServerRestart) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(
      store->commit(observation("a.example.", 200, "{}", {eventFor("a1", "", 200)}, {"webhook"}))
          .ok());
  auto restarted = server().restart();
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;

  auto second =
      store->commit(observation("b.example.", 260, "{}", {eventFor("b1", "", 260)}, {"webhook"}));
  // Which way it went, for the record (--gtest_output=xml).
  RecordProperty("commit_after_restart", second.ok() ? "stored" : second.error().message);
  if (!second.ok()) {
    EXPECT_NE(second.error().message.find("connection"), std::string::npos)
        << second.error().message;
    EXPECT_NE(second.error().message.find("while committing b.example."), std::string::npos)
        << second.error().message;
  }
  auto third =
      store->commit(observation("c.example.", 320, "{}", {eventFor("c1", "", 320)}, {"webhook"}));
  ASSERT_TRUE(third.ok()) << third.error().message;

  auto stats = store->stats();
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  const int64_t expected = second.ok() ? 3 : 2;
  EXPECT_EQ(stats->domains, expected);
  EXPECT_EQ(stats->snapshots, expected);
  EXPECT_EQ(stats->events, expected);
  EXPECT_EQ(stats->outboxPending, expected);
  auto b = store->domain("b.example.");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->has_value(), second.ok());
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok()) << check.error().message;
  EXPECT_EQ(*check, "ok");
}

TEST_F(PgStoreTest, AClosedStoreFailsAndDoesNotReconnect) {
  auto store = open();
  ASSERT_TRUE(store);
  store->close();
  auto r = store->domains();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("store is closed"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace zonewatch::storage
