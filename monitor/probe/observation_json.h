// The JSON form of an Observation: what `zonewatch check --json` prints, one compact line per
// domain, and what storage keeps. The schema is documented in monitor/probe/check-json.md; field
// names are snake_case and stable, enums are their stable strings (dnssec::toString, rcode
// mnemonics), times are RFC 3339 UTC strings (with a *_unix twin where a program wants to compute
// with them).
//
// nlohmann_json is used only in observation_json.cpp: it is template-heavy and would slow every
// file that includes an observation down.
#pragma once

#include <string>

#include "monitor/probe/observation.h"

namespace zonewatch::probe {

// One line of compact JSON. The evidence texts (the signed RRsets as received) are large and left
// out unless withEvidence is set (storage keeps them; `check --json` does not print them).
std::string toJson(const Observation& observation, bool withEvidence = false);

}  // namespace zonewatch::probe
