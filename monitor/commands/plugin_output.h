// `zonewatch check` as a Nagios/Icinga plugin (monitoring-plugins guidelines, "Plugin Output"):
// the first line is the status line, "ZONEWATCH CRITICAL - example.com. bogus (ds_mismatch): ...",
// then "|" and the performance data; the human report follows as the long output.
//
// The perfdata of one domain: rrsig_expiry (seconds until its earliest RRSIG expires, with the
// -w/-c ranges; left out when nothing is signed or nothing was observed), servers_answering (the
// domain's server addresses a DNS message came back from, max the addresses asked) and rtt_max
// (the slowest of those, in seconds). With several domains each label is prefixed with the
// domain, so labels stay unique.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "monitor/commands/threshold_range.h"
#include "monitor/model/observation.h"

namespace zonewatch::commands {

struct SignatureThresholds {
  ThresholdRange warning;
  ThresholdRange critical;
};

// "OK", "WARNING", "CRITICAL", "UNKNOWN" for the exit codes 0..3.
std::string_view statusWord(int exitCode);

// One observation, judged (findings computed): "example.com. bogus (ds_mismatch): ds_mismatch
// (critical)". Never contains '|' or a line break, whatever a server sent.
std::string statusText(const model::Observation& observation);

// The perfdata of one observation; `prefix` goes before each label ("" for one domain).
std::string perfdata(const model::Observation& observation, const SignatureThresholds& thresholds,
                     std::string_view prefix);

// The status line of a whole check: one domain's text, or a count by status and the text of each
// domain that is not OK; then " | " and every domain's perfdata. No newline.
std::string statusLine(const std::vector<model::Observation>& observations, int exitCode,
                       const SignatureThresholds& thresholds);

}  // namespace zonewatch::commands
