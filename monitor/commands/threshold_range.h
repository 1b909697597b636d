// A threshold range of the monitoring-plugins guidelines ("Threshold and ranges"): `10` alerts
// outside 0..10, `10:` below 10, `~:10` above 10, `10:20` outside 10..20, `@10:20` inside it.
// `check -w/-c` read the signature expiry's thresholds in this form, and the perfdata carries them
// back, so that Icinga, Nagios and their graphers see the same numbers the plugin judged by.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "monitor/util/result.h"

namespace zonewatch::commands {

struct ThresholdRange {
  std::optional<double> start;  // none: -infinity ("~")
  std::optional<double> end;    // none: +infinity
  bool inside = false;          // "@": alert inside start..end instead of outside

  // Whether `value` raises the alert this range stands for (the ends belong to the range).
  bool alerts(double value) const;
  // The range again in the guidelines' syntax, numbers in the value's unit (for perfdata).
  std::string text() const;
};

// Parses the guidelines' syntax. A number may also be a duration of the configuration's syntax
// ("7d", "36h", config/values.h), read as seconds, so that `-w 7d:` means "fewer than 7 days".
Result<ThresholdRange> parseThresholdRange(std::string_view text);

// A number as perfdata prints it: integers without a point, others with up to 6 decimals.
std::string perfNumber(double value);

}  // namespace zonewatch::commands
