// Tests of the GET in alerts/http_client.cpp (CurlGetter), with the real libcurl against a real
// HTTP/1.1 receiver on a loopback port (http_receiver.h): the Accept header as sent, redirects
// followed up to kMaxGetRedirects and never to another scheme, Retry-After handed back, the body
// cut at kMaxGetResponseBytes, timeouts and stopping as errors. The POST keeps refusing redirects.
#include "alerts/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include "tests/unit/alerts/http_receiver.h"

namespace zonewatch::alerts {
namespace {

using namespace std::chrono_literals;
using testutil::Receiver;

const std::vector<HttpHeader> kRdapHeaders = {{"Accept", "application/rdap+json"}};

class CurlGetterTest : public ::testing::Test {
 protected:
  void SetUp() override { receiver_.start(); }
  Receiver receiver_;
  CurlGetter getter_;
};

TEST_F(CurlGetterTest, SendsAGetWithTheHeadersAndReturnsTheAnswer) {
  receiver_.setRoute("/domain/example.com", 200, R"({"objectClassName":"domain"})");
  auto r = getter_.get(receiver_.url("/domain/example.com"), kRdapHeaders, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"objectClassName":"domain"})");
  EXPECT_FALSE(r->truncated);
  EXPECT_FALSE(r->retryAfter.has_value());
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].headers.at("accept"), "application/rdap+json");
  EXPECT_TRUE(requests[0].body.empty());
}

TEST_F(CurlGetterTest, NotFoundIsAStatusNotAnError) {
  receiver_.setRoute("/domain/missing.example", 404, "{}");
  auto r = getter_.get(receiver_.url("/domain/missing.example"), kRdapHeaders, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 404);
}

// RFC 7480 §5.2: an RDAP server may answer with a redirect to another RDAP server.
TEST_F(CurlGetterTest, FollowsRedirectsToTheFinalAnswer) {
  receiver_.setRoute("/a", 301, "", {"Location: " + receiver_.url("/b")});
  receiver_.setRoute("/b", 307, "", {"Location: /c"});
  receiver_.setRoute("/c", 200, "final");
  auto r = getter_.get(receiver_.url("/a"), kRdapHeaders, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "final");
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[2].path, "/c");
  EXPECT_EQ(requests[2].headers.at("accept"), "application/rdap+json");
}

TEST_F(CurlGetterTest, StopsAfterTheRedirectLimit) {
  for (long i = 0; i <= kMaxGetRedirects; ++i) {  // NOLINT(google-runtime-int)
    receiver_.setRoute("/r" + std::to_string(i), 302, "", {"Location: /r" + std::to_string(i + 1)});
  }
  receiver_.setRoute("/r" + std::to_string(kMaxGetRedirects + 1), 200, "too far");
  auto r = getter_.get(receiver_.url("/r0"), kRdapHeaders, 5s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(receiver_.requests().size(), static_cast<size_t>(kMaxGetRedirects + 1));
}

// Only http and https are ever followed (libcurl alone would follow ftp:// too).
TEST_F(CurlGetterTest, RefusesARedirectToAnotherProtocol) {
  receiver_.setRoute("/a", 302, "", {"Location: ftp://127.0.0.1:1/domain/example.com"});
  auto r = getter_.get(receiver_.url("/a"), kRdapHeaders, 5s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(receiver_.requests().size(), 1U);
}

TEST(RedirectProtocols, HttpsNeverDowngradesToHttp) {
  EXPECT_EQ(redirectProtocolsFor("https://rdap.example/domain/x"), "https");
  EXPECT_EQ(redirectProtocolsFor("HTTPS://rdap.example/domain/x"), "https");
  EXPECT_EQ(redirectProtocolsFor("http://rdap.example/domain/x"), "http,https");
}

// RFC 6585 §4 and RFC 9110 §10.2.3: the wait a 429 asks for reaches the rate policy.
TEST_F(CurlGetterTest, ReturnsTheRetryAfterOfA429) {
  receiver_.setRoute("/slow-down", 429, "", {"Retry-After: 30"});
  auto r = getter_.get(receiver_.url("/slow-down"), kRdapHeaders, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 429);
  ASSERT_TRUE(r->retryAfter.has_value());
  EXPECT_EQ(*r->retryAfter, "30");
}

TEST_F(CurlGetterTest, DropsARetryAfterTooLongToBeOne) {
  receiver_.setRoute("/slow-down", 429, "",
                     {"Retry-After: " + std::string(kMaxRetryAfterBytes + 1, '9')});
  auto r = getter_.get(receiver_.url("/slow-down"), kRdapHeaders, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->retryAfter.has_value());
}

TEST_F(CurlGetterTest, KeepsAtMostTheBodyLimit) {
  receiver_.setRoute("/big", 200, std::string(kMaxGetResponseBytes + 100, 'x'));
  auto r = getter_.get(receiver_.url("/big"), kRdapHeaders, 10s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body.size(), kMaxGetResponseBytes);
  EXPECT_TRUE(r->truncated);
}

TEST_F(CurlGetterTest, ASilentServerTimesOut) {
  receiver_.setSilent(true);
  const auto start = std::chrono::steady_clock::now();
  auto r = getter_.get(receiver_.url("/domain/example.com"), kRdapHeaders, 300ms);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(CurlGetterTest, AServerThatIsDownIsAnError) {
  receiver_.stop();
  auto r = getter_.get(receiver_.url("/domain/example.com"), kRdapHeaders, 2s);
  EXPECT_FALSE(r.ok());
}

TEST_F(CurlGetterTest, NothingIsSentOnceStopIsRequested) {
  std::stop_source source;
  CurlGetter getter(source.get_token());
  source.request_stop();
  auto r = getter.get(receiver_.url("/domain/example.com"), kRdapHeaders, 2s);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(receiver_.requests().empty());
}

// The shared transfer code must not have made the POST follow redirects.
TEST_F(CurlGetterTest, APostStillFollowsNoRedirect) {
  receiver_.setRoute("/hook", 302, "", {"Location: /elsewhere"});
  CurlPoster poster;
  auto r = poster.post(receiver_.url("/hook"), {}, "{}", 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(receiver_.requests().size(), 1U);
}

}  // namespace
}  // namespace zonewatch::alerts
