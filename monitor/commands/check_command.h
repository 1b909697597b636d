// `zonewatch check DOMAIN...`: observes each domain once, prints the human report or one JSON line
// per domain, and exits with the Nagios plugin code of the worst domain — usable by hand, in
// scripts (--json) and as a Nagios/Icinga check.
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
  std::string rootHintsFile;         // empty: the built-in IANA root hints
  std::string trustAnchorFile;       // empty: the built-in IANA root trust anchors
  std::string at;                    // RFC 3339 time to validate at; empty: now
  bool json = false;
  int64_t timeoutMs = 1500;  // per try, as resolver::EngineOptions::timeout
  bool ipv4Only = false;
  bool ipv6Only = false;
  std::string signatureWarning = "7d";   // findings: signature_expiring warning threshold
  std::string signatureCritical = "1d";  // findings: signature_expiring critical threshold
  std::string pslFile;                   // empty: the Public Suffix List libpsl finds
  bool colour = false;                   // ANSI colour in the human report
};

// Runs the command; the report goes to out, problems with the arguments to err.
int runCheck(const CheckArgs& args, std::ostream& out, std::ostream& err);
int runCheck(const CheckArgs& args);  // std::cout, std::cerr

// The worse of two Nagios codes: CRITICAL > WARNING > UNKNOWN > OK, as the monitoring-plugins'
// max_state_alt() ranks them, so one unreachable domain never hides another's bogus chain.
int worseExitCode(int a, int b);

}  // namespace zonewatch
