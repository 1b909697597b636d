// Tests of alerts/deliverer.cpp end to end with real parts: the libcurl poster (CurlPoster), a real
// HTTP/1.1 receiver on a loopback port in a thread of this test (http_receiver.h), and a real
// SQLite store in a temporary directory whose outbox rows are written by Store::commit, as the
// daemon writes them.
// Time is a FixedClock: backoff is crossed by advancing it, never by sleeping.
#include "alerts/deliverer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "alerts/webhook_format.h"
#include "monitor/crypto/crypto.h"
#include "storage/sqlite_store.h"
#include "tests/unit/alerts/http_receiver.h"
#include "tests/unit/alerts/outbox_fixture.h"

namespace zonewatch::alerts {
namespace {

using nlohmann::json;

using testutil::ReceivedRequest;
using testutil::Receiver;

// ---- fixtures
// -------------------------------------------------------------------------------------
constexpr int64_t kT0 = 1714564800;
constexpr const char* kSecret = "test-secret";

class DelivererTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "zw-deliverer-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_ = openStore();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<storage::Store> openStore() {
    auto s = storage::openSqliteStore((dir_ / "zonewatch.sqlite").string());
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Commits events (uids given) for one domain, one outbox row per event and sink.
  void commitEvents(const std::vector<std::string>& uids, int64_t at,
                    std::vector<std::string> sinks = {"ops"}) {
    auto ok = store_->commit(testing::outboxCommit(uids, at, sinks));
    ASSERT_TRUE(ok.ok()) << ok.error().message;
  }

  config::WebhookSpec sink(const std::string& url, std::string format = "generic") {
    config::WebhookSpec s;
    s.name = "ops";
    s.url = url;
    s.secret = kSecret;
    s.format = config::webhookFormatFromString(format).value();
    s.timeout = std::chrono::seconds(5);
    return s;
  }

  static DeliveryOptions options() {
    DeliveryOptions o;
    o.jitterSeed = 42;  // reproducible jitter; the assertions hold for any seed
    return o;
  }

  int64_t pending() {
    auto st = store_->stats();
    EXPECT_TRUE(st.ok());
    return st.ok() ? st->outboxPending : -1;
  }

  // The ids received, each with how many times it arrived.
  static std::map<std::string, int> idCounts(const std::vector<ReceivedRequest>& rs) {
    std::map<std::string, int> out;
    for (const auto& r : rs) ++out[json::parse(r.body).at("id").get<std::string>()];
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  FixedClock clock_{kT0};
  CurlPoster poster_;
  Receiver receiver_;
};

uint64_t counter(const Deliverer& d, const std::string& sink, std::string_view outcome) {
  const auto all = d.counters();
  const auto it = all.find({sink, std::string(outcome)});
  return it == all.end() ? 0 : it->second;
}

// HMAC-SHA256 over "timestamp.body", as alerts/README.md tells a receiver to compute it.
std::string independentSignature(const std::string& timestamp, const std::string& body) {
  const std::string_view key = kSecret;
  const std::string text = timestamp + "." + body;
  const auto mac = crypto::hmacSha256({reinterpret_cast<const uint8_t*>(key.data()), key.size()},
                                      {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  std::string hex = "sha256=";
  char b[3];
  for (uint8_t x : mac) {
    std::snprintf(b, sizeof b, "%02x", x);
    hex += b;
  }
  return hex;
}

// ---- tests
// ----------------------------------------------------------------------------------------
TEST(Backoff, ExponentialAndCapped) {
  const DeliveryOptions o;
  const config::WebhookSpec defaults;  // retry_initial 30s, retry_max 1h
  EXPECT_EQ(backoffSeconds(defaults, o, 0), 30);
  EXPECT_EQ(backoffSeconds(defaults, o, 1), 60);
  EXPECT_EQ(backoffSeconds(defaults, o, 5), 960);
  EXPECT_EQ(backoffSeconds(defaults, o, 7), 3600);
  EXPECT_EQ(backoffSeconds(defaults, o, 60), 3600);
}

TEST(Backoff, FollowsTheSinksRetryInitialAndRetryMax) {
  const DeliveryOptions o;
  config::WebhookSpec s;
  s.retryInitial = std::chrono::seconds(1);
  s.retryMax = std::chrono::seconds(5);
  EXPECT_EQ(backoffSeconds(s, o, 0), 1);
  EXPECT_EQ(backoffSeconds(s, o, 1), 2);
  EXPECT_EQ(backoffSeconds(s, o, 2), 4);
  EXPECT_EQ(backoffSeconds(s, o, 3), 5);
  EXPECT_EQ(backoffSeconds(s, o, 1000), 5);  // no overflow far out
  s.retryMax = s.retryInitial;               // a fixed delay
  EXPECT_EQ(backoffSeconds(s, o, 0), 1);
  EXPECT_EQ(backoffSeconds(s, o, 9), 1);
}

TEST_F(DelivererTest, EachEventArrivesOnceSigned) {
  receiver_.start();
  commitEvents({"e1", "e2", "e3"}, kT0);
  clock_.set(kT0 + 5);
  Deliverer d(*store_, {sink(receiver_.url())}, clock_, poster_, options());

  EXPECT_EQ(d.runOnce(), 3U);
  EXPECT_EQ(d.runOnce(), 0U);
  const auto rs = receiver_.requests();
  ASSERT_EQ(rs.size(), 3U);
  EXPECT_EQ(idCounts(rs), (std::map<std::string, int>{{"e1", 1}, {"e2", 1}, {"e3", 1}}));
  for (const auto& r : rs) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, "/hook");
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    EXPECT_EQ(r.headers.at("user-agent"), "zonewatch/0.1");
    EXPECT_EQ(r.headers.at("x-zonewatch-event"), "ds_changed");
    EXPECT_EQ(r.headers.at("x-zonewatch-timestamp"), std::to_string(kT0 + 5));
    const json body = json::parse(r.body);
    EXPECT_EQ(r.headers.at("x-zonewatch-id"), body.at("id"));
    EXPECT_EQ(body.at("sent_at"), toRfc3339(kT0 + 5));
    EXPECT_EQ(r.headers.at("x-zonewatch-signature"),
              independentSignature(r.headers.at("x-zonewatch-timestamp"), r.body));
  }
  EXPECT_EQ(counter(d, "ops", kDelivered), 3U);
  EXPECT_EQ(pending(), 0);
}

// A receiver behind authentication: the sink's own headers and its bearer token arrive with
// every request, beside (not instead of) zonewatch's headers and signature.
TEST_F(DelivererTest, CustomHeadersAndBearerTokenReachTheReceiver) {
  receiver_.start();
  commitEvents({"h1", "h2"}, kT0);
  config::WebhookSpec s = sink(receiver_.url());
  s.headers = {{"X-Tenant", "acme corp"}, {"X-Api-Key", "k3y"}};
  s.bearerToken = "tok.EN-42";
  Deliverer d(*store_, {s}, clock_, poster_, options());

  EXPECT_EQ(d.runOnce(), 2U);
  const auto rs = receiver_.requests();
  ASSERT_EQ(rs.size(), 2U);
  for (const auto& r : rs) {
    EXPECT_EQ(r.headers.at("x-tenant"), "acme corp");
    EXPECT_EQ(r.headers.at("x-api-key"), "k3y");
    EXPECT_EQ(r.headers.at("authorization"), "Bearer tok.EN-42");
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    EXPECT_EQ(r.headers.at("x-zonewatch-signature"),
              independentSignature(r.headers.at("x-zonewatch-timestamp"), r.body));
  }
  EXPECT_EQ(counter(d, "ops", kDelivered), 2U);
}

TEST_F(DelivererTest, ReceiverDownThenUpDeliversEveryEventOnce) {
  commitEvents({"a", "b", "c", "d"}, kT0);
  Deliverer d(*store_, {sink(receiver_.url())}, clock_, poster_, options());

  // Down: the port refuses connections.
  EXPECT_EQ(d.runOnce(), 4U);
  EXPECT_EQ(counter(d, "ops", kRetry), 4U);
  // First retry after 30 s ± 20%.
  auto early = store_->dueOutbox(kT0 + 23, 100);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty());
  auto window = store_->dueOutbox(kT0 + 36, 100);
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->size(), 4U);
  for (const auto& item : *window) {
    EXPECT_EQ(item.attempts, 1);
    EXPECT_FALSE(item.lastError.empty());
  }
  EXPECT_EQ(d.runOnce(), 0U);  // nothing due yet

  // Three more rounds down, each crossing the longest jittered delay of its attempt.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    clock_.advance(backoffSeconds(sink(""), options(), attempt - 1) * 6 / 5 + 1);
    EXPECT_EQ(d.runOnce(), 4U) << "attempt " << attempt;
  }
  EXPECT_EQ(counter(d, "ops", kRetry), 16U);
  EXPECT_TRUE(receiver_.requests().empty());

  receiver_.start();
  clock_.advance(backoffSeconds(sink(""), options(), 3) * 6 / 5 + 1);
  EXPECT_EQ(d.runOnce(), 4U);
  clock_.advance(7200);
  EXPECT_EQ(d.runOnce(), 0U);
  EXPECT_EQ(idCounts(receiver_.requests()),
            (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}}));
  EXPECT_EQ(counter(d, "ops", kDelivered), 4U);
  EXPECT_EQ(pending(), 0);
}

TEST_F(DelivererTest, ServerErrorsAreRetriedLater) {
  receiver_.start();
  receiver_.setStatus(500, "try later");
  commitEvents({"x"}, kT0);
  Deliverer d(*store_, {sink(receiver_.url())}, clock_, poster_, options());

  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(counter(d, "ops", kRetry), 1U);
  EXPECT_EQ(d.runOnce(), 0U);  // backed off, not hammered
  auto item = store_->dueOutbox(kT0 + 3600, 10);
  ASSERT_TRUE(item.ok());
  ASSERT_EQ(item->size(), 1U);
  EXPECT_EQ((*item)[0].lastError, "HTTP 500: try later");

  receiver_.setStatus(429);  // also transient
  clock_.advance(37);
  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(counter(d, "ops", kRetry), 2U);

  receiver_.setStatus(200);
  clock_.advance(73);
  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(counter(d, "ops", kDelivered), 1U);
  EXPECT_EQ(receiver_.requests().size(), 3U);
  EXPECT_EQ(idCounts(receiver_.requests()), (std::map<std::string, int>{{"x", 3}}));
  EXPECT_EQ(pending(), 0);
}

TEST_F(DelivererTest, RetryDelaysAreTheSinksOwn) {
  commitEvents({"fast", "slow"}, kT0, {"fast", "slow"});
  auto fast = sink(receiver_.url());
  fast.name = "fast";
  fast.retryInitial = std::chrono::seconds(1);
  fast.retryMax = std::chrono::seconds(2);
  auto slow = sink(receiver_.url());
  slow.name = "slow";
  slow.retryInitial = std::chrono::seconds(600);
  slow.retryMax = std::chrono::seconds(7200);
  Deliverer d(*store_, {fast, slow}, clock_, poster_, options());

  // Down: each of the four rows (two events x two sinks) fails once.
  EXPECT_EQ(d.runOnce(), 4U);
  const auto sinksDueAt = [&](int64_t at) {
    std::multiset<std::string> sinks;
    auto due = store_->dueOutbox(at, 100);
    EXPECT_TRUE(due.ok());
    if (due.ok()) {
      for (const auto& item : *due) sinks.insert(item.sink);
    }
    return sinks;
  };
  // 1 s x [0.8, 1.2] rounds to 1 s; 600 s x [0.8, 1.2] is at least 480 s.
  EXPECT_EQ(sinksDueAt(kT0 + 1), (std::multiset<std::string>{"fast", "fast"}));
  EXPECT_EQ(sinksDueAt(kT0 + 479), (std::multiset<std::string>{"fast", "fast"}));
  EXPECT_EQ(sinksDueAt(kT0 + 721).count("slow"), 2U);

  // Failing again and again, the fast sink never waits more than retry_max (2 s) plus jitter.
  for (int attempt = 1; attempt <= 5; ++attempt) {
    clock_.advance(3);
    EXPECT_EQ(sinksDueAt(clock_.nowUnix()).count("fast"), 2U) << "attempt " << attempt;
    d.runOnce();
  }
  receiver_.start();
  clock_.advance(3);
  d.runOnce();
  EXPECT_EQ(counter(d, "fast", kDelivered), 2U);
  EXPECT_EQ(counter(d, "slow", kDelivered), 0U);  // still backing off
  EXPECT_EQ(pending(), 2);
}

TEST_F(DelivererTest, PassHandlesEveryDueItemOnceAcrossBatches) {
  receiver_.start();
  commitEvents({"q1", "q2", "q3", "q4", "q5"}, kT0);
  auto small = options();
  small.batchLimit = 2;
  Deliverer d(*store_, {sink(receiver_.url())}, clock_, poster_, small);

  EXPECT_EQ(d.runPass(), 5U);  // three batches in one pass
  EXPECT_EQ(idCounts(receiver_.requests()),
            (std::map<std::string, int>{{"q1", 1}, {"q2", 1}, {"q3", 1}, {"q4", 1}, {"q5", 1}}));
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(d.runPass(), 0U);
}

TEST_F(DelivererTest, PassTriesAFailingItemOnceAndLeavesItToItsBackoff) {
  receiver_.start();
  receiver_.setStatus(503);
  commitEvents({"f1", "f2", "f3"}, kT0);
  auto s = sink(receiver_.url());
  s.retryInitial = std::chrono::seconds(1);  // due again one second later, not within the pass
  auto small = options();
  small.batchLimit = 1;
  Deliverer d(*store_, {s}, clock_, poster_, small);

  EXPECT_EQ(d.runPass(), 3U);
  EXPECT_EQ(receiver_.requests().size(), 3U);
  EXPECT_EQ(counter(d, "ops", kRetry), 3U);
  EXPECT_EQ(pending(), 3);
  EXPECT_EQ(d.runPass(), 0U);  // same instant: nothing due

  receiver_.setStatus(204);
  clock_.advance(1);
  EXPECT_EQ(d.runPass(), 3U);
  EXPECT_EQ(idCounts(receiver_.requests()),
            (std::map<std::string, int>{{"f1", 2}, {"f2", 2}, {"f3", 2}}));
  EXPECT_EQ(pending(), 0);
}

TEST_F(DelivererTest, PassSparesAnUnreachableSinkAfterItsFirstFailure) {
  receiver_.start();  // "up" is reachable; "down" points at a port nobody listens on
  Receiver closed;
  commitEvents({"o1"}, kT0 - 7200, {"down"});  // older than down's give_up_after
  commitEvents({"n1", "n2", "n3"}, kT0, {"down", "up"});
  auto down = sink(closed.url());
  down.name = "down";
  down.giveUpAfter = std::chrono::seconds(3600);
  auto up = sink(receiver_.url());
  up.name = "up";
  Deliverer d(*store_, {down, up}, clock_, poster_, options());

  EXPECT_EQ(d.runPass(), 7U);
  EXPECT_EQ(counter(d, "up", kDelivered), 3U);
  EXPECT_EQ(counter(d, "down", kGaveUp), 1U);  // the horizon still applies to spared items
  EXPECT_EQ(counter(d, "down", kRetry), 3U);
  auto later = store_->dueOutbox(kT0 + 3600, 100);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 3U);
  size_t spared = 0;
  for (const auto& item : *later) {
    EXPECT_EQ(item.sink, "down");
    EXPECT_EQ(item.attempts, 1);  // each backs off as if it had been tried
    if (item.lastError.find("(earlier in this pass)") != std::string::npos) ++spared;
  }
  EXPECT_EQ(spared, 2U);  // only the first request went out
}

// The daemon's worker takes one batch at a time: there too a sink that gave no HTTP answer is not
// asked again within the batch, and the reachable sink's items go out.
TEST_F(DelivererTest, BatchSparesAnUnreachableSinkAfterItsFirstFailure) {
  receiver_.start();
  Receiver closed;
  commitEvents({"n1", "n2", "n3"}, kT0, {"down", "up"});
  auto down = sink(closed.url());
  down.name = "down";
  auto up = sink(receiver_.url());
  up.name = "up";
  Deliverer d(*store_, {down, up}, clock_, poster_, options());

  EXPECT_EQ(d.runOnce(), 6U);
  EXPECT_EQ(counter(d, "up", kDelivered), 3U);
  EXPECT_EQ(counter(d, "down", kRetry), 3U);
  auto later = store_->dueOutbox(kT0 + 3600, 100);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 3U);
  size_t spared = 0;
  for (const auto& item : *later) {
    if (item.lastError.find("(earlier in this pass)") != std::string::npos) ++spared;
  }
  EXPECT_EQ(spared, 2U);
}

TEST_F(DelivererTest, ClientErrorIsAPermanentRejection) {
  receiver_.start();
  receiver_.setStatus(400, "bad payload");
  commitEvents({"r"}, kT0);
  Deliverer d(*store_, {sink(receiver_.url())}, clock_, poster_, options());

  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(counter(d, "ops", kGaveUp), 1U);
  EXPECT_EQ(counter(d, "ops", kRetry), 0U);
  clock_.advance(86400);
  EXPECT_EQ(d.runOnce(), 0U);
  EXPECT_EQ(receiver_.requests().size(), 1U);
  EXPECT_EQ(pending(), 0);
}

TEST_F(DelivererTest, GivesUpAfterTheHorizonWithoutSending) {
  commitEvents({"old"}, kT0);
  auto s = sink(receiver_.url());
  s.giveUpAfter = std::chrono::seconds(600);
  Deliverer d(*store_, {s}, clock_, poster_, options());

  EXPECT_EQ(d.runOnce(), 1U);  // down: retry
  EXPECT_EQ(counter(d, "ops", kRetry), 1U);
  receiver_.start();
  clock_.set(kT0 + 601);
  EXPECT_EQ(d.runOnce(), 1U);
  EXPECT_EQ(counter(d, "ops", kGaveUp), 1U);
  EXPECT_TRUE(receiver_.requests().empty());
  EXPECT_EQ(pending(), 0);
}

TEST_F(DelivererTest, UnknownSinkIsGivenUp) {
  receiver_.start();
  commitEvents({"u"}, kT0, {"ops", "removed"});
  Deliverer d(*store_, {sink(receiver_.url())}, clock_, poster_, options());

  EXPECT_EQ(d.runOnce(), 2U);
  EXPECT_EQ(counter(d, "ops", kDelivered), 1U);
  EXPECT_EQ(counter(d, "removed", kGaveUp), 1U);
  EXPECT_EQ(receiver_.requests().size(), 1U);
  EXPECT_EQ(pending(), 0);
}

// An event this build cannot read (a newer zonewatch wrote its kind) is given up with the reason;
// the items after it are delivered.
TEST_F(DelivererTest, AnUnreadableEventIsGivenUpAndTheOthersDelivered) {
  receiver_.start();
  commitEvents({"first", "second"}, kT0);
  auto* sqlite = dynamic_cast<storage::SqliteStore*>(store_.get());
  ASSERT_NE(sqlite, nullptr);
  ASSERT_TRUE(
      sqlite->execute("UPDATE events SET event = 'kind_of_a_newer_build' WHERE uid = 'first'")
          .ok());
  clock_.set(kT0 + 5);
  Deliverer d(*store_, {sink(receiver_.url())}, clock_, poster_, options());

  EXPECT_EQ(d.runOnce(), 2U);
  EXPECT_EQ(counter(d, "ops", kGaveUp), 1U);
  EXPECT_EQ(counter(d, "ops", kDelivered), 1U);
  EXPECT_EQ(idCounts(receiver_.requests()), (std::map<std::string, int>{{"second", 1}}));
  EXPECT_EQ(pending(), 0);
}

// A reload hands the running deliverer new sinks: the next round posts to the new URL, and an item
// for a sink the reload removed is given up like one for a sink never configured.
TEST_F(DelivererTest, NewSinksTakeEffectOnTheNextRound) {
  receiver_.start();
  Receiver other;
  other.start();
  commitEvents({"before"}, kT0);
  Deliverer d(*store_, {sink(other.url())}, clock_, poster_, options());
  EXPECT_EQ(d.runOnce(), 1U);
  ASSERT_EQ(other.requests().size(), 1U);

  commitEvents({"after"}, kT0, {"ops", "removed"});
  auto moved = sink(receiver_.url());
  d.setSinks({moved});
  EXPECT_EQ(d.runOnce(), 2U);
  EXPECT_EQ(other.requests().size(), 1U) << "nothing more to the old URL";
  EXPECT_EQ(idCounts(receiver_.requests()), (std::map<std::string, int>{{"after", 1}}));
  EXPECT_EQ(counter(d, "removed", kGaveUp), 1U);
  EXPECT_EQ(pending(), 0);
}

TEST_F(DelivererTest, AlertmanagerFormatPostsToApiPath) {
  receiver_.start();
  commitEvents({"am1"}, kT0);
  Deliverer d(*store_, {sink(receiver_.url(""), "alertmanager")}, clock_, poster_, options());

  EXPECT_EQ(d.runOnce(), 1U);
  const auto rs = receiver_.requests();
  ASSERT_EQ(rs.size(), 1U);
  EXPECT_EQ(rs[0].path, "/api/v2/alerts");
  const json body = json::parse(rs[0].body);
  ASSERT_TRUE(body.is_array());
  EXPECT_EQ(body[0].at("annotations").at("event_id"), "am1");
}

TEST_F(DelivererTest, NewDelivererOnSameDatabaseContinues) {
  commitEvents({"p1", "p2", "p3", "p4", "p5"}, kT0);
  auto small = options();
  small.batchLimit = 2;
  {
    // The first process: receiver down for a round, then up for one batch, then it "exits".
    Deliverer first(*store_, {sink(receiver_.url())}, clock_, poster_, small);
    EXPECT_EQ(first.runOnce(), 2U);
    EXPECT_EQ(counter(first, "ops", kRetry), 2U);
    receiver_.start();
    EXPECT_EQ(first.runOnce(), 2U);  // the next two, never tried before
    EXPECT_EQ(counter(first, "ops", kDelivered), 2U);
  }
  store_ = openStore();  // a new connection, as after a restart
  ASSERT_NE(store_, nullptr);
  clock_.advance(60);
  Deliverer second(*store_, {sink(receiver_.url())}, clock_, poster_, options());
  EXPECT_EQ(second.runOnce(), 3U);
  EXPECT_EQ(second.runOnce(), 0U);
  EXPECT_EQ(idCounts(receiver_.requests()),
            (std::map<std::string, int>{{"p1", 1}, {"p2", 1}, {"p3", 1}, {"p4", 1}, {"p5", 1}}));
  EXPECT_EQ(pending(), 0);
}

}  // namespace
}  // namespace zonewatch::alerts
