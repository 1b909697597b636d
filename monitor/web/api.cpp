#include "monitor/web/api.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "monitor/detect/chain_summary.h"
#include "monitor/model/event_kind.h"
#include "monitor/model/severity.h"
#include "monitor/web/escape.h"
#include "monitor/web/summary.h"

namespace zonewatch::web {

namespace {

using nlohmann::json;

constexpr size_t kDefaultEventLimit = 100;

alerts::HttpReply jsonReply(const json& j, int status = 200) {
  alerts::HttpReply reply;
  reply.status = status;
  reply.contentType = "application/json";
  // The store holds text as given (a hostile server's bytes): replaced, never a throwing dump().
  reply.body = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return reply;
}

// A stored JSON text as a value, or the text itself when it does not parse (as the CLI does).
json storedJson(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(text) : j;
}

// The stored chain summary (monitor/detect/chain_summary.h) as its list of zones, read through its
// typed form so that the API says only what that form holds; null when there is none yet or it
// does not read.
json chainJson(const std::string& text) {
  auto chain = detect::chainSummaryFromJson(text);
  if (!chain || chain->zones.empty()) return json(nullptr);
  return storedJson(detect::toJson(*chain)).value("zones", json(nullptr));
}

json timeJson(int64_t t) {
  return t > 0 ? json(timeOrEmpty(t)) : json(nullptr);
}

// `zonewatch status --json`'s fields (first_seen and last_seen are null rather than "-" for
// never), and what the page adds: the failing servers and the link to the domain's page.
json domainJson(const DomainSummary& d) {
  return {{"domain", d.domain},
          {"status", d.status ? std::string(model::toString(*d.status)) : ""},
          {"reason", d.reason ? std::string(model::toString(*d.reason)) : ""},
          {"operators", d.operators},
          {"first_seen", timeJson(d.firstSeen)},
          {"last_seen", timeJson(d.lastSeen)},
          {"last_change", timeJson(d.lastChange)},
          {"rrsig_expiry", d.rrsigExpiry ? timeJson(*d.rrsigExpiry) : json(nullptr)},
          {"pending_change", d.pendingChange},
          {"consecutive_failures", d.failures},
          {"failing_servers", d.failingServers},
          {"url", "/domain/" + pathSegment(d.domain)}};
}

// `zonewatch history --json`'s fields.
json eventJson(const storage::EventRow& e) {
  return {{"id", e.uid},
          {"event", e.name()},
          {"severity", std::string(model::toString(e.severity))},
          {"domain", e.domain},
          {"observed_at", timeOrEmpty(e.observedAt)},
          {"observed_at_unix", e.observedAt},
          {"summary", e.summary},
          {"before", storedJson(e.beforeJson)},
          {"after", storedJson(e.afterJson)},
          {"server", e.server ? json(*e.server) : json(nullptr)}};
}

template <class Int>
std::optional<Int> number(const std::string& text) {
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string eventJsonLine(const storage::EventRow& e) {
  return eventJson(e).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

alerts::HttpReply jsonError(int status, std::string_view message) {
  return jsonReply({{"error", std::string(message)}}, status);
}

alerts::HttpReply apiStatus(storage::Store& store, int64_t now) {
  auto domains = portfolio(store, now);
  if (!domains) return jsonError(500, domains.error().message);
  json list = json::array();
  json counts = {
      {"secure", 0}, {"insecure", 0}, {"bogus", 0}, {"indeterminate", 0}, {"unknown", 0}};
  for (const DomainSummary& d : *domains) {
    list.push_back(domainJson(d));
    counts[stateName(d)] = counts[stateName(d)].get<int64_t>() + 1;
  }
  return jsonReply({{"generated_at", timeOrEmpty(now)}, {"counts", counts}, {"domains", list}});
}

alerts::HttpReply apiEvents(storage::Store& store, std::string_view query) {
  storage::EventQuery q;
  q.limit = kDefaultEventLimit;
  if (auto since = queryValue(query, "since")) {
    auto value = number<int64_t>(*since);
    if (!value) return jsonError(400, "since: not a number of unix seconds");
    q.since = *value;
  }
  if (auto limit = queryValue(query, "limit")) {
    auto value = number<size_t>(*limit);
    if (!value || *value == 0) return jsonError(400, "limit: not a positive number");
    q.limit = std::min(*value, kMaxApiEvents);
  }
  if (auto domain = queryValue(query, "domain")) {
    // As stored (a name may hold any byte), else as a user would type it.
    auto row = *domain == kPortfolio ? Result<std::optional<storage::DomainRow>>(std::nullopt)
                                     : lookUp(store, *domain);
    if (!row) return jsonError(500, row.error().message);
    q.domain = *row ? (*row)->domain : normaliseName(*domain);
  }
  auto events = store.events(q);
  if (!events) return jsonError(500, events.error().message);
  json list = json::array();
  for (const auto& e : *events) list.push_back(eventJson(e));
  // A full page: the caller continues from the last event's observed_at_unix (ids deduplicate the
  // events of that second, which the next page repeats).
  return jsonReply({{"events", list}, {"more", events->size() == q.limit}});
}

alerts::HttpReply apiDomain(storage::Store& store, std::string_view name) {
  auto row = lookUp(store, name);
  if (!row) return jsonError(500, row.error().message);
  if (!*row) return jsonError(404, "unknown domain: " + visible(shorten(normaliseName(name), 300)));
  const std::string domain = (*row)->domain;
  storage::EventQuery q;
  q.domain = domain;
  q.limit = kMaxDomainEvents;
  q.newestFirst = true;
  auto events = store.events(q);
  if (!events) return jsonError(500, events.error().message);
  auto snapshots = store.snapshots(domain, kMaxSnapshots);
  if (!snapshots) return jsonError(500, snapshots.error().message);
  json eventList = json::array();
  for (const auto& e : *events) eventList.push_back(eventJson(e));
  json snapshotList = json::array();
  for (const auto& s : *snapshots) {
    snapshotList.push_back(
        {{"id", s.id},
         {"first_seen", timeJson(s.firstSeen)},
         {"last_seen", timeJson(s.lastSeen)},
         {"evidence_url", "/domain/" + pathSegment(domain) + "/snapshot/" + std::to_string(s.id)}});
  }
  return jsonReply(
      {{"domain", domainJson(summarise(**row))},
       {"state", (*row)->stateJson.empty() ? json(nullptr) : storedJson((*row)->stateJson)},
       {"chain", chainJson((*row)->chainJson)},
       {"events", eventList},
       {"snapshots", snapshotList}});
}

}  // namespace zonewatch::web
