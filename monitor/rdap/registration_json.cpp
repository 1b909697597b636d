#include "monitor/rdap/registration_json.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "monitor/rdap/json_input.h"

namespace zonewatch::rdap {
namespace {

using detail::error;
using detail::Json;

// The event times, in the order of the form in the header.
struct TimeField {
  std::string_view key;
  std::optional<int64_t> Registration::*field;
};
constexpr std::array<TimeField, 5> kTimeFields = {{
    {"registered_at", &Registration::registeredAt},
    {"last_changed_at", &Registration::lastChangedAt},
    {"expires_at", &Registration::expiresAt},
    {"transferred_at", &Registration::transferredAt},
    {"database_updated_at", &Registration::databaseUpdatedAt},
}};

Json registrarJson(const std::optional<Registrar>& registrar) {
  if (!registrar) return nullptr;
  return {{"name", registrar->name},
          {"iana_id", registrar->ianaId ? Json(*registrar->ianaId) : Json(nullptr)},
          {"handle", registrar->handle}};
}

Result<std::string, RdapError> text(const Json& doc, std::string_view key) {
  const Json* value = detail::member(doc, key);
  if (value == nullptr || value->is_null()) return std::string();
  if (!value->is_string())
    return error(RdapErrorKind::kWrongShape, std::string(key) + ": not text");
  if (value->get_ref<const std::string&>().size() > kMaxTextLength) {
    return error(RdapErrorKind::kTooLarge, std::string(key) + ": too long");
  }
  return value->get<std::string>();
}

// A list of strings under `key`, at most `cap` of them; absent or null is empty.
Result<std::vector<std::string>, RdapError> texts(const Json& doc, std::string_view key,
                                                  size_t cap) {
  std::vector<std::string> out;
  const Json* list = detail::member(doc, key);
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_array())
    return error(RdapErrorKind::kWrongShape, std::string(key) + ": not a list");
  if (list->size() > cap) return error(RdapErrorKind::kTooLarge, std::string(key) + ": too many");
  for (const Json& item : *list) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > kMaxTextLength) {
      return error(RdapErrorKind::kWrongShape, std::string(key) + ": an item is not short text");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::optional<Registrar>, RdapError> registrarOf(const Json& doc) {
  const Json* r = detail::member(doc, "registrar");
  if (r == nullptr || r->is_null()) return std::optional<Registrar>();
  if (!r->is_object()) return error(RdapErrorKind::kWrongShape, "registrar: not an object");
  Registrar out;
  auto name = text(*r, "name");
  if (!name.ok()) return Unexpected{name.error()};
  auto handle = text(*r, "handle");
  if (!handle.ok()) return Unexpected{handle.error()};
  out.name = std::move(*name);
  out.handle = std::move(*handle);
  const Json* id = detail::member(*r, "iana_id");
  if (id != nullptr && !id->is_null()) {
    if (!id->is_number_unsigned() || id->get<uint64_t>() > UINT32_MAX) {
      return error(RdapErrorKind::kBadValue, "registrar.iana_id: not an IANA registrar id");
    }
    out.ianaId = id->get<uint32_t>();
  }
  return std::optional<Registrar>(std::move(out));
}

Status<RdapError> readTimes(const Json& doc, Registration& out) {
  for (const TimeField& f : kTimeFields) {
    const Json* value = detail::member(doc, f.key);
    if (value == nullptr || value->is_null()) continue;
    if (!value->is_number_integer()) {
      return error(RdapErrorKind::kBadValue, std::string(f.key) + ": not unix seconds");
    }
    out.*f.field = value->get<int64_t>();
  }
  return Ok{};
}

}  // namespace

std::string toJson(const Registration& registration) {
  Json statuses = Json::array();
  for (const StatusValue& s : registration.statuses) statuses.push_back(s.text);
  Json out = {{"ldh_name", registration.ldhName},
              {"unicode_name", registration.unicodeName},
              {"handle", registration.handle},
              {"status", std::move(statuses)},
              {"registrar", registrarJson(registration.registrar)},
              {"nameservers", registration.nameservers}};
  for (const TimeField& f : kTimeFields) {
    const std::optional<int64_t>& at = registration.*f.field;
    out[std::string(f.key)] = at ? Json(*at) : Json(nullptr);
  }
  // The texts came from a server: an invalid UTF-8 octet becomes U+FFFD rather than a throw.
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Registration, RdapError> registrationFromJson(std::string_view stored) {
  auto doc =
      detail::parseBounded(stored, kMaxResponseBytes, kMaxResponseDepth, "stored registration");
  if (!doc.ok()) return Unexpected{doc.error()};
  if (!doc->is_object()) return error(RdapErrorKind::kWrongShape, "not a JSON object");
  Registration out;
  auto ldh = text(*doc, "ldh_name");
  auto unicode = text(*doc, "unicode_name");
  auto handle = text(*doc, "handle");
  for (auto* field : {&ldh, &unicode, &handle}) {
    if (!field->ok()) return Unexpected{field->error()};
  }
  out.ldhName = std::move(*ldh);
  out.unicodeName = std::move(*unicode);
  out.handle = std::move(*handle);
  auto statuses = texts(*doc, "status", kMaxStatuses);
  if (!statuses.ok()) return Unexpected{statuses.error()};
  for (std::string& s : *statuses) out.statuses.push_back({statusCodeFromString(s), std::move(s)});
  std::sort(out.statuses.begin(), out.statuses.end());
  auto registrar = registrarOf(*doc);
  if (!registrar.ok()) return Unexpected{registrar.error()};
  out.registrar = std::move(*registrar);
  auto nameservers = texts(*doc, "nameservers", kMaxNameservers);
  if (!nameservers.ok()) return Unexpected{nameservers.error()};
  out.nameservers = std::move(*nameservers);
  if (auto times = readTimes(*doc, out); !times.ok()) return Unexpected{times.error()};
  return out;
}

}  // namespace zonewatch::rdap
