// The edge between the RDAP judgement (registration_diff.h) and the rest of zonewatch: each typed
// result becomes one model::Event, with its kind and severity from the model's table, a one-line
// summary and the before/after JSON that storage keeps and the webhooks deliver. Owns the texts
// and JSON of the registration events; nothing else names them.
#pragma once

#include <cstdint>
#include <string_view>

#include "monitor/model/event.h"
#include "monitor/rdap/registration_diff.h"

namespace zonewatch::rdap {

// registrar_changed, lock_removed (critical for a server lock, which only the registry can lift,
// warning otherwise), lock_added or registry_nameservers_changed.
model::Event toEvent(std::string_view domain, int64_t observedAt, const RegistrationChange& change);
// registration_expiring, with the severity of its level.
model::Event toEvent(std::string_view domain, int64_t observedAt,
                     const RegistrationExpiring& expiring);
// registry_dns_mismatch.
model::Event toEvent(std::string_view domain, int64_t observedAt,
                     const RegistryDnsMismatch& mismatch);
// hijack_suspected, whose summary says the sequence (HijackSuspicion::text).
model::Event toEvent(std::string_view domain, const HijackSuspicion& suspicion);

}  // namespace zonewatch::rdap
