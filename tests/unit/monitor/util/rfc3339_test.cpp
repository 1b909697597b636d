#include "monitor/util/rfc3339.h"

#include <gtest/gtest.h>

#include "monitor/util/time_text.h"

namespace zonewatch {
namespace {

TEST(Rfc3339Test, ParsesUtcAndOffsets) {
  EXPECT_EQ(*parseRfc3339("2026-11-27T12:00:00Z"), 1795780800);
  EXPECT_EQ(*parseRfc3339("2026-11-27t12:00:00z"), 1795780800);
  EXPECT_EQ(*parseRfc3339("2026-11-27 12:00:00Z"), 1795780800);
  EXPECT_EQ(*parseRfc3339("2026-11-27T13:30:00+01:30"), 1795780800);
  EXPECT_EQ(*parseRfc3339("2026-11-27T07:00:00-05:00"), 1795780800);
  EXPECT_EQ(*parseRfc3339("2026-11-27T12:00:00.750Z"), 1795780800);
  EXPECT_EQ(*parseRfc3339("2024-02-29T23:59:59Z"), 1709251199);
}

// The formatter lives in monitor/util/time_text.h (its cases are in time_text_test.cpp); what it
// prints must parse back.
TEST(Rfc3339Test, RoundTripsAcrossCenturies) {
  for (int64_t t = -2208988800; t < 4102444800; t += 86400 * 37 + 3671) {
    auto back = parseRfc3339(formatRfc3339(t));
    ASSERT_TRUE(back.ok()) << formatRfc3339(t);
    ASSERT_EQ(*back, t);
  }
}

TEST(Rfc3339Test, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "2026-11-27", "2026-11-27T12:00:00", "2026-11-27T12:00Z", "2026-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z",
        "2026-11-27T24:00:00Z", "2026-11-27T12:00:00+1:00", "2026-11-27T12:00:00Zjunk",
        "2026-11-27X12:00:00Z", "yesterday", "2026-11-27T12:00:00.Z"}) {
    auto parsed = parseRfc3339(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.error().message.find("RFC 3339"), std::string::npos);
    }
  }
}

TEST(Rfc3339Test, SaysWhatIsMissing) {
  // A date alone is the likeliest slip; the message must not blame the date.
  auto dateOnly = parseRfc3339("2026-11-27");
  ASSERT_FALSE(dateOnly.ok());
  EXPECT_EQ(dateOnly.error().message.find("expected YYYY-MM-DD"), std::string::npos)
      << dateOnly.error().message;
  EXPECT_NE(dateOnly.error().message.find("time of day"), std::string::npos)
      << dateOnly.error().message;
  auto noSeconds = parseRfc3339("2026-11-27T12:00Z");
  ASSERT_FALSE(noSeconds.ok());
  EXPECT_NE(noSeconds.error().message.find("hh:mm:ss"), std::string::npos)
      << noSeconds.error().message;
  auto noOffset = parseRfc3339("2026-11-27T12:00:00");
  ASSERT_FALSE(noOffset.ok());
  EXPECT_NE(noOffset.error().message.find("offset"), std::string::npos) << noOffset.error().message;
}

}  // namespace
}  // namespace zonewatch
