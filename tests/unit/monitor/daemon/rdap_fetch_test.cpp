// Tests of monitor/daemon/rdap_fetch.cpp: one RDAP query through the real libcurl getter to a real
// HTTP/1.1 receiver on a loopback port (tests/unit/alerts/http_receiver.h), configured as the
// override for "com" so that no bootstrap file and no traffic beyond 127.0.0.1 is involved. The
// answer is a fixture written after Verisign's. Each failure must come back as its kind, and the
// rate policy must hold a server back after its 429.
#include "monitor/daemon/rdap_fetch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "monitor/util/clock.h"
#include "monitor/util/file_io.h"
#include "tests/unit/alerts/http_receiver.h"

namespace zonewatch::daemon {
namespace {

using namespace std::chrono_literals;
using testutil::Receiver;

constexpr int64_t kT0 = 1714564800;
constexpr const char* kPath = "/rdap/domain/example.com";

std::string fixture(const std::string& name) {
  auto text = readFileNamed(ZONEWATCH_SOURCE_DIR "/tests/unit/monitor/rdap/fixtures/" + name);
  EXPECT_TRUE(text.ok()) << text.error().message;
  return text.ok() ? *text : std::string();
}

class RdapFetchTest : public ::testing::Test {
 protected:
  void SetUp() override { receiver_.start(); }

  RdapFetcher fetcher() {
    return RdapFetcher(bootstrap_, {{"com", receiver_.url("/rdap/")}}, getter_, policy_, 2s);
  }

  Receiver receiver_;
  alerts::CurlGetter getter_;
  FixedClock clock_{kT0};
  rdap::RatePolicy policy_{clock_, rdap::RateOptions{}};
  rdap::Bootstrap bootstrap_;  // empty: only the override covers anything
};

TEST_F(RdapFetchTest, ReadsTheDomainAndAsksForRdapJson) {
  receiver_.setRoute(kPath, 200, fixture("verisign_thin.json"));
  auto r = fetcher().fetch("example.com.");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ldhName, "example.com.");
  ASSERT_TRUE(r->registrar.has_value());
  EXPECT_EQ(r->registrar->ianaId, 376U);
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].headers.at("accept"), "application/rdap+json");
}

TEST_F(RdapFetchTest, FollowsARedirectToAnotherServer) {
  receiver_.setRoute(kPath, 302, "", {"Location: " + receiver_.url("/other/domain/example.com")});
  receiver_.setRoute("/other/domain/example.com", 200, fixture("verisign_thin.json"));
  auto r = fetcher().fetch("example.com");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ldhName, "example.com.");
}

TEST_F(RdapFetchTest, NotFoundIsAFailureNotARegistration) {
  receiver_.setRoute(kPath, 404, fixture("error_404.json"));
  auto r = fetcher().fetch("example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, RdapFetchFailureKind::kNotFound);
}

TEST_F(RdapFetchTest, MalformedJsonIsABadResponse) {
  receiver_.setRoute(kPath, 200, R"({"objectClassName": "domain", "ldhName": )");
  auto r = fetcher().fetch("example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, RdapFetchFailureKind::kBadResponse);
  EXPECT_NE(r.error().message.find("malformed_json"), std::string::npos) << r.error().message;
}

TEST_F(RdapFetchTest, AnotherStatusIsAFailure) {
  receiver_.setRoute(kPath, 500, "");
  auto r = fetcher().fetch("example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, RdapFetchFailureKind::kHttpStatus);
}

// RFC 7480 §5.5 and RFC 9110 §10.2.3: after a 429 the server is left alone for its Retry-After.
TEST_F(RdapFetchTest, A429HoldsTheServerBackForItsRetryAfter) {
  receiver_.setRoute(kPath, 429, "", {"Retry-After: 120"});
  auto first = fetcher().fetch("example.com");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().kind, RdapFetchFailureKind::kRateLimited);
  EXPECT_EQ(first.error().retryAt, kT0 + 120);

  clock_.advance(60);
  auto second = fetcher().fetch("example.com");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, RdapFetchFailureKind::kDeferred);
  EXPECT_EQ(second.error().retryAt, kT0 + 120);
  EXPECT_EQ(receiver_.requests().size(), 1U);

  clock_.advance(60);
  receiver_.setRoute(kPath, 200, fixture("verisign_thin.json"));
  EXPECT_TRUE(fetcher().fetch("example.com").ok());
}

TEST_F(RdapFetchTest, ADomainNoServerCoversSendsNothing) {
  auto r = fetcher().fetch("example.org");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, RdapFetchFailureKind::kNoServer);
  EXPECT_TRUE(receiver_.requests().empty());
}

TEST_F(RdapFetchTest, AServerThatIsDownIsATransportFailure) {
  receiver_.stop();
  auto r = fetcher().fetch("example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, RdapFetchFailureKind::kTransport);
}

TEST_F(RdapFetchTest, ASilentServerTimesOut) {
  receiver_.setSilent(true);
  auto r = RdapFetcher(bootstrap_, {{"com", receiver_.url("/rdap/")}}, getter_, policy_, 300ms)
               .fetch("example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, RdapFetchFailureKind::kTransport);
}

}  // namespace
}  // namespace zonewatch::daemon
