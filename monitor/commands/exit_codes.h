// The exit codes of every zonewatch command, one set for all: `check` is a Nagios/Icinga plugin
// and the other commands keep its meaning of 3 ("could not do it": bad arguments, an unreadable
// configuration or database), so a monitoring system reads them all the same way.
#pragma once

namespace zonewatch {

// Nagios Plugin Development Guidelines, "Plugin Return Codes".
constexpr int kExitOk = 0;
constexpr int kExitWarning = 1;
constexpr int kExitCritical = 2;
constexpr int kExitUnknown = 3;  // also bad arguments and unreadable files

}  // namespace zonewatch
