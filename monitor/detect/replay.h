// Replay: when judging an observation again would change nothing, and for how long.
//
// The daemon judges every observation in full (validation, findings, the differ) unless its
// inputs — every answer, the chain above, the options (model::ReplayInputs and replayOptionsKey)
// — are the same as those of an earlier observation proven here to change nothing. Proven, not
// assumed: the differ is run once more on the memory the observation left, and the observation
// counts only if that second run raises no event and leaves the same memory. Such a domain is at a
// fixpoint: the same inputs, judged again, give the same memory and no event, at any instant
// before replayUntil() (the verdict depends on time only through RRSIG validity and the
// signature_expiring thresholds). A changed answer, a changed option, an `ack`, a signature
// nearing expiry all end the replay: the next observation is judged in full.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "monitor/detect/differ.h"
#include "monitor/detect/options.h"
#include "monitor/model/observation.h"

namespace zonewatch::detect {

// Whether `observation`, whose diff from `before` gave `result`, is a fixpoint (see above).
// Runs the differ a second time when the memory moved.
bool changesNothingWhenRepeated(const DomainMemory& before, const DiffResult& result,
                                const model::Observation& observation,
                                const DetectOptions& options);

// Until when (unix seconds, exclusive) the inputs may stand for the next observations: before the
// earliest signature comes within the signature_expiring thresholds, and before a signature not
// yet valid becomes valid. None when that time is already past at `now`.
std::optional<int64_t> replayUntil(const model::ReplayInputs& inputs, const DetectOptions& options,
                                   int64_t now);

// The options that shape the differ's judgement, as text, for the daemon's digest.
std::string replayOptionsKey(const DetectOptions& options);

}  // namespace zonewatch::detect
