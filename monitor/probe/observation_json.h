// The JSON form of an Observation: what `zonewatch check --json` prints, one compact line per
// domain, and what storage keeps. The schema is documented in monitor/probe/check-json.md; field
// names are snake_case and stable, enums are their stable strings (dnssec::toString, rcode
// mnemonics), times are RFC 3339 UTC strings (with a *_unix twin where a program wants to compute
// with them).
//
// nlohmann_json's full header is included only in the .cpp files: it is template-heavy and would
// slow every file that includes an observation down (this header needs only its declarations).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "monitor/model/key_json.h"
#include "monitor/model/observation.h"

namespace zonewatch::probe {

// One line of compact JSON. The evidence texts (the signed RRsets as received) are large and left
// out unless withEvidence is set (storage keeps them; `check --json` does not print them).
std::string toJson(const model::Observation& observation, bool withEvidence = false);

}  // namespace zonewatch::probe
