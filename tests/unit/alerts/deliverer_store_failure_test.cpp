// alerts/deliverer.cpp when the store cannot record an outcome (a full disk, a locked database):
// nothing is lost and nothing is counted that did not happen. A delivery the store cannot mark is
// sent again, with the same event id, once the store works again (at least once, deliverer.h); a
// retry it cannot reschedule, or a give-up it cannot record, leaves the item due as it was.
// The failure is a trigger that aborts every update of the outbox, in a real SQLite store, against
// the real libcurl poster and a real HTTP receiver on a loopback port. Found unrun by the coverage
// table (tests/coverage/report.sh).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alerts/deliverer.h"
#include "storage/sqlite_store.h"
#include "tests/unit/alerts/http_receiver.h"
#include "tests/unit/alerts/outbox_fixture.h"

namespace zonewatch::alerts {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1714564800;

class DelivererStoreFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "zw-deliverer-store-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto s = storage::openSqliteStore((dir_ / "zonewatch.sqlite").string());
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
    receiver_.start();
  }
  void TearDown() override {
    receiver_.stop();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void commit(const std::vector<std::string>& sinks) {
    auto ok = store_->commit(testing::outboxCommit({"e1"}, kT0, sinks));
    ASSERT_TRUE(ok.ok()) << ok.error().message;
  }

  // From now on every update of an outbox row fails, as on a full disk.
  void breakStore() {
    ASSERT_TRUE(sqlite()
                    .execute("CREATE TRIGGER test_full_disk BEFORE UPDATE ON outbox "
                             "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;")
                    .ok());
  }
  void repairStore() { ASSERT_TRUE(sqlite().execute("DROP TRIGGER test_full_disk;").ok()); }

  storage::SqliteStore& sqlite() { return dynamic_cast<storage::SqliteStore&>(*store_); }

  Deliverer deliverer() {
    config::WebhookSpec s;
    s.name = "ops";
    s.url = receiver_.url();
    s.secret = "test-secret";
    s.timeout = std::chrono::seconds(5);
    DeliveryOptions options;
    options.jitterSeed = 42;
    return Deliverer(*store_, {s}, clock_, poster_, options);
  }

  int64_t pending() {
    auto st = store_->stats();
    EXPECT_TRUE(st.ok());
    return st.ok() ? st->outboxPending : -1;
  }

  // The event ids received, each with how many times it arrived.
  std::map<std::string, int> idCounts() {
    std::map<std::string, int> out;
    for (const auto& r : receiver_.requests()) {
      ++out[json::parse(r.body).at("id").get<std::string>()];
    }
    return out;
  }

  static uint64_t counter(const Deliverer& d, const std::string& sink, std::string_view outcome) {
    const auto all = d.counters();
    const auto it = all.find({sink, std::string(outcome)});
    return it == all.end() ? 0 : it->second;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  FixedClock clock_{kT0};
  CurlPoster poster_;
  testutil::Receiver receiver_;
};

TEST_F(DelivererStoreFailureTest, ADeliveryTheStoreCannotRecordIsSentAgainWithTheSameId) {
  commit({"ops"});
  Deliverer d = deliverer();
  breakStore();
  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(idCounts(), (std::map<std::string, int>{{"e1", 1}}));
  EXPECT_EQ(counter(d, "ops", kDelivered), 0U) << "not recorded, so not counted";
  EXPECT_EQ(pending(), 1);

  repairStore();
  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(idCounts(), (std::map<std::string, int>{{"e1", 2}})) << "the receiver deduplicates";
  EXPECT_EQ(counter(d, "ops", kDelivered), 1U);
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(d.runOnce(), 0U);
}

TEST_F(DelivererStoreFailureTest, ARetryTheStoreCannotRescheduleStaysDueAtOnce) {
  receiver_.setStatus(503, "busy");
  commit({"ops"});
  Deliverer d = deliverer();
  breakStore();
  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(counter(d, "ops", kRetry), 0U);
  // Not pushed back by its backoff: the next round, at the same instant, tries it again.
  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(receiver_.requests().size(), 2U);

  repairStore();
  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(counter(d, "ops", kRetry), 1U);
  EXPECT_EQ(d.runOnce(), 0U) << "rescheduled now, so backed off";
  EXPECT_EQ(receiver_.requests().size(), 3U);
  EXPECT_EQ(pending(), 1);
}

TEST_F(DelivererStoreFailureTest, AGiveUpTheStoreCannotRecordLeavesTheItemPending) {
  commit({"removed"});  // a sink no longer configured: given up without a request
  Deliverer d = deliverer();
  breakStore();
  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(counter(d, "removed", kGaveUp), 0U);
  EXPECT_EQ(pending(), 1);

  repairStore();
  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(counter(d, "removed", kGaveUp), 1U);
  EXPECT_EQ(pending(), 0);
  EXPECT_TRUE(receiver_.requests().empty());
}

}  // namespace
}  // namespace zonewatch::alerts
