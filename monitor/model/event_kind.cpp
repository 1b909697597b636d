#include "monitor/model/event_kind.h"

namespace zonewatch::model {

std::optional<EventKind> eventKindFromString(std::string_view name) {
  return detail::kindNamed(kEventKinds, name);
}

}  // namespace zonewatch::model
