// The zonewatch binary: a thin CLI11 shell. Each subcommand fills its arguments struct and hands
// it to its command (check_command.h, ...); no command logic lives here.
//
// Exit codes follow the Nagios plugin convention throughout (0 OK, 1 WARNING, 2 CRITICAL,
// 3 UNKNOWN); a command line that does not parse is UNKNOWN, not CLI11's own 106/109.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "monitor/commands/check_command.h"
#include "monitor/commands/monitor_commands.h"

namespace {

// SIGPIPE's default action ends the process on a write to a connection the peer has closed. A name
// server or a webhook receiver that resets its connection, or a reader of our output that quits
// early, must cost one failed write (EPIPE, handled where it happens), not the daemon or the check
// (issue 11). The query engine does not depend on this (it sends with MSG_NOSIGNAL); the webhooks
// do (libcurl with CURLOPT_NOSIGNAL leaves SIGPIPE to the program). Nothing is exec'd, so no child
// inherits the ignored disposition.
void ignoreSigpipe() {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, nullptr);
}

void addCheck(CLI::App& app, zonewatch::CheckArgs& args) {
  CLI::App* check = app.add_subcommand(
      "check", "Observe domains once: delegation, servers, DNSSEC chain, findings");
  check->add_option("domain", args.domains, "Domains to check (U-labels are accepted)")->required();
  check->add_option("--root-hints", args.rootHintsFile,
                    "Root hints file in zone-file format (default: built-in IANA root servers)");
  check->add_option("--trust-anchor", args.trustAnchorFile,
                    "DS or DNSKEY records of the trust anchor (default: built-in IANA root KSKs)");
  check->add_option("--at", args.at,
                    "Validate as of this RFC 3339 time, e.g. 2026-11-27T12:00:00Z (default: now)");
  check->add_flag("--json", args.json, "One line of JSON per domain (monitor/probe/check-json.md)");
  check->add_option("--timeout", args.timeoutMs, "Per-try query timeout in milliseconds")
      ->capture_default_str();
  CLI::Option* v4 = check->add_flag("-4,--ipv4-only", args.ipv4Only, "Query over IPv4 only");
  CLI::Option* v6 = check->add_flag("-6,--ipv6-only", args.ipv6Only, "Query over IPv6 only");
  v4->excludes(v6);
  check
      ->add_option("--signature-warning", args.signatureWarning,
                   "Warn when a signature expires within this duration (e.g. 7d, 36h)")
      ->capture_default_str();
  check
      ->add_option("--signature-critical", args.signatureCritical,
                   "Critical when a signature expires within this duration")
      ->capture_default_str();
  check->add_option("--psl", args.pslFile,
                    "Public Suffix List file (default: the newest libpsl finds)");
  check->callback([&args] {
    // NO_COLOR (https://no-color.org) wins over a terminal.
    const char* noColour = std::getenv("NO_COLOR");
    args.colour = isatty(STDOUT_FILENO) == 1 && (noColour == nullptr || *noColour == '\0');
  });
}

void addMonitor(CLI::App& app, zonewatch::MonitorArgs& args) {
  auto configOption = [&args](CLI::App* sub) {
    sub->add_option("-c,--config", args.configPath, "The configuration file (YAML)")->required();
  };
  CLI::App* run = app.add_subcommand("run", "Watch the configured portfolio (the daemon)");
  configOption(run);
  run->add_flag("--once", args.once,
                "Observe every domain once, store, report events and exit (cron, benchmarks)");

  CLI::App* status =
      app.add_subcommand("status", "Every watched domain: state, operators, last change");
  configOption(status);
  status->add_flag("--json", args.json, "One JSON object per domain, one per line");

  CLI::App* history =
      app.add_subcommand("history", "The events of one domain, with before and after");
  history->add_option("domain", args.domain, "The domain")->required();
  configOption(history);
  history->add_flag("--json", args.json, "One JSON object per event, one per line");
  history->add_option("--limit", args.limit, "The most recent events to show")
      ->capture_default_str();

  CLI::App* evidence = app.add_subcommand(
      "evidence", "What the parent and each server published, as received, at a given time");
  evidence->add_option("domain", args.domain, "The domain")->required();
  configOption(evidence);
  evidence->add_option("--at", args.at,
                       "RFC 3339 time, e.g. 2026-11-27T12:00:00Z (default: the latest snapshot)");
  evidence->add_flag("--json", args.json, "One JSON object: times, state and evidence");

  CLI::App* ack = app.add_subcommand(
      "ack", "Accept a domain's current operators and DS key tags as its pinned baseline");
  ack->add_option("domain", args.domain, "The domain")->required();
  configOption(ack);
  ack->add_flag("--json", args.json, "Print the accepted baseline as JSON");

  CLI::App* config = app.add_subcommand("config", "Configuration tools");
  config->require_subcommand(1);
  CLI::App* check = config->add_subcommand("check", "Validate a configuration without running");
  configOption(check);
}

}  // namespace

int main(int argc, char** argv) {
  ignoreSigpipe();  // first: every subcommand, the daemon and `check` included, runs after it
  CLI::App app{"zonewatch: watches domain delegations and validates DNSSEC", "zonewatch"};
  app.require_subcommand(1);
  // On a parse error print the error and the relevant usage (the subcommand's, when one was
  // given) to stderr.
  app.failure_message(CLI::FailureMessage::help);

  zonewatch::CheckArgs checkArgs;
  addCheck(app, checkArgs);
  zonewatch::MonitorArgs monitorArgs;
  addMonitor(app, monitorArgs);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help to stdout (code 0) or the error to stderr
    return code == 0 ? 0 : zonewatch::kExitUnknown;
  }
  if (app.got_subcommand("check")) return zonewatch::runCheck(checkArgs);
  if (app.got_subcommand("run")) return zonewatch::runDaemonCommand(monitorArgs);
  if (app.got_subcommand("status")) {
    return zonewatch::runStatusCommand(monitorArgs, std::cout, std::cerr);
  }
  if (app.got_subcommand("history")) {
    return zonewatch::runHistoryCommand(monitorArgs, std::cout, std::cerr);
  }
  if (app.got_subcommand("evidence")) {
    return zonewatch::runEvidenceCommand(monitorArgs, std::cout, std::cerr);
  }
  if (app.got_subcommand("ack")) return zonewatch::runAckCommand(monitorArgs, std::cout, std::cerr);
  if (app.got_subcommand("config")) {
    return zonewatch::runConfigCheckCommand(monitorArgs, std::cout, std::cerr);
  }
  return zonewatch::kExitUnknown;
}
