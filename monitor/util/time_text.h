// The one RFC 3339 formatter: every instant zonewatch prints (observation JSON, the report, the
// monitor's status/history/evidence commands, webhook bodies, log lines) is spelled by it, so they
// all agree to the byte.
//
// Pure arithmetic on the proleptic Gregorian calendar (civil_time.h): no gmtime_r, no TZ
// environment, no locale, so the output never depends on the machine and tests can pin any
// instant. Parsing RFC 3339 is rfc3339.h's.
#pragma once

#include <cstdint>
#include <string>

namespace zonewatch {

// RFC 3339 §5.6 date-time in UTC with a "Z" offset and whole seconds, e.g. "2026-11-27T12:00:00Z".
// Years 0-9999 (all RFC 3339 has) are zero-padded to four digits; others are printed as they are
// ("10000-01-01T00:00:00Z"). An instant whose year a struct tm cannot hold (about ±6.8e16 s, where
// gmtime_r fails) gives "1970-01-01T00:00:00Z", as the gmtime_r-based formatters this replaced did.
std::string formatRfc3339(int64_t unixSeconds);

}  // namespace zonewatch
