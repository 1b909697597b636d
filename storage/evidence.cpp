#include "storage/evidence.h"

#include <algorithm>
#include <cstddef>
#include <string>

namespace zonewatch::storage {
namespace {

// Room kept for the marker line: its fixed text and three numbers of at most 20 digits each.
constexpr size_t kMarkerRoom = 128;

}  // namespace

std::string capEvidence(std::string_view text, size_t maxBytes) {
  if (text.size() <= maxBytes) return std::string(text);
  const size_t room = maxBytes > kMarkerRoom ? maxBytes - kMarkerRoom : 0;
  // The end of the last whole line that fits: a record is never cut in two.
  const size_t lastNewline = room == 0 ? std::string_view::npos : text.rfind('\n', room - 1);
  const size_t keep = lastNewline == std::string_view::npos ? 0 : lastNewline + 1;
  const std::string_view cut = text.substr(keep);
  const size_t cutLines =
      static_cast<size_t>(std::count(cut.begin(), cut.end(), '\n')) + (cut.ends_with('\n') ? 0 : 1);
  std::string out(text.substr(0, keep));
  out += "; zonewatch: evidence capped at " + std::to_string(maxBytes) + " bytes, " +
         std::to_string(cut.size()) + " bytes (" + std::to_string(cutLines) + " lines) cut\n";
  return out;
}

}  // namespace zonewatch::storage
