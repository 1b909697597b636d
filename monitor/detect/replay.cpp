#include "monitor/detect/replay.h"

#include <algorithm>
#include <limits>

namespace zonewatch::detect {

bool changesNothingWhenRepeated(const DomainMemory& before, const DiffResult& result,
                                const model::Observation& observation,
                                const DetectOptions& options) {
  // A flapping domain's memory moves with time (flapSettleSeconds), a failing one's with each
  // failure; a pending change is counted poll by poll. None of them is at rest.
  const DomainMemory& after = result.memory;
  if (!result.events.empty() || !result.observed || !result.storeSnapshot || after.flap.flapping ||
      after.pending || after.failures != 0 || !after.confirmed ||
      *result.observed != *after.confirmed) {
    return false;
  }
  // The differ is a function of the memory, the observation and the options (time enters only as
  // replayUntil() bounds it): from the same memory, the same observation gives the same result.
  if (after == before) return true;
  const DiffResult again = diff(after, observation, options);
  return again.events.empty() && again.storeSnapshot && again.memory == after;
}

std::optional<int64_t> replayUntil(const model::ReplayInputs& inputs, const DetectOptions& options,
                                   int64_t now) {
  int64_t until = std::numeric_limits<int64_t>::max();
  if (inputs.earliestExpiration) {
    // signature_expiring judges the earliest expiration against both thresholds (differ.cpp,
    // findings.cpp): the inputs stand only while it is beyond both.
    const int64_t window =
        std::max(options.signatureWarningSeconds, options.signatureCriticalSeconds);
    until = *inputs.earliestExpiration - std::max<int64_t>(window, 0);
  }
  if (inputs.nextInception) until = std::min(until, *inputs.nextInception);
  if (until <= now) return std::nullopt;
  return until;
}

std::string replayOptionsKey(const DetectOptions& o) {
  std::string key = "warning=" + std::to_string(o.signatureWarningSeconds) +
                    " critical=" + std::to_string(o.signatureCriticalSeconds) +
                    " confirm=" + std::to_string(o.confirmPolls) +
                    " failing=" + std::to_string(o.failingPolls) +
                    " snapshots=" + std::to_string(o.maxSnapshotsPerHour) +
                    " settle=" + std::to_string(o.flapSettleSeconds) + " operators=";
  for (const auto& op : o.expect.operators) key += op + ",";
  key += " ds=";
  for (auto tag : o.expect.dsKeyTags) key += std::to_string(tag) + ",";
  return key;
}

}  // namespace zonewatch::detect
