#include "monitor/rdap/domain_response.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "monitor/rdap/bootstrap.h"
#include "monitor/rdap/json_input.h"
#include "monitor/util/rfc3339.h"

namespace zonewatch::rdap {
namespace {

using detail::error;
using detail::Json;

struct StatusName {
  StatusCode code;
  std::string_view name;
};

// In the order of StatusCode.
constexpr std::array<StatusName, 34> kStatusNames = {{
    {StatusCode::kValidated, "validated"},
    {StatusCode::kRenewProhibited, "renew prohibited"},
    {StatusCode::kUpdateProhibited, "update prohibited"},
    {StatusCode::kTransferProhibited, "transfer prohibited"},
    {StatusCode::kDeleteProhibited, "delete prohibited"},
    {StatusCode::kProxy, "proxy"},
    {StatusCode::kPrivate, "private"},
    {StatusCode::kRemoved, "removed"},
    {StatusCode::kObscured, "obscured"},
    {StatusCode::kAssociated, "associated"},
    {StatusCode::kActive, "active"},
    {StatusCode::kInactive, "inactive"},
    {StatusCode::kLocked, "locked"},
    {StatusCode::kPendingCreate, "pending create"},
    {StatusCode::kPendingRenew, "pending renew"},
    {StatusCode::kPendingTransfer, "pending transfer"},
    {StatusCode::kPendingUpdate, "pending update"},
    {StatusCode::kPendingDelete, "pending delete"},
    {StatusCode::kAddPeriod, "add period"},
    {StatusCode::kAutoRenewPeriod, "auto renew period"},
    {StatusCode::kClientDeleteProhibited, "client delete prohibited"},
    {StatusCode::kClientHold, "client hold"},
    {StatusCode::kClientRenewProhibited, "client renew prohibited"},
    {StatusCode::kClientTransferProhibited, "client transfer prohibited"},
    {StatusCode::kClientUpdateProhibited, "client update prohibited"},
    {StatusCode::kPendingRestore, "pending restore"},
    {StatusCode::kRedemptionPeriod, "redemption period"},
    {StatusCode::kRenewPeriod, "renew period"},
    {StatusCode::kServerDeleteProhibited, "server delete prohibited"},
    {StatusCode::kServerRenewProhibited, "server renew prohibited"},
    {StatusCode::kServerTransferProhibited, "server transfer prohibited"},
    {StatusCode::kServerUpdateProhibited, "server update prohibited"},
    {StatusCode::kServerHold, "server hold"},
    {StatusCode::kTransferPeriod, "transfer period"},
}};

constexpr bool tableInOrder() {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (static_cast<size_t>(kStatusNames[i].code) != i) return false;
  }
  return kStatusNames.size() == static_cast<size_t>(StatusCode::kUnknown);
}
static_assert(tableInOrder(), "kStatusNames must list every StatusCode but kUnknown, in order");

// Lowercase without spaces: "Client Transfer Prohibited" and "clientTransferProhibited" agree.
std::string squeezed(std::string_view text) {
  std::string out;
  for (const char c : detail::asciiLower(text)) {
    if (c != ' ') out += c;
  }
  return out;
}

Unexpected<RdapError> tooMany(std::string_view what, size_t count, size_t cap) {
  return error(RdapErrorKind::kTooLarge, std::string(what) + " has " + std::to_string(count) +
                                             " items, more than the " + std::to_string(cap) +
                                             " accepted");
}

// The array member `key` (an absent member is an empty array), capped at `cap` items.
Result<const Json*, RdapError> arrayMember(const Json& object, std::string_view key, size_t cap) {
  static const Json kEmpty = Json::array();
  const Json* value = detail::member(object, key);
  if (value == nullptr) return &kEmpty;
  if (!value->is_array()) {
    return error(RdapErrorKind::kWrongShape, "\"" + std::string(key) + "\" is not an array");
  }
  if (value->size() > cap) return tooMany(key, value->size(), cap);
  return value;
}

Result<std::string, RdapError> boundedText(const Json& value, std::string_view what) {
  if (!value.is_string()) {
    return error(RdapErrorKind::kWrongShape, std::string(what) + " is not a string");
  }
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > kMaxTextLength) {
    return error(RdapErrorKind::kTooLarge, std::string(what) + " is longer than " +
                                               std::to_string(kMaxTextLength) + " characters");
  }
  return text;
}

Result<std::vector<StatusValue>, RdapError> readStatuses(const Json& doc) {
  auto array = arrayMember(doc, "status", kMaxStatuses);
  if (!array) return Unexpected{array.error()};
  std::vector<StatusValue> out;
  for (const Json& item : **array) {  // capped by arrayMember
    auto text = boundedText(item, "a status value");
    if (!text) return Unexpected{text.error()};
    const StatusCode code = statusCodeFromString(*text);
    out.push_back({code, code == StatusCode::kUnknown ? detail::asciiLower(*text)
                                                      : std::string(toString(code))});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// RFC 9083 §5.2: each name server object carries its name in "ldhName".
Result<std::vector<std::string>, RdapError> readNameservers(const Json& doc) {
  auto array = arrayMember(doc, "nameservers", kMaxNameservers);
  if (!array) return Unexpected{array.error()};
  std::vector<std::string> out;
  for (const Json& item : **array) {  // capped by arrayMember
    const Json* ldh = detail::member(item, "ldhName");
    if (ldh == nullptr) return error(RdapErrorKind::kWrongShape, "a name server has no ldhName");
    auto text = boundedText(*ldh, "a name server's ldhName");
    if (!text) return Unexpected{text.error()};
    auto name = rdapDomainName(*text);
    if (!name) return Unexpected{name.error()};
    out.push_back(*name + ".");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void keepLatest(std::optional<int64_t>& slot, int64_t when) {
  if (!slot || when > *slot) slot = when;
}

// RFC 9083 §4.5 events; the actions of §10.2.3 that zonewatch keeps, others skipped.
zonewatch::Status<RdapError> readEvents(const Json& doc, Registration& out) {
  auto array = arrayMember(doc, "events", kMaxEvents);
  if (!array) return Unexpected{array.error()};
  for (const Json& event : **array) {  // capped by arrayMember
    const auto action = detail::stringMember(event, "eventAction");
    const auto date = detail::stringMember(event, "eventDate");
    if (!action || !date) {
      return error(RdapErrorKind::kWrongShape, "an event lacks eventAction or eventDate");
    }
    auto when = parseRfc3339(*date);
    if (!when)
      return error(RdapErrorKind::kBadValue, "event \"" + *action + "\": " + when.error().message);
    const std::string name = detail::asciiLower(*action);
    if (name == "registration") keepLatest(out.registeredAt, *when);
    if (name == "last changed") keepLatest(out.lastChangedAt, *when);
    if (name == "expiration") keepLatest(out.expiresAt, *when);
    if (name == "transfer") keepLatest(out.transferredAt, *when);
    if (name == "last update of rdap database") keepLatest(out.databaseUpdatedAt, *when);
  }
  return Ok{};
}

// jCard (RFC 7095 §3.3): ["vcard", [[name, params, type, value], ...]]; the value of "fn".
std::string vcardName(const Json& entity) {
  const Json* vcard = detail::member(entity, "vcardArray");
  if (vcard == nullptr || !vcard->is_array() || vcard->size() < 2 || !(*vcard)[1].is_array()) {
    return "";
  }
  const Json& properties = (*vcard)[1];
  const size_t count = std::min(properties.size(), kMaxVcardProperties);
  for (size_t i = 0; i < count; ++i) {
    const Json& p = properties[i];
    if (p.is_array() && p.size() >= 4 && p[0].is_string() && p[3].is_string() &&
        detail::asciiLower(p[0].get_ref<const std::string&>()) == "fn") {
      return p[3].get_ref<const std::string&>().substr(0, kMaxTextLength);
    }
  }
  return "";
}

// RFC 9083 §4.8 publicIds; gTLD registries publish the registrar's IANA id there (RFC 9083 §5.1
// gives no type names; "IANA Registrar ID" is the gTLD RDAP Response Profile's).
std::optional<uint32_t> ianaRegistrarId(const Json& entity) {
  const Json* ids = detail::member(entity, "publicIds");
  if (ids == nullptr || !ids->is_array()) return std::nullopt;
  const size_t count = std::min(ids->size(), kMaxPublicIds);
  for (size_t i = 0; i < count; ++i) {
    const auto type = detail::stringMember((*ids)[i], "type");
    const auto id = detail::stringMember((*ids)[i], "identifier");
    if (!type || !id || detail::asciiLower(*type) != "iana registrar id") continue;
    uint32_t value = 0;
    const char* end = id->data() + id->size();
    if (auto [ptr, ec] = std::from_chars(id->data(), end, value); ec == std::errc() && ptr == end) {
      return value;
    }
  }
  return std::nullopt;
}

bool hasRole(const Json& entity, std::string_view role) {
  const Json* roles = detail::member(entity, "roles");
  if (roles == nullptr || !roles->is_array()) return false;
  const size_t count = std::min(roles->size(), kMaxRoles);
  for (size_t i = 0; i < count; ++i) {
    const Json& r = (*roles)[i];
    if (r.is_string() && detail::asciiLower(r.get_ref<const std::string&>()) == role) return true;
  }
  return false;
}

// The sponsoring registrar: the domain's own entity with role "registrar" (RFC 9083 §10.2.4).
Result<std::optional<Registrar>, RdapError> readRegistrar(const Json& doc) {
  auto array = arrayMember(doc, "entities", kMaxEntities);
  if (!array) return Unexpected{array.error()};
  for (const Json& entity : **array) {  // capped by arrayMember
    if (!entity.is_object() || !hasRole(entity, "registrar")) continue;
    Registrar r;
    r.name = vcardName(entity);
    r.ianaId = ianaRegistrarId(entity);
    r.handle = detail::stringMember(entity, "handle").value_or("").substr(0, kMaxTextLength);
    return std::optional<Registrar>(std::move(r));
  }
  return std::optional<Registrar>();
}

zonewatch::Status<RdapError> readIdentity(const Json& doc, Registration& out) {
  const auto objectClass = detail::stringMember(doc, "objectClassName");
  if (!objectClass || detail::asciiLower(*objectClass) != "domain") {
    return error(RdapErrorKind::kWrongShape,
                 "the response is not a domain object (objectClassName " +
                     objectClass.value_or("missing") + ")");
  }
  const Json* ldh = detail::member(doc, "ldhName");
  if (ldh == nullptr) return error(RdapErrorKind::kWrongShape, "the domain object has no ldhName");
  auto text = boundedText(*ldh, "ldhName");
  if (!text) return Unexpected{text.error()};
  auto name = rdapDomainName(*text);
  if (!name) return Unexpected{name.error()};
  out.ldhName = *name + ".";
  out.unicodeName = detail::stringMember(doc, "unicodeName").value_or("").substr(0, kMaxTextLength);
  out.handle = detail::stringMember(doc, "handle").value_or("").substr(0, kMaxTextLength);
  return Ok{};
}

ErrorResponse readErrorObject(const Json& doc) {
  ErrorResponse out;
  const Json* code = detail::member(doc, "errorCode");
  if (code != nullptr && code->is_number_integer()) {
    const auto value = code->get<int64_t>();
    out.errorCode = value >= 0 && value <= 999 ? static_cast<int>(value) : 0;
  }
  out.title = detail::stringMember(doc, "title").value_or("").substr(0, kMaxTextLength);
  const Json* description = detail::member(doc, "description");
  if (description != nullptr && description->is_array()) {
    const size_t count = std::min(description->size(), kMaxStatuses);
    for (size_t i = 0; i < count; ++i) {
      if ((*description)[i].is_string()) {
        out.description.push_back(
            (*description)[i].get_ref<const std::string&>().substr(0, kMaxTextLength));
      }
    }
  }
  return out;
}

Result<Registration, RdapError> readDomain(const Json& doc) {
  if (detail::member(doc, "errorCode") != nullptr &&
      detail::member(doc, "objectClassName") == nullptr) {
    const ErrorResponse e = readErrorObject(doc);
    return Unexpected{RdapError{RdapErrorKind::kErrorResponse,
                                "the server answered with error " + std::to_string(e.errorCode) +
                                    (e.title.empty() ? "" : " (" + e.title + ")"),
                                e.errorCode}};
  }
  Registration out;
  if (auto ok = readIdentity(doc, out); !ok) return Unexpected{ok.error()};
  auto statuses = readStatuses(doc);
  if (!statuses) return Unexpected{statuses.error()};
  out.statuses = std::move(*statuses);
  auto nameservers = readNameservers(doc);
  if (!nameservers) return Unexpected{nameservers.error()};
  out.nameservers = std::move(*nameservers);
  auto registrar = readRegistrar(doc);
  if (!registrar) return Unexpected{registrar.error()};
  out.registrar = std::move(*registrar);
  if (auto ok = readEvents(doc, out); !ok) return Unexpected{ok.error()};
  return out;
}

}  // namespace

std::string_view toString(StatusCode code) {
  const auto i = static_cast<size_t>(code);
  return i < kStatusNames.size() ? kStatusNames[i].name : "unknown";
}

StatusCode statusCodeFromString(std::string_view text) {
  const std::string key = squeezed(text);
  for (const StatusName& row : kStatusNames) {
    if (squeezed(row.name) == key) return row.code;
  }
  return StatusCode::kUnknown;
}

std::optional<Lock> lockOf(StatusCode code) {
  switch (code) {
    case StatusCode::kClientTransferProhibited:
      return Lock{LockAction::kTransfer, LockParty::kClient};
    case StatusCode::kClientUpdateProhibited:
      return Lock{LockAction::kUpdate, LockParty::kClient};
    case StatusCode::kClientDeleteProhibited:
      return Lock{LockAction::kDelete, LockParty::kClient};
    case StatusCode::kServerTransferProhibited:
      return Lock{LockAction::kTransfer, LockParty::kServer};
    case StatusCode::kServerUpdateProhibited:
      return Lock{LockAction::kUpdate, LockParty::kServer};
    case StatusCode::kServerDeleteProhibited:
      return Lock{LockAction::kDelete, LockParty::kServer};
    case StatusCode::kTransferProhibited:
      return Lock{LockAction::kTransfer, LockParty::kEither};
    case StatusCode::kUpdateProhibited:
      return Lock{LockAction::kUpdate, LockParty::kEither};
    case StatusCode::kDeleteProhibited:
      return Lock{LockAction::kDelete, LockParty::kEither};
    default:
      return std::nullopt;
  }
}

std::string_view toString(LockAction action) {
  switch (action) {
    case LockAction::kTransfer:
      return "transfer";
    case LockAction::kUpdate:
      return "update";
    case LockAction::kDelete:
      return "delete";
  }
  return "";
}

std::string_view toString(LockParty party) {
  switch (party) {
    case LockParty::kClient:
      return "client";
    case LockParty::kServer:
      return "server";
    case LockParty::kEither:
      return "either";
  }
  return "";
}

std::string describe(const Lock& lock) {
  const std::string party =
      lock.party == LockParty::kEither ? "" : std::string(toString(lock.party)) + " ";
  return party + std::string(toString(lock.action)) + " lock";
}

std::vector<Lock> Registration::locks() const {
  std::vector<Lock> out;
  for (const StatusValue& s : statuses) {
    if (auto lock = lockOf(s.code)) out.push_back(*lock);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Registration::has(StatusCode code) const {
  return std::any_of(statuses.begin(), statuses.end(),
                     [code](const StatusValue& s) { return s.code == code; });
}

Result<Registration, RdapError> parseDomain(std::string_view body) {
  auto doc = detail::parseBounded(body, kMaxResponseBytes, kMaxResponseDepth, "RDAP response");
  if (!doc) return Unexpected{doc.error()};
  // Belt and braces: every access above checks types, but nothing may escape the module.
  try {
    return readDomain(*doc);
  } catch (const std::exception& e) {
    return error(RdapErrorKind::kWrongShape, std::string("unexpected response: ") + e.what());
  }
}

Result<ErrorResponse, RdapError> parseErrorResponse(std::string_view body) {
  auto doc = detail::parseBounded(body, kMaxResponseBytes, kMaxResponseDepth, "RDAP error body");
  if (!doc) return Unexpected{doc.error()};
  const Json* code = detail::member(*doc, "errorCode");
  if (code == nullptr || !code->is_number_integer()) {
    return error(RdapErrorKind::kWrongShape, "the error body has no numeric errorCode");
  }
  return readErrorObject(*doc);
}

}  // namespace zonewatch::rdap
