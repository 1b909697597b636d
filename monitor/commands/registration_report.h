// How the commands show a domain's registration (issue 16): the "Registration" section of
// `zonewatch check --rdap` and its `registration` JSON object, the line `status` prints under a
// domain with a stored registration, and the facts `history` prints above the events. Owns these
// texts only: the facts come from rdap::parseDomain (a live answer) or rdap::registrationFromJson
// (a stored row), the query from daemon::RdapFetcher. Pure: "now" is an argument.
//
// Locks are shown in the short form registrars' panels use: C or S for the client (registrar) or
// server (registry) lock, then T, U or D for transfer, update or delete, then L (RFC 8056 §2, RFC
// 9083 §10.2.2): "CTL CUL SDL". RFC 9083's plain "transfer prohibited" etc., which do not say who
// set the lock, are "TL", "UL", "DL".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/rdap/domain_response.h"

namespace zonewatch::commands {

// "CTL", "SDL", "TL".
std::string lockCode(const rdap::Lock& lock);
// The codes of `locks`, client ones first, each party's in the order transfer, update, delete,
// separated by spaces; "" for none.
std::string lockCodes(const std::vector<rdap::Lock>& locks);
// Which of the six client and server locks `held` lacks, in lockCodes' order.
std::vector<rdap::Lock> absentLocks(const std::vector<rdap::Lock>& held);

enum class NsMatch : uint8_t {
  kUnknown,   // either side is empty: the registry publishes none, or the DNS part saw none
  kMatch,     // the same set of host names (case and trailing dot ignored)
  kMismatch,  // one of the two is wrong, or a change is half-way (registry_dns_mismatch)
};
NsMatch compareNameservers(const std::vector<std::string>& registry,
                           const std::vector<std::string>& delegation);

// What one RDAP query of `check --rdap` gave.
struct RdapOutcome {
  std::string server;  // the base URL asked; empty when no server covers the domain
  std::optional<rdap::Registration> registration;
  std::string failureKind;  // without a registration: daemon::toString(RdapFetchFailureKind)
  std::string failureMessage;
};

// The human report's section, a blank line and a heading first as probe::formatReport's sections.
// `delegationNs` is the NS set the parent publishes (model::ParentView::ns).
std::string formatRegistrationSection(const RdapOutcome& outcome,
                                      const std::vector<std::string>& delegationNs, int64_t now);
// The `registration` member of `check --json`: one JSON object (monitor/probe/check-json.md).
std::string registrationJson(const RdapOutcome& outcome,
                             const std::vector<std::string>& delegationNs, int64_t now);
// `objectJson` (one JSON object, as probe::toJson writes it) with `key` set to `valueJson`,
// appended as its last member so that the members before keep their order.
std::string withMember(const std::string& objectJson, std::string_view key,
                       const std::string& valueJson);

// One line for `status`: "Example Registrar (IANA 292), locks CTL CUL SDL, expires 2027-01-01".
std::string registrationSummary(const rdap::Registration& registration);
// `history`'s header: the stored facts, fetched at `fetchedAt`, one per line.
std::string formatStoredRegistration(const rdap::Registration& registration, int64_t fetchedAt);

}  // namespace zonewatch::commands
