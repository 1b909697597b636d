#include "monitor/commands/registration_report.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "monitor/rdap/registration_diff.h"
#include "monitor/util/join.h"
#include "monitor/util/time_text.h"

namespace zonewatch::commands {
namespace {

using nlohmann::json;
using rdap::Lock;
using rdap::LockAction;
using rdap::LockParty;

constexpr int64_t kDay = 86400;
// lockCodes' order: client, server, either; within each transfer, update, delete
// (rdap::kLockParties, rdap::kLockActions: the enums' own order).
bool shownBefore(const Lock& a, const Lock& b) {
  return std::pair(a.party, a.action) < std::pair(b.party, b.action);
}

std::vector<Lock> ordered(std::vector<Lock> locks) {
  std::sort(locks.begin(), locks.end(), shownBefore);
  locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
  return locks;
}

// A host name as both sides are compared: lowercase, with the trailing dot.
std::string hostKey(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!name.empty() && name.back() != '.') name += '.';
  return name;
}

// "2027-01-01T00:00:00Z (26 days left)", "... (expired 3 days ago)".
std::string expiryText(int64_t expiresAt, int64_t now) {
  const int64_t left = expiresAt - now;
  const int64_t days = (left >= 0 ? left : -left) / kDay;
  const std::string count = std::to_string(days) + (days == 1 ? " day" : " days");
  return formatRfc3339(expiresAt) +
         (left >= 0 ? " (" + count + " left)" : " (expired " + count + " ago)");
}

std::string locksHeldText(const std::vector<Lock>& held) {
  if (held.empty()) return "none";
  std::vector<std::string> words;
  for (const Lock& lock : ordered(held)) words.push_back(rdap::describe(lock));
  return lockCodes(held) + " (" + join(words) + ")";
}

std::string locksAbsentText(const std::vector<Lock>& held) {
  std::vector<std::string> words;
  for (const Lock& lock : absentLocks(held)) words.push_back(rdap::describe(lock));
  return words.empty() ? "none" : join(words);
}

std::string nameserversText(const rdap::Registration& r, const std::vector<std::string>& dns) {
  if (r.nameservers.empty()) return "none published";
  const std::string listed = join(r.nameservers);
  switch (compareNameservers(r.nameservers, dns)) {
    case NsMatch::kMatch:
      return listed + ": the delegation at the parent is the same";
    case NsMatch::kMismatch:
      return listed + ": DIFFERENT from the delegation at the parent (" + join(dns) + ")";
    case NsMatch::kUnknown:
      break;
  }
  return listed + " (the parent's delegation was not seen)";
}

std::string row(std::string_view label, const std::string& value) {
  std::string out = "  " + std::string(label);
  out += std::string(label.size() < 14 ? 14 - label.size() : 1, ' ');
  return out + value + "\n";
}

json optionalTime(const std::optional<int64_t>& at) {
  return at ? json(formatRfc3339(*at)) : json(nullptr);
}

json codesJson(const std::vector<Lock>& locks) {
  json out = json::array();
  for (const Lock& lock : ordered(locks)) out.push_back(lockCode(lock));
  return out;
}

json nsMatchJson(NsMatch match) {
  if (match == NsMatch::kUnknown) return nullptr;
  return match == NsMatch::kMatch;
}

}  // namespace

std::string lockCode(const Lock& lock) {
  static constexpr std::array<std::string_view, 3> kPartyLetter = {"C", "S", ""};
  static constexpr std::array<std::string_view, 3> kActionLetter = {"T", "U", "D"};
  return std::string(kPartyLetter[static_cast<size_t>(lock.party)]) +
         std::string(kActionLetter[static_cast<size_t>(lock.action)]) + "L";
}

std::string lockCodes(const std::vector<Lock>& locks) {
  std::vector<std::string> codes;
  for (const Lock& lock : ordered(locks)) codes.push_back(lockCode(lock));
  return join(codes, " ");
}

std::vector<Lock> absentLocks(const std::vector<Lock>& held) {
  std::vector<Lock> out;
  for (LockParty party : {LockParty::kClient, LockParty::kServer}) {
    for (LockAction action : rdap::kLockActions) {
      const Lock lock{action, party};
      if (std::find(held.begin(), held.end(), lock) == held.end()) out.push_back(lock);
    }
  }
  return out;
}

NsMatch compareNameservers(const std::vector<std::string>& registry,
                           const std::vector<std::string>& delegation) {
  if (registry.empty() || delegation.empty()) return NsMatch::kUnknown;
  std::set<std::string> a;
  std::set<std::string> b;
  for (const std::string& n : registry) a.insert(hostKey(n));
  for (const std::string& n : delegation) b.insert(hostKey(n));
  return a == b ? NsMatch::kMatch : NsMatch::kMismatch;
}

std::string formatRegistrationSection(const RdapOutcome& outcome,
                                      const std::vector<std::string>& delegationNs, int64_t now) {
  std::string out =
      "\nRegistration (RDAP" + (outcome.server.empty() ? "" : ", " + outcome.server) + ")\n";
  if (!outcome.registration) {
    // An RDAP failure is an observation failure of the registration only: the DNS verdict above
    // and the exit code stand (issue 16: "never changes").
    return out + row("Not available", outcome.failureKind + ": " + outcome.failureMessage);
  }
  const rdap::Registration& r = *outcome.registration;
  out += row("Registrar", r.registrar ? rdap::describe(*r.registrar) : "not published");
  out += row("Locks held", locksHeldText(r.locks()));
  out += row("Locks absent", locksAbsentText(r.locks()));
  out += row("Name servers", nameserversText(r, delegationNs));
  out += row("Expires", r.expiresAt ? expiryText(*r.expiresAt, now) : "not published");
  out += row("Last changed", r.lastChangedAt ? formatRfc3339(*r.lastChangedAt) : "not published");
  std::vector<std::string> statuses;
  for (const rdap::StatusValue& s : r.statuses) statuses.push_back(s.text);
  out += row("Status", statuses.empty() ? "none" : join(statuses));
  return out;
}

std::string registrationJson(const RdapOutcome& outcome,
                             const std::vector<std::string>& delegationNs, int64_t now) {
  json out = {{"ok", outcome.registration.has_value()},
              {"server", outcome.server.empty() ? json(nullptr) : json(outcome.server)}};
  if (!outcome.registration) {
    out["error"] = {{"kind", outcome.failureKind}, {"message", outcome.failureMessage}};
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  const rdap::Registration& r = *outcome.registration;
  json statuses = json::array();
  for (const rdap::StatusValue& s : r.statuses) statuses.push_back(s.text);
  out["registrar"] =
      r.registrar
          ? json{{"name", r.registrar->name},
                 {"iana_id", r.registrar->ianaId ? json(*r.registrar->ianaId) : json(nullptr)}}
          : json(nullptr);
  out["locks"] = codesJson(r.locks());
  out["locks_absent"] = codesJson(absentLocks(r.locks()));
  out["status"] = std::move(statuses);
  out["nameservers"] = r.nameservers;
  out["nameservers_match_delegation"] =
      nsMatchJson(compareNameservers(r.nameservers, delegationNs));
  out["expires"] = optionalTime(r.expiresAt);
  out["days_left"] = r.expiresAt ? json((*r.expiresAt - now) / kDay) : json(nullptr);
  out["last_changed"] = optionalTime(r.lastChangedAt);
  out["registered"] = optionalTime(r.registeredAt);
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string withMember(const std::string& objectJson, std::string_view key,
                       const std::string& valueJson) {
  const size_t close = objectJson.find_last_of('}');
  if (close == std::string::npos) return objectJson;
  const size_t open = objectJson.find('{');
  const bool empty = objectJson.find_first_not_of(" \t\n", open + 1) == close;
  return objectJson.substr(0, close) + (empty ? "" : ",") + json(std::string(key)).dump() + ":" +
         valueJson + objectJson.substr(close);
}

std::string registrationSummary(const rdap::Registration& r) {
  std::string out = r.registrar ? rdap::describe(*r.registrar) : "registrar not published";
  const std::string locks = lockCodes(r.locks());
  out += locks.empty() ? ", no lock" : ", locks " + locks;
  if (r.expiresAt) out += ", expires " + formatRfc3339(*r.expiresAt).substr(0, 10);
  return out;
}

std::string formatStoredRegistration(const rdap::Registration& r, int64_t fetchedAt) {
  std::string out = "Registration (RDAP, fetched " + formatRfc3339(fetchedAt) + ")\n";
  out += row("Registrar", r.registrar ? rdap::describe(*r.registrar) : "not published");
  out += row("Locks held", locksHeldText(r.locks()));
  out += row("Name servers", r.nameservers.empty() ? "none published" : join(r.nameservers));
  out += row("Expires", r.expiresAt ? expiryText(*r.expiresAt, fetchedAt) : "not published");
  out += row("Last changed", r.lastChangedAt ? formatRfc3339(*r.lastChangedAt) : "not published");
  return out;
}

}  // namespace zonewatch::commands
