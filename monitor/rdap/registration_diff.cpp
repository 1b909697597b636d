#include "monitor/rdap/registration_diff.h"

#include <algorithm>

#include "monitor/rdap/json_input.h"
#include "monitor/util/join.h"
#include "monitor/util/time_text.h"

namespace zonewatch::rdap {
namespace {

bool sameRegistrar(const Registrar& a, const Registrar& b) {
  if (a.ianaId && b.ianaId) return *a.ianaId == *b.ianaId;
  // Without ids, the names decide; registries differ in case ("MarkMonitor Inc." / "MARKMONITOR
  // INC."), so case does not count.
  return detail::asciiLower(a.name) == detail::asciiLower(b.name);
}

// A sorted set of names as the comparisons see them: lowercase FQDNs, unique.
std::vector<std::string> nameSet(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const std::string& name : names) {
    std::string n = detail::asciiLower(name);
    if (n.empty() || n.back() != '.') n += '.';
    out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

model::Severity expiryLevel(int64_t secondsLeft, const ExpiryOptions& options) {
  if (secondsLeft <= options.criticalSeconds) return model::Severity::kCritical;
  if (secondsLeft <= options.warningSeconds) return model::Severity::kWarning;
  return model::Severity::kInfo;
}

std::string operatorsText(const std::vector<std::string>& operators) {
  return operators.empty() ? std::string("(none)") : join(operators);
}

}  // namespace

Registration withUnknownPartsKept(const Registration& before, Registration after) {
  if (after.statuses.empty()) after.statuses = before.statuses;
  if (after.nameservers.empty()) after.nameservers = before.nameservers;
  if (!after.registrar) after.registrar = before.registrar;
  if (!after.expiresAt) after.expiresAt = before.expiresAt;
  return after;
}

std::vector<RegistrationChange> diffRegistrations(const Registration& before,
                                                  const Registration& after) {
  std::vector<RegistrationChange> out;
  if (before.registrar && after.registrar && !sameRegistrar(*before.registrar, *after.registrar)) {
    out.emplace_back(RegistrarChanged{*before.registrar, *after.registrar});
  }
  const std::vector<Lock> was = before.locks(), is = after.locks();  // both sorted
  std::vector<Lock> removed, added;
  std::set_difference(was.begin(), was.end(), is.begin(), is.end(), std::back_inserter(removed));
  std::set_difference(is.begin(), is.end(), was.begin(), was.end(), std::back_inserter(added));
  for (const Lock& lock : removed) out.emplace_back(LockRemoved{lock});
  for (const Lock& lock : added) out.emplace_back(LockAdded{lock});
  if (nameSet(before.nameservers) != nameSet(after.nameservers)) {
    out.emplace_back(RegistryNameserversChanged{before.nameservers, after.nameservers});
  }
  return out;
}

ExpiryStep stepExpiry(const ExpiryMemory& memory, const Registration& registration, int64_t now,
                      const ExpiryOptions& options) {
  ExpiryStep step{memory, std::nullopt};
  if (!registration.expiresAt) return step;
  const int64_t left = *registration.expiresAt - now;
  const model::Severity level = expiryLevel(left, options);
  if (level == model::Severity::kInfo) {
    step.memory = {};  // renewed far enough: a later approach is news again
    return step;
  }
  const bool newDate = memory.reportedFor != registration.expiresAt;
  if (newDate || level > memory.reportedLevel) {
    step.memory = {registration.expiresAt, level};
    step.expiring = RegistrationExpiring{*registration.expiresAt, left, level};
  }
  return step;
}

MismatchStep stepMismatch(const MismatchMemory& memory, int64_t now,
                          const std::vector<std::string>& registryNs,
                          const std::vector<std::string>& dnsNs, int64_t graceSeconds) {
  MismatchStep step{memory, MismatchTransition::kNone, std::nullopt};
  if (registryNs.empty() || dnsNs.empty()) return step;  // not known: no judgement
  const std::vector<std::string> registry = nameSet(registryNs), dns = nameSet(dnsNs);
  if (registry == dns) {
    step.memory = {};
    if (memory.raised) step.transition = MismatchTransition::kCleared;
    return step;
  }
  if (!memory.since) step.memory.since = now;
  if (!step.memory.raised && now - *step.memory.since >= graceSeconds) {
    step.memory.raised = true;
    step.transition = MismatchTransition::kRaised;
    step.raised = RegistryDnsMismatch{registry, dns, *step.memory.since};
  }
  return step;
}

CorrelationMemory rememberSignals(const CorrelationMemory& memory,
                                  const std::vector<RegistrationChange>& changes, int64_t at,
                                  int64_t windowSeconds) {
  CorrelationMemory out;
  for (const RegistrationSignal& s : memory.signals) {
    if (at - s.at <= windowSeconds) out.signals.push_back(s);
  }
  for (const RegistrationChange& change : changes) {
    if (const auto* removed = std::get_if<LockRemoved>(&change)) {
      out.signals.push_back({at, *removed});
    } else if (const auto* registrar = std::get_if<RegistrarChanged>(&change)) {
      out.signals.push_back({at, *registrar});
    }
  }
  if (out.signals.size() > kMaxSignals) {
    out.signals.erase(out.signals.begin(),
                      out.signals.end() - static_cast<std::ptrdiff_t>(kMaxSignals));
  }
  return out;
}

std::optional<HijackSuspicion> correlateOperatorChange(
    const CorrelationMemory& memory, int64_t at, const std::vector<std::string>& fromOperators,
    const std::vector<std::string>& toOperators, int64_t windowSeconds) {
  HijackSuspicion suspicion{{}, at, fromOperators, toOperators};
  for (const RegistrationSignal& s : memory.signals) {  // at most kMaxSignals
    // "Followed by": the registration change was seen first (or in the same round).
    if (s.at <= at && at - s.at <= windowSeconds) suspicion.steps.push_back(s);
  }
  if (suspicion.steps.empty()) return std::nullopt;
  return suspicion;
}

std::string describe(const Registrar& registrar) {
  std::string text = registrar.name.empty() ? "(unnamed)" : registrar.name;
  if (registrar.ianaId) text += " (IANA " + std::to_string(*registrar.ianaId) + ")";
  return text;
}

std::string describe(const RegistrationSignal& signal) {
  if (const auto* removed = std::get_if<LockRemoved>(&signal.change)) {
    return describe(removed->lock) + " removed";
  }
  const auto& changed = std::get<RegistrarChanged>(signal.change);
  return "registrar changed from " + describe(changed.before) + " to " + describe(changed.after);
}

std::string HijackSuspicion::text() const {
  std::string out;
  for (const RegistrationSignal& s : steps) {
    if (!out.empty()) out += ", ";
    out += describe(s) + " at " + formatRfc3339(s.at);
  }
  return out + ", then operator changed from " + operatorsText(fromOperators) + " to " +
         operatorsText(toOperators) + " at " + formatRfc3339(operatorChangedAt);
}

}  // namespace zonewatch::rdap
