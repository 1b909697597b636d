// RFC 3339 timestamps that zonewatch reads: `zonewatch check --at` and the like, and the
// eventDate of RDAP events (RFC 9083 §4.5), which is why it sits in util rather than in the
// prober: the RDAP library does not link the prober. Printing them is time_text.h's formatRfc3339.
//
// Pure arithmetic on the proleptic Gregorian calendar (no timegm, no TZ environment, no locale), so
// the result never depends on the machine's time zone and tests can pin any instant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "monitor/util/result.h"

namespace zonewatch {

// RFC 3339 §5.6 date-time: "2026-11-27T12:00:00Z", "2026-11-27T13:00:00+01:00", lowercase "t"/"z"
// or a space instead of "T" (§5.6 NOTE), optional fractional seconds (dropped). A leap second
// ":60" is accepted and folded into the next second, as POSIX time has no leap seconds.
Result<int64_t> parseRfc3339(std::string_view text);

}  // namespace zonewatch
