// How bad a finding or an event is: one scale for `zonewatch check`'s findings, the differ's
// events, webhook filters (`min_severity`) and log levels. The names are the public contract
// (event JSON, webhook bodies, the config); the order is the enum's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace zonewatch::model {

enum class Severity : uint8_t { kInfo, kWarning, kCritical };

// Indexed by Severity.
inline constexpr std::array<std::string_view, 3> kSeverityNames = {"info", "warning", "critical"};

// "info" | "warning" | "critical".
std::string_view toString(Severity severity);
std::optional<Severity> severityFromString(std::string_view name);

}  // namespace zonewatch::model
