#include "monitor/model/event_kind.h"

namespace zonewatch::model {

std::optional<EventKind> eventKindFromString(std::string_view name) {
  for (const EventKindInfo& row : kEventKinds) {
    if (row.name == name) return row.kind;
  }
  return std::nullopt;
}

}  // namespace zonewatch::model
