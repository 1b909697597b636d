// The event vocabulary: every kind of event the differ raises, in one table. Config validation
// (`webhooks[].events`), the metrics (`zonewatch_events_total{event=...}`), the differ, `zonewatch
// history` and the README's table of events all read it, and a unit test holds the README to it.
//
// The names are the public contract (webhook bodies and headers, JSON, metrics labels, stored
// history): a kind may be added, never renamed. `severity` is the most severe level the kind is
// raised with; where it depends on the case (a DS change between two secure states is info, one
// that leaves the chain broken a warning), the table says the worst.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "monitor/model/kind_table.h"
#include "monitor/model/severity.h"

namespace zonewatch::model {

enum class EventKind : uint8_t {
  kOperatorChanged,
  kNameserversChanged,
  kGlueChanged,
  kDsAdded,
  kDsRemoved,
  kDsChanged,
  kDnskeyChanged,
  kUnsignedDowngrade,
  kValidationFailed,
  kValidationRecovered,
  kSignatureExpiring,
  kCdsPublished,
  kCdsDelete,
  kCdsInconsistent,
  kCdsPending,
  kServerInconsistent,
  kParentServersDisagree,
  kNameserversInconsistent,
  kServerUnreachable,
  kServerRecovered,
  kExpectationViolated,
  kHijackSuspected,
  kPortfolioOperatorChange,
  kObservationFailing,
  kObservationRecovered,
  kStateFlapping,
  kStateFlappingEnded,
  kFindingRaised,
  kFindingCleared,
  // Registration data (RDAP, monitor/rdap): appended, as the enum's order is the table's.
  kRegistrarChanged,
  kLockRemoved,
  kLockAdded,
  kRegistryNameserversChanged,
  kRegistryDnsMismatch,
  kRegistrationExpiring,
};

struct EventKindInfo {
  EventKind kind;
  std::string_view name;
  Severity severity;  // the worst it is raised with
  std::string_view meaning;
};

// In the order of EventKind (checked below), so a kind indexes its row.
inline constexpr std::array<EventKindInfo, 35> kEventKinds = {{
    {EventKind::kOperatorChanged, "operator_changed", Severity::kCritical,
     "the parent's NS set names other operators (registrable domains of the NS hosts)"},
    {EventKind::kNameserversChanged, "nameservers_changed", Severity::kWarning,
     "the parent's NS set changed within the same operators"},
    {EventKind::kGlueChanged, "glue_changed", Severity::kWarning,
     "the parent's glue addresses for the domain's NS hosts changed"},
    {EventKind::kDsAdded, "ds_added", Severity::kInfo, "the parent now publishes a DS"},
    {EventKind::kDsRemoved, "ds_removed", Severity::kCritical,
     "the parent no longer publishes any DS: DNSSEC switched off at the parent"},
    {EventKind::kDsChanged, "ds_changed", Severity::kWarning,
     "the DS set changed (info when the chain stays secure, as in a KSK rollover)"},
    {EventKind::kDnskeyChanged, "dnskey_changed", Severity::kWarning,
     "the zone's DNSKEY set changed (info when the chain stays secure)"},
    {EventKind::kUnsignedDowngrade, "unsigned_downgrade", Severity::kCritical,
     "a secure domain became insecure"},
    {EventKind::kValidationFailed, "validation_failed", Severity::kCritical,
     "the chain of trust is bogus"},
    {EventKind::kValidationRecovered, "validation_recovered", Severity::kInfo,
     "a bogus chain validates again"},
    {EventKind::kSignatureExpiring, "signature_expiring", Severity::kCritical,
     "an RRSIG expires within signature_warning (critical within signature_critical)"},
    {EventKind::kCdsPublished, "cds_published", Severity::kInfo,
     "the zone publishes CDS/CDNSKEY for its parent (RFC 7344)"},
    {EventKind::kCdsDelete, "cds_delete", Severity::kWarning,
     "the zone asks its parent to remove the DS (RFC 8078 section 4)"},
    {EventKind::kCdsInconsistent, "cds_inconsistent", Severity::kWarning,
     "CDS/CDNSKEY describe keys the zone does not serve, or differ between its servers"},
    {EventKind::kCdsPending, "cds_pending", Severity::kInfo,
     "the zone's CDS/CDNSKEY now differ from the parent's DS: a request to change it (RFC 7344)"},
    {EventKind::kServerInconsistent, "server_inconsistent", Severity::kWarning,
     "the domain's authoritative servers serve different data"},
    {EventKind::kParentServersDisagree, "parent_servers_disagree", Severity::kWarning,
     "the parent's servers publish different delegations: one is stale or lies"},
    {EventKind::kNameserversInconsistent, "nameservers_inconsistent", Severity::kWarning,
     "a server's own NS set differs from the parent's delegation"},
    {EventKind::kServerUnreachable, "server_unreachable", Severity::kWarning,
     "a server address stopped answering (never read as an empty NS set)"},
    {EventKind::kServerRecovered, "server_recovered", Severity::kInfo,
     "an unreachable server address answers again"},
    {EventKind::kExpectationViolated, "expectation_violated", Severity::kCritical,
     "operators or DS key tags differ from the pinned expectation (`expect:` or `ack`)"},
    {EventKind::kHijackSuspected, "hijack_suspected", Severity::kCritical,
     "an operator change together with a DS change or a bogus chain, or after a lock removal or "
     "registrar change within rdap's correlation window"},
    {EventKind::kPortfolioOperatorChange, "portfolio_operator_change", Severity::kCritical,
     "several domains changed operator in one round (domain \"*\")"},
    {EventKind::kObservationFailing, "observation_failing", Severity::kWarning,
     "failing_polls observations in a row brought no data"},
    {EventKind::kObservationRecovered, "observation_recovered", Severity::kInfo,
     "an observation brought data again"},
    {EventKind::kStateFlapping, "state_flapping", Severity::kWarning,
     "the state changed more than max_snapshots_per_hour times in an hour"},
    {EventKind::kStateFlappingEnded, "state_flapping_ended", Severity::kInfo,
     "a flapping domain kept one state for an hour"},
    {EventKind::kFindingRaised, "finding_raised", Severity::kWarning,
     "confirm_polls observations in a row show a problem that has no event of its own (a lame "
     "server, a failed query, an aliased or cyclic NS host...; `after.finding` names it)"},
    {EventKind::kFindingCleared, "finding_cleared", Severity::kInfo,
     "confirm_polls observations in a row no longer show a raised finding"},
    {EventKind::kRegistrarChanged, "registrar_changed", Severity::kWarning,
     "the registry (RDAP) names another sponsoring registrar (IANA id, else name)"},
    {EventKind::kLockRemoved, "lock_removed", Severity::kCritical,
     "a transfer, update or delete lock was lifted (critical for a registry's server lock)"},
    {EventKind::kLockAdded, "lock_added", Severity::kInfo,
     "a transfer, update or delete lock was set"},
    {EventKind::kRegistryNameserversChanged, "registry_nameservers_changed", Severity::kWarning,
     "the registry's name servers for the domain (RDAP) changed"},
    {EventKind::kRegistryDnsMismatch, "registry_dns_mismatch", Severity::kWarning,
     "the registry's name servers differ from the parent's NS set for longer than the grace "
     "period"},
    {EventKind::kRegistrationExpiring, "registration_expiring", Severity::kCritical,
     "the registration expires within the warning period (critical within the critical period)"},
}};

// The names alone, in table order: what config validation suggests from and metrics pre-register.
inline constexpr std::array<std::string_view, kEventKinds.size()> kEventNames = [] {
  std::array<std::string_view, kEventKinds.size()> names{};
  for (size_t i = 0; i < kEventKinds.size(); ++i) names[i] = kEventKinds[i].name;
  return names;
}();

constexpr const EventKindInfo& info(EventKind kind) {
  return kEventKinds[static_cast<size_t>(kind)];
}

constexpr std::string_view toString(EventKind kind) {
  return info(kind).name;
}

std::optional<EventKind> eventKindFromString(std::string_view name);

static_assert(detail::coversEnumInOrder(kEventKinds, EventKind::kRegistrationExpiring),
              "kEventKinds must list every EventKind once, in enum order");

}  // namespace zonewatch::model
