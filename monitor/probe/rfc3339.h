// RFC 3339 timestamps for what zonewatch prints and reads: observation times and signature
// expirations in the JSON and the report, and `zonewatch check --at`.
//
// Pure arithmetic on the proleptic Gregorian calendar (no timegm, no TZ environment, no locale), so
// the output never depends on the machine's time zone and tests can pin any instant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "monitor/util/result.h"

namespace zonewatch::probe {

// "2026-11-27T12:00:00Z": always UTC, whole seconds.
std::string formatRfc3339(int64_t unixSeconds);

// RFC 3339 §5.6 date-time: "2026-11-27T12:00:00Z", "2026-11-27T13:00:00+01:00", lowercase "t"/"z"
// or a space instead of "T" (§5.6 NOTE), optional fractional seconds (dropped). A leap second
// ":60" is accepted and folded into the next second, as POSIX time has no leap seconds.
Result<int64_t> parseRfc3339(std::string_view text);

// A duration such as "7d", "36h", "1w2d", "90m" or a plain number of seconds (BIND's TTL units:
// s, m, h, d, w, case-insensitive).
Result<int64_t> parseDuration(std::string_view text);

}  // namespace zonewatch::probe
