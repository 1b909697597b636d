// The DS and DNSKEY sets as JSON ({key_tag, algorithm, digest_type, digest} and {tag, flags,
// algorithm}), one definition for the documents that hold them: `check --json`
// (monitor/probe/observation_json.h, schema in monitor/probe/check-json.md) and the stored domain
// state (monitor/detect/domain_state.h). Templates over the JSON type, so that this header needs
// no JSON library: nlohmann::ordered_json there (fields in schema order), nlohmann::json here
// (sorted keys: the state's canonical form), instantiated where the full header is included.
#pragma once

#include <vector>

#include "monitor/model/observation.h"

namespace zonewatch::model {

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

}  // namespace zonewatch::model
