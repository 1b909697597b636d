// The prober's two inputs that may come from files, read at start-up: the root hints and the
// trust anchors, each the built-in IANA set when no file is named. `zonewatch check` (its
// --root-hints and --trust-anchor) and the daemon (root_hints, trust_anchors) both read them
// here, so a file means the same to both. The parsers themselves (root_hints.h,
// dnssec/trust_anchor.h) do no I/O; this is where the file is read.
#pragma once

#include <string>

#include "monitor/dnssec/trust_anchor.h"
#include "monitor/probe/delegation_cache.h"
#include "monitor/util/result.h"

namespace zonewatch::probe {

// The root hints file at `path`, or the built-in IANA root servers when `path` is empty. Errors
// name the file (and its line for syntax).
Result<ZoneCut> loadRootHints(const std::string& path);

// The trust anchors file at `path`, or the built-in root KSKs when `path` is empty.
Result<dnssec::TrustAnchors> loadTrustAnchors(const std::string& path);

}  // namespace zonewatch::probe
