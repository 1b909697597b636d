// The monitor's commands: `run`, `status`, `history`, `evidence`, `ack` and `config check`. Each
// reads the configuration (the one place, with start-up, where errors are thrown: they are caught
// here and turned into a message and an exit code), then works on the store or starts the daemon.
// Only `run` creates the database; the JSON outputs are one valid JSON object per line whatever
// the store holds (invalid UTF-8 becomes U+FFFD).
#pragma once

#include <iosfwd>
#include <string>

namespace zonewatch {

struct MonitorArgs {
  std::string configPath;
  bool json = false;
  bool once = false;   // run
  std::string domain;  // history ("*": the portfolio-wide events), evidence, ack
  size_t limit = 100;  // history: most recent events
  std::string at;      // evidence: RFC 3339 time; empty = the latest snapshot
};

int runDaemonCommand(const MonitorArgs& args);
int runStatusCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);
int runHistoryCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);
int runEvidenceCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);
int runAckCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);
int runConfigCheckCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err);

}  // namespace zonewatch
