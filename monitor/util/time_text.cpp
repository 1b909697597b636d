#include "monitor/util/time_text.h"

#include <array>
#include <climits>
#include <cstdio>

#include "monitor/util/civil_time.h"

namespace zonewatch {

namespace {
constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kTmYearBase = 1900;  // struct tm counts years from 1900 in an int
}  // namespace

std::string formatRfc3339(int64_t unixSeconds) {
  // Floor division, so instants before 1970 land on the right day.
  int64_t days = unixSeconds / kSecondsPerDay;
  int64_t rest = unixSeconds % kSecondsPerDay;
  if (rest < 0) {
    rest += kSecondsPerDay;
    --days;
  }
  const Civil c = civilFromDays(days);
  // Where gmtime_r fails (EOVERFLOW) the webhook formatter fell back to the epoch; keep that, so
  // the same absurd stored time still gives the same body.
  if (c.year - kTmYearBase > INT_MAX || c.year - kTmYearBase < INT_MIN) {
    return "1970-01-01T00:00:00Z";
  }
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(c.year), c.month, c.day, static_cast<long long>(rest / 3600),
                static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  return buf.data();
}

}  // namespace zonewatch
