// DetectOptions: what the judgement of an observation (findings.h) and of a change (differ.h) are
// tuned by, in one type: the daemon fills it from the configuration, `zonewatch check` from its
// flags, so a threshold means the same in both (signature_warning and signature_critical above
// all).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace zonewatch::detect {

// New snapshots a domain may write in any rolling hour (kFlapWindowSeconds) before it counts as
// flapping. A KSK rollover or an operator move changes the state a few times over hours or days.
inline constexpr unsigned kMaxSnapshotsPerHour = 4;
inline constexpr int64_t kFlapWindowSeconds = 3600;
// How long one state must be observed for a flapping domain to count as stable again.
inline constexpr int64_t kFlapSettleSeconds = 3600;

// Pinned expectations (config `expect:`, or the state accepted by `zonewatch ack`).
struct Expectation {
  std::vector<std::string> operators;  // registrable domains, absolute
  std::vector<uint16_t> dsKeyTags;
  bool empty() const { return operators.empty() && dsKeyTags.empty(); }
  friend bool operator==(const Expectation&, const Expectation&) = default;
};

struct DetectOptions {
  // signature_expiring (finding and event): warning when an RRSIG expires within the first,
  // critical within the second (signature_warning, signature_critical).
  int64_t signatureWarningSeconds = 7 * 86400;
  int64_t signatureCriticalSeconds = 86400;
  // The differ: polls in a row a change must show before it alerts, and observations without
  // data in a row before observation_failing.
  unsigned confirmPolls = 2;
  unsigned failingPolls = 3;
  Expectation expect;  // empty: nothing pinned
  // Flapping: new snapshots allowed in any rolling hour, and how long one state must last for a
  // flapping domain to be stable again. 0: no limit, every confirmed change is stored.
  unsigned maxSnapshotsPerHour = kMaxSnapshotsPerHour;
  int64_t flapSettleSeconds = kFlapSettleSeconds;
};

}  // namespace zonewatch::detect
