#include "monitor/detect/chain_summary.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace zonewatch::detect {

namespace {

using nlohmann::json;

ChainZone zoneOf(const model::ChainStep& step) {
  ChainZone z;
  z.zone = step.zone;
  z.state = step.state;
  z.reason = step.reason;
  for (const model::DsInfo& ds : step.ds) {
    if (z.ds.size() == kMaxChainRecords) break;
    const bool matched =
        std::find(step.dsMatched.begin(), step.dsMatched.end(), ds) != step.dsMatched.end();
    z.ds.push_back({ds.keyTag, ds.algorithm, ds.digestType, matched});
  }
  for (const model::KeyInfo& key : step.dnskey) {
    if (z.dnskey.size() == kMaxChainRecords) break;
    z.dnskey.push_back({key.tag, key.flags, key.algorithm});
  }
  return z;
}

// An integer of the JSON object `j` that fits T; anything else throws (json::exception or
// std::range_error), which chainSummaryFromJson turns into an error.
template <class T>
T number(const json& j, const char* key) {
  const json& v = j.at(key);
  if (!v.is_number_integer()) throw std::range_error(std::string(key) + " is not an integer");
  const auto n = v.get<int64_t>();
  if (n < 0 || n > int64_t{std::numeric_limits<T>::max()}) {
    throw std::range_error(std::string(key) + " is out of range");
  }
  return static_cast<T>(n);
}

Result<ChainZone> zoneFrom(const json& j) {
  ChainZone z;
  z.zone = j.at("zone").get<std::string>();
  const std::string state = j.at("state").get<std::string>();
  const std::string reason = j.at("reason").get<std::string>();
  const auto s = model::stateFromString(state);
  const auto r = model::reasonFromString(reason);
  if (!s) return fail("chain summary has the unknown state '" + state + "'");
  if (!r) return fail("chain summary has the unknown reason '" + reason + "'");
  z.state = *s;
  z.reason = *r;
  for (const json& d : j.at("ds")) {
    z.ds.push_back({number<uint16_t>(d, "key_tag"), number<uint8_t>(d, "algorithm"),
                    number<uint8_t>(d, "digest_type"), d.at("matched").get<bool>()});
  }
  for (const json& k : j.at("dnskey")) {
    z.dnskey.push_back({number<uint16_t>(k, "tag"), number<uint16_t>(k, "flags"),
                        number<uint8_t>(k, "algorithm")});
  }
  return z;
}

}  // namespace

ChainSummary chainSummary(const model::Observation& obs) {
  ChainSummary out;
  for (const model::ChainStep& step : obs.chain) out.zones.push_back(zoneOf(step));
  return out;
}

std::string toJson(const ChainSummary& chain) {
  json zones = json::array();
  for (const ChainZone& z : chain.zones) {
    json ds = json::array(), keys = json::array();
    for (const ChainDs& d : z.ds) {
      ds.push_back({{"key_tag", d.keyTag},
                    {"algorithm", d.algorithm},
                    {"digest_type", d.digestType},
                    {"matched", d.matched}});
    }
    for (const ChainKey& k : z.dnskey) {
      keys.push_back({{"tag", k.tag}, {"flags", k.flags}, {"algorithm", k.algorithm}});
    }
    zones.push_back({{"zone", z.zone},
                     {"state", std::string(model::toString(z.state))},
                     {"reason", std::string(model::toString(z.reason))},
                     {"ds", ds},
                     {"dnskey", keys}});
  }
  // A name is presentation text, but should a byte that is not UTF-8 reach here, dump() would
  // throw: it is replaced instead (display-only data).
  return json{{"zones", zones}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ChainSummary> chainSummaryFromJson(const std::string& text) {
  if (text.empty()) return ChainSummary{};
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return fail("stored chain summary is not a JSON object");
  try {
    ChainSummary out;
    for (const json& z : j.at("zones")) {
      auto zone = zoneFrom(z);
      if (!zone) return Unexpected{zone.error()};
      out.zones.push_back(std::move(*zone));
    }
    return out;
  } catch (const std::exception& e) {
    // nlohmann reports type errors by exception, number() a value out of range; they stop here,
    // at the module boundary.
    return fail(std::string("stored chain summary is malformed: ") + e.what());
  }
}

}  // namespace zonewatch::detect
