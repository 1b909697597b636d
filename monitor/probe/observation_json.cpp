#include "monitor/probe/observation_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "monitor/dns/types.h"
#include "monitor/util/time_text.h"

namespace zonewatch::probe {

// The observation's records (monitor/model/observation.h).
using model::ChainStep;
using model::FailedQuery;
using model::Finding;
using model::Glue;
using model::HostAddresses;
using model::Observation;
using model::ParentServer;
using model::ParentView;
using model::QueryError;
using model::ServerView;
namespace {

// Insertion-ordered objects: the fields come out in the schema's order, easier for people to read.
using json = nlohmann::ordered_json;

json optionalString(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

json errorJson(const std::optional<QueryError>& error) {
  return error ? json(error->text()) : json(nullptr);
}

json failedJson(const std::vector<FailedQuery>& failed) {
  json out = json::array();
  for (const FailedQuery& f : failed) out.push_back(f.text());
  return out;
}

json optionalTime(const std::optional<int64_t>& value) {
  return value ? json(formatRfc3339(*value)) : json(nullptr);
}

// Milliseconds with 0.001 ms resolution: the engine measures microseconds, more digits are noise.
double roundedMs(double ms) {
  return std::round(ms * 1000.0) / 1000.0;
}

json glueJson(const std::vector<Glue>& glue) {
  json out = json::array();
  for (const Glue& g : glue) out.push_back({{"host", g.host}, {"addresses", g.addresses}});
  return out;
}

json hostAddressesJson(const std::vector<HostAddresses>& hosts) {
  json out = json::array();
  for (const HostAddresses& h : hosts)
    out.push_back({{"host", h.host}, {"addresses", h.addresses}});
  return out;
}

json parentJson(const ParentView& parent, bool withEvidence) {
  json servers = json::array();
  for (const ParentServer& p : parent.servers) {
    json s = {{"name", p.name},
              {"address", p.address},
              {"rcode", dns::rcodeToString(p.rcode)},
              {"error", errorJson(p.error)},
              {"rtt_ms", roundedMs(p.rttMs)},
              {"ns", p.ns},
              {"glue", glueJson(p.glue)},
              {"ds", model::dsJson<json>(p.ds)},
              {"denial", p.denial}};
    if (withEvidence) s["evidence"] = p.evidence;
    servers.push_back(std::move(s));
  }
  return {{"zone", parent.zone},
          {"servers", std::move(servers)},
          {"ns", parent.ns},
          {"glue", glueJson(parent.glue)},
          {"ds", model::dsJson<json>(parent.ds)},
          {"denial", parent.denial}};
}

json serverJson(const ServerView& s, bool withEvidence) {
  json out = {{"name", s.name},
              {"address", s.address},
              {"rcode", dns::rcodeToString(s.rcode)},
              {"aa", s.aa},
              {"transport", s.transport},
              {"rtt_ms", roundedMs(s.rttMs)},
              {"soa_serial", s.soaSerial ? json(*s.soaSerial) : json(nullptr)},
              {"soa_mname", s.soaMname},
              {"soa_rname", s.soaRname},
              {"ns", s.ns},
              {"dnskey", model::keyJson<json>(s.dnskey)},
              {"cds", model::dsJson<json>(s.cds)},
              {"cdnskey", model::keyJson<json>(s.cdnskey)},
              {"host_addresses", hostAddressesJson(s.hostAddresses)},
              {"earliest_rrsig_expiration", optionalTime(s.earliestRrsigExpiration)},
              {"status", model::toString(s.state)},
              {"reason", model::toString(s.reason)},
              {"detail", s.detail},
              {"error", errorJson(s.error)},
              {"failed_queries", failedJson(s.failedQueries)}};
  if (withEvidence) out["evidence"] = s.evidence;
  return out;
}

json chainJson(const std::vector<ChainStep>& chain) {
  json out = json::array();
  for (const ChainStep& step : chain) {
    out.push_back({{"zone", step.zone},
                   {"status", model::toString(step.state)},
                   {"reason", model::toString(step.reason)},
                   {"ds_tags", step.dsTags},
                   {"dnskey_tags", step.dnskeyTags}});
  }
  return out;
}

json findingsJson(const std::vector<Finding>& findings) {
  json out = json::array();
  for (const Finding& f : findings) {
    out.push_back({{"code", model::toString(f.kind)},
                   {"severity", toString(f.severity)},
                   {"message", f.message},
                   {"server", optionalString(f.server)}});
  }
  return out;
}

}  // namespace

std::string toJson(const Observation& obs, bool withEvidence) {
  json servers = json::array();
  for (const ServerView& s : obs.servers) servers.push_back(serverJson(s, withEvidence));
  const json out = {
      {"domain", obs.domain},
      {"domain_unicode", obs.domainUnicode.empty() ? obs.domain : obs.domainUnicode},
      {"observed_at", formatRfc3339(obs.observedAt)},
      {"observed_at_unix", obs.observedAt},
      {"status", model::toString(obs.status)},
      {"reason", model::toString(obs.reason)},
      {"ede", obs.ede ? json(*obs.ede) : json(nullptr)},
      {"detail", obs.detail},
      {"operators", obs.operators},
      {"parent", parentJson(obs.parent, withEvidence)},
      {"servers", std::move(servers)},
      {"chain", chainJson(obs.chain)},
      {"findings", findingsJson(obs.findings)},
      {"earliest_rrsig_expiration", optionalTime(obs.earliestRrsigExpiration)},
      {"earliest_rrsig_expiration_unix",
       obs.earliestRrsigExpiration ? json(*obs.earliestRrsigExpiration) : json(nullptr)},
      {"error", optionalString(obs.error)},
      {"error_code", optionalString(obs.errorCode)},
      {"limits", obs.limits},
      {"ns_aliases", obs.nsAliases},
  };
  // Server-supplied text (details, evidence) may hold bytes that are not UTF-8; replacing them
  // keeps dump() from throwing, which must not happen across the module boundary.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace zonewatch::probe
