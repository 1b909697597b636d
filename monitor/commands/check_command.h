// `zonewatch check DOMAIN...` / `zonewatch check -f FILE`: observes each domain once, prints the
// plugin status line and the human report (or one JSON line per domain), and exits with the
// Nagios plugin code of the worst domain — usable by hand, in scripts (--json) and as a
// Nagios/Icinga check (plugin_output.h).
//
// With -f, the domains come from a file (or standard input), one a line, and each domain's result
// is printed as soon as it is complete, with its own status line; at most `concurrency`
// observations run at once.
//
// main.cpp only parses the command line (CLI11) into CheckArgs; everything the command does,
// including validating the values of its options and reading the files they name, is here, so
// that it can be driven and tested without a process.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "monitor/commands/exit_codes.h"

namespace zonewatch {

struct CheckArgs {
  std::vector<std::string> domains;  // as typed: A-labels or U-labels
  std::string domainsFile;           // -f: one domain a line; "-": standard input
  unsigned concurrency = 16;         // -f: observations in flight at once
  std::string rootHintsFile;         // empty: the built-in IANA root hints
  std::string trustAnchorFile;       // empty: the built-in IANA root trust anchors
  std::string at;                    // RFC 3339 time to validate at; empty: now
  bool json = false;
  int64_t timeoutMs = 1500;  // per try, as resolver::EngineOptions::timeout
  bool ipv4Only = false;
  bool ipv6Only = false;
  // The signature expiry's thresholds, monitoring-plugins ranges over the seconds left: -w/-c
  // ("604800:" or "7d:": fewer than 7 days left). Empty: from the older duration options below,
  // which stay as aliases ("--signature-warning 7d" is "-w 7d:").
  std::string warning;
  std::string critical;
  std::string signatureWarning;   // empty: 7d
  std::string signatureCritical;  // empty: 1d
  std::string pslFile;            // empty: the Public Suffix List libpsl finds
  // --rdap: also ask the domain's RDAP server once and print its registration (check_rdap.h).
  // What it finds never changes the DNS verdict or the exit code.
  bool rdap = false;
  std::string configPath;  // --config: its rdap keys; empty: the compiled-in bootstrap file
  bool colour = false;     // ANSI colour in the human report
  bool progress = false;   // -f: a progress line on standard error (a terminal)
};

// Runs the command; the report goes to out, problems with the arguments and progress to err; -f -
// reads `in`.
int runCheck(const CheckArgs& args, std::istream& in, std::ostream& out, std::ostream& err);
int runCheck(const CheckArgs& args, std::ostream& out, std::ostream& err);  // in: std::cin
int runCheck(const CheckArgs& args);  // std::cin, std::cout, std::cerr

// The worse of two Nagios codes: CRITICAL > WARNING > UNKNOWN > OK, as the monitoring-plugins'
// max_state_alt() ranks them, so one unreachable domain never hides another's bogus chain.
int worseExitCode(int a, int b);

}  // namespace zonewatch
