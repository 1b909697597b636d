#include "monitor/model/finding_kind.h"

namespace zonewatch::model {

std::optional<FindingKind> findingKindFromString(std::string_view name) {
  return detail::kindNamed(kFindingKinds, name);
}

}  // namespace zonewatch::model
