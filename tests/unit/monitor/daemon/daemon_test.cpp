// Tests of the delivery pass of `zonewatch run --once` (monitor/daemon/daemon.cpp): a real Daemon
// on a real SQLite store in a temporary directory, the real libcurl poster, and a real HTTP
// receiver on a loopback port (tests/unit/alerts/http_receiver.h). The portfolio is empty, so the
// round observes nothing and sends no DNS query; the outbox rows are committed beforehand exactly
// as the daemon's own rounds commit them. The daemon reads the system clock: the rows are
// observed a little before "now", and the backoffs asserted are far longer than a test runs.
#include "monitor/daemon/daemon.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alerts/webhook_format.h"
#include "storage/sqlite_store.h"
#include "tests/unit/alerts/http_receiver.h"
#include "tests/unit/alerts/outbox_fixture.h"
#include "tests/unit/monitor/daemon/daemon_fixture.h"

namespace zonewatch::daemon {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testutil::Receiver;

constexpr const char* kSecret = "daemon-test-secret";

int64_t nowUnix() {
  return static_cast<int64_t>(std::time(nullptr));
}

class OnceDeliveryTest : public testutil::DaemonFixture {
 protected:
  OnceDeliveryTest() : DaemonFixture("zw-daemon") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonFixture::SetUp());
    auto store = storage::openSqliteStore(database_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    DaemonFixture::TearDown();
  }

  // Events observed `ago` seconds before now, with an outbox row for the "ops" webhook each.
  void commitEvents(const std::vector<std::string>& uids, int64_t ago = 5) {
    const int64_t at = nowUnix() - ago;
    auto ok = store_->commit(testing::outboxCommit(uids, at, {"ops"}, "ds_removed", "critical"));
    ASSERT_TRUE(ok.ok()) << ok.error().message;
  }

  config::Config configFor(const std::string& url) const {
    config::Config c;
    c.sourcePath = configPath_;
    c.database = database_;
    c.metrics.enabled = false;
    config::WebhookSpec hook;
    hook.name = "ops";
    hook.url = url;
    hook.secret = kSecret;
    hook.timeout = seconds(1);
    hook.retryInitial = seconds(600);  // far longer than the test: a retried row stays not due
    hook.retryMax = seconds(3600);
    c.webhooks.push_back(hook);
    return c;
  }

  RunSummary runOnce(config::Config config) {
    RunOptions options;
    options.once = true;
    auto d = Daemon::create(std::move(config), std::move(options));
    EXPECT_TRUE(d.ok()) << d.error().message;
    if (!d.ok()) return {};
    auto summary = (*d)->run();
    EXPECT_TRUE(summary.ok()) << summary.error().message;
    return summary.ok() ? *summary : RunSummary{};
  }

  int64_t pending() {
    auto st = store_->stats();
    EXPECT_TRUE(st.ok());
    return st.ok() ? st->outboxPending : -1;
  }

  std::vector<storage::OutboxItem> dueBy(int64_t at) {
    auto due = store_->dueOutbox(at, 100);
    EXPECT_TRUE(due.ok());
    return due.ok() ? *due : std::vector<storage::OutboxItem>{};
  }

  std::unique_ptr<storage::Store> store_;
  Receiver receiver_;
};

TEST_F(OnceDeliveryTest, DeliversEveryDueItemOnceSignedAndExits) {
  receiver_.start();
  commitEvents({"a1", "a2", "a3"});
  const RunSummary summary = runOnce(configFor(receiver_.url()));
  EXPECT_EQ(summary.webhooksDelivered, 3U);
  EXPECT_EQ(summary.webhooksRetried, 0U);
  EXPECT_EQ(summary.webhooksGivenUp, 0U);

  std::map<std::string, int> ids;
  for (const auto& r : receiver_.requests()) {
    ++ids[json::parse(r.body).at("id").get<std::string>()];
    EXPECT_EQ(
        r.headers.at("x-zonewatch-signature"),
        alerts::signatureValue(kSecret, std::stoll(r.headers.at("x-zonewatch-timestamp")), r.body));
  }
  EXPECT_EQ(ids, (std::map<std::string, int>{{"a1", 1}, {"a2", 1}, {"a3", 1}}));
  EXPECT_EQ(pending(), 0);

  // The next run finds nothing left to send.
  EXPECT_EQ(runOnce(configFor(receiver_.url())).webhooksDelivered, 0U);
  EXPECT_EQ(receiver_.requests().size(), 3U);
}

TEST_F(OnceDeliveryTest, FailuresStayInTheOutboxWithTheirBackoff) {
  receiver_.start();
  receiver_.setStatus(503, "maintenance");
  commitEvents({"b1", "b2"});
  const int64_t before = nowUnix();
  const RunSummary summary = runOnce(configFor(receiver_.url()));
  EXPECT_EQ(summary.webhooksDelivered, 0U);
  EXPECT_EQ(summary.webhooksRetried, 2U);
  EXPECT_EQ(pending(), 2);
  // retry_initial 600 s, jittered by at most 20%: not due before 480 s, due by 720 s (+ the run).
  EXPECT_TRUE(dueBy(before + 479).empty());
  const auto later = dueBy(nowUnix() + 721);
  ASSERT_EQ(later.size(), 2U);
  for (const auto& item : later) {
    EXPECT_EQ(item.attempts, 1);
    EXPECT_EQ(item.lastError, "HTTP 503: maintenance");
  }

  // The receiver is back, but the rows are not due yet: a run now leaves them alone.
  receiver_.setStatus(200);
  EXPECT_EQ(runOnce(configFor(receiver_.url())).webhooksDelivered, 0U);
  EXPECT_EQ(receiver_.requests().size(), 2U);
  EXPECT_EQ(pending(), 2);
}

TEST_F(OnceDeliveryTest, AHangingReceiverCostsOneTimeoutNotOnePerItem) {
  receiver_.setSilent(true);
  receiver_.start();
  commitEvents({"c1", "c2", "c3", "c4", "c5"});
  const RunSummary summary = runOnce(configFor(receiver_.url()));  // timeout 1s
  EXPECT_EQ(summary.webhooksRetried, 5U);
  // Only the first request was sent: one timeout, not one per item (counted, not timed).
  EXPECT_EQ(receiver_.requests().size(), 1U);
  const auto later = dueBy(nowUnix() + 3600);
  ASSERT_EQ(later.size(), 5U);
  for (const auto& item : later) {
    EXPECT_NE(item.lastError.find("imed out"), std::string::npos) << item.lastError;
  }
}

TEST_F(OnceDeliveryTest, NoWebhooksMeansNoPass) {
  commitEvents({"d1"});
  config::Config c = configFor(receiver_.url());
  c.webhooks.clear();
  const RunSummary summary = runOnce(std::move(c));
  EXPECT_EQ(summary.webhooksDelivered + summary.webhooksRetried + summary.webhooksGivenUp, 0U);
  EXPECT_EQ(pending(), 1);  // untouched: there is nothing to deliver it with
}

}  // namespace
}  // namespace zonewatch::daemon
