// Tests of alerts/deliverer.cpp end to end with real parts: the libcurl poster (CurlPoster), a real
// HTTP/1.1 receiver on a loopback port in a thread of this test, and a real SQLite store in a
// temporary directory whose outbox rows are written by Store::commit, as the daemon writes them.
// Time is a FixedClock: backoff is crossed by advancing it, never by sleeping.
#include "alerts/deliverer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alerts/webhook_format.h"
#include "monitor/dnssec/crypto.h"
#include "storage/sqlite_store.h"

namespace zonewatch::alerts {
namespace {

using nlohmann::json;

// ---- a real HTTP receiver
// -------------------------------------------------------------------------
struct ReceivedRequest {
  std::string method, path;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

// Single-threaded HTTP/1.1: one connection at a time, Content-Length bodies, "Connection: close".
// stop() closes the port, so a stopped receiver refuses connections like a receiver that is down.
class Receiver {
 public:
  Receiver() {
    // Reserve a port the kernel considers free, then release it for start() (which may be called
    // again after stop(), on the same port).
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::close(fd);
  }
  ~Receiver() { stop(); }

  void start() {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int on = 1;
    ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in a = loopback(port_);
    ASSERT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << "port " << port_;
    ASSERT_EQ(::listen(listen_, 16), 0);
    stop_ = false;
    thread_ = std::thread([this] { serve(); });
  }
  void stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    ::close(listen_);
  }

  void setStatus(int status, std::string body = "") {
    std::lock_guard lock(mutex_);
    status_ = status;
    replyBody_ = std::move(body);
  }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::string url(std::string_view path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  static sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  void serve() {
    while (!stop_) {
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept(listen_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{2, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      handle(c);
      ::close(c);
    }
  }

  void handle(int c) {
    std::string data;
    char buf[4096];
    size_t headerEnd;
    while ((headerEnd = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
    }
    ReceivedRequest r;
    const std::string head = data.substr(0, headerEnd);
    size_t lineEnd = head.find("\r\n");
    const std::string requestLine = head.substr(0, lineEnd);
    r.method = requestLine.substr(0, requestLine.find(' '));
    const size_t pathStart = requestLine.find(' ') + 1;
    r.path = requestLine.substr(pathStart, requestLine.find(' ', pathStart) - pathStart);
    while (lineEnd != std::string::npos && lineEnd < head.size()) {
      const size_t next = head.find("\r\n", lineEnd + 2);
      const std::string line = head.substr(lineEnd + 2, next - lineEnd - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      }
      lineEnd = next;
    }
    const size_t length = std::stoul(
        r.headers.count("content-length") != 0U ? r.headers["content-length"] : std::string("0"));
    r.body = data.substr(headerEnd + 4);
    while (r.body.size() < length) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      r.body.append(buf, static_cast<size_t>(n));
    }
    std::string reply;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(r);
      reply = "HTTP/1.1 " + std::to_string(status_) +
              " X\r\nContent-Length: " + std::to_string(replyBody_.size()) +
              "\r\nConnection: close\r\n\r\n" + replyBody_;
    }
    ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
  }

  uint16_t port_ = 0;
  int listen_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  int status_ = 200;
  std::string replyBody_;
  std::vector<ReceivedRequest> requests_;
};

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
    storage::ObservationCommit c;
    c.row.domain = "example.com.";
    c.row.firstSeen = c.row.lastSeen = at;
    c.row.status = "secure";
    c.observedAt = at;
    for (const auto& uid : uids) {
      storage::NewEvent e;
      e.uid = uid;
      e.observedAt = at;
      e.event = "ds_changed";
      e.severity = "warning";
      e.summary = "DS changed (" + uid + ")";
      e.beforeJson = R"({"ds":[1]})";
      e.afterJson = R"({"ds":[2]})";
      c.events.push_back(std::move(e));
    }
    c.sinks = std::move(sinks);
    auto ok = store_->commit(c);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
  }

  config::WebhookSpec sink(const std::string& url, std::string format = "generic") {
    config::WebhookSpec s;
    s.name = "ops";
    s.url = url;
    s.secret = kSecret;
    s.format = std::move(format);
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

std::string independentSignature(const std::string& body) {
  const std::string_view key = kSecret;
  const auto mac = dnssec::hmacSha256({reinterpret_cast<const uint8_t*>(key.data()), key.size()},
                                      {reinterpret_cast<const uint8_t*>(body.data()), body.size()});
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
  DeliveryOptions o;
  EXPECT_EQ(backoffSeconds(o, 0), 30);
  EXPECT_EQ(backoffSeconds(o, 1), 60);
  EXPECT_EQ(backoffSeconds(o, 5), 960);
  EXPECT_EQ(backoffSeconds(o, 7), 3600);
  EXPECT_EQ(backoffSeconds(o, 60), 3600);
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
    EXPECT_EQ(r.headers.at("x-zonewatch-signature"), independentSignature(r.body));
  }
  EXPECT_EQ(counter(d, "ops", kDelivered), 3U);
  EXPECT_EQ(pending(), 0);
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
    clock_.advance(backoffSeconds(options(), attempt - 1) * 6 / 5 + 1);
    EXPECT_EQ(d.runOnce(), 4U) << "attempt " << attempt;
  }
  EXPECT_EQ(counter(d, "ops", kRetry), 16U);
  EXPECT_TRUE(receiver_.requests().empty());

  receiver_.start();
  clock_.advance(backoffSeconds(options(), 3) * 6 / 5 + 1);
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
