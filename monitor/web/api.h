// The JSON endpoints of the timeline page (issue 17), documented for scripts in the README:
//   /api/status                          every domain, worst first, and the counts per state
//   /api/events?since=&domain=&limit=    stored events, oldest first, from `since` (unix seconds)
//   /api/domain/NAME                     one domain: its summary, confirmed state, chain of trust
//                                        (monitor/detect/chain_summary.h), latest events and
//                                        snapshots
// Each is a function of a store connection and the request, so that tests call them without a
// listener; web_routes.h wires them to paths. The domain and event objects carry the fields of
// `zonewatch status --json` and `history --json` (monitor/commands/monitor_commands.cpp) under
// the same names, so that a script can use either. Invalid UTF-8 from the store becomes U+FFFD.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "alerts/http_listener.h"
#include "storage/store.h"

namespace zonewatch::web {

alerts::HttpReply apiStatus(storage::Store& store, int64_t now);
// 400 for a `since` or `limit` that is not a number; `limit` defaults to 100, at most
// kMaxApiEvents. `domain` "*" selects the portfolio-wide events.
alerts::HttpReply apiEvents(storage::Store& store, std::string_view query);
// 404 for a domain the store does not know.
alerts::HttpReply apiDomain(storage::Store& store, std::string_view name);

// One event as `zonewatch history --json` and `events --json` print it (and as /api/events lists
// it): a JSON object on one line, ending in "\n".
std::string eventJsonLine(const storage::EventRow& e);

// A JSON error reply: {"error": message}.
alerts::HttpReply jsonError(int status, std::string_view message);

}  // namespace zonewatch::web
