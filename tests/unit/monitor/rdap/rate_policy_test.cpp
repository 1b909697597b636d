// Politeness towards RDAP servers (monitor/rdap/rate_policy.h): spacing, Retry-After in both forms
// of RFC 9110 §10.2.3 (and the obsolete date forms of §5.6.7), the cap, the bounded table.
#include "monitor/rdap/rate_policy.h"

#include <gtest/gtest.h>

#include <limits>

#include "monitor/util/rfc3339.h"

namespace zonewatch::rdap {
namespace {

int64_t at(std::string_view text) {
  return parseRfc3339(text).value();
}

TEST(RetryAfterTest, DelaySeconds) {
  EXPECT_EQ(*parseRetryAfter("120", 0), 120);
  EXPECT_EQ(*parseRetryAfter(" 0 ", 0), 0);
  EXPECT_EQ(*parseRetryAfter("99999999999999999999999", 0), std::numeric_limits<int64_t>::max());
  for (const char* bad : {"", "-5", "1.5", "12s", "soon", "0x10"}) {
    EXPECT_FALSE(parseRetryAfter(bad, 0).ok()) << bad;
  }
  EXPECT_FALSE(parseRetryAfter(std::string(kMaxRetryAfterLength + 1, '1'), 0).ok());
}

TEST(RetryAfterTest, HttpDatesInAllThreeForms) {
  const int64_t now = at("1994-11-06T08:47:37Z");
  EXPECT_EQ(*parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), 120);   // IMF-fixdate
  EXPECT_EQ(*parseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", now), 120);  // RFC 850
  EXPECT_EQ(*parseRetryAfter("Sun Nov  6 08:49:37 1994", now), 120);        // asctime
  // A date in the past means "now".
  EXPECT_EQ(*parseRetryAfter("Sat, 05 Nov 1994 08:49:37 GMT", now), 0);
  for (const char* bad :
       {"Sun, 06 Nov 1994 08:49:37 CET", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 06 08:49:37",
        "Sun, 32 Nov 1994 08:49:37 GMT", "Tue, 31 Feb 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(parseRetryAfter(bad, now).ok()) << bad;
  }
}

// RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is the last such year in the past.
TEST(RetryAfterTest, TwoDigitYearsPickTheNearestCentury) {
  const int64_t now = at("2026-12-06T10:00:00Z");
  EXPECT_EQ(*parseRetryAfter("Sunday, 06-Dec-26 10:01:00 GMT", now), 60);
  EXPECT_EQ(*parseRetryAfter("Friday, 06-Dec-80 10:00:00 GMT", now), 0) << "1980, in the past";
  EXPECT_EQ(*parseRetryAfter("Tuesday, 06-Dec-70 10:00:00 GMT", now),
            at("2070-12-06T10:00:00Z") - now);
}

TEST(ServerOfTest, OriginOnly) {
  EXPECT_EQ(serverOf("https://RDAP.Example:8443/com/v1/domain/x.com"), "https://rdap.example:8443");
  EXPECT_EQ(serverOf("https://user:pw@rdap.example/x"), "https://rdap.example");
  EXPECT_EQ(serverOf("http://127.0.0.1:5353"), "http://127.0.0.1:5353");
}

class RatePolicyTest : public ::testing::Test {
 protected:
  FixedClock clock_{at("2026-12-06T10:00:00Z")};
  RatePolicy policy_{clock_, RateOptions{5, 600, 60}};
  const std::string a_ = "https://rdap.a.example";
  const std::string b_ = "https://rdap.b.example";
};

TEST_F(RatePolicyTest, SpacesRequestsPerServer) {
  EXPECT_TRUE(policy_.mayRequest(a_));
  policy_.recordRequest(a_);
  EXPECT_FALSE(policy_.mayRequest(a_));
  EXPECT_TRUE(policy_.mayRequest(b_)) << "another server is not held back";
  EXPECT_EQ(policy_.nextAllowed(a_), clock_.nowUnix() + 5);
  clock_.advance(5);
  EXPECT_TRUE(policy_.mayRequest(a_));
}

TEST_F(RatePolicyTest, HonoursRetryAfterWithACap) {
  policy_.recordRequest(a_);
  policy_.recordResponse(a_, 429, "120");
  EXPECT_EQ(policy_.nextAllowed(a_), clock_.nowUnix() + 120);
  clock_.advance(119);
  EXPECT_FALSE(policy_.mayRequest(a_));
  clock_.advance(1);
  EXPECT_TRUE(policy_.mayRequest(a_));
  // An HTTP-date, on a 503.
  policy_.recordResponse(a_, 503, "Sun, 06 Dec 2026 10:10:00 GMT");
  EXPECT_EQ(policy_.nextAllowed(a_), at("2026-12-06T10:10:00Z"));
  // A day is more than the cap allows: ten minutes it is.
  policy_.recordResponse(b_, 429, "86400");
  EXPECT_EQ(policy_.nextAllowed(b_), clock_.nowUnix() + 600);
}

TEST_F(RatePolicyTest, DefaultBackoffWithoutAUsableHeader) {
  policy_.recordResponse(a_, 429, std::nullopt);
  EXPECT_EQ(policy_.nextAllowed(a_), clock_.nowUnix() + 60);
  policy_.recordResponse(b_, 503, "whenever");
  EXPECT_EQ(policy_.nextAllowed(b_), clock_.nowUnix() + 60);
  // Other answers impose nothing beyond the spacing; a shorter Retry-After does not shorten a
  // back-off already running.
  const std::string c = "https://rdap.c.example";
  policy_.recordResponse(c, 200, "3000");
  policy_.recordResponse(c, 404, std::nullopt);
  EXPECT_TRUE(policy_.mayRequest(c));
  policy_.recordResponse(a_, 429, "1");
  EXPECT_EQ(policy_.nextAllowed(a_), clock_.nowUnix() + 60);
}

TEST_F(RatePolicyTest, TableIsBounded) {
  for (size_t i = 0; i < kMaxTrackedServers + 50; ++i) {
    policy_.recordResponse("https://s" + std::to_string(i) + ".example", 429, "300");
    clock_.advance(1);
  }
  EXPECT_LE(policy_.trackedServers(), kMaxTrackedServers);
  // The newest back-off survives.
  EXPECT_FALSE(
      policy_.mayRequest("https://s" + std::to_string(kMaxTrackedServers + 49) + ".example"));
}

}  // namespace
}  // namespace zonewatch::rdap
