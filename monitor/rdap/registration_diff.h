// The judgement of registration data: what changed between two RDAP observations of one domain,
// whether its registration is about to expire, whether the registry's name servers disagree with
// the delegation the DNS shows, and whether a change at the registrar was followed by a change of
// operator in the DNS (the order the 2019 hijacking campaigns left in the logs: issue 16).
// Owns typed results only; registration_events.h turns them into model::Event at the edge.
// Pure code: no I/O, no clock (every "now" is an argument), and the memory each judgement needs
// between observations is a small value the caller stores and passes back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "monitor/model/severity.h"
#include "monitor/rdap/domain_response.h"

namespace zonewatch::rdap {

// --- changes between two observations
// -------------------------------------------------------------

// The sponsoring registrar is another one (by IANA id when both sides have one, else by name).
struct RegistrarChanged {
  Registrar before;
  Registrar after;
  bool operator==(const RegistrarChanged&) const = default;
};
struct LockRemoved {
  Lock lock;
  bool operator==(const LockRemoved&) const = default;
};
struct LockAdded {
  Lock lock;
  bool operator==(const LockAdded&) const = default;
};
// The registry's NS set for the domain (its name-server objects, RFC 9083 §5.2) changed.
struct RegistryNameserversChanged {
  std::vector<std::string> before;
  std::vector<std::string> after;
  bool operator==(const RegistryNameserversChanged&) const = default;
};

using RegistrationChange =
    std::variant<RegistrarChanged, LockRemoved, LockAdded, RegistryNameserversChanged>;

// `after` with each part its server did not say taken from `before`: no status value at all, no
// name server, no registrar entity, no expiration event. RFC 9083 makes each of them optional and
// servers leave them out or redact them (less for a rate-limited or anonymous client, RFC 9083
// §10.2.2 "redacted"); an absent part says nothing. Read as "none", one answer without `status`
// would be every lock removed: a critical lock_removed for a domain that did not change.
Registration withUnknownPartsKept(const Registration& before, Registration after);

// What changed from `before` to `after`: the registrar, then each lock removed, each lock added,
// then the name servers. A side without a registrar entity is not a change of registrar (a server
// that redacts or omits it says nothing about who sponsors the domain).
std::vector<RegistrationChange> diffRegistrations(const Registration& before,
                                                  const Registration& after);

// --- expiration
// ------------------------------------------------------------------------------------

struct ExpiryOptions {
  int64_t warningSeconds = 30 * 86400;  // warning when the registration expires within this
  int64_t criticalSeconds = 7 * 86400;  // critical within this
};

struct RegistrationExpiring {
  int64_t expiresAt = 0;
  int64_t secondsLeft = 0;  // negative once expired
  model::Severity severity = model::Severity::kWarning;
  bool operator==(const RegistrationExpiring&) const = default;
};

// What was last reported for a domain's expiration, so that it is reported once per expiration
// date and level (warning, then critical), not at every poll.
struct ExpiryMemory {
  std::optional<int64_t> reportedFor;  // the expiresAt reported
  model::Severity reportedLevel = model::Severity::kInfo;
  bool operator==(const ExpiryMemory&) const = default;
};

struct ExpiryStep {
  ExpiryMemory memory;
  std::optional<RegistrationExpiring> expiring;  // set when it is to be reported now
};

// Whether `registration` expires within the thresholds at `now`, and whether that is news: a new
// expiration date (a renewal that is still close) or a worse level. No expiration event: nothing.
ExpiryStep stepExpiry(const ExpiryMemory& memory, const Registration& registration, int64_t now,
                      const ExpiryOptions& options);

// --- registry versus DNS
// ---------------------------------------------------------------------------

// A mismatch being timed: since when the two NS sets have differed, and whether it was reported.
struct MismatchMemory {
  std::optional<int64_t> since;
  bool raised = false;
  bool operator==(const MismatchMemory&) const = default;
};

struct RegistryDnsMismatch {
  std::vector<std::string> registryNs;
  std::vector<std::string> dnsNs;
  int64_t since = 0;
  bool operator==(const RegistryDnsMismatch&) const = default;
};

enum class MismatchTransition : uint8_t { kNone, kRaised, kCleared };

struct MismatchStep {
  MismatchMemory memory;
  MismatchTransition transition = MismatchTransition::kNone;
  std::optional<RegistryDnsMismatch> raised;  // set with kRaised
};

// Feeds one comparison at `now` of the registry's NS set with the parent's NS set seen in the DNS
// (both FQDNs, any case or order). A difference that lasts `graceSeconds` is raised once (a
// registrar's update reaches the zone after the registry's next publication, minutes to hours);
// agreement clears it. Either set empty means "not known" (a registry that publishes no name
// servers, an observation without data) and leaves the memory as it is.
MismatchStep stepMismatch(const MismatchMemory& memory, int64_t now,
                          const std::vector<std::string>& registryNs,
                          const std::vector<std::string>& dnsNs, int64_t graceSeconds);

// --- correlation with the DNS
// ---------------------------------------------------------------------

// A registration change that prepares a hijack: a lock removed or the registrar changed.
struct RegistrationSignal {
  int64_t at = 0;  // when the RDAP observation that saw it was made
  std::variant<LockRemoved, RegistrarChanged> change;
  bool operator==(const RegistrationSignal&) const = default;
};

// The signals of the last `window` seconds, oldest first. A domain whose locks flap cannot grow it
// beyond kMaxSignals: the oldest are dropped.
inline constexpr size_t kMaxSignals = 16;
struct CorrelationMemory {
  std::vector<RegistrationSignal> signals;
  bool operator==(const CorrelationMemory&) const = default;
};

// Adds the lock removals and registrar changes among `changes` (observed at `at`) and forgets the
// signals older than `windowSeconds` before `at`.
CorrelationMemory rememberSignals(const CorrelationMemory& memory,
                                  const std::vector<RegistrationChange>& changes, int64_t at,
                                  int64_t windowSeconds);

struct HijackSuspicion {
  std::vector<RegistrationSignal> steps;  // the signals that preceded, oldest first
  int64_t operatorChangedAt = 0;
  std::vector<std::string> fromOperators;
  std::vector<std::string> toOperators;
  // "client transfer lock removed at T1, then operator changed from X to Y at T2"
  std::string text() const;
};

// The correlation rule of issue 16: a lock removal or registrar change at most `windowSeconds`
// before an operator change (at `at`, from → to, as the differ reported it) is a hijack suspicion.
std::optional<HijackSuspicion> correlateOperatorChange(
    const CorrelationMemory& memory, int64_t at, const std::vector<std::string>& fromOperators,
    const std::vector<std::string>& toOperators, int64_t windowSeconds);

// "client transfer lock removed", "registrar changed from A (IANA 1) to B (IANA 2)".
std::string describe(const RegistrationSignal& signal);
std::string describe(const Registrar& registrar);

}  // namespace zonewatch::rdap
