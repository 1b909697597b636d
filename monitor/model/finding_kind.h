// The finding vocabulary: every kind of problem `detect::computeFindings` sees within one
// observation, in one table, and the event through which the daemon reports it. `zonewatch
// check` prints and exits by the findings; the daemon turns each into events: those with an event
// of their own (a finding `dnssec_bogus` is the event validation_failed) through the differ's
// state, the others through finding_raised / finding_cleared (detect/finding_events.h). A unit test
// holds monitor/probe/README.md's table of findings to this one.
//
// The names are a public contract (`check`'s JSON and text, the details of finding_raised): a kind
// may be added, never renamed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "monitor/model/event_kind.h"
#include "monitor/model/kind_table.h"

namespace zonewatch::model {

enum class FindingKind : uint8_t {
  kDnssecBogus,
  kAllServersUnreachable,
  kSignatureExpiring,
  kValidationIndeterminate,
  kServerUnreachable,
  kLameServer,
  kServerQueryFailed,
  kNsParentChildMismatch,
  kServersDisagree,
  kParentServersDisagree,
  kGlueMismatch,
  kCdsDelete,
  kCdsInconsistent,
  kCdsPending,
  kCdsUnchecked,
  kDeprecatedAlgorithm,
  kNsResolutionCycle,
  kObservationLimited,
  kNsHostAlias,
};

struct FindingKindInfo {
  FindingKind kind;
  std::string_view name;
  // The event of its own that reports the finding's problem in the daemon; none: the daemon
  // reports it as finding_raised / finding_cleared.
  std::optional<EventKind> event;
};

// In the order of FindingKind (checked below), so a kind indexes its row.
inline constexpr std::array<FindingKindInfo, 19> kFindingKinds = {{
    {FindingKind::kDnssecBogus, "dnssec_bogus", EventKind::kValidationFailed},
    // No usable answer from any server: each address is a server_unreachable event; the domain's
    // state is carried over (observation_failure.h).
    {FindingKind::kAllServersUnreachable, "all_servers_unreachable", EventKind::kServerUnreachable},
    {FindingKind::kSignatureExpiring, "signature_expiring", EventKind::kSignatureExpiring},
    // Indeterminate for lack of data is the servers' reachability (server_unreachable), and the
    // verdict before it is carried over; indeterminate for another reason is reported below.
    {FindingKind::kValidationIndeterminate, "validation_indeterminate", std::nullopt},
    {FindingKind::kServerUnreachable, "server_unreachable", EventKind::kServerUnreachable},
    {FindingKind::kLameServer, "lame_server", std::nullopt},
    {FindingKind::kServerQueryFailed, "server_query_failed", std::nullopt},
    {FindingKind::kNsParentChildMismatch, "ns_parent_child_mismatch",
     EventKind::kNameserversInconsistent},
    {FindingKind::kServersDisagree, "servers_disagree", EventKind::kServerInconsistent},
    {FindingKind::kParentServersDisagree, "parent_servers_disagree",
     EventKind::kParentServersDisagree},
    {FindingKind::kGlueMismatch, "glue_mismatch", EventKind::kGlueChanged},
    {FindingKind::kCdsDelete, "cds_delete", EventKind::kCdsDelete},
    {FindingKind::kCdsInconsistent, "cds_inconsistent", EventKind::kCdsInconsistent},
    {FindingKind::kCdsPending, "cds_pending", EventKind::kCdsPending},
    {FindingKind::kCdsUnchecked, "cds_unchecked", std::nullopt},
    {FindingKind::kDeprecatedAlgorithm, "deprecated_algorithm", std::nullopt},
    {FindingKind::kNsResolutionCycle, "ns_resolution_cycle", std::nullopt},
    {FindingKind::kObservationLimited, "observation_limited", std::nullopt},
    {FindingKind::kNsHostAlias, "ns_host_alias", std::nullopt},
}};

constexpr const FindingKindInfo& info(FindingKind kind) {
  return kFindingKinds[static_cast<size_t>(kind)];
}

constexpr std::string_view toString(FindingKind kind) {
  return info(kind).name;
}

std::optional<FindingKind> findingKindFromString(std::string_view name);

static_assert(detail::coversEnumInOrder(kFindingKinds, FindingKind::kNsHostAlias),
              "kFindingKinds must list every FindingKind once, in enum order");

}  // namespace zonewatch::model
