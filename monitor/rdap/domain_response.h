// An RDAP domain object (RFC 9083 §5.3) reduced to the registration facts zonewatch watches: the
// status codes (and the locks among them), the sponsoring registrar, the registry's name servers
// and the life-cycle events. Also the RFC 9083 §6 error object a server sends with a 404 or 429.
// Owns the reading of response bodies only: no HTTP, no storage. The text arrives from a server
// zonewatch does not control, so every size is capped (kMax* below), every member's type checked,
// and whatever is wrong comes back as an RdapError, never an exception.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/rdap/rdap_error.h"
#include "monitor/util/result.h"

namespace zonewatch::rdap {

// Caps on a response. A registry's domain object is a few KB; registrars add contacts, remarks and
// notices, rarely beyond 50 KB. EPP registries allow 13 name servers per domain at most (most
// registries' policy, RFC 5731 sets no limit), and a domain has a handful of statuses and events.
inline constexpr size_t kMaxResponseBytes = 1024 * 1024;
inline constexpr size_t kMaxResponseDepth = 32;  // real ones nest about 8 deep (vCard addresses)
inline constexpr size_t kMaxStatuses = 64;       // RFC 8056 and RFC 9083 §10.2.2 define 34
inline constexpr size_t kMaxNameservers = 64;
inline constexpr size_t kMaxEvents = 64;
inline constexpr size_t kMaxEntities = 64;  // the domain's own entities: registrar, contacts
inline constexpr size_t kMaxVcardProperties = 256;
inline constexpr size_t kMaxPublicIds = 16;
inline constexpr size_t kMaxRoles = 16;
inline constexpr size_t kMaxTextLength = 1024;  // a registrar's name, a status text, a title

// RFC 9083 §10.2.2 (the "status" values of the RDAP JSON Values registry) and RFC 8056 §2 (the
// EPP statuses mapped to RDAP). Names are matched case-insensitively, with spaces ignored, so that
// "client transfer prohibited" and EPP's "clientTransferProhibited" are the same code.
enum class StatusCode : uint8_t {
  kValidated,
  kRenewProhibited,
  kUpdateProhibited,
  kTransferProhibited,
  kDeleteProhibited,
  kProxy,
  kPrivate,
  kRemoved,
  kObscured,
  kAssociated,
  kActive,
  kInactive,
  kLocked,
  kPendingCreate,
  kPendingRenew,
  kPendingTransfer,
  kPendingUpdate,
  kPendingDelete,
  kAddPeriod,
  kAutoRenewPeriod,
  kClientDeleteProhibited,
  kClientHold,
  kClientRenewProhibited,
  kClientTransferProhibited,
  kClientUpdateProhibited,
  kPendingRestore,
  kRedemptionPeriod,
  kRenewPeriod,
  kServerDeleteProhibited,
  kServerRenewProhibited,
  kServerTransferProhibited,
  kServerUpdateProhibited,
  kServerHold,
  kTransferPeriod,
  kUnknown,  // any other value: its text is kept in StatusValue::text
};

// The registered value, e.g. "client transfer prohibited"; "unknown" for kUnknown.
std::string_view toString(StatusCode code);
// The code of a status value as a server spells it, kUnknown when unregistered.
StatusCode statusCodeFromString(std::string_view text);

struct StatusValue {
  StatusCode code = StatusCode::kUnknown;
  std::string text;  // the registered name, or the server's own (lowercased) text for kUnknown
  auto operator<=>(const StatusValue&) const = default;
};

// The locks a registrar (client) or registry (server) sets on a domain: what they forbid.
enum class LockAction : uint8_t { kTransfer, kUpdate, kDelete };
// kEither: RFC 9083's "transfer prohibited" etc., which do not say who set the lock.
enum class LockParty : uint8_t { kClient, kServer, kEither };

// Every action and every party, in the order lists of locks are shown.
inline constexpr std::array<LockAction, 3> kLockActions = {
    LockAction::kTransfer, LockAction::kUpdate, LockAction::kDelete};
inline constexpr std::array<LockParty, 3> kLockParties = {LockParty::kClient, LockParty::kServer,
                                                          LockParty::kEither};
// The words of the status codes (RFC 8056 §2): "transfer", "update", "delete"; "client",
// "server", and "either" for the plain codes. Stable across builds, unlike the enum values.
std::string_view toString(LockAction action);
std::string_view toString(LockParty party);

struct Lock {
  LockAction action = LockAction::kTransfer;
  LockParty party = LockParty::kClient;
  auto operator<=>(const Lock&) const = default;
};

// The lock a status code sets, if it is one (client/server/plain transfer, update, delete
// prohibited).
std::optional<Lock> lockOf(StatusCode code);
// "client transfer lock", "server update lock", "transfer lock".
std::string describe(const Lock& lock);

struct Registrar {
  std::string name;                // vCard "fn" (RFC 6350 §6.2.1) of the registrar entity
  std::optional<uint32_t> ianaId;  // publicIds type "IANA Registrar ID" (RFC 9083 §4.8)
  std::string handle;
  bool operator==(const Registrar&) const = default;
};

struct Registration {
  std::string ldhName;      // lowercase FQDN with trailing dot, "example.com."
  std::string unicodeName;  // as sent, may be empty
  std::string handle;
  std::vector<StatusValue> statuses;     // sorted, without duplicates
  std::optional<Registrar> registrar;    // the entity with role "registrar"
  std::vector<std::string> nameservers;  // lowercase FQDNs with trailing dot, sorted, unique
  // Events (RFC 9083 §4.5, actions of §10.2.3), unix seconds; the latest when one repeats.
  std::optional<int64_t> registeredAt;       // "registration"
  std::optional<int64_t> lastChangedAt;      // "last changed"
  std::optional<int64_t> expiresAt;          // "expiration"
  std::optional<int64_t> transferredAt;      // "transfer"
  std::optional<int64_t> databaseUpdatedAt;  // "last update of RDAP database"

  std::vector<Lock> locks() const;  // sorted
  bool has(StatusCode code) const;
  bool operator==(const Registration&) const = default;
};

// RFC 9083 §6: {"errorCode": 404, "title": "...", "description": ["..."]}.
struct ErrorResponse {
  int errorCode = 0;
  std::string title;
  std::vector<std::string> description;
};

// Reads a domain object. An error object in its place is kErrorResponse (with its errorCode), a
// body whose objectClassName is not "domain" (RFC 9083 §4.7) is kWrongShape.
Result<Registration, RdapError> parseDomain(std::string_view body);

// Reads an error object (the body of a 4xx/5xx answer); kWrongShape when it has no errorCode.
Result<ErrorResponse, RdapError> parseErrorResponse(std::string_view body);

}  // namespace zonewatch::rdap
