// The monitor's commands: `run`, `status`, `history`, `events`, `evidence`, `ack` and
// `config check`. Each reads the configuration (the one place, with start-up, where errors are
// thrown: they are caught here and turned into a message and an exit code), then works on the
// store or starts the daemon.
// Only `run` creates the database; the JSON outputs are one valid JSON object per line whatever
// the store holds (invalid UTF-8 becomes U+FFFD).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "monitor/util/result.h"

namespace zonewatch {

// The configuration read when -c is not given: the build's sysconfdir
// (CMAKE_INSTALL_FULL_SYSCONFDIR), /etc/zonewatch/zonewatch.yaml for a system install, where
// `cmake --install` puts the example configuration.
extern const std::string_view kDefaultConfigPath;

// What status's STATE markers mean ("?", "-"): under the table and in `status --help`.
extern const std::string_view kStatusLegend;

struct MonitorArgs {
  std::string configPath{kDefaultConfigPath};
  bool configGiven = false;  // -c was given: a missing default is reported as such otherwise
  bool json = false;
  bool once = false;   // run
  std::string domain;  // history ("*": the portfolio-wide events), evidence, ack; events --domain
  size_t limit = 100;  // history: most recent events
  std::string at;      // evidence: RFC 3339 time; empty = the latest snapshot
  std::string since;   // events, history: RFC 3339 time or an age ("24h", "7d"); empty = all
};

// --since: an RFC 3339 time, or an age in the configuration's duration syntax ("24h", "7d",
// "1h30m") counted back from `now`. Unix seconds.
Result<int64_t> parseSinceTime(std::string_view text, int64_t now);

int runDaemonCommand(const MonitorArgs& args);
int runStatusCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);
int runHistoryCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);
// `events`: every stored event, portfolio-wide ones included, oldest first.
int runEventsCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);
int runEvidenceCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);
int runAckCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);
int runConfigCheckCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);

}  // namespace zonewatch
