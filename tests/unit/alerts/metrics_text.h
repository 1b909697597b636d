// Reads samples back from a Prometheus text exposition (what alerts::Metrics renders), for the
// tests that check the metrics' values: tests/unit/alerts/metrics_test.cpp and the daemon's tests
// (tests/unit/monitor/daemon/).
#pragma once

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

namespace zonewatch::testutil {

// The value of the sample whose name and labels are exactly `series` ("name{a=\"b\"}"), if present.
inline std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
  }
  return std::nullopt;
}

}  // namespace zonewatch::testutil
