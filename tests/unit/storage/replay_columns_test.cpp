// What the store keeps for the daemon's replay (DomainRow::replayDigest, replayUntil) and how it
// commits a replayed observation (ObservationCommit::replayed): last_seen only, of the row and of
// the latest snapshot. And migration 7, which adds the two columns and leaves rows without them.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "storage/sqlite_store.h"

namespace zonewatch::storage {
namespace {

namespace fs = std::filesystem;

class ReplayColumnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "zonewatch-replay-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (fs::path(dir_) / "zonewatch.sqlite").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SqliteStore> open(std::optional<int> migrateTo = std::nullopt) {
    SqliteOptions options;
    options.migrateTo = migrateTo;
    auto store = SqliteStore::open(path_, options);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }

  static ObservationCommit observed(int64_t at) {
    ObservationCommit c;
    c.row.domain = "example.com.";
    c.row.firstSeen = 100;
    c.row.lastSeen = at;
    c.row.status = model::SecurityState::kSecure;
    c.row.reason = model::SecurityReason::kNone;
    c.row.stateJson = R"({"ns":["a."]})";
    c.snapshotStateJson = c.row.stateJson;
    c.observedAt = at;
    return c;
  }

  std::string dir_, path_;
};

TEST_F(ReplayColumnsTest, TheDigestAndItsLimitAreStoredAndCleared) {
  auto store = open();
  ASSERT_TRUE(store);
  ObservationCommit c = observed(1000);
  c.row.replayDigest.emplace();
  for (size_t i = 0; i < 32; ++i) (*c.row.replayDigest)[i] = static_cast<uint8_t>(i * 7);
  c.row.replayUntil = 5000;
  ASSERT_TRUE(store->commit(c).ok());
  auto row = store->domain("example.com.");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->replayDigest, c.row.replayDigest);
  EXPECT_EQ((*row)->replayUntil, 5000);

  ObservationCommit cleared = observed(1300);
  ASSERT_TRUE(store->commit(cleared).ok());
  row = store->domain("example.com.");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_FALSE((*row)->replayDigest.has_value());
  EXPECT_EQ((*row)->replayUntil, 0);
}

TEST_F(ReplayColumnsTest, AReplayedCommitWritesLastSeenOnly) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observed(1000)).ok());
  // A row that differs in everything but the name: only last_seen may reach the database.
  ObservationCommit replayed;
  replayed.row.domain = "example.com.";
  replayed.row.lastSeen = 1300;
  replayed.row.stateJson = "tampered";
  replayed.row.failures = 9;
  replayed.observedAt = 1300;
  replayed.replayed = true;
  replayed.touchLatestSnapshot = true;
  ASSERT_TRUE(store->commit(replayed).ok());
  auto row = store->domain("example.com.");
  ASSERT_TRUE(row.ok() && row->has_value());
  DomainRow expected = observed(1000).row;
  expected.lastSeen = 1300;
  EXPECT_EQ(**row, expected);
  auto snapshots = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snapshots.ok());
  ASSERT_EQ(snapshots->size(), 1u);
  EXPECT_EQ(snapshots->front().firstSeen, 1000);
  EXPECT_EQ(snapshots->front().lastSeen, 1300);
}

TEST_F(ReplayColumnsTest, MigrationSevenLeavesEveryRowToBeJudgedInFull) {
  {
    // Written as a zonewatch of schema 6 wrote it (this build's commit names the new columns).
    auto v6 = open(6);
    ASSERT_TRUE(v6);
    ASSERT_TRUE(v6->execute("INSERT INTO domains (domain, first_seen, last_seen, status, reason) "
                            "VALUES ('example.com.', 100, 1000, 'secure', 'none')")
                    .ok());
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto version = store->schemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 7);
  auto row = store->domain("example.com.");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_FALSE((*row)->replayDigest.has_value());
  EXPECT_EQ((*row)->replayUntil, 0);
  EXPECT_EQ((*row)->lastSeen, 1000);
  // The column refuses a digest of another length.
  EXPECT_FALSE(store->execute("UPDATE domains SET replay_digest = x'00'").ok());
}

}  // namespace
}  // namespace zonewatch::storage
