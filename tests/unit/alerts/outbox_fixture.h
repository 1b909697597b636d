// Test data for the delivery tests (alerts/ and the daemon's `run --once` pass): one observation
// commit of example.com. with the given events, each queued for the given sinks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/store.h"

namespace zonewatch::testing {

inline storage::ObservationCommit outboxCommit(const std::vector<std::string>& uids, int64_t at,
                                               const std::vector<std::string>& sinks,
                                               const std::string& event = "ds_changed",
                                               const std::string& severity = "warning") {
  storage::ObservationCommit c;
  c.row.domain = "example.com.";
  c.row.firstSeen = c.row.lastSeen = at;
  c.row.status = model::SecurityState::kSecure;
  c.observedAt = at;
  for (const auto& uid : uids) {
    storage::NewEvent e;
    e.uid = uid;
    e.observedAt = at;
    e.kind = model::eventKindFromString(event).value();
    e.severity = model::severityFromString(severity).value();
    e.summary = event + " (" + uid + ")";
    e.beforeJson = R"({"ds":[1]})";
    e.afterJson = R"({"ds":[2]})";
    e.sinks = sinks;
    c.events.push_back(std::move(e));
  }
  return c;
}

}  // namespace zonewatch::testing
