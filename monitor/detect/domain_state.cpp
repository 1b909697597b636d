#include "monitor/detect/domain_state.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "monitor/detect/glue_check.h"
#include "monitor/model/key_json.h"

namespace zonewatch::detect {

namespace {

using nlohmann::json;

bool parentAnswered(const model::Observation& obs) {
  if (obs.error) return false;
  return std::any_of(obs.parent.servers.begin(), obs.parent.servers.end(),
                     [](const model::ParentServer& s) { return !s.error; });
}

// The parent servers that answered give different delegations (the prober takes the one most of
// them give as the parent's).
bool parentsDisagree(const model::Observation& obs) {
  const model::ParentServer* first = nullptr;
  for (const auto& p : obs.parent.servers) {
    if (p.error) continue;
    if (first == nullptr) {
      first = &p;
    } else if (p.ns != first->ns || !(p.glue == first->glue) || p.ds != first->ds ||
               p.denial != first->denial) {
      return true;
    }
  }
  return false;
}

// The servers that answered for the zone and its CDS/CDNSKEY disagree about them, or one serves
// records that describe no key of the zone (the same tests as the cds_inconsistent finding).
bool cdsInconsistent(const model::Observation& obs) {
  const model::ServerView* first = nullptr;
  for (const auto& s : obs.servers) {
    if (s.error || !s.cdsAnswered()) continue;
    if (s.cdsCheck.describesOtherKeys()) return true;
    if (first == nullptr) {
      first = &s;
    } else if (std::set<model::DsInfo>(s.cds.begin(), s.cds.end()) !=
                   std::set<model::DsInfo>(first->cds.begin(), first->cds.end()) ||
               std::set<model::KeyInfo>(s.cdnskey.begin(), s.cdnskey.end()) !=
                   std::set<model::KeyInfo>(first->cdnskey.begin(), first->cdnskey.end())) {
      return true;
    }
  }
  return false;
}

bool childAnswered(const model::Observation& obs) {
  return std::any_of(obs.servers.begin(), obs.servers.end(),
                     [](const model::ServerView& s) { return !s.error; });
}

template <class T>
void sortUnique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::vector<model::KeyInfo> keysFrom(const json& a) {
  std::vector<model::KeyInfo> out;
  for (const auto& k : a) {
    out.push_back({k.at("tag").get<uint16_t>(), k.at("flags").get<uint16_t>(),
                   k.at("algorithm").get<uint8_t>()});
  }
  return out;
}

std::vector<model::DsInfo> dsFrom(const json& a) {
  std::vector<model::DsInfo> out;
  for (const auto& d : a) {
    out.push_back({d.at("key_tag").get<uint16_t>(), d.at("algorithm").get<uint8_t>(),
                   d.at("digest_type").get<uint8_t>(), d.at("digest").get<std::string>()});
  }
  return out;
}

// The parent's view of the delegation.
void readParent(const model::Observation& obs, DomainState& s) {
  s.operators = obs.operators;
  s.parentNs = obs.parent.ns;
  s.glue = obs.parent.glue;
  s.ds = obs.parent.ds;
  s.denial = obs.parent.denial;
  s.parentsDisagree = parentsDisagree(obs);
}

// What the domain's answering servers serve: keys and CDS as the union over them, and whether
// they agree with each other and with the parent.
void readServers(const model::Observation& obs, DomainState& s) {
  s.dnskey.clear();
  s.cds.clear();
  s.cdnskey.clear();
  s.cdsDelete = false;
  std::vector<std::vector<std::string>> nsSets;
  std::vector<std::vector<model::KeyInfo>> keySets;
  for (const auto& server : obs.servers) {
    if (server.error) continue;
    s.dnskey.insert(s.dnskey.end(), server.dnskey.begin(), server.dnskey.end());
    s.cds.insert(s.cds.end(), server.cds.begin(), server.cds.end());
    s.cdnskey.insert(s.cdnskey.end(), server.cdnskey.begin(), server.cdnskey.end());
    // RFC 8078 §4 as the prober read it from the RDATA (CdsCheck): one definition of the form;
    // either RRset's delete record asks for it.
    s.cdsDelete = s.cdsDelete || server.cdsCheck.cdsDelete || server.cdsCheck.cdnskeyDelete;
    nsSets.push_back(server.ns);
    keySets.push_back(server.dnskey);
  }
  sortUnique(s.dnskey);
  sortUnique(s.cds);
  sortUnique(s.cdnskey);
  auto differ = [](const auto& sets) {
    return std::adjacent_find(sets.begin(), sets.end(), std::not_equal_to<>()) != sets.end();
  };
  s.inconsistent = differ(nsSets) || differ(keySets);
  s.cdsInconsistent = cdsInconsistent(obs);
  s.nsMismatch =
      parentAnswered(obs) && std::any_of(nsSets.begin(), nsSets.end(),
                                         [&](const auto& ns) { return ns != obs.parent.ns; });
}

// Glue against the servers' own addresses, host by host: a host no answering server gave
// addresses for this time keeps its previous verdict (in s), so that a lost answer is not a change.
void readGlueMismatch(const model::Observation& obs, DomainState& s) {
  std::vector<std::string> mismatched;
  for (const auto& c : detect::compareGlue(obs)) {
    const bool mismatch =
        c.seen() ? !c.matches()
                 : std::count(s.glueMismatch.begin(), s.glueMismatch.end(), c.host) > 0;
    if (mismatch) mismatched.push_back(c.host);
  }
  sortUnique(mismatched);
  s.glueMismatch = std::move(mismatched);
}

}  // namespace

DomainState stateFromObservation(const model::Observation& obs, const DomainState* previous) {
  // Start from what was known: each part this observation could not see stays as it was.
  DomainState s = previous != nullptr ? *previous : DomainState{};
  if (parentAnswered(obs)) {
    readParent(obs, s);
    readGlueMismatch(obs, s);
  }
  if (childAnswered(obs)) readServers(obs, s);
  // "Could not see" is not a change of DNSSEC state either.
  const bool unknown = obs.status == model::SecurityState::kIndeterminate &&
                       obs.reason == model::SecurityReason::kMissingData;
  if (!unknown || previous == nullptr) {
    s.status = obs.status;
    s.reason = obs.reason;
  }
  return s;
}

bool cdsPending(const DomainState& s) {
  if (s.cdsDelete) return false;
  if (!s.cds.empty()) {
    std::vector<model::DsInfo> parent = s.ds;  // s.cds is sorted already
    sortUnique(parent);
    return s.cds != parent;
  }
  if (s.cdnskey.empty()) return false;
  std::set<std::pair<uint16_t, uint8_t>> keys, dsKeys;
  for (const auto& k : s.cdnskey) keys.emplace(k.tag, k.algorithm);
  for (const auto& d : s.ds) dsKeys.emplace(d.keyTag, d.algorithm);
  return keys != dsKeys;
}

bool fromObservationWithoutData(const DomainState& s) {
  return s.parentNs.empty() && s.operators.empty() && s.dnskey.empty() &&
         s.status == model::SecurityState::kIndeterminate;
}

std::string toJson(const DomainState& s) {
  json glue = json::array();
  for (const auto& g : s.glue) glue.push_back({{"host", g.host}, {"addresses", g.addresses}});
  // nlohmann's default object is a sorted map: the text is canonical for equal states.
  json j = {{"status", std::string(model::toString(s.status))},
            {"reason", std::string(model::toString(s.reason))},
            {"operators", s.operators},
            {"parent_ns", s.parentNs},
            {"glue", glue},
            {"ds", model::dsJson<json>(s.ds)},
            {"denial", s.denial},
            {"dnskey", model::keyJson<json>(s.dnskey)},
            {"cds", model::dsJson<json>(s.cds)},
            {"cdnskey", model::keyJson<json>(s.cdnskey)},
            {"cds_delete", s.cdsDelete},
            {"inconsistent", s.inconsistent}};
  if (!s.glueMismatch.empty()) j["glue_mismatch"] = s.glueMismatch;
  if (s.parentsDisagree) j["parents_disagree"] = true;
  if (s.nsMismatch) j["ns_mismatch"] = true;
  if (s.cdsInconsistent) j["cds_inconsistent"] = true;
  return j.dump();
}

Result<DomainState> domainStateFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return fail("stored domain state is not a JSON object");
  try {
    DomainState s;
    // Missing in no state any version wrote; read as "not known", which is what the defaults say.
    const std::string status = j.value("status", "indeterminate");
    const std::string reason = j.value("reason", "missing_data");
    auto parsedStatus = model::stateFromString(status);
    auto parsedReason = model::reasonFromString(reason);
    if (!parsedStatus) return fail("stored domain state has the unknown status '" + status + "'");
    if (!parsedReason) return fail("stored domain state has the unknown reason '" + reason + "'");
    s.status = *parsedStatus;
    s.reason = *parsedReason;
    s.operators = j.value("operators", std::vector<std::string>{});
    s.parentNs = j.value("parent_ns", std::vector<std::string>{});
    for (const auto& g : j.value("glue", json::array())) {
      s.glue.push_back(
          {g.at("host").get<std::string>(), g.at("addresses").get<std::vector<std::string>>()});
    }
    s.glueMismatch = j.value("glue_mismatch", std::vector<std::string>{});
    s.ds = dsFrom(j.value("ds", json::array()));
    s.denial = j.value("denial", "");
    s.dnskey = keysFrom(j.value("dnskey", json::array()));
    s.cds = dsFrom(j.value("cds", json::array()));
    s.cdnskey = keysFrom(j.value("cdnskey", json::array()));
    s.cdsDelete = j.value("cds_delete", false);
    s.inconsistent = j.value("inconsistent", false);
    s.parentsDisagree = j.value("parents_disagree", false);
    s.nsMismatch = j.value("ns_mismatch", false);
    s.cdsInconsistent = j.value("cds_inconsistent", false);
    return s;
  } catch (const json::exception& e) {
    // nlohmann reports type errors by exception; they stop here, at the module boundary.
    return fail(std::string("stored domain state is malformed: ") + e.what());
  }
}

}  // namespace zonewatch::detect
