#include "monitor/commands/threshold_range.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "config/values.h"

namespace zonewatch::commands {
namespace {

Result<double> parseNumber(std::string_view text, std::string_view range) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (!text.empty() && ec == std::errc() && ptr == end && std::isfinite(value)) return value;
  // Not a plain number: a duration with its unit, as in the configuration.
  auto duration = config::parseDuration(text);
  if (!duration) {
    return fail("\"" + std::string(range) + "\" is no threshold range: \"" + std::string(text) +
                "\" is neither a number nor a duration (" + duration.error().message + ")");
  }
  return std::chrono::duration<double>(*duration).count();
}

}  // namespace

bool ThresholdRange::alerts(double value) const {
  const bool within = (!start || value >= *start) && (!end || value <= *end);
  return inside ? within : !within;
}

std::string ThresholdRange::text() const {
  std::string out = inside ? "@" : "";
  if (!start) {
    out += "~:";
  } else if (*start != 0 || !end) {
    out += perfNumber(*start) + ":";
  }
  if (end) out += perfNumber(*end);
  return out;
}

Result<ThresholdRange> parseThresholdRange(std::string_view text) {
  const std::string_view whole = text;
  ThresholdRange range;
  if (text.empty()) return fail("an empty threshold range");
  if (text.front() == '@') {
    range.inside = true;
    text.remove_prefix(1);
  }
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {  // "10": 0..10
    auto end = parseNumber(text, whole);
    if (!end) return Unexpected{end.error()};
    range.start = 0.0;
    range.end = *end;
  } else {
    const std::string_view first = text.substr(0, colon);
    const std::string_view second = text.substr(colon + 1);
    if (first != "~") {
      auto start = parseNumber(first.empty() ? "0" : first, whole);
      if (!start) return Unexpected{start.error()};
      range.start = *start;
    }
    if (!second.empty()) {
      auto end = parseNumber(second, whole);
      if (!end) return Unexpected{end.error()};
      range.end = *end;
    }
  }
  if (range.start && range.end && *range.start > *range.end) {
    return fail("\"" + std::string(whole) + "\" is no threshold range: its start is above its end");
  }
  return range;
}

std::string perfNumber(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6f", value);
  std::string out(buffer);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

}  // namespace zonewatch::commands
