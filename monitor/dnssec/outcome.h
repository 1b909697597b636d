// Validation outcomes as data: a state, a specific reason with its RFC 8914 Extended DNS Error
// code, and what the outcome concerns (zone, RRset, key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "monitor/dns/name.h"
#include "monitor/dns/types.h"
#include "monitor/model/security_state.h"

namespace zonewatch::dnssec {

// The verdict's vocabulary lives in the model (monitor/model/security_state.h), which the
// observation and the stored state share without depending on the validator; the validator names
// it as its own.
using State = model::SecurityState;
using Reason = model::SecurityReason;
using model::edeCode;
using model::isWorse;
using model::reasonFromString;
using model::stateFromString;
using model::toString;

// The verdict on one step of validation.
struct Outcome {
  State state = State::kIndeterminate;
  Reason reason = Reason::kMissingData;
  dns::Name zone;                     // the zone whose data failed (or was proven insecure)
  std::optional<dns::RRType> rrtype;  // the RRset concerned, when one is
  std::optional<uint16_t> keyTag;     // the key concerned, when one is
  std::string detail;                 // a short human explanation

  std::optional<uint16_t> ede() const { return edeCode(reason); }
  static Outcome secure(const dns::Name& zone) {
    return {State::kSecure, Reason::kNone, zone, {}, {}, {}};
  }
};

}  // namespace zonewatch::dnssec
