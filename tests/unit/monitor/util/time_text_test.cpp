#include "monitor/util/time_text.h"

#include <gtest/gtest.h>

#include <climits>
#include <ctime>
#include <optional>
#include <string>

#include "monitor/util/civil_time.h"

namespace zonewatch {
namespace {

constexpr std::string_view kFallback = "1970-01-01T00:00:00Z";

// What monitor_commands.cpp, webhook_format.cpp and log.cpp computed before they shared
// formatRfc3339; nullopt where gmtime_r fails.
std::optional<std::string> strftimeText(int64_t t) {
  const auto tt = static_cast<std::time_t>(t);
  std::tm utc{};
  if (gmtime_r(&tt, &utc) == nullptr) return std::nullopt;
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buf);
}

TEST(TimeTextTest, FormatsUtc) {
  EXPECT_EQ(formatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339(1800000000), "2027-01-15T08:00:00Z");
  EXPECT_EQ(formatRfc3339(951782400), "2000-02-29T00:00:00Z");  // leap day of a /400 year
  EXPECT_EQ(formatRfc3339(1795780800), "2026-11-27T12:00:00Z");
  EXPECT_EQ(formatRfc3339(1709251199), "2024-02-29T23:59:59Z");
  EXPECT_EQ(formatRfc3339(4294967295), "2106-02-07T06:28:15Z");  // RRSIG's 32-bit horizon
}

TEST(TimeTextTest, FormatsInstantsBefore1970) {
  EXPECT_EQ(formatRfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(formatRfc3339(-86400), "1969-12-31T00:00:00Z");
  EXPECT_EQ(formatRfc3339(-86401), "1969-12-30T23:59:59Z");
  EXPECT_EQ(formatRfc3339(-2208988800), "1900-01-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339(-2203891200), "1900-03-01T00:00:00Z");  // 1900 has no Feb 29
}

TEST(TimeTextTest, PadsTheYearToFourDigits) {
  // RFC 3339 years have four digits; strftime's %Y does not pad ("132-01-20T16:53:20Z").
  EXPECT_EQ(formatRfc3339(-58000000000), "0132-01-20T16:53:20Z");
  EXPECT_EQ(formatRfc3339(-62135596800), "0001-01-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339(253402300799), "9999-12-31T23:59:59Z");
  EXPECT_EQ(formatRfc3339(253402300800), "10000-01-01T00:00:00Z");
}

// Byte for byte what gmtime_r + strftime gave, for every year both spell with four or more
// digits: from year 1000 to far past 9999 on a stride that shifts the day and the time of day each
// step, then densely around the epoch and over the years zonewatch actually runs in.
TEST(TimeTextTest, AgreesWithStrftime) {
  constexpr int64_t kYear1000 = -30610224000;
  constexpr int64_t kYear100000 = 3093527980800;
  int checked = 0;
  for (int64_t t = kYear1000; t < kYear100000; t += 86400 * 3001 + 7919) {
    ASSERT_EQ(formatRfc3339(t), strftimeText(t)) << t;
    ++checked;
  }
  for (int64_t t = -400 * 86400; t < 2 * 86400; t += 997) {
    ASSERT_EQ(formatRfc3339(t), strftimeText(t)) << t;
  }
  for (int64_t t = 1700000000; t < 1900000000; t += 86400 * 7 + 3599) {
    ASSERT_EQ(formatRfc3339(t), strftimeText(t)) << t;
  }
  EXPECT_GT(checked, 10000);
}

// Where gmtime_r fails (the year overflows struct tm's int), the webhook formatter gave the epoch;
// formatRfc3339 fails over at exactly the same instants.
TEST(TimeTextTest, FallsBackWhereGmtimeFails) {
  const int64_t lastUp = daysFromCivil(int64_t{INT_MAX} + 1901, 1, 1) * 86400 - 1;
  const int64_t firstDown = daysFromCivil(int64_t{INT_MIN} + 1900, 1, 1) * 86400;
  for (const int64_t edge : {lastUp, firstDown}) {
    for (int64_t t = edge - 2; t <= edge + 2; ++t) {
      const bool gmtimeFails = !strftimeText(t).has_value();
      EXPECT_EQ(formatRfc3339(t) == kFallback, gmtimeFails) << t;
    }
  }
  EXPECT_FALSE(strftimeText(lastUp + 1).has_value());
  EXPECT_FALSE(strftimeText(firstDown - 1).has_value());
  EXPECT_EQ(formatRfc3339(INT64_MAX), kFallback);
  EXPECT_EQ(formatRfc3339(INT64_MIN), kFallback);
}

}  // namespace
}  // namespace zonewatch
