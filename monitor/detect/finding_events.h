// Findings as events: how the daemon reports the problems an observation shows (findings.h) that
// have no event of their own (model::kFindingKinds, `event` empty): lame servers, failed queries,
// aliased or cyclic NS hosts, deprecated algorithms, caps that cut an observation short. A kind is
// raised (finding_raised, with the finding's severity) once `confirmPolls` observations in a row
// show it, and cleared (finding_cleared, info) once as many in a row do not: the same hysteresis
// as a server's reachability, so a problem that comes and goes at every poll raises nothing, and a
// finding missing once because its server did not answer clears nothing.
//
// Tracked by kind, not by server: a second lame server of an already lame domain is in the next
// finding_raised's list, not an event of its own. So the memory has at most one entry per kind
// (model::kFindingKinds.size()), whatever a hostile observation holds. Pure code.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "monitor/model/finding_kind.h"
#include "monitor/model/observation.h"
#include "monitor/model/severity.h"

namespace zonewatch::detect {

// The findings an event lists, the first ones of the observation (the worst first); the count says
// how many there were. Each message is at most kMaxFindingMessageBytes.
inline constexpr size_t kMaxFindingsPerEvent = 8;

struct FindingMemory {
  int seen = 0;    // observations in a row that showed the kind, up to confirmPolls
  int absent = 0;  // observations in a row that did not, since it was raised
  bool raised = false;
  friend bool operator==(const FindingMemory&, const FindingMemory&) = default;
};
using FindingMemories = std::map<model::FindingKind, FindingMemory>;

struct FindingChange {
  model::FindingKind kind = model::FindingKind::kLameServer;
  bool raised = true;                                 // false: cleared
  model::Severity severity = model::Severity::kInfo;  // raised: the worst of its findings
  std::vector<model::Finding> findings;               // raised: at most kMaxFindingsPerEvent
  size_t count = 0;                                   // raised: the findings of the kind
};

// True for the kinds reported through finding_raised / finding_cleared.
constexpr bool reportedAsFinding(model::FindingKind kind) {
  return !model::info(kind).event.has_value();
}

// Moves `memory` on by one observation's findings and returns the kinds raised or cleared by it.
std::vector<FindingChange> trackFindings(const std::vector<model::Finding>& findings,
                                         unsigned confirmPolls, FindingMemories& memory);

}  // namespace zonewatch::detect
