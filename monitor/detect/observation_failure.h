// When an observation of a domain failed: it brought no data about the domain. The one definition
// that the differ (no baseline, no confirmed state, no expectation verdict from it), the daemon
// (backoff, metrics, what the row keeps) and `zonewatch ack` share.
//
// An observation brings no data when
//   - the delegation walk failed (Observation::error: no root or parent server answered, the name
//     does not exist or is not delegated, the observation did not complete), or
//   - no address of the domain's servers gave an authoritative NOERROR answer without an error of
//     its own: the same test by which monitor/detect/findings.cpp raises `all_servers_unreachable`
//     (none of them "authoritative"), including a delegation with no server address at all.
// A partial failure, where some server answered authoritatively, is an observation with data: the
// parts nobody could see are carried over from the previous state (domain_state.h).
//
// One exception keeps an attack visible: when no server answered but the parent's delegation now
// names other operators than the confirmed state (the NS moved to servers that do not answer, as a
// registrar-level takeover or sabotage does), the parent's answer is the data that matters, and
// the observation is diffed as usual (operator_changed, after confirm_polls).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "monitor/detect/domain_state.h"
#include "monitor/model/observation.h"

namespace zonewatch::detect {

enum class ObservationFailure : uint8_t {
  kWalkFailed,             // Observation::error is set
  kNoAuthoritativeAnswer,  // the walk succeeded, no server of the domain answered usably
};

// Why `observation` brought no data, or nullopt when it brought some.
// `confirmed` is the domain's confirmed state, when it has one.
std::optional<ObservationFailure> observationFailure(const model::Observation& observation,
                                                     const DomainState* confirmed = nullptr);

// "walk_failed" / "no_authoritative_answer": stable, the `reason` label of
// zonewatch_observation_failures_total.
std::string_view toString(ObservationFailure failure);

// One line saying why the observation failed, for logs and the observation_failing event: the
// walk's error, or how many server addresses were asked and none answered.
std::string failureText(const model::Observation& observation);

}  // namespace zonewatch::detect
