// A reader for zone-file text good enough for root hints and trust-anchor files (RFC 1035 §5.1):
// owner, TTL, class and type in any of the usual orders, $ORIGIN, $TTL, parentheses spanning
// lines, comments and quoted strings. Not a full zone loader: no $INCLUDE, no $GENERATE. The
// codec does no I/O: callers read the file and hand its text in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/util/result.h"

namespace zonewatch::dns {

struct ZoneReaderOptions {
  Name origin;               // initial $ORIGIN (default the root)
  uint32_t defaultTtl = 3600;  // used until a $TTL line or an explicit TTL
};

// Parses the whole text; `source` names it in errors, which read "FILE:LINE: reason".
Result<std::vector<ResourceRecord>> readZoneText(std::string_view text, std::string_view source,
                                                 const ZoneReaderOptions& options = {});

}  // namespace zonewatch::dns
