#include "monitor/model/finding_kind.h"

namespace zonewatch::model {

std::optional<FindingKind> findingKindFromString(std::string_view name) {
  for (const FindingKindInfo& row : kFindingKinds) {
    if (row.name == name) return row.kind;
  }
  return std::nullopt;
}

}  // namespace zonewatch::model
