// The work sharing PgStore does for workers on one database (work_queue.h), and the shared outbox
// (claimOutbox), against the real PostgreSQL 15 that pg_server.h starts. Each "worker" is a store
// connection of its own, as each `zonewatch run` has: portfolio syncs, disjoint claims, a lease
// that expires and is taken over, the next due time and its backoff, SKIP LOCKED under threads
// claiming at once, and each outbox item delivered once across connections.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/pg_store.h"
#include "tests/unit/storage/pg_server.h"
#include "tests/unit/storage/store_test_support.h"

namespace zonewatch::storage {
namespace {

using namespace storetest;  // NOLINT: the shared test vocabulary
using std::chrono::seconds;

constexpr int64_t kNow = 1'000'000;

class PgWorkQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = PgServer::shared().ensureStarted();
    ASSERT_TRUE(started.ok()) << started.error().message;
    auto database = PgServer::shared().createDatabase();
    ASSERT_TRUE(database.ok()) << database.error().message;
    uri_ = PgServer::shared().uri(*database);
  }

  std::unique_ptr<PgStore> open(PgOptions options = {}) {
    options.password = PgServer::shared().password();
    auto store = PgStore::open(uri_, options);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }

  static std::vector<PortfolioEntry> portfolio(size_t n, seconds interval = seconds(300)) {
    std::vector<PortfolioEntry> out;
    for (size_t i = 0; i < n; ++i) out.push_back({"d" + std::to_string(i) + ".example.", interval});
    return out;
  }

  static std::vector<std::string> claim(PgStore& store, const std::string& worker, int64_t now,
                                        size_t limit, seconds lease = seconds(60)) {
    auto claimed = store.claimDue(worker, now, limit, lease);
    EXPECT_TRUE(claimed.ok()) << claimed.error().message;
    return claimed.ok() ? *claimed : std::vector<std::string>{};
  }

  std::string uri_;
};

TEST_F(PgWorkQueueTest, SyncAddsAndRemovesDomainsAndKeepsTheirHistory) {
  auto store = open();
  ASSERT_TRUE(store);
  // gone.example. was observed before: its history stays when it leaves the portfolio.
  ASSERT_TRUE(store->commit(observation("gone.example.", 200, R"({"v":1})")).ok());
  std::vector<PortfolioEntry> first = portfolio(3);
  first.push_back({"gone.example.", seconds(300)});
  ASSERT_TRUE(store->syncPortfolio(first, kNow).ok());
  ASSERT_TRUE(store->syncPortfolio(first, kNow).ok());  // idempotent
  EXPECT_TRUE(holds(*store, "(SELECT count(*) FROM work) = 4"));

  std::vector<PortfolioEntry> second = portfolio(3);
  second[0].interval = seconds(60);
  second.push_back({"new.example.", seconds(300)});
  ASSERT_TRUE(store->syncPortfolio(second, kNow).ok());
  EXPECT_TRUE(holds(*store, "(SELECT count(*) FROM work) = 4"));
  EXPECT_TRUE(holds(*store, "NOT EXISTS (SELECT 1 FROM work WHERE domain = 'gone.example.')"));
  EXPECT_TRUE(holds(*store, "(SELECT interval_s FROM work WHERE domain = 'd0.example.') = 60"));
  auto gone = store->domain("gone.example.");
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->has_value());
  // Never observed: all due at once.
  EXPECT_EQ(claim(*store, "w1", kNow, 100).size(), 4u);
}

TEST_F(PgWorkQueueTest, ADomainObservedBeforeResumesItsPhase) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("seen.example.", kNow - 100, R"({"v":1})")).ok());
  ASSERT_TRUE(
      store->syncPortfolio(std::vector<PortfolioEntry>{{"seen.example.", seconds(1000)}}, kNow)
          .ok());
  // Due 90-100% of the interval after its last observation, not now.
  EXPECT_TRUE(holds(*store, "(SELECT due_at FROM work) BETWEEN " +
                                std::to_string(kNow - 100 + 900) + " AND " +
                                std::to_string(kNow - 100 + 1000)));
  EXPECT_TRUE(claim(*store, "w1", kNow, 10).empty());
}

TEST_F(PgWorkQueueTest, TwoWorkersClaimDisjointSets) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->syncPortfolio(portfolio(20), kNow).ok());
  const auto fromA = claim(*a, "a", kNow, 12);
  const auto fromB = claim(*b, "b", kNow, 12);
  EXPECT_EQ(fromA.size(), 12u);
  EXPECT_EQ(fromB.size(), 8u);
  std::set<std::string> all(fromA.begin(), fromA.end());
  all.insert(fromB.begin(), fromB.end());
  EXPECT_EQ(all.size(), 20u);
  EXPECT_TRUE(claim(*a, "a", kNow, 12).empty());
  EXPECT_TRUE(holds(*a, "(SELECT count(*) FROM work WHERE claimed_by = 'b') = 8"));
}

// The schedule's lag is the portfolio's: the domain due longest ago that no worker holds.
TEST_F(PgWorkQueueTest, TheOldestWaitingDomainIsEveryWorkersLag) {
  auto a = open();
  ASSERT_TRUE(a);
  auto none = a->oldestWaiting(kNow);
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value());  // no domain yet
  ASSERT_TRUE(a->syncPortfolio(portfolio(3, seconds(600)), kNow).ok());
  ASSERT_TRUE(a->execute("UPDATE work SET due_at = " + std::to_string(kNow - 100) +
                         " WHERE domain = 'd1.example.'")
                  .ok());
  auto oldest = a->oldestWaiting(kNow + 50);
  ASSERT_TRUE(oldest.ok() && oldest->has_value());
  EXPECT_EQ((*oldest)->dueAt, kNow - 100);
  EXPECT_EQ((*oldest)->interval, 600);
  // Held by a worker, it is in flight, not waiting: the next oldest counts.
  ASSERT_EQ(claim(*a, "a", kNow + 50, 1), std::vector<std::string>{"d1.example."});
  oldest = a->oldestWaiting(kNow + 50);
  ASSERT_TRUE(oldest.ok() && oldest->has_value());
  EXPECT_EQ((*oldest)->dueAt, kNow);
  // Its lease expired: waiting again.
  oldest = a->oldestWaiting(kNow + 50 + 60);
  ASSERT_TRUE(oldest.ok() && oldest->has_value());
  EXPECT_EQ((*oldest)->dueAt, kNow - 100);
  // Nothing due yet at an earlier time.
  none = a->oldestWaiting(kNow - 200);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(PgWorkQueueTest, AnExpiredLeaseIsClaimedByAnotherWorker) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->syncPortfolio(portfolio(2), kNow).ok());
  ASSERT_EQ(claim(*a, "a", kNow, 10, seconds(30)).size(), 2u);
  EXPECT_TRUE(claim(*b, "b", kNow + 29, 10).empty());  // a's lease holds
  const auto taken = claim(*b, "b", kNow + 30, 10);    // a died: its lease ran out
  EXPECT_EQ(taken.size(), 2u);
  // a, late, completes claims it no longer holds: b's stand.
  const std::vector<ClaimCompletion> late = {{"d0.example.", false, 1000000}};
  ASSERT_TRUE(a->completeClaims("a", kNow + 31, late).ok());
  EXPECT_TRUE(holds(*a, "(SELECT count(*) FROM work WHERE claimed_by = 'b') = 2"));
  EXPECT_TRUE(holds(
      *a, "(SELECT due_at FROM work WHERE domain = 'd0.example.') = " + std::to_string(kNow)));
}

TEST_F(PgWorkQueueTest, CompletionSchedulesTheNextDueTimeAndBacksOff) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->syncPortfolio(portfolio(1, seconds(1000)), kNow).ok());
  const std::string due = "(SELECT due_at FROM work WHERE domain = 'd0.example.')";
  int64_t now = kNow;
  // As Scheduler::completed(): 90% of the interval here; after the second failure in a row
  // twice that, after more four times; a success resets it.
  for (const auto& [failed, delay] : std::vector<std::pair<bool, int64_t>>{
           {false, 900}, {true, 900}, {true, 1800}, {true, 3600}, {true, 3600}, {false, 900}}) {
    ASSERT_EQ(claim(*store, "w", now, 1).size(), 1u) << now;
    const std::vector<ClaimCompletion> done = {{"d0.example.", failed, 900000}};
    ASSERT_TRUE(store->completeClaims("w", now, done).ok());
    EXPECT_TRUE(holds(*store, due + " = " + std::to_string(now + delay))) << now;
    EXPECT_TRUE(claim(*store, "w", now + delay - 1, 1).empty());
    now += delay;
  }
  EXPECT_TRUE(holds(*store, "(SELECT claimed_by IS NULL AND lease_until = 0 FROM work)"));
}

// A domain a observed and b observed later is b's to export: a is told so by takenOver() from
// a time before b's completion, never about its own completions, and not again from a time
// after them (each sweep reads only what completed since the previous one).
TEST_F(PgWorkQueueTest, TakenOverNamesDomainsAnotherWorkerObservedSince) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->syncPortfolio(portfolio(3, seconds(100)), kNow).ok());
  ASSERT_EQ(claim(*a, "a", kNow, 3).size(), 3u);
  const std::vector<ClaimCompletion> all = {{"d0.example.", false, 1000000},
                                            {"d1.example.", false, 1000000},
                                            {"d2.example.", true, 1000000}};
  ASSERT_TRUE(a->completeClaims("a", kNow + 5, all).ok());
  auto mine = a->takenOver("a", 0);
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  EXPECT_TRUE(mine->empty());  // a's own completions, failed or not, stay a's
  auto others = b->takenOver("b", 0);
  ASSERT_TRUE(others.ok()) << others.error().message;
  EXPECT_EQ(*others, (std::vector<std::string>{"d0.example.", "d1.example.", "d2.example."}));

  // Due again: b claims and completes d0, a claims and completes d1.
  ASSERT_EQ(claim(*b, "b", kNow + 105, 1), std::vector<std::string>{"d0.example."});
  ASSERT_EQ(claim(*a, "a", kNow + 105, 1), std::vector<std::string>{"d1.example."});
  const std::vector<ClaimCompletion> d0 = {{"d0.example.", false, 1000000}};
  const std::vector<ClaimCompletion> d1 = {{"d1.example.", false, 1000000}};
  ASSERT_TRUE(b->completeClaims("b", kNow + 110, d0).ok());
  ASSERT_TRUE(a->completeClaims("a", kNow + 110, d1).ok());
  auto sweep = a->takenOver("a", kNow + 100);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  EXPECT_EQ(*sweep, std::vector<std::string>{"d0.example."});
  auto fromB = b->takenOver("b", kNow + 100);
  ASSERT_TRUE(fromB.ok()) << fromB.error().message;
  EXPECT_EQ(*fromB, std::vector<std::string>{"d1.example."});
  auto later = a->takenOver("a", kNow + 111);
  ASSERT_TRUE(later.ok()) << later.error().message;
  EXPECT_TRUE(later->empty());
  EXPECT_TRUE(holds(*a, "(SELECT last_worker = 'b' AND last_done = " + std::to_string(kNow + 110) +
                            " FROM work WHERE domain = 'd0.example.')"));
}

// Three workers with their own connections claim small batches at once until nothing is left:
// SKIP LOCKED hands each domain to exactly one of them, and none waits for another's rows.
TEST_F(PgWorkQueueTest, ConcurrentWorkersClaimEachDomainOnce) {
  constexpr size_t kDomains = 300;
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->syncPortfolio(portfolio(kDomains), kNow).ok());
  }
  std::mutex mutex;
  std::map<std::string, int> claims;
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&, w] {
      auto store = open();
      if (!store) return;
      const std::string name = "w" + std::to_string(w);
      while (true) {
        auto claimed = store->claimDue(name, kNow, 7, seconds(60));
        if (!claimed.ok() || claimed->empty()) return;
        std::lock_guard lock(mutex);
        for (const auto& d : *claimed) ++claims[d];
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(claims.size(), kDomains);
  for (const auto& [domain, count] : claims) EXPECT_EQ(count, 1) << domain;
}

// The shared outbox: two workers' connections claim the due items; each item goes to one of them,
// and one whose worker died mid-delivery is claimed again once the claim expired.
TEST_F(PgWorkQueueTest, EachOutboxItemIsClaimedByOneWorker) {
  PgOptions optionsA;
  optionsA.workerId = "a";
  optionsA.outboxClaimSeconds = 60;
  PgOptions optionsB = optionsA;
  optionsB.workerId = "b";
  auto a = open(optionsA);
  auto b = open(optionsB);
  ASSERT_TRUE(a && b);
  std::vector<NewEvent> events;
  for (int i = 0; i < 5; ++i) events.push_back(eventFor("e" + std::to_string(i), "", 100 + i));
  ASSERT_TRUE(a->commit(observation("x.example.", 200, "{}", events, {"hook1", "hook2"})).ok());

  auto fromA = a->claimOutbox(1000, 6);
  ASSERT_TRUE(fromA.ok()) << fromA.error().message;
  auto fromB = b->claimOutbox(1000, 100);
  ASSERT_TRUE(fromB.ok()) << fromB.error().message;
  EXPECT_EQ(fromA->size(), 6u);
  EXPECT_EQ(fromB->size(), 4u);
  std::set<int64_t> ids;
  for (const auto& item : *fromA) ids.insert(item.id);
  for (const auto& item : *fromB) ids.insert(item.id);
  EXPECT_EQ(ids.size(), 10u);
  // Earliest first, as dueOutbox(); the event travels with the item.
  EXPECT_TRUE(std::is_sorted(fromA->begin(), fromA->end(), [](const auto& x, const auto& y) {
    return std::pair(x.nextAttempt, x.id) < std::pair(y.nextAttempt, y.id);
  }));
  EXPECT_EQ(fromA->front().event.uid, "e0");
  // Each item says until when it is this worker's: the deliverer starts no request past it.
  for (const auto& item : *fromA) EXPECT_EQ(item.claimUntil, 1060);
  auto again = b->claimOutbox(1000, 100);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());

  // b delivers its items; a "dies" with its claims: after 60 s they are b's to deliver.
  for (const auto& item : *fromB) ASSERT_TRUE(b->outboxDelivered(item.id, 1001).ok());
  auto early = b->claimOutbox(1059, 100);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty());
  auto takenOver = b->claimOutbox(1060, 100);
  ASSERT_TRUE(takenOver.ok());
  EXPECT_EQ(takenOver->size(), 6u);
  for (const auto& item : *takenOver) EXPECT_EQ(item.claimUntil, 1120);
  // A retry frees the claim: the item is due again at its next attempt, for any worker.
  ASSERT_TRUE(b->outboxRetry(takenOver->front().id, 1070, "HTTP 503").ok());
  auto retried = a->claimOutbox(1070, 100);
  ASSERT_TRUE(retried.ok());
  ASSERT_EQ(retried->size(), 1u);
  EXPECT_EQ(retried->front().attempts, 1);
  // dueOutbox() only reads: claims do not hide items from it.
  auto due = a->dueOutbox(1070, 100);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 6u);
}

// Three delivering threads, each with its own connection: every item is settled exactly once.
TEST_F(PgWorkQueueTest, ConcurrentDeliverersSettleEachItemOnce) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    std::vector<NewEvent> events;
    for (int i = 0; i < 60; ++i) events.push_back(eventFor("e" + std::to_string(i), "", 100));
    ASSERT_TRUE(store->commit(observation("x.example.", 200, "{}", events, {"h1", "h2"})).ok());
  }
  std::mutex mutex;
  std::map<int64_t, int> delivered;
  std::vector<std::string> errors;
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&] {
      auto store = open();
      if (!store) return;
      while (true) {
        auto due = store->claimOutbox(1000, 5);
        if (!due.ok() || due->empty()) return;
        for (const auto& item : *due) {
          auto settled = store->outboxDelivered(item.id, 1000);
          std::lock_guard lock(mutex);
          ++delivered[item.id];
          if (!settled.ok()) errors.push_back(settled.error().message);
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(delivered.size(), 120u);
  for (const auto& [id, count] : delivered) EXPECT_EQ(count, 1) << id;
  EXPECT_TRUE(errors.empty()) << errors.front();
}

}  // namespace
}  // namespace zonewatch::storage
