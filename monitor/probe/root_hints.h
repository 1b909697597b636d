// Root hints: the name servers of the root zone and their addresses, where every walk down the
// DNS tree starts (RFC 1034 §5.3.3 "SBELT"; the priming query of RFC 9609 then refreshes them).
//
// Built in: the 13 IANA root servers with their IPv4 and IPv6 addresses, as IANA publishes them
// in named.root (b.root-servers.net renumbered on 2023-11-27; correct as of 2026). Alternatively
// a root hints file in zone-file format (a test lab's own root), whose text the caller reads: this
// module does no I/O.
#pragma once

#include <string_view>

#include "monitor/probe/delegation_cache.h"
#include "monitor/util/result.h"

namespace zonewatch::probe {

// The IANA root servers a.root-servers.net. ... m.root-servers.net., each with one A and one AAAA.
ZoneCut builtInRootHints();

// Parses a root hints file: NS records owned by the root and A/AAAA records for those hosts
// (other A/AAAA records are ignored, as in named.root's own use). Every NS host needs at least one
// address. Errors read "FILE:LINE: reason" for syntax, "FILE: reason" for content.
Result<ZoneCut> rootHintsFromText(std::string_view text, std::string_view source);

}  // namespace zonewatch::probe
