// Joining words into one line of text, for messages and reports.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zonewatch {

inline std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace zonewatch
