#include "monitor/web/summary.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "monitor/dns/name.h"
#include "monitor/util/time_text.h"

namespace zonewatch::web {

namespace {

using nlohmann::json;

json parsed(const std::string& text) {
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::vector<std::string> operatorsOf(const std::string& text) {
  std::vector<std::string> out;
  const json ops = parsed(text);
  if (!ops.is_array()) return out;
  for (const json& o : ops) {
    if (out.size() >= kMaxListItems) break;
    if (o.is_string()) out.push_back(o.get<std::string>());
  }
  return out;
}

// The servers the daemon's memory (monitor/detect/differ.h, auxiliaryToJson) holds as down or as
// not answering in the latest observations.
std::vector<std::string> failingOf(const std::string& text) {
  std::vector<std::string> out;
  const json memory = parsed(text);
  if (!memory.is_object() || !memory.contains("servers") || !memory["servers"].is_object()) {
    return out;
  }
  for (const auto& [key, server] : memory["servers"].items()) {
    if (out.size() >= kMaxServers) break;
    if (!server.is_object()) continue;
    const json failures = server.value("failures", json(0));
    const json down = server.value("down", json(false));
    if ((down.is_boolean() && down.get<bool>()) ||
        (failures.is_number_integer() && failures.get<int64_t>() > 0)) {
      out.push_back(key);
    }
  }
  return out;
}

}  // namespace

DomainSummary summarise(const storage::DomainRow& row) {
  DomainSummary d;
  d.domain = row.domain;
  d.status = row.status;
  d.reason = row.reason;
  d.operators = operatorsOf(row.operatorsJson);
  d.firstSeen = row.firstSeen;
  d.lastSeen = row.lastSeen;
  d.lastChange = row.lastChange;
  d.rrsigExpiry = row.rrsigExpiry;
  d.failures = row.failures;
  d.pendingChange = row.pendingCount > 0;
  d.failingServers = failingOf(row.serversJson);
  return d;
}

Result<std::vector<DomainSummary>> portfolio(storage::Store& store, int64_t now) {
  std::vector<DomainSummary> out;
  auto read = store.forEachDomain([&](storage::DomainRow&& row) { out.push_back(summarise(row)); });
  if (!read) return Unexpected{read.error()};
  std::stable_sort(out.begin(), out.end(), [now](const DomainSummary& a, const DomainSummary& b) {
    const int ra = rank(a, now), rb = rank(b, now);
    if (ra != rb) return ra < rb;
    if (a.lastChange != b.lastChange) return a.lastChange > b.lastChange;
    return a.domain < b.domain;
  });
  return out;
}

int rank(const DomainSummary& d, int64_t now) {
  int state = 5;  // not yet observed
  if (d.status) {
    switch (*d.status) {
      case model::SecurityState::kBogus:
        state = 0;
        break;
      case model::SecurityState::kIndeterminate:
        state = 2;
        break;
      case model::SecurityState::kInsecure:
        state = 3;
        break;
      case model::SecurityState::kSecure:
        state = 4;
        break;
    }
  }
  if (state > 0 && d.lastChange > 0 && now - d.lastChange < kRecentChangeSeconds) state = 1;
  const int trouble = d.failures > 0 ? 0 : (!d.failingServers.empty() ? 1 : 2);
  return state * 3 + trouble;
}

std::string stateName(const DomainSummary& d) {
  return d.status ? std::string(model::toString(*d.status)) : "unknown";
}

std::string normaliseName(std::string_view name) {
  if (name == kPortfolio) return std::string(name);
  auto parsed = dns::Name::fromUser(name);
  return parsed ? parsed->lowercased().toString() : std::string(name);
}

Result<std::optional<storage::DomainRow>> lookUp(storage::Store& store, std::string_view name) {
  auto exact = store.domain(name);
  if (!exact || *exact) return exact;
  const std::string normalised = normaliseName(name);
  if (normalised == name) return exact;
  return store.domain(normalised);
}

std::string timeOrEmpty(int64_t unixSeconds) {
  return unixSeconds <= 0 ? std::string() : formatRfc3339(unixSeconds);
}

}  // namespace zonewatch::web
