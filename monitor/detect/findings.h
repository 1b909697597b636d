// Findings: the problems visible within one observation (as opposed to changes between two, which
// the differ turns into events), each with a stable code and a severity, and the Nagios verdict
// that follows from the observation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "monitor/detect/options.h"
#include "monitor/model/observation.h"

namespace zonewatch::detect {

// A finding's message names what a server sent (keys, NS names, addresses), and a hostile server
// decides how much it sends: past this many bytes the message is cut at a character boundary and
// says how much was left out. The observation's JSON keeps the full data.
inline constexpr size_t kMaxFindingMessageBytes = 2048;

// The findings of an observation, the worst first. Pure; the daemon's differ reads them
// (finding_events.h).
std::vector<model::Finding> findingsOf(const model::Observation& observation,
                                       const DetectOptions& options = {});

// Fills observation.findings from the rest of the observation (what `zonewatch check` prints).
void computeFindings(model::Observation& observation, const DetectOptions& options = {});

// Nagios plugin exit codes (Nagios Plugin Development Guidelines, "Plugin Return Codes").
enum class NagiosStatus : int { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };
NagiosStatus nagiosStatus(const model::Observation& observation);

}  // namespace zonewatch::detect
