// The backend-neutral row rules (store_rows.h).
#include "storage/store_rows.h"

#include <string>
#include <utility>

namespace zonewatch::storage {

Status<> validateCommit(const ObservationCommit& c) {
  if (c.row.domain.empty()) return fail("commit without a domain name");
  for (const NewEvent& e : c.events) {
    if (e.uid.empty()) return fail("event '" + e.name() + "' without a uid in " + c.row.domain);
    for (const std::string& sink : e.sinks) {
      if (sink.empty()) return fail("empty sink name in the commit for " + c.row.domain);
    }
  }
  return Ok{};
}

Status<> readVerdict(const std::string& domain, const std::string& status,
                     const std::string& reason, DomainRow& r) {
  if (!status.empty() && !(r.status = model::stateFromString(status))) {
    return fail("domain " + domain + " has the unknown status '" + status +
                "' (written by a newer zonewatch?)");
  }
  if (!reason.empty() && !(r.reason = model::reasonFromString(reason))) {
    return fail("domain " + domain + " has the unknown reason '" + reason +
                "' (written by a newer zonewatch?)");
  }
  return Ok{};
}

Status<> readEventKind(const std::string& kind, const std::string& severity, EventRow& e) {
  auto parsedKind = model::eventKindFromString(kind);
  auto parsedSeverity = model::severityFromString(severity);
  if (!parsedKind || !parsedSeverity) {
    return fail("event " + std::to_string(e.id) + " has " +
                (parsedKind ? "the unknown severity '" + severity + "'"
                            : "the unknown event kind '" + kind + "'") +
                " (written by a newer zonewatch?)");
  }
  e.kind = *parsedKind;
  e.severity = *parsedSeverity;
  return Ok{};
}

std::string evidenceToKeep(const ObservationCommit& c) {
  if (c.renderEvidence) return capEvidence(c.renderEvidence());
  return capEvidence(c.evidence);
}

StoredText storedText(std::string_view text) {
  auto blob = deflateText(text);
  if (blob && blob->size() < text.size()) return {{}, std::move(*blob)};
  return {text, std::nullopt};
}

Status<> readEvidence(SnapshotRow& r, std::string text,
                      std::optional<std::span<const uint8_t>> deflated) {
  if (!deflated) {
    r.evidence = std::move(text);
    return Ok{};
  }
  auto evidence = inflateText(*deflated);
  if (!evidence) {
    return fail("the evidence of snapshot " + std::to_string(r.id) + " of " + r.domain +
                " cannot be read: " + evidence.error().message);
  }
  r.evidence = std::move(*evidence);
  return Ok{};
}

std::string commitDoing(std::span<const ObservationCommit> batch, const ObservationCommit* current,
                        std::string_view where) {
  std::string doing = "committing ";
  if (current != nullptr) {
    doing += current->row.domain;
  } else if (batch.size() == 1) {
    doing += batch.front().row.domain;
  } else {
    doing += "a batch";
  }
  doing.append(" to ").append(where);
  if (batch.size() > 1) doing += " (batch of " + std::to_string(batch.size()) + ", none stored)";
  return doing;
}

}  // namespace zonewatch::storage
