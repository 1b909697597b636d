// DomainState: the part of an observation that identifies a delegation's state — who operates it,
// what the parent publishes, which keys the zone serves, whether it validates. Two observations
// with equal DomainStates are "unchanged": no snapshot row, no change event.
//
// Deliberately left out: SOA serials and signature expirations (they change with every re-sign),
// round-trip times, and per-server reachability (tracked separately, so that a timeout is an
// unreachable server and never an empty NS set). Its canonical JSON (sorted, compact) is what the
// store compares and keeps.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "monitor/model/observation.h"
#include "monitor/util/result.h"

namespace zonewatch::detect {

struct DomainState {
  // The validator's verdict; indeterminate for lack of data is carried over (see below).
  model::SecurityState status = model::SecurityState::kIndeterminate;
  model::SecurityReason reason = model::SecurityReason::kMissingData;
  std::vector<std::string> operators;
  std::vector<std::string> parentNs;
  std::vector<model::Glue> glue;
  // The in-domain NS hosts whose glue differs from the addresses the domain's own servers serve
  // for them (detect::compareGlue), sorted. Stored only when not empty, so that the states kept
  // before it existed still compare equal.
  std::vector<std::string> glueMismatch;
  std::vector<model::DsInfo> ds;
  std::string denial;  // how the parent proves "no DS": nsec, nsec3, nsec3-opt-out, none, ""
  std::vector<model::KeyInfo> dnskey;  // union over the servers that answered
  std::vector<model::DsInfo> cds;
  std::vector<model::KeyInfo> cdnskey;
  bool cdsDelete = false;     // RFC 8078 §4 delete request published
  bool inconsistent = false;  // authoritative servers disagree (NS, DNSKEY or SOA-less answers)
  // The parent's servers publish different delegations (NS, glue, DS or its denial): one is stale
  // or one lies. Stored only when set, so that states kept before it existed compare equal.
  bool parentsDisagree = false;
  // An answering server's apex NS set differs from the parent's delegation (RFC 1034 §4.2.2: the
  // two should be the same). Stored only when set, likewise.
  bool nsMismatch = false;
  // The CDS/CDNSKEY records describe keys the zone does not serve (CdsCheck::describesOtherKeys)
  // or differ between the servers that answered for them: a parent scanning them (RFC 7344 §4.1,
  // RFC 8078 §3) could install the wrong DS. Stored only when set, likewise.
  bool cdsInconsistent = false;

  friend bool operator==(const DomainState&, const DomainState&) = default;
};

// Builds the state from an observation. Where the observation could not see a part (parent or
// every child server unreachable, validation indeterminate for lack of data), that part is carried
// over from `previous`, so transient failures never look like changes.
DomainState stateFromObservation(const model::Observation& observation,
                                 const DomainState* previous);

// True for the state an observation without data yields when nothing is carried over: no NS at
// the parent, no operator, no key, validation indeterminate. Before observation_failure.h such a
// state could become a domain's baseline; readers of stored states (the daemon, `zonewatch ack`)
// take it for none.
bool fromObservationWithoutData(const DomainState& state);

// RFC 7344 §4: the CDS the servers publish (or, without CDS, the CDNSKEY) differs from the
// parent's DS, which asks the parent to change it (a KSK rollover in progress, or a first DS for an
// unsigned delegation, RFC 8078 §3). With CDNSKEY alone, key tag and algorithm are compared: the
// parent picks the digest type. A delete request is not pending (cds_delete says it). The one
// definition of `check`'s cds_pending finding and the daemon's cds_pending event.
bool cdsPending(const DomainState& state);

std::string toJson(const DomainState& state);
Result<DomainState> domainStateFromJson(const std::string& json);

}  // namespace zonewatch::detect
