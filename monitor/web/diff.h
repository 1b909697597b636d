// The before/after of an event as a diff the timeline shows: events carry the two sides as JSON
// texts (storage::EventRow::beforeJson/afterJson, the differ's choice of what changed: an NS set,
// a DS set, a verdict), and a reader wants the lines that differ, not two blobs to compare.
//
// Objects are compared key by key (only the keys whose values differ are listed, as
// "key: value"), arrays as sets of their elements (removed, kept, added), anything else as the
// two values. A side that is null or absent has no lines. Pure; nlohmann/json stays in diff.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zonewatch::web {

struct DiffLine {
  char sign = ' ';  // '-' only before, '+' only after, ' ' on both sides
  std::string text;
  bool operator==(const DiffLine&) const = default;
};

// At most kMaxDiffLines lines; a longer diff ends with a line saying how many were left out. A
// side that is not JSON is shown as its text.
inline constexpr size_t kMaxDiffLines = 200;
std::vector<DiffLine> diffJson(std::string_view beforeJson, std::string_view afterJson);

}  // namespace zonewatch::web
