// The zonewatch binary: a thin CLI11 shell. Each subcommand fills its arguments struct and hands
// it to its command (check_command.h, ...); no command logic lives here.
//
// Exit codes follow the Nagios plugin convention throughout (0 OK, 1 WARNING, 2 CRITICAL,
// 3 UNKNOWN); a command line that does not parse is UNKNOWN, not CLI11's own 106/109. Every
// subcommand and option here is documented in docs/man/zonewatch.1 (a test holds them together).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <vector>

#include "monitor/commands/check_command.h"
#include "monitor/commands/monitor_commands.h"

namespace {

#ifdef ZONEWATCH_JEMALLOC
// The allocator's settings, where the binary links jemalloc (not under the sanitizers, which bring
// their own allocator). jemalloc reads this symbol at its start; MALLOC_CONF still overrides it.
//
// narenas:1 — one arena for every thread instead of four per CPU. The daemon's probe threads
// (monitor/daemon/probe_thread.h) allocate an observation's answers and free them on the loop's
// thread; with an arena per thread each kept its own retained pages, about 0.17 KiB per domain more
// peak RSS in a first round of 10,000 domains (of issue 13's 4), for no throughput the benchmark
// could tell apart (tests/bench/monitor_bench.sh; the thread caches take most of the traffic off
// the arena's lock).
extern "C" {
extern const char* const malloc_conf;  // the name and type are jemalloc's (man jemalloc, TUNING)
const char* const malloc_conf = "narenas:1";
}
#endif

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

// check's registration options (issue 16).
void addCheckRdap(CLI::App* check, zonewatch::CheckArgs& args) {
  CLI::Option* rdap = check->add_flag(
      "--rdap", args.rdap,
      "Also ask each domain's RDAP server once and print its registration: registrar, locks, "
      "the registry's name servers against the delegation, expiration. An RDAP failure is "
      "printed with its reason and changes neither the verdict nor the exit status. Not with -f");
  check
      ->add_option("--config", args.configPath,
                   "With --rdap: take rdap.bootstrap_file, rdap.servers, rdap.timeout and "
                   "rdap.min_spacing from this configuration file (default: the built-in "
                   "bootstrap file)")
      ->needs(rdap);
}

void addCheck(CLI::App& app, zonewatch::CheckArgs& args) {
  CLI::App* check = app.add_subcommand(
      "check", "Observe domains once: delegation, servers, DNSSEC chain, findings");
  check->footer(
      "Output: a Nagios/Icinga plugin status line (ZONEWATCH OK|WARNING|CRITICAL|UNKNOWN - ... | "
      "perfdata), then the report.\nExit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the "
      "worst domain's); --rdap never changes it.");
  CLI::Option* domains =
      check->add_option("domain", args.domains, "Domains to check (U-labels are accepted)");
  check
      ->add_option("-f,--file", args.domainsFile,
                   "Check the domains in FILE, one a line (# comments), '-' for standard input; "
                   "each result is printed as it completes")
      ->excludes(domains);
  check->add_option("--concurrency", args.concurrency, "Observations in flight at once")
      ->capture_default_str();
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
  CLI::Option* w = check->add_option(
      "-w,--warning", args.warning,
      "Signature expiry warning range, in seconds left (monitoring-plugins syntax; units "
      "allowed): 604800: or 7d: warns with less than 7 days left (default 7d:)");
  CLI::Option* c = check->add_option("-c,--critical", args.critical,
                                     "Signature expiry critical range, as -w (default 1d:)");
  check
      ->add_option("--signature-warning", args.signatureWarning,
                   "Older form of -w: warn when a signature expires within this duration (7d is "
                   "-w 7d:)")
      ->excludes(w);
  check
      ->add_option("--signature-critical", args.signatureCritical,
                   "Older form of -c: critical when a signature expires within this duration")
      ->excludes(c);
  check->add_option("--psl", args.pslFile,
                    "Public Suffix List file (default: the newest libpsl finds)");
  addCheckRdap(check, args);
  check->callback([&args] {
    // NO_COLOR (https://no-color.org) wins over a terminal.
    const char* noColour = std::getenv("NO_COLOR");
    args.colour = isatty(STDOUT_FILENO) == 1 && (noColour == nullptr || *noColour == '\0');
    // A progress line only for a person watching: never into a log or a pipe.
    args.progress = isatty(STDERR_FILENO) == 1;
  });
}

// -c on every subcommand that reads the configuration; without it, the default path.
CLI::Option* addConfigOption(CLI::App* sub, zonewatch::MonitorArgs& args) {
  return sub->add_option(
      "-c,--config", args.configPath,
      "The configuration file (YAML; default " + std::string(zonewatch::kDefaultConfigPath) + ")");
}

void addEventCommands(CLI::App& app, zonewatch::MonitorArgs& args,
                      std::vector<CLI::Option*>& configs) {
  const std::string since =
      "Only events from this time on: RFC 3339 (2026-11-27T12:00:00Z) or an age (24h, 7d)";
  CLI::App* history =
      app.add_subcommand("history", "The events of one domain, with before and after");
  history->add_option("domain", args.domain, "The domain ('*': the portfolio-wide events)")
      ->required();
  configs.push_back(addConfigOption(history, args));
  history->add_flag("--json", args.json, "One JSON object per event, one per line");
  history->add_option("--limit", args.limit, "The most recent events to show")
      ->capture_default_str();
  history->add_option("--since", args.since, since);

  CLI::App* events = app.add_subcommand(
      "events", "Every stored event in time order, portfolio-wide ones included");
  configs.push_back(addConfigOption(events, args));
  events->add_option("--since", args.since, since);
  events->add_option("--domain", args.domain, "Only this domain's events ('*': portfolio-wide)");
  events->add_flag("--json", args.json, "One JSON object per event, one per line");
}

void addMonitor(CLI::App& app, zonewatch::MonitorArgs& args, std::vector<CLI::Option*>& configs) {
  CLI::App* run = app.add_subcommand("run", "Watch the configured portfolio (the daemon)");
  configs.push_back(addConfigOption(run, args));
  run->add_flag("--once", args.once,
                "Observe every domain once, store, report events and exit (cron, benchmarks)");

  CLI::App* status =
      app.add_subcommand("status", "Every watched domain: state, operators, last change");
  configs.push_back(addConfigOption(status, args));
  status->add_flag("--json", args.json, "One JSON object per domain, one per line");
  status->footer(std::string(zonewatch::kStatusLegend) +
                 "\nAn internationalised domain is shown as its A-label, then its Unicode form.");

  addEventCommands(app, args, configs);

  CLI::App* evidence = app.add_subcommand(
      "evidence", "What the parent and each server published, as received, at a given time");
  evidence->add_option("domain", args.domain, "The domain")->required();
  configs.push_back(addConfigOption(evidence, args));
  evidence->add_option("--at", args.at,
                       "RFC 3339 time, e.g. 2026-11-27T12:00:00Z (default: the latest snapshot)");
  evidence->add_flag("--json", args.json, "One JSON object: times, state and evidence");

  CLI::App* ack = app.add_subcommand(
      "ack", "Accept a domain's current operators and DS key tags as its pinned baseline");
  ack->add_option("domain", args.domain, "The domain")->required();
  configs.push_back(addConfigOption(ack, args));
  ack->add_flag("--json", args.json, "Print the accepted baseline as JSON");

  CLI::App* config = app.add_subcommand("config", "Configuration tools");
  config->require_subcommand(1);
  CLI::App* check = config->add_subcommand("check", "Validate a configuration without running");
  configs.push_back(addConfigOption(check, args));
  check->add_flag("--json", args.json,
                  "One JSON object: ok, errors (file, line, column, key, message), warnings");
}

int dispatch(CLI::App& app, zonewatch::CheckArgs& checkArgs, zonewatch::MonitorArgs& args) {
  using namespace zonewatch;
  if (app.got_subcommand("check")) return runCheck(checkArgs);
  if (app.got_subcommand("run")) return runDaemonCommand(args);
  if (app.got_subcommand("status")) return runStatusCommand(args, std::cout, std::cerr);
  if (app.got_subcommand("history")) return runHistoryCommand(args, std::cout, std::cerr);
  if (app.got_subcommand("events")) return runEventsCommand(args, std::cout, std::cerr);
  if (app.got_subcommand("evidence")) return runEvidenceCommand(args, std::cout, std::cerr);
  if (app.got_subcommand("ack")) return runAckCommand(args, std::cout, std::cerr);
  if (app.got_subcommand("config")) return runConfigCheckCommand(args, std::cout, std::cerr);
  return kExitUnknown;
}

}  // namespace

int main(int argc, char** argv) {
  ignoreSigpipe();  // first: every subcommand, the daemon and `check` included, runs after it
  CLI::App app{"zonewatch: watches domain delegations and validates DNSSEC", "zonewatch"};
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", std::string("zonewatch ") + ZONEWATCH_VERSION,
                       "Print the version and exit");
  // On a parse error print the error and the relevant usage (the subcommand's, when one was
  // given) to stderr.
  app.failure_message(CLI::FailureMessage::help);

  zonewatch::CheckArgs checkArgs;
  addCheck(app, checkArgs);
  zonewatch::MonitorArgs monitorArgs;
  std::vector<CLI::Option*> configs;
  addMonitor(app, monitorArgs, configs);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A plugin's UNKNOWN has its status line on standard output too, where Icinga reads it; not
    // for --json, whose readers take every line for JSON.
    const bool check = argc > 1 && std::string_view(argv[1]) == "check";
    const bool json = std::find(argv, argv + argc, std::string_view("--json")) != argv + argc;
    if (check && !json && e.get_exit_code() != 0) {
      std::string why = e.what();
      std::replace(why.begin(), why.end(), '|', '/');  // '|' would start the perfdata
      std::replace(why.begin(), why.end(), '\n', ' ');
      std::cout << "ZONEWATCH UNKNOWN - invalid command line: " << why << "\n" << std::flush;
    }
    const int code = app.exit(e);  // prints help to stdout (code 0) or the error to stderr
    return code == 0 ? 0 : zonewatch::kExitUnknown;
  }
  for (const CLI::Option* c : configs) monitorArgs.configGiven |= c->count() > 0;
  return dispatch(app, checkArgs, monitorArgs);
}
