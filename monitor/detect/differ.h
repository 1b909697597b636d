// The differ: (what the monitor remembers of a domain, a new observation) → typed events and the
// updated memory. Pure code: no DNS transport, no storage, no clock (the observation carries its
// time).
//
// Event names are the public contract (webhooks, metrics, history). A change of state is reported
// only after `confirmPolls` consecutive observations agree on it; the first observation of a domain
// with data is its baseline and raises only problem events. Reachability of each server has its own
// events (server_unreachable / server_recovered), so a timeout never reads as a change of data;
// so do the findings without an event of their own (finding_raised / finding_cleared,
// finding_events.h).
// An observation without data (observation_failure.h) changes nothing of what is known about the
// domain: it is counted, and `failingPolls` of them in a row raise observation_failing (then
// observation_recovered at the next observation with data).
//
// Flapping, as Nagios and Icinga detect it, but counted in stored states: each observation whose
// state differs from the previous one is a new snapshot, and a domain may write at most
// `maxSnapshotsPerHour` (kMaxSnapshotsPerHour) of them in any rolling hour. The observation that
// would exceed it makes the domain "flapping": one state_flapping event (warning), and from then on
// no new snapshot (the latest one's last_seen advances, DiffResult::storeSnapshot) and no event per
// change; the latest observed state is kept as the pending state. Two things still get through:
//   - a change of the delegation or its verdict (operators, parent NS set, DS set, validation
//     status: what a hijack or a downgrade changes) raises the usual change events against the
//     confirmed state once `confirmPolls` observations in a row agree on it, unless that same
//     delegation was already reported (or was the confirmed one) during this episode, so that a
//     delegation alternating between two sets is reported once, not at every poll. It becomes the
//     confirmed state and is stored as a snapshot if the rolling hour has room;
//   - once one state has been observed for `flapSettleSeconds` (an hour) and at least
//     `confirmPolls` times in a row, state_flapping_ended (info), then the usual change events from
//     the confirmed state to the settled one, which becomes the confirmed state and a snapshot.
// So a domain never writes more than kMaxSnapshotsPerHour snapshots in any rolling hour, whatever
// its servers do, and never hides a change of operator, NS, DS or verdict behind its flapping.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "monitor/detect/domain_state.h"
#include "monitor/detect/finding_events.h"
#include "monitor/detect/options.h"
#include "monitor/model/event.h"
#include "monitor/model/event_kind.h"
#include "monitor/model/observation.h"

namespace zonewatch::detect {

// Delegations (operators, NS, DS, verdict) remembered as reported within one flapping episode; the
// oldest is forgotten beyond it (and would be reported again).
inline constexpr size_t kMaxFlapDelegations = 16;

using Event = model::Event;

struct ServerMemory {
  int failures = 0;  // observations in a row it did not answer, up to confirmPolls
  bool down = false;
  friend bool operator==(const ServerMemory&, const ServerMemory&) = default;
};

// Flap detection (see the top of this file). Empty for a domain that wrote no snapshot within the
// last hour and is not flapping.
struct FlapMemory {
  // When the domain's new snapshots of the last kFlapWindowSeconds were written, oldest first; at
  // most maxSnapshotsPerHour of them.
  std::vector<int64_t> snapshotTimes;
  bool flapping = false;
  int64_t since = 0;        // the observation that started the flapping
  int changes = 0;          // changes of state observed since
  int64_t stableSince = 0;  // the first observation of the current state, in a row
  int stablePolls = 0;      // observations of the current state in a row
  int delegationPolls = 0;  // observations of the current delegation and verdict in a row
  // Digests of the delegations reported (or confirmed when it began) during this episode, oldest
  // first, at most kMaxFlapDelegations.
  std::vector<std::string> reported;

  friend bool operator==(const FlapMemory&, const FlapMemory&) = default;
};

// What the monitor keeps between observations of one domain.
struct DomainMemory {
  std::optional<DomainState> confirmed;
  std::optional<DomainState> pending;
  int pendingCount = 0;
  std::map<std::string, ServerMemory> servers;  // "name address"
  std::optional<int64_t> expiringAlertedFor;    // the RRSIG expiration already warned about
  bool expectationViolated = false;
  int64_t lastChange = 0;
  int failures = 0;              // consecutive observations without data
  bool failingReported = false;  // observation_failing raised for the current run of failures
  // Events raised for this domain so far. An event's id is built from it and from the change,
  // never from the time of the observation: a round rolled back by a crash or a power loss and
  // observed again raises the same ids, so a receiver that already got them deduplicates them.
  uint64_t eventSeq = 0;
  FlapMemory flap;
  FindingMemories findings;  // finding_events.h

  friend bool operator==(const DomainMemory&, const DomainMemory&) = default;
};

// The parts of DomainMemory that have no column of their own, as JSON (servers, flags). `failures`
// has its column (DomainRow::failures) and is left out.
std::string auxiliaryToJson(const DomainMemory& memory);
void auxiliaryFromJson(const std::string& json, DomainMemory& memory);

struct DiffResult {
  std::vector<Event> events;
  DomainMemory memory;
  // This observation's state (with carried-over parts); none when it brought no data.
  std::optional<DomainState> observed;
  // Whether `observed` may become a new snapshot (when it differs from the latest one). False while
  // the domain is flapping: the latest snapshot's last_seen advances instead
  // (ObservationCommit::touchLatestSnapshot).
  bool storeSnapshot = true;
};

DiffResult diff(const DomainMemory& previous, const model::Observation& observation,
                const DetectOptions& options);

// When `threshold` or more domains changed operator in one round, one grouped event lists them
// (domain "*"), in addition to each domain's own operator_changed.
std::optional<Event> groupPortfolio(const std::vector<Event>& roundEvents, int64_t observedAt,
                                    size_t threshold = 2);

}  // namespace zonewatch::detect
