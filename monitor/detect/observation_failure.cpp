#include "monitor/detect/observation_failure.h"

#include <algorithm>

#include "monitor/dns/types.h"

namespace zonewatch::detect {

namespace {

// As `authoritative` in monitor/detect/findings.cpp: an authoritative NOERROR answer and no failed
// question (ServerView::error is set when any apex question failed, AA missing included).
bool answeredAuthoritatively(const model::ServerView& s) {
  return !s.error && s.aa && s.rcode == static_cast<uint16_t>(dns::Rcode::NoError);
}

}  // namespace

std::optional<ObservationFailure> observationFailure(const model::Observation& obs,
                                                     const DomainState* confirmed) {
  if (obs.error) return ObservationFailure::kWalkFailed;
  if (std::any_of(obs.servers.begin(), obs.servers.end(), answeredAuthoritatively)) {
    return std::nullopt;
  }
  // See the header: a delegation moved to silent servers is a change, not a failure.
  const bool moved = confirmed != nullptr && !obs.parent.ns.empty() && !obs.operators.empty() &&
                     obs.operators != confirmed->operators;
  if (moved) return std::nullopt;
  return ObservationFailure::kNoAuthoritativeAnswer;
}

std::string_view toString(ObservationFailure failure) {
  switch (failure) {
    case ObservationFailure::kWalkFailed:
      return "walk_failed";
    case ObservationFailure::kNoAuthoritativeAnswer:
      return "no_authoritative_answer";
  }
  return "walk_failed";
}

std::string failureText(const model::Observation& obs) {
  if (obs.error) return *obs.error;
  if (obs.servers.empty()) return "no address was found for any name server of " + obs.domain;
  return "none of the " + std::to_string(obs.servers.size()) + " server addresses of " +
         obs.domain + " answered authoritatively";
}

}  // namespace zonewatch::detect
