// Moved to monitor/util/rfc3339.h, where the RDAP library (which does not link the prober) reads
// event dates with it too. This name stays until monitor/commands, edited in parallel, includes the
// util header itself; then delete this file.
#pragma once

#include "monitor/util/rfc3339.h"

namespace zonewatch::probe {

using zonewatch::parseRfc3339;

}  // namespace zonewatch::probe
