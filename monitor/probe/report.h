// The human form of one observation, as `zonewatch check` prints it: who the domain is, the
// verdict, the chain of trust from the root, the parent's delegation, what every server address
// answered, and the findings, in that order — readable at a glance in a terminal or an e-mail.
//
// ANSI colour only when the caller asks (it passes isatty(STDOUT_FILENO)), so pipes, logs and
// tests get plain text. Pure: builds a string, prints nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "monitor/model/observation.h"

namespace zonewatch::probe {

std::string formatReport(const model::Observation& observation, bool colour);

// The RFC 8914 §5.2 name of an Extended DNS Error info-code ("Signature Expired"), or "" when the
// code has none (0 is "Other Error", shown only when an EDE is set).
std::string_view edeName(uint16_t code);

}  // namespace zonewatch::probe
