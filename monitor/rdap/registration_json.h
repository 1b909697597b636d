// The stored form of a Registration: the JSON text the daemon writes as a domain's
// RegistrationRow::factsJson (storage/store.h) and the commands read back for `status`, `history`
// and `check --rdap --json`. Owns that format and nothing else; the RFC 9083 reading of a server's
// answer is domain_response.h.
//
// The form, with snake_case keys and times in unix seconds (null when the server gave none):
//   {"ldh_name": "example.com.", "unicode_name": "", "handle": "...",
//    "status": ["client transfer prohibited", ...],              // RFC 9083 §10.2.2 names
//    "registrar": {"name": "...", "iana_id": 292, "handle": "..."} or null,
//    "nameservers": ["ns1.example.net.", ...],
//    "registered_at": ..., "last_changed_at": ..., "expires_at": ..., "transferred_at": ...,
//    "database_updated_at": ...}
// (the keys the daemon's RDAP poll in progress writes, so that rows from either read the same).
// A status outside the registry is kept as the server's (lowercased) text and reads back as
// StatusCode::kUnknown with that text, as parseDomain() made it.
#pragma once

#include <string>
#include <string_view>

#include "monitor/rdap/domain_response.h"
#include "monitor/rdap/rdap_error.h"
#include "monitor/util/result.h"

namespace zonewatch::rdap {

// One line of JSON; readRegistrationJson(toJson(r)) == r for every Registration parseDomain makes.
std::string toJson(const Registration& registration);

// The text toJson wrote. The store is zonewatch's own, but a row may be older or hand-edited, so
// the same caps as for a server's answer apply, and a wrong member is kWrongShape or kBadValue.
Result<Registration, RdapError> registrationFromJson(std::string_view text);

}  // namespace zonewatch::rdap
