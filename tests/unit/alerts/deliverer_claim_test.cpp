// alerts/deliverer.cpp with claimed outbox items (PostgreSQL's claimOutbox, several workers): a
// request is started only while the item's claim outlasts the sink's timeout, because another
// worker may claim the item once the claim ends and would send it too. Behind a slow receiver the
// rest of a batch is left pending, unsent, and delivered once claimed again.
// The store is a real SQLite store whose claimOutbox() stamps a claim end on the items, as
// PgStore's does; the poster answers 204 and lets the fixed clock run by the receiver's delay, so
// no test waits.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "alerts/deliverer.h"
#include "storage/sqlite_store.h"
#include "tests/unit/alerts/outbox_fixture.h"

namespace zonewatch::alerts {
namespace {

constexpr int64_t kT0 = 1714564800;

// SQLite's store, but each claimed item is this worker's for `claim` seconds (PgStore's stamp).
class ClaimingStore final : public storage::Store {
 public:
  ClaimingStore(storage::Store& inner, int64_t claim) : inner_(inner), claim_(claim) {}

  Result<std::vector<storage::OutboxItem>> claimOutbox(int64_t now, size_t limit) override {
    auto items = inner_.dueOutbox(now, limit);
    if (items) {
      for (auto& item : *items) item.claimUntil = now + claim_;
    }
    return items;
  }
  Result<std::optional<storage::DomainRow>> domain(std::string_view n) override {
    return inner_.domain(n);
  }
  Result<std::vector<storage::DomainRow>> domains() override { return inner_.domains(); }
  Status<> forEachDomain(const std::function<void(storage::DomainRow&&)>& v) override {
    return inner_.forEachDomain(v);
  }
  Status<> commit(const storage::ObservationCommit& c) override { return inner_.commit(c); }
  Status<> commitBatch(std::span<const storage::ObservationCommit> b) override {
    return inner_.commitBatch(b);
  }
  Result<std::vector<storage::EventRow>> events(const storage::EventQuery& q) override {
    return inner_.events(q);
  }
  Result<std::vector<storage::SnapshotRow>> snapshots(std::string_view d, size_t l) override {
    return inner_.snapshots(d, l);
  }
  Status<> setBaseline(std::string_view d, std::string_view b) override {
    return inner_.setBaseline(d, b);
  }
  Result<std::optional<storage::RegistrationRow>> registration(std::string_view d) override {
    return inner_.registration(d);
  }
  Status<> putRegistration(const storage::RegistrationRow& row) override {
    return inner_.putRegistration(row);
  }
  Result<std::vector<storage::OutboxItem>> dueOutbox(int64_t now, size_t limit) override {
    return inner_.dueOutbox(now, limit);
  }
  Status<> outboxDelivered(int64_t id, int64_t now) override {
    return inner_.outboxDelivered(id, now);
  }
  Status<> outboxRetry(int64_t id, int64_t next, std::string_view e) override {
    return inner_.outboxRetry(id, next, e);
  }
  Status<> outboxGiveUp(int64_t id, std::string_view e) override {
    return inner_.outboxGiveUp(id, e);
  }
  Status<> prune(int64_t t) override { return inner_.prune(t); }
  Result<std::vector<storage::VerifiedSignature>> verifiedSignatures(int64_t now) override {
    return inner_.verifiedSignatures(now);
  }
  Status<> forgetVerifiedBefore(int64_t t) override { return inner_.forgetVerifiedBefore(t); }
  Result<storage::StoreStats> stats() override { return inner_.stats(); }
  Result<std::string> integrityCheck() override { return inner_.integrityCheck(); }
  Result<bool> holdRole(std::string_view role) override { return inner_.holdRole(role); }

 private:
  storage::Store& inner_;
  int64_t claim_;
};

// A receiver that accepts everything and takes `delay` seconds to answer: the clock runs on.
class SlowPoster final : public HttpPoster {
 public:
  SlowPoster(FixedClock& clock, int64_t delay) : clock_(clock), delay_(delay) {}

  Result<HttpResponse, HttpError> post(const std::string&, const std::vector<HttpHeader>& headers,
                                       std::string_view, std::chrono::milliseconds) override {
    for (const auto& h : headers) {
      if (h.name == "X-Zonewatch-Id") ids.push_back(h.value);
    }
    started.push_back(clock_.nowUnix());
    clock_.advance(delay_);
    return HttpResponse{204, "", false};
  }

  std::vector<std::string> ids;
  std::vector<int64_t> started;

 private:
  FixedClock& clock_;
  int64_t delay_;
};

class DelivererClaimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "zw-deliverer-claim-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto s = storage::openSqliteStore((dir_ / "zonewatch.sqlite").string());
    ASSERT_TRUE(s.ok()) << s.error().message;
    sqlite_ = std::move(s).value();
  }
  void TearDown() override {
    sqlite_.reset();
    std::filesystem::remove_all(dir_);
  }

  static config::WebhookSpec sink(std::chrono::seconds timeout) {
    config::WebhookSpec s;
    s.name = "ops";
    s.url = "http://127.0.0.1:9/hook";
    s.timeout = timeout;
    return s;
  }

  int64_t pending() {
    auto st = sqlite_->stats();
    EXPECT_TRUE(st.ok());
    return st.ok() ? st->outboxPending : -1;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> sqlite_;
  FixedClock clock_{kT0};
};

// A claim of 10 s, a timeout of 5 s, a receiver taking 4 s: requests start at +0 and +4 (each
// ends within the claim at the latest by its timeout), not at +8 (+13 would be past the claim).
TEST_F(DelivererClaimTest, NoRequestStartsThatItsClaimCannotCover) {
  ASSERT_TRUE(sqlite_->commit(testing::outboxCommit({"e1", "e2", "e3"}, kT0, {"ops"})).ok());
  ClaimingStore store(*sqlite_, 10);
  SlowPoster poster(clock_, 4);
  DeliveryOptions options;
  options.jitterSeed = 7;
  Deliverer deliverer(store, {sink(std::chrono::seconds(5))}, clock_, poster, options);

  EXPECT_EQ(deliverer.runOnce(), 3u);
  EXPECT_EQ(poster.ids, (std::vector<std::string>{"e1", "e2"}));
  EXPECT_EQ(poster.started, (std::vector<int64_t>{kT0, kT0 + 4}));
  // Left as it was: pending, no attempt counted, due now, for the next claim.
  EXPECT_EQ(pending(), 1);
  auto left = sqlite_->dueOutbox(clock_.nowUnix(), 10);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().event.uid, "e3");
  EXPECT_EQ(left->front().attempts, 0);
  EXPECT_TRUE(left->front().lastError.empty());

  EXPECT_EQ(deliverer.runOnce(), 1u);
  EXPECT_EQ(poster.ids, (std::vector<std::string>{"e1", "e2", "e3"}));
  EXPECT_EQ(pending(), 0);
}

// The same with `run --once`'s pass: what the claim cannot cover stays for the next run.
TEST_F(DelivererClaimTest, PassLeavesWhatItsClaimCannotCover) {
  ASSERT_TRUE(sqlite_->commit(testing::outboxCommit({"e1", "e2", "e3"}, kT0, {"ops"})).ok());
  ClaimingStore store(*sqlite_, 6);
  SlowPoster poster(clock_, 3);
  Deliverer deliverer(store, {sink(std::chrono::seconds(5))}, clock_, poster);

  EXPECT_EQ(deliverer.runPass(), 3u);
  EXPECT_EQ(poster.ids, (std::vector<std::string>{"e1"}));
  EXPECT_EQ(pending(), 2);
}

// Unclaimed items (an SQLite file, one deliverer) are all sent however slow the receiver.
TEST_F(DelivererClaimTest, UnclaimedItemsAreAllSent) {
  ASSERT_TRUE(sqlite_->commit(testing::outboxCommit({"e1", "e2", "e3"}, kT0, {"ops"})).ok());
  SlowPoster poster(clock_, 4);
  Deliverer deliverer(*sqlite_, {sink(std::chrono::seconds(5))}, clock_, poster);
  EXPECT_EQ(deliverer.runOnce(), 3u);
  EXPECT_EQ(poster.ids.size(), 3u);
  EXPECT_EQ(pending(), 0);
}

}  // namespace
}  // namespace zonewatch::alerts
