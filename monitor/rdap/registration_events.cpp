#include "monitor/rdap/registration_events.h"

#include <array>
#include <nlohmann/json.hpp>

#include "monitor/util/hex.h"
#include "monitor/util/join.h"
#include "monitor/util/time_text.h"

namespace zonewatch::rdap {
namespace {

using model::EventKind;
using model::Severity;
using nlohmann::json;

// The idempotency key, as the differ builds it (detect/differ.cpp): the same for the same change
// observed again after an interrupted round, different for two changes of one kind in one second.
// FNV-1a over before and after; nothing here has to resist a forger.
std::string contentDigest(const std::string& before, const std::string& after) {
  uint64_t h = 14695981039346656037ull;
  for (const std::string* text : {&before, &after}) {
    for (const char ch : *text) {
      h ^= static_cast<unsigned char>(ch);
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  }
  std::array<uint8_t, 6> top{};
  for (size_t i = 0; i < top.size(); ++i) top[i] = static_cast<uint8_t>(h >> (56 - 8 * i));
  return toLowerHex(top);
}

model::Event event(std::string_view domain, int64_t at, EventKind kind, Severity severity,
                   std::string summary, const json& before, const json& after) {
  model::Event e;
  e.domain = std::string(domain);
  e.observedAt = at;
  e.kind = kind;
  e.severity = severity;
  e.summary = std::move(summary);
  e.beforeJson = before.dump();
  e.afterJson = after.dump();
  e.uid = e.domain + "|" + e.name() + "|" + std::to_string(at) + "|" +
          contentDigest(e.beforeJson, e.afterJson);
  return e;
}

json registrarJson(const Registrar& r) {
  json out = {{"name", r.name}, {"handle", r.handle}};
  out["iana_id"] = r.ianaId ? json(*r.ianaId) : json(nullptr);
  return out;
}

json lockJson(const Lock& lock) {
  return describe(lock);
}

struct ChangeEvent {
  std::string_view domain;
  int64_t at;

  model::Event operator()(const RegistrarChanged& c) const {
    return event(domain, at, EventKind::kRegistrarChanged, Severity::kWarning,
                 "registrar of " + std::string(domain) + " changed from " + describe(c.before) +
                     " to " + describe(c.after),
                 {{"registrar", registrarJson(c.before)}}, {{"registrar", registrarJson(c.after)}});
  }
  model::Event operator()(const LockRemoved& c) const {
    const Severity severity =
        c.lock.party == LockParty::kServer ? Severity::kCritical : Severity::kWarning;
    return event(domain, at, EventKind::kLockRemoved, severity,
                 describe(c.lock) + " removed from " + std::string(domain),
                 {{"lock", lockJson(c.lock)}}, {{"lock", nullptr}});
  }
  model::Event operator()(const LockAdded& c) const {
    return event(domain, at, EventKind::kLockAdded, Severity::kInfo,
                 describe(c.lock) + " set on " + std::string(domain), {{"lock", nullptr}},
                 {{"lock", lockJson(c.lock)}});
  }
  model::Event operator()(const RegistryNameserversChanged& c) const {
    return event(domain, at, EventKind::kRegistryNameserversChanged, Severity::kWarning,
                 "registry name servers of " + std::string(domain) + " changed from " +
                     join(c.before) + " to " + join(c.after),
                 {{"ns", c.before}}, {{"ns", c.after}});
  }
};

}  // namespace

model::Event toEvent(std::string_view domain, int64_t observedAt,
                     const RegistrationChange& change) {
  return std::visit(ChangeEvent{domain, observedAt}, change);
}

model::Event toEvent(std::string_view domain, int64_t observedAt,
                     const RegistrationExpiring& expiring) {
  const int64_t days = expiring.secondsLeft / 86400;
  std::string summary =
      "registration of " + std::string(domain) +
      (expiring.secondsLeft < 0 ? " expired at "
                                : " expires in " + std::to_string(days) + " day(s), at ") +
      formatRfc3339(expiring.expiresAt);
  return event(
      domain, observedAt, EventKind::kRegistrationExpiring, expiring.severity, std::move(summary),
      nullptr,
      {{"expires", formatRfc3339(expiring.expiresAt)}, {"seconds_left", expiring.secondsLeft}});
}

model::Event toEvent(std::string_view domain, int64_t observedAt,
                     const RegistryDnsMismatch& mismatch) {
  return event(domain, observedAt, EventKind::kRegistryDnsMismatch, Severity::kWarning,
               "the registry lists " + join(mismatch.registryNs) + " for " + std::string(domain) +
                   " but the DNS delegates to " + join(mismatch.dnsNs) + " since " +
                   formatRfc3339(mismatch.since),
               {{"registry_ns", mismatch.registryNs}},
               {{"dns_ns", mismatch.dnsNs}, {"since", formatRfc3339(mismatch.since)}});
}

model::Event toEvent(std::string_view domain, const HijackSuspicion& suspicion) {
  json steps = json::array();
  for (const RegistrationSignal& s : suspicion.steps) {
    steps.push_back({{"at", formatRfc3339(s.at)}, {"change", describe(s)}});
  }
  return event(domain, suspicion.operatorChangedAt, EventKind::kHijackSuspected,
               Severity::kCritical,
               "possible hijack of " + std::string(domain) + ": " + suspicion.text(),
               {{"operators", suspicion.fromOperators}, {"registration", steps}},
               {{"operators", suspicion.toOperators},
                {"operator_changed_at", formatRfc3339(suspicion.operatorChangedAt)}});
}

}  // namespace zonewatch::rdap
