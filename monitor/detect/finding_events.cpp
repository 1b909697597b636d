#include "monitor/detect/finding_events.h"

#include <algorithm>
#include <utility>

namespace zonewatch::detect {

namespace {

// The observation's findings of each kind reported as a finding, in the observation's order.
std::map<model::FindingKind, std::vector<const model::Finding*>> byKind(
    const std::vector<model::Finding>& findings) {
  std::map<model::FindingKind, std::vector<const model::Finding*>> out;
  for (const model::Finding& f : findings) {
    if (reportedAsFinding(f.kind)) out[f.kind].push_back(&f);
  }
  return out;
}

FindingChange raisedChange(model::FindingKind kind, const std::vector<const model::Finding*>& all) {
  FindingChange change;
  change.kind = kind;
  change.raised = true;
  change.count = all.size();
  for (const model::Finding* f : all) {
    change.severity = std::max(change.severity, f->severity);
    if (change.findings.size() < kMaxFindingsPerEvent) change.findings.push_back(*f);
  }
  return change;
}

}  // namespace

std::vector<FindingChange> trackFindings(const std::vector<model::Finding>& findings,
                                         unsigned confirmPolls, FindingMemories& memory) {
  const int needed = static_cast<int>(std::max(1u, confirmPolls));
  const auto present = byKind(findings);
  std::vector<FindingChange> changes;
  for (const auto& [kind, all] : present) {
    FindingMemory& m = memory[kind];
    // Counted up to what raising needs, no further: an unchanged domain's memory then stays the
    // same from poll to poll, which is what lets the daemon replay its observations.
    if (m.seen < needed) ++m.seen;
    m.absent = 0;
    if (!m.raised && m.seen >= needed) {
      m.raised = true;
      changes.push_back(raisedChange(kind, all));
    }
  }
  for (auto it = memory.begin(); it != memory.end();) {
    if (present.count(it->first)) {
      ++it;
      continue;
    }
    FindingMemory& m = it->second;
    m.seen = 0;
    if (m.raised && ++m.absent < needed) {
      ++it;
      continue;
    }
    if (m.raised) changes.push_back({it->first, false, model::Severity::kInfo, {}, 0});
    it = memory.erase(it);
  }
  return changes;
}

}  // namespace zonewatch::detect
