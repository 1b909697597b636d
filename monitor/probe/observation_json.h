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

#include "monitor/probe/observation.h"

namespace zonewatch::probe {

// One line of compact JSON. The evidence texts (the signed RRsets as received) are large and left
// out unless withEvidence is set (storage keeps them; `check --json` does not print them).
std::string toJson(const Observation& observation, bool withEvidence = false);

// The DS and DNSKEY sets in that schema ({key_tag, algorithm, digest_type, digest} and {tag, flags,
// algorithm}), for the other documents that hold them: the stored domain state
// (monitor/detect/domain_state.h) writes them the same way. Json is nlohmann::ordered_json here
// (fields in schema order) and nlohmann::json there (sorted keys: the state's canonical form);
// instantiated only where the full nlohmann header is included.
template <class Json>
Json dsJson(const std::vector<DsInfo>& set) {
  Json out = Json::array();
  for (const DsInfo& ds : set) {
    out.push_back({{"key_tag", ds.keyTag},
                   {"algorithm", ds.algorithm},
                   {"digest_type", ds.digestType},
                   {"digest", ds.digest}});
  }
  return out;
}

template <class Json>
Json keyJson(const std::vector<KeyInfo>& set) {
  Json out = Json::array();
  for (const KeyInfo& key : set) {
    out.push_back({{"tag", key.tag}, {"flags", key.flags}, {"algorithm", key.algorithm}});
  }
  return out;
}

}  // namespace zonewatch::probe
