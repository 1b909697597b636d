// The event record: one change the differ judged worth saying, as the daemon logs and counts it,
// storage keeps it (storage::NewEvent and storage::EventRow extend it with where it goes and its
// row id) and the webhooks deliver it. Kind and severity stay typed until the edge (SQL, JSON,
// webhook bodies, log lines), where model::toString gives their stable names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "monitor/model/event_kind.h"
#include "monitor/model/severity.h"

namespace zonewatch::model {

struct Event {
  std::string uid;  // idempotency key: domain, kind, observation time, server, content digest
  // The domain the event concerns; "*" for an event about several (portfolio_operator_change).
  std::string domain;
  int64_t observedAt = 0;  // unix seconds
  EventKind kind = EventKind::kOperatorChanged;
  Severity severity = Severity::kInfo;  // at most info(kind).severity
  std::string summary;                  // one line
  std::string beforeJson;
  std::string afterJson;
  std::optional<std::string> server;

  // The kind's stable name, e.g. "operator_changed".
  std::string name() const { return std::string(toString(kind)); }

  bool operator==(const Event&) const = default;
};

}  // namespace zonewatch::model
